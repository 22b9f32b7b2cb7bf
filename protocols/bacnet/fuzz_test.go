package bacnet_test

import (
	"testing"

	"mimamori/edge/decode"
	"mimamori/protocols/bacnet"
	"mimamori/protocols/goldentest"
	"mimamori/protocols/protocolstest"
)

// FuzzBACnet feeds arbitrary bytes to the dissector, seeded with the
// BACnet/IP payloads of the shared captures and the unit fixtures.
func FuzzBACnet(f *testing.F) {
	keep := func(p *decode.Packet) bool { return p.SrcPort == bacnet.Port || p.DstPort == bacnet.Port }
	for _, b := range goldentest.Payloads([]string{"bacnet"}, keep, 200) {
		f.Add(b)
	}
	for _, fx := range []string{rpReq, rpAck, wpReq, wpAck, reinitReq, reinitErr, dccReq, reject, iAm, whoIs,
		rpVendorName, rpModelUCS2, segAck0, segAck1, segmentACK, "0180 03 01 0005"} {
		f.Add(bip(fx))
	}
	f.Add(bvll(0x04, hex("c0a80005bac0"+iAm)))
	f.Add(bvll(0x05, hex("003c")))
	reg := registry(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		protocolstest.FuzzDissector(t, reg, data)
	})
}
