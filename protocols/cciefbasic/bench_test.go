package cciefbasic_test

import (
	"testing"

	"mimamori/protocols/protocolstest"
)

// BenchmarkCCIEFBasic is a steady link scan on UDP 61450: the master's
// request and one slave's response.
func BenchmarkCCIEFBasic(b *testing.B) {
	protocolstest.BenchmarkExchange(b, registry(b), "172.16.134.128:61450", "172.16.134.129:61450", true, hex(cyclicReq), hex(cyclicResp))
}

func TestSteadyStateAllocs(t *testing.T) {
	protocolstest.CheckExchangeAllocs(t, registry(t), "172.16.134.128:61450", "172.16.134.129:61450", true, hex(cyclicReq), hex(cyclicResp))
}
