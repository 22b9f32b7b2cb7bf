package s7comm_test

import (
	"testing"

	"mimamori/edge/decode"
	"mimamori/protocols/goldentest"
	"mimamori/protocols/protocolstest"
	"mimamori/protocols/s7comm"
)

// FuzzS7comm feeds arbitrary bytes to the dissector, seeded with the
// ISO-on-TCP payloads of the shared captures (S7comm, S7comm-plus, and
// the MMS the dissector must leave alone), the unit fixtures and TSDUs
// sent in several DTs.
func FuzzS7comm(f *testing.F) {
	keep := func(p *decode.Packet) bool { return p.SrcPort == s7comm.Port || p.DstPort == s7comm.Port }
	for _, b := range goldentest.Payloads([]string{"s7comm", "misc-ics"}, keep, 300) {
		f.Add(b)
	}
	for _, fx := range []string{cotpCR, cotpCC, cotpCRPlus, cotpDR, setupJob, setupAck, szl11Req, szl11Resp,
		writeBit, writeBitAck, readVar, startUploadOB0, ackRefused, plcStop, piInsertDB1, requestDL,
		blockInfoErr, blockInfoReq, emptyDT, plusSetMultiResp, plusGetMultiV3, plusSetVariableV3, plusNotification, plusCreateResp,
		mmsCR, mmsDT, readDB1, readDB1Ack, readTwo, readTwoAck, componentResp()} {
		f.Add(hex(fx))
	}
	// TSDUs in several DTs, whole and broken off.
	f.Add(dts(szl11Resp, 6, 20, 60, 100))
	f.Add(append(dts(writeBit, 12)[:7+12:7+12], hex(cotpDR)...))
	reg := registry(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		protocolstest.FuzzDissector(t, reg, data)
	})
}
