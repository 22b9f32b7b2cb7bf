package fins_test

import (
	"testing"

	"mimamori/edge/decode"
	"mimamori/protocols/fins"
	"mimamori/protocols/goldentest"
	"mimamori/protocols/protocolstest"
)

// FuzzFINS feeds arbitrary bytes to the dissector, seeded with the FINS
// payloads (UDP and TCP) of the shared captures and the unit fixtures.
func FuzzFINS(f *testing.F) {
	keep := func(p *decode.Packet) bool { return p.SrcPort == fins.Port || p.DstPort == fins.Port }
	for _, b := range goldentest.Payloads([]string{"fins"}, keep, 200) {
		f.Add(b)
	}
	for _, fx := range []string{readDM100, readResp, writeCIO, stopRefuse, ctlResp,
		"46494e53 00000010 00000001 00000000 000000fb 000000c8"} {
		f.Add(hex(fx))
	}
	f.Add(tcpFrame(readDM100))
	reg := registry(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		protocolstest.FuzzDissector(t, reg, data)
	})
}
