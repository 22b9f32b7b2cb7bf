package melsoft_test

import (
	"testing"

	"mimamori/edge/decode"
	"mimamori/protocols/goldentest"
	"mimamori/protocols/melsoft"
	"mimamori/protocols/protocolstest"
)

// FuzzMELSOFT feeds arbitrary bytes to the dissector, seeded with the
// MELSOFT payloads (TCP and UDP) of the shared captures and the unit
// fixtures.
func FuzzMELSOFT(f *testing.F) {
	keep := func(p *decode.Packet) bool {
		for _, port := range []uint16{melsoft.TCPPort, melsoft.TCPPortIQ, melsoft.UDPPort} {
			if p.SrcPort == port || p.DstPort == port {
				return true
			}
		}
		return false
	}
	for _, b := range goldentest.Payloads([]string{"melsec-melsoft", "attacks"}, keep, 200) {
		f.Add(b)
	}
	for _, fx := range []string{check, checkResp, openInit, openInitResp, login, loginFail, stop, stopResp, addUser, refused} {
		f.Add(hex(fx))
	}
	reg := registry(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		protocolstest.FuzzDissector(t, reg, data)
	})
}
