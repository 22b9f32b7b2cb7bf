package slmp_test

import (
	"testing"

	"mimamori/protocols/protocolstest"
)

// BenchmarkSLMP is a steady 3E Device Read poll over TCP on a port found
// by the heuristic, each frame in its own segment.
func BenchmarkSLMP(b *testing.B) {
	protocolstest.BenchmarkExchange(b, registry(b), "10.0.0.1:40000", "10.0.0.2:5001", false, hex(readD100), hex(readResp))
}

func TestSteadyStateAllocs(t *testing.T) {
	protocolstest.CheckExchangeAllocs(t, registry(t), "10.0.0.1:40000", "10.0.0.2:5001", false, hex(readD100), hex(readResp))
	protocolstest.CheckExchangeAllocs(t, registry(t), "10.0.0.1:40000", "10.0.0.2:5000", true, hex(writeM0), hex(writeResp))
	protocolstest.CheckExchangeAllocs(t, registry(t), "10.0.0.1:40000", "10.0.0.2:5000", true,
		hex("35303030 3030 4646 30334646 3030 30303138 30303130 30343031 30303030 442a 303030313030 30303041"),
		hex("44303030 3030 4646 30334646 3030 30303034 30303030"))
}
