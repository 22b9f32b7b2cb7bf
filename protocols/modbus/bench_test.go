package modbus_test

import (
	"testing"

	"mimamori/protocols/protocolstest"
)

// BenchmarkModbus is a steady Read Holding Registers poll over TCP, each
// PDU in its own segment.
func BenchmarkModbus(b *testing.B) {
	req := hex("0001 0000 0006 01 03 0064 000a")
	resp := hex("0001 0000 0017 01 03 14 0001 0002 0003 0004 0005 0006 0007 0008 0009 000a")
	protocolstest.BenchmarkExchange(b, registry(b), "10.0.0.1:40000", "10.0.0.2:502", false, req, resp)
}

// BenchmarkModbusUDP is the same poll over UDP 502.
func BenchmarkModbusUDP(b *testing.B) {
	req := hex("0001 0000 0006 01 03 0064 000a")
	resp := hex("0001 0000 0017 01 03 14 0001 0002 0003 0004 0005 0006 0007 0008 0009 000a")
	protocolstest.BenchmarkExchange(b, registry(b), "10.0.0.1:40000", "10.0.0.2:502", true, req, resp)
}

func TestSteadyStateAllocs(t *testing.T) {
	req := hex("0001 0000 0006 01 03 0064 000a")
	resp := hex("0001 0000 0017 01 03 14 0001 0002 0003 0004 0005 0006 0007 0008 0009 000a")
	protocolstest.CheckExchangeAllocs(t, registry(t), "10.0.0.1:40000", "10.0.0.2:502", false, req, resp)
	protocolstest.CheckExchangeAllocs(t, registry(t), "10.0.0.1:40000", "10.0.0.2:502", true, req, resp)
	// UMAS keeps its function in the conversation state.
	protocolstest.CheckExchangeAllocs(t, registry(t), "10.0.0.1:40000", "10.0.0.2:502", false,
		hex("0009 0000 0004 00 5a 00 04"), hex("0009 0000 0006 00 5a 00 fe 01 02"))
}
