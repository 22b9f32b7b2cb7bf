package iec104_test

import (
	"testing"

	"mimamori/protocols/protocolstest"
)

// BenchmarkIEC104 is a steady single command and its confirmation over
// TCP 2404, each APDU in its own segment.
func BenchmarkIEC104(b *testing.B) {
	protocolstest.BenchmarkExchange(b, registry(b), "10.0.0.1:40000", "10.0.0.2:2404", false, hex(singleCommand), hex(commandCon))
}

// BenchmarkIEC104TestFrame is the link supervision of an idle connection:
// TESTFR act and con.
func BenchmarkIEC104TestFrame(b *testing.B) {
	protocolstest.BenchmarkExchange(b, registry(b), "10.0.0.1:40000", "10.0.0.2:2404", false, hex(testFRAct), hex(testFRCon))
}

func TestSteadyStateAllocs(t *testing.T) {
	protocolstest.CheckExchangeAllocs(t, registry(t), "10.0.0.1:40000", "10.0.0.2:2404", false, hex(singleCommand), hex(commandCon))
	protocolstest.CheckExchangeAllocs(t, registry(t), "10.0.0.1:40000", "10.0.0.2:2404", false, hex(interrogation), hex(points))
	protocolstest.CheckExchangeAllocs(t, registry(t), "10.0.0.1:40000", "10.0.0.2:2404", false, hex(testFRAct), hex(testFRCon))
}
