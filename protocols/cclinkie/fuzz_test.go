package cclinkie_test

import (
	"testing"

	"mimamori/edge/decode"
	"mimamori/protocols/cclinkie"
	"mimamori/protocols/goldentest"
	"mimamori/protocols/protocolstest"
)

// FuzzCCLinkIE feeds arbitrary bytes to the dissector, seeded with the
// 0x890F frames of the shared captures and the unit fixtures, and checks
// the repeat key on Ethernet too.
func FuzzCCLinkIE(f *testing.F) {
	keep := func(p *decode.Packet) bool { return uint16(p.EtherType) == cclinkie.EtherType }
	for _, b := range goldentest.Payloads([]string{"cclink-ie-field-control", "cclink-ie-tsn"}, keep, 200) {
		f.Add(b)
	}
	for _, fx := range []string{detection, detectionAck, cyclicM, tsnTestData, tsnFieldAck, controlAck,
		"80 00 000001 00 0004 0000 00000000 0000"} {
		f.Add(hex(fx))
	}
	f.Add(with(field(0x25, 0x04, 1, 0x13, 0, 1, 0x01, 62), 36, 0x09))
	f.Add(with(field(0x22, 0x07, 1, 0x13, 0, 1, 0x01, 62), 30, 0x03, 0x80))
	reg := registry(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		protocolstest.FuzzDissector(t, reg, data)
		// The Tracker hands these frames over on Ethernet, which
		// FuzzDissector's repeat check does not cover.
		checkRepeatEthernet(t, data)
	})
}
