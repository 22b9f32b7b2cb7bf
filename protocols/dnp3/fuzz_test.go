package dnp3_test

import (
	"testing"

	"mimamori/edge/decode"
	"mimamori/protocols/dnp3"
	"mimamori/protocols/goldentest"
	"mimamori/protocols/protocolstest"
)

// FuzzDNP3 feeds arbitrary bytes to the dissector, seeded with the DNP3
// payloads of the shared captures, the unit fixtures and fragments of
// several frames.
func FuzzDNP3(f *testing.F) {
	keep := func(p *decode.Packet) bool { return p.SrcPort == dnp3.Port || p.DstPort == dnp3.Port }
	for _, b := range goldentest.Payloads([]string{"dnp3"}, keep, 200) {
		f.Add(b)
	}
	for _, fx := range [][]byte{readClasses, readResp, directOperate, operateResp, coldRestart, restartFail,
		unsolicited, linkStatusReq, linkStatus} {
		f.Add(fx)
	}
	// Fragments of several frames, whole and left unfinished.
	f.Add(concat(fragmentFrames()...))
	f.Add(concat(fragmentFrames()[0], readResp))
	reg := registry(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		protocolstest.FuzzDissector(t, reg, data)
	})
}
