package opcua_test

import (
	"testing"

	"mimamori/edge/decode"
	"mimamori/protocols/goldentest"
	"mimamori/protocols/opcua"
	"mimamori/protocols/protocolstest"
)

// FuzzOPCUA feeds arbitrary bytes to the dissector, seeded with the OPC
// UA segments of the shared captures and the unit fixtures.
func FuzzOPCUA(f *testing.F) {
	keep := func(p *decode.Packet) bool {
		return p.SrcPort == opcua.Port || p.DstPort == opcua.Port || p.SrcPort == 12001 || p.DstPort == 12001
	}
	for _, b := range goldentest.Payloads([]string{"opcua"}, keep, 200) {
		f.Add(b)
	}
	for _, fx := range []string{hello, ack, opnNone, opnNoneResp} {
		f.Add(hex(fx))
	}
	for _, body := range []string{readReq, readResp("00003480"), serviceFault("00000b80"), writeReq, callReq, activateReq, createSession, encrypted} {
		f.Add(chunk("MSGF", 2, body))
	}
	f.Add(chunk("CLOF", 3, closeReq))
	f.Add(chunk("MSGA", 4, "00007f80 ffffffff"))
	f.Add(openSecured("Basic256Sha256"))
	reg := registry(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		protocolstest.FuzzDissector(t, reg, data)
	})
}
