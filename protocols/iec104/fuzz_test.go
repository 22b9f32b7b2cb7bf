package iec104_test

import (
	"testing"

	"mimamori/edge/decode"
	"mimamori/protocols/goldentest"
	"mimamori/protocols/iec104"
	"mimamori/protocols/protocolstest"
)

// FuzzIEC104 feeds arbitrary bytes to the dissector, seeded with the IEC
// 104 payloads of the shared captures and the unit fixtures.
func FuzzIEC104(f *testing.F) {
	keep := func(p *decode.Packet) bool { return p.SrcPort == iec104.Port || p.DstPort == iec104.Port }
	for _, b := range goldentest.Payloads([]string{"iec104"}, keep, 200) {
		f.Add(b)
	}
	for _, fx := range []string{startDTAct, testFRCon, sFrame, interrogation, points, singleCommand, commandNeg, clockSync,
		interrogation + interroCon} {
		f.Add(hex(fx))
	}
	reg := registry(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		protocolstest.FuzzDissector(t, reg, data)
	})
}
