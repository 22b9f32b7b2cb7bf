package slmp_test

import (
	"testing"

	"mimamori/edge/decode"
	"mimamori/protocols/goldentest"
	"mimamori/protocols/protocolstest"
)

// FuzzSLMP feeds arbitrary bytes to the dissector, seeded with the SLMP
// payloads of the shared captures (CC-Link IE TSN, and the CC-Link IE
// Field Basic frames that borrow SLMP's header) and the unit fixtures,
// every frame format among them.
func FuzzSLMP(f *testing.F) {
	keep := func(p *decode.Packet) bool { return p.SrcPort == 45238 || p.DstPort == 45238 || p.DstPort == 61450 }
	for _, b := range goldentest.Payloads([]string{"cclink-ie-tsn", "cclink-ief-basic"}, keep, 100) {
		f.Add(b)
	}
	for _, fx := range append([]string{readD100, readResp, writeM0, writeResp, remoteStop, errorResp, typeName, typeResp,
		"35303030 3030 4646 30334646 3030 30303138 30303130 30343031 30303030 442a 303030313030 30303041",
		"5000 00 ff ff03 00 2200 1000 0214 0200 02 01 64000000 a800 0100 c8000000 a800 0200 00100000 b400 01020304"},
		repeatFixtures...) {
		f.Add(hex(fx))
	}
	reg := registry(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		protocolstest.FuzzDissector(t, reg, data)
	})
}
