package s7comm_test

import (
	"encoding/binary"
	"testing"

	"mimamori/protocols/protocolstest"
)

// A Read Var of DB1.DBB0-3 and its answer: the polling an HMI does.
const (
	readDB1    = "0300001f02f080320100000001000e00000401120a10020004000184000000"
	readDB1Ack = "0300001d02f0803203000000010002000800000401ff04002001020304"
	// The S7-1500's answer to plusGetMultiV3.
	plusGetMultiV3Resp = `0300005202f08072030043203dcac8ee113108f0defe64eff4faf6106fe1fa3d75064cde9b8314d9f1e2
		76a3320000054c0000831d3400010004010200088372030008be04000083a1100000000072030000`
)

// BenchmarkS7comm is a steady Read Var poll on port 102, each PDU in its
// own segment.
func BenchmarkS7comm(b *testing.B) {
	protocolstest.BenchmarkExchange(b, registry(b), "10.0.0.1:40000", "10.0.0.2:102", false, hex(readDB1), hex(readDB1Ack))
}

// BenchmarkS7commCounting is BenchmarkS7comm with the PDU reference
// counted up, as most HMIs and SCADA servers do: each job is remembered
// in the State.
func BenchmarkS7commCounting(b *testing.B) {
	protocolstest.BenchmarkExchangeVarying(b, registry(b), "10.0.0.1:40000", "10.0.0.2:102", false, hex(readDB1), hex(readDB1Ack),
		func(i int, p []byte) { binary.BigEndian.PutUint16(p[offRef:], uint16(i/2)) })
}

// BenchmarkS7commPlus is a steady S7comm-plus V3 GetMultiVariables poll.
func BenchmarkS7commPlus(b *testing.B) {
	protocolstest.BenchmarkExchange(b, registry(b), "10.0.0.1:40000", "10.0.0.2:102", false, hex(plusGetMultiV3), hex(plusGetMultiV3Resp))
}

func TestSteadyStateAllocs(t *testing.T) {
	protocolstest.CheckExchangeAllocs(t, registry(t), "10.0.0.1:40000", "10.0.0.2:102", false, hex(readDB1), hex(readDB1Ack))
	protocolstest.CheckExchangeAllocs(t, registry(t), "10.0.0.1:40000", "10.0.0.2:102", false, hex(plusGetMultiV3), hex(plusGetMultiV3Resp))
	protocolstest.CheckExchangeAllocs(t, registry(t), "10.0.0.1:40000", "10.0.0.2:102", false, hex(szl11Req), hex(szl11Resp))
	protocolstest.CheckExchangeAllocs(t, registry(t), "10.0.0.1:40000", "10.0.0.2:102", false, hex(plusSetVariableV3), hex(plusSetMultiResp))
	protocolstest.CheckExchangeAllocs(t, registry(t), "10.0.0.1:40000", "10.0.0.2:102", false, hex(writeBit), hex(writeBitAck))
}
