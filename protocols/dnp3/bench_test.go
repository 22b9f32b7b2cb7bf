package dnp3_test

import (
	"testing"

	"mimamori/protocols/protocolstest"
)

// BenchmarkDNP3 is a steady class poll over TCP 20000, each frame in its
// own segment.
func BenchmarkDNP3(b *testing.B) {
	protocolstest.BenchmarkExchange(b, registry(b), "10.0.0.1:40000", "10.0.0.2:20000", false, readClasses, readResp)
}

// BenchmarkDNP3UDP is the same poll over UDP 20000.
func BenchmarkDNP3UDP(b *testing.B) {
	protocolstest.BenchmarkExchange(b, registry(b), "10.0.0.1:20000", "10.0.0.2:20000", true, readClasses, readResp)
}

func TestSteadyStateAllocs(t *testing.T) {
	protocolstest.CheckExchangeAllocs(t, registry(t), "10.0.0.1:40000", "10.0.0.2:20000", false, readClasses, readResp)
	protocolstest.CheckExchangeAllocs(t, registry(t), "10.0.0.1:40000", "10.0.0.2:20000", false, directOperate, operateResp)
	protocolstest.CheckExchangeAllocs(t, registry(t), "10.0.0.1:20000", "10.0.0.2:20000", true, coldRestart, restartFail)
}
