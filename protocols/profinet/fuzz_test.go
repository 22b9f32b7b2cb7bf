package profinet_test

import (
	"testing"

	"mimamori/edge/decode"
	"mimamori/protocols/goldentest"
	"mimamori/protocols/profinet"
	"mimamori/protocols/protocolstest"
)

// FuzzPROFINET feeds arbitrary bytes to the dissector, seeded with the
// PROFINET frames and PNIO RPC datagrams of the shared captures and the
// unit fixtures.
func FuzzPROFINET(f *testing.F) {
	keep := func(p *decode.Packet) bool {
		return uint16(p.EtherType) == profinet.EtherType || p.SrcPort == profinet.IOCMPort || p.DstPort == profinet.IOCMPort
	}
	for _, b := range goldentest.Payloads([]string{"profinet"}, keep, 200) {
		f.Add(b)
	}
	for _, fx := range []string{identifyAll, identifyName, identifyResp, setName, setNameResp, setIPFail,
		setReset, setSignal, getName, getNotSupp, hello, cyclic1, cyclic3, alarmErr, alarmData, delayReq, readImplicit, readImplicitResp, prmEnd, ping} {
		f.Add(hex(fx))
	}
	f.Add(rpc(0, 0x28, 0, 0, ndr(0, arBlockReq)))
	f.Add(rpc(2, 0x0a, 2, 0, ndr(0, im0Read)))
	reg := registry(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		protocolstest.FuzzDissector(t, reg, data)
	})
}
