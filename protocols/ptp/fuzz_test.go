package ptp_test

import (
	"testing"

	"mimamori/edge/decode"
	"mimamori/protocols/goldentest"
	"mimamori/protocols/protocolstest"
	"mimamori/protocols/ptp"
)

// FuzzPTP feeds arbitrary bytes to the dissector, seeded with the PTP
// messages of the shared capture and the unit fixtures.
func FuzzPTP(f *testing.F) {
	keep := func(p *decode.Packet) bool { return uint16(p.EtherType) == ptp.EtherType }
	for _, b := range goldentest.Payloads([]string{"cclink-ie-tsn"}, keep, 100) {
		f.Add(b)
	}
	for _, fx := range []string{sync, pdelayReq, pdelayResp, announce, delayReqV1} {
		f.Add(hex(fx))
	}
	reg := registry(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		protocolstest.FuzzDissector(t, reg, data)
	})
}
