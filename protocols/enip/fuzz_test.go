package enip_test

import (
	"testing"

	"mimamori/edge/decode"
	"mimamori/protocols/enip"
	"mimamori/protocols/goldentest"
	"mimamori/protocols/protocolstest"
)

// FuzzENIP feeds arbitrary bytes to the dissector, seeded with the
// EtherNet/IP payloads (TCP and UDP 44818, UDP 2222) of the shared
// captures and the unit fixtures.
func FuzzENIP(f *testing.F) {
	keep := func(p *decode.Packet) bool {
		return p.SrcPort == enip.Port || p.DstPort == enip.Port || p.SrcPort == enip.IOPort || p.DstPort == enip.IOPort
	}
	for _, b := range goldentest.Payloads([]string{"enip-cip", "attacks"}, keep, 300) {
		f.Add(b)
	}
	for _, fx := range [][]byte{hex(listIdentityReq), hex(listIdentityResp), hex(registerSession),
		rr(getIdentity), rr(getIdentityResp), rr(ucmmGetIdentity), rr(ucmmTimeout), rr(forwardOpen),
		unit(readTag), unit(readTagResp), unit(msp), unit(stopPLC), rr(writeAttr), rr(writeAttrDenied),
		hex("0200 0280 0800 03064b00 db953f00 b100 0600 a587e80f0300")} {
		f.Add(fx)
	}
	reg := registry(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		protocolstest.FuzzDissector(t, reg, data)
	})
}
