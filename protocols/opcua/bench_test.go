package opcua_test

import (
	"testing"

	"mimamori/protocols/protocolstest"
)

// BenchmarkOPCUA is a steady Read poll on a channel without security,
// each chunk in its own segment.
func BenchmarkOPCUA(b *testing.B) {
	protocolstest.BenchmarkExchange(b, registry(b), "10.0.0.1:50000", "10.0.0.2:4840", false,
		chunk("MSGF", 2, readReq), chunk("MSGF", 2, readResp("00000000")))
}

// BenchmarkOPCUAEncrypted is the same poll on an encrypting channel.
func BenchmarkOPCUAEncrypted(b *testing.B) {
	protocolstest.BenchmarkExchange(b, registry(b), "10.0.0.1:50000", "10.0.0.2:4840", false,
		chunk("MSGF", 2, encrypted), chunk("MSGF", 2, encrypted+encrypted))
}

func TestSteadyStateAllocs(t *testing.T) {
	protocolstest.CheckExchangeAllocs(t, registry(t), "10.0.0.1:50000", "10.0.0.2:4840", false,
		chunk("MSGF", 2, readReq), chunk("MSGF", 2, readResp("00000000")))
	protocolstest.CheckExchangeAllocs(t, registry(t), "10.0.0.1:50000", "10.0.0.2:4840", false,
		chunk("MSGF", 3, writeReq), chunk("MSGF", 3, serviceFault("00000b80")))
	protocolstest.CheckExchangeAllocs(t, registry(t), "10.0.0.1:50000", "10.0.0.2:4840", false,
		chunk("MSGF", 2, encrypted), chunk("MSGF", 2, encrypted+encrypted))
	// A client that describes itself in every CreateSession: its identity
	// is kept without allocation once the Tracker holds it.
	protocolstest.CheckExchangeAllocs(t, registry(t), "10.0.0.1:50000", "10.0.0.2:4840", false,
		chunk("MSGF", 4, createSession), chunk("MSGF", 4, readResp("00000000")))
}
