package ptp_test

import (
	"testing"

	"mimamori/edge/decode"
	"mimamori/protocols/protocolstest"
	"mimamori/protocols/ptp"
)

// peerDelay is the steady state of 802.1AS between two stations: Sync,
// and a peer delay request and its response.
func peerDelay() []*decode.Packet {
	a, b := [6]byte{0x28, 0xe9, 0x8e, 0, 0, 1}, [6]byte{0x28, 0xe9, 0x8e, 0, 0, 2}
	return []*decode.Packet{
		protocolstest.Frame(a, b, ptp.EtherType, hex(sync)),
		protocolstest.Frame(a, b, ptp.EtherType, hex(pdelayReq)),
		protocolstest.Frame(b, a, ptp.EtherType, hex(pdelayResp)),
	}
}

// BenchmarkPTP measures the steady state of 802.1AS on EtherType 0x88F7,
// per message.
func BenchmarkPTP(b *testing.B) {
	protocolstest.BenchmarkFrames(b, registry(b), peerDelay())
}

// BenchmarkPTPUDP is a Sync and Delay_Req exchange over UDP 319.
func BenchmarkPTPUDP(b *testing.B) {
	protocolstest.BenchmarkExchange(b, registry(b), "10.0.0.1:319", "10.0.0.2:319", true, hex(sync), hex(pdelayResp))
}

func TestSteadyStateAllocs(t *testing.T) {
	protocolstest.CheckFramesAllocs(t, registry(t), peerDelay())
	protocolstest.CheckExchangeAllocs(t, registry(t), "10.0.0.1:319", "10.0.0.2:319", true, hex(sync), hex(pdelayResp))
}
