package cciefbasic_test

import (
	"testing"

	"mimamori/edge/decode"
	"mimamori/protocols/cciefbasic"
	"mimamori/protocols/goldentest"
	"mimamori/protocols/protocolstest"
)

// FuzzCCIEFBasic feeds arbitrary bytes to the dissector, seeded with the
// cyclic frames of the shared capture and the unit fixtures.
func FuzzCCIEFBasic(f *testing.F) {
	keep := func(p *decode.Packet) bool { return p.SrcPort == cciefbasic.Port || p.DstPort == cciefbasic.Port }
	for _, b := range goldentest.Payloads([]string{"cclink-ief-basic"}, keep, 100) {
		f.Add(b)
	}
	f.Add(hex(cyclicReq))
	f.Add(hex(cyclicResp))
	f.Add(withWord(cyclicResp, 13, 0xcfe0))
	f.Add(hex("d00000ffff0300 0b00 59c0 00ffff0300700e0000"))
	reg := registry(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		protocolstest.FuzzDissector(t, reg, data)
	})
}
