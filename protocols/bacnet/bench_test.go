package bacnet_test

import (
	"testing"

	"mimamori/protocols/protocolstest"
)

// BenchmarkBACnet is a steady readProperty poll over UDP 47808.
func BenchmarkBACnet(b *testing.B) {
	protocolstest.BenchmarkExchange(b, registry(b), "10.0.0.1:47808", "10.0.0.2:47808", true, bip(rpReq), bip(rpAck))
}

// BenchmarkBACnetWrite is a steady writeProperty exchange.
func BenchmarkBACnetWrite(b *testing.B) {
	protocolstest.BenchmarkExchange(b, registry(b), "10.0.0.1:47808", "10.0.0.2:47808", true, bip(wpReq), bip(wpAck))
}

func TestSteadyStateAllocs(t *testing.T) {
	protocolstest.CheckExchangeAllocs(t, registry(t), "10.0.0.1:47808", "10.0.0.2:47808", true, bip(rpReq), bip(rpAck))
	protocolstest.CheckExchangeAllocs(t, registry(t), "10.0.0.1:47808", "10.0.0.2:47808", true, bip(wpReq), bip(wpAck))
	// I-Am announcements identify their sender: the identity is kept
	// without allocation once the Tracker holds it.
	protocolstest.CheckExchangeAllocs(t, registry(t), "10.0.0.1:47808", "10.0.0.2:47808", true, bip(whoIs), bip(iAm))
	protocolstest.CheckExchangeAllocs(t, registry(t), "10.0.0.1:47808", "10.0.0.2:47808", true, bip(rpReq), bip(rpVendorName))
}
