// Package all assembles every dissector into a registry. It exists apart
// from package protocols so that dissector packages can import protocols
// without a cycle; adding a dissector is adding its package here.
package all

import (
	"mimamori/protocols"
	"mimamori/protocols/fins"
	"mimamori/protocols/melsoft"
	"mimamori/protocols/modbus"
	"mimamori/protocols/profinet"
	"mimamori/protocols/slmp"
)

// Constructors lists every dissector, most specific heuristic first: the
// registry tries heuristics in this order.
func Constructors() []protocols.Constructor {
	return []protocols.Constructor{
		fins.New,
		melsoft.New,
		profinet.New,
		slmp.New,
		modbus.New,
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
