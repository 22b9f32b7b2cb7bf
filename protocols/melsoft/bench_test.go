package melsoft_test

import (
	"testing"

	"mimamori/protocols/protocolstest"
)

// BenchmarkMELSOFT is a steady engineering-tool poll (Open Initial and
// its response, with the CPU model) over TCP 5007, each frame in its own
// segment.
func BenchmarkMELSOFT(b *testing.B) {
	protocolstest.BenchmarkExchange(b, registry(b), "10.0.0.1:40000", "10.0.0.2:5007", false, hex(openInit), hex(openInitResp))
}

// BenchmarkMELSOFTUDP is the same over UDP 5560.
func BenchmarkMELSOFTUDP(b *testing.B) {
	protocolstest.BenchmarkExchange(b, registry(b), "10.0.0.1:40000", "10.0.0.2:5560", true, hex(openInit), hex(openInitResp))
}

func TestSteadyStateAllocs(t *testing.T) {
	protocolstest.CheckExchangeAllocs(t, registry(t), "10.0.0.1:40000", "10.0.0.2:5007", false, hex(openInit), hex(openInitResp))
	protocolstest.CheckExchangeAllocs(t, registry(t), "10.0.0.1:40000", "10.0.0.2:5562", false, hex(login), hex(loginFail))
	protocolstest.CheckExchangeAllocs(t, registry(t), "10.0.0.1:40000", "10.0.0.2:5560", true, hex(addUser), hex(stopResp))
}
