package enip_test

import (
	"testing"

	"mimamori/protocols/protocolstest"
)

// BenchmarkReadTag is an HMI polling a Logix tag on a CIP connection
// (SendUnitData), each message in its own segment.
func BenchmarkReadTag(b *testing.B) {
	protocolstest.BenchmarkExchange(b, registry(b), "10.0.0.1:40000", "10.0.0.2:44818", false, unit(readTag), unit(readTagResp))
}

// BenchmarkMultipleService is the same poll batched in a Multiple
// Service Packet.
func BenchmarkMultipleService(b *testing.B) {
	protocolstest.BenchmarkExchange(b, registry(b), "10.0.0.1:40000", "10.0.0.2:44818", false, unit(msp),
		unit("8a 00 00 00 0300 0800 0c00 1600 90000000 cc000000c4002a000000 cd000000"))
}

// BenchmarkIO is implicit I/O on UDP 2222.
func BenchmarkIO(b *testing.B) {
	io := hex("0200 0280 0800 03064b00 db953f00 b100 0600 a587e80f0300")
	protocolstest.BenchmarkExchange(b, registry(b), "10.0.0.1:2222", "10.0.0.2:2222", true, io, io)
}

func TestSteadyStateAllocs(t *testing.T) {
	protocolstest.CheckExchangeAllocs(t, registry(t), "10.0.0.1:40000", "10.0.0.2:44818", false, unit(readTag), unit(readTagResp))
	protocolstest.CheckExchangeAllocs(t, registry(t), "10.0.0.1:40000", "10.0.0.2:44818", false, rr(ucmmGetIdentity), rr(getIdentityResp))
	protocolstest.CheckExchangeAllocs(t, registry(t), "10.0.0.1:40000", "10.0.0.2:44818", false, rr(readTag), rr(readTagResp))
	protocolstest.CheckExchangeAllocs(t, registry(t), "10.0.0.1:40000", "10.0.0.2:44818", false, rr(writeAttr), rr(writeAttrDenied))
	protocolstest.CheckExchangeAllocs(t, registry(t), "10.0.0.1:40000", "10.0.0.2:44818", true, hex(listIdentityReq), hex(listIdentityResp))
	io := hex("0200 0280 0800 03064b00 db953f00 b100 0600 a587e80f0300")
	protocolstest.CheckExchangeAllocs(t, registry(t), "10.0.0.1:2222", "10.0.0.2:2222", true, io, io)
}
