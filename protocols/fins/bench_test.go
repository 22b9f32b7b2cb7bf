package fins_test

import (
	"testing"

	"mimamori/protocols/protocolstest"
)

// BenchmarkFINS is a steady Memory Area Read poll over UDP 9600.
func BenchmarkFINS(b *testing.B) {
	protocolstest.BenchmarkExchange(b, registry(b), "10.0.0.1:9600", "10.0.0.2:9600", true, hex(readDM100), hex(readResp))
}

// BenchmarkFINSTCP is the same poll over FINS/TCP, each frame in its own
// segment.
func BenchmarkFINSTCP(b *testing.B) {
	protocolstest.BenchmarkExchange(b, registry(b), "10.0.0.1:40000", "10.0.0.2:9600", false, tcpFrame(readDM100), tcpFrame(readResp))
}

func TestSteadyStateAllocs(t *testing.T) {
	protocolstest.CheckExchangeAllocs(t, registry(t), "10.0.0.1:9600", "10.0.0.2:9600", true, hex(readDM100), hex(readResp))
	protocolstest.CheckExchangeAllocs(t, registry(t), "10.0.0.1:40000", "10.0.0.2:9600", false, tcpFrame(writeCIO), tcpFrame(writeResp))
}
