// Package all assembles every dissector into a registry. It exists apart
// from package protocols so that dissector packages can import protocols
// without a cycle; adding a dissector is adding its package here.
package all

import (
	"mimamori/protocols"
	"mimamori/protocols/bacnet"
	"mimamori/protocols/cciefbasic"
	"mimamori/protocols/cclinkie"
	"mimamori/protocols/dnp3"
	"mimamori/protocols/enip"
	"mimamori/protocols/fins"
	"mimamori/protocols/iec104"
	"mimamori/protocols/melsoft"
	"mimamori/protocols/modbus"
	"mimamori/protocols/opcua"
	"mimamori/protocols/profinet"
	"mimamori/protocols/ptp"
	"mimamori/protocols/s7comm"
	"mimamori/protocols/slmp"
)

// Constructors lists every dissector, most specific heuristic first: the
// registry tries heuristics in this order.
func Constructors() []protocols.Constructor {
	return []protocols.Constructor{
		dnp3.New,
		fins.New,
		cciefbasic.New, // before SLMP: its frames borrow SLMP's 3E header
		s7comm.New,
		melsoft.New,
		profinet.New,
		slmp.New,
		bacnet.New,
		opcua.New,
		iec104.New,
		enip.New,
		modbus.New,
		cclinkie.New, // EtherType 0x890F only, no heuristic
		ptp.New,      // EtherType 0x88F7 and UDP 319/320, no heuristic
	}
}

// Default returns a registry of every dissector. It panics if two of them
// conflict, which is a programming error that the package's tests catch.
func Default() *protocols.Registry {
	r, err := protocols.NewRegistry(Constructors()...)
	if err != nil {
		panic(err)
	}
	return r
}
