package profinet_test

import (
	"testing"

	"mimamori/edge/decode"
	"mimamori/edge/flow"
	"mimamori/protocols"
	"mimamori/protocols/profinet"
	"mimamori/protocols/protocolstest"
)

// exchange warms up a Tracker with frames sent back and forth between a
// controller and a device and returns a function that sends frame i,
// each a microsecond after the last. As in protocolstest.Exchange, the
// flow table is consulted only during warm-up, so what a step costs is
// the Tracker's and the dissector's work alone.
func exchange(tb testing.TB, frames ...*decode.Packet) func(i int) {
	h := protocolstest.New(registry(tb), protocols.Options{})
	ts := protocolstest.Base
	refs := make([]flow.Ref, len(frames))
	step := func(i int, warm bool) {
		p := frames[i%len(frames)]
		ts += 1000
		p.TimestampNs = ts
		if warm {
			refs[i%len(frames)] = h.Flows.Packet(p)
		}
		h.Tracker.Packet(p, refs[i%len(frames)])
	}
	for i := range 64 {
		step(i, true)
	}
	if events, _, st := h.Flush(); len(events) == 0 || st.Malformed != 0 {
		tb.Fatalf("warm-up: %d events, %d malformed", len(events), st.Malformed)
	}
	for i := range 64 {
		step(i, false)
	}
	return func(i int) { step(i, false) }
}

// cyclicExchange is the steady state of PROFINET IO: cyclic data both
// ways.
func cyclicExchange(tb testing.TB) func(i int) {
	return exchange(tb,
		protocolstest.Frame(controller, device, profinet.EtherType, hex(cyclic1)),
		protocolstest.Frame(device, controller, profinet.EtherType, hex("c001"+cyclic1[4:])))
}

// dcpExchange is an identification and its response, as an engineering
// tool polls.
func dcpExchange(tb testing.TB) func(i int) {
	return exchange(tb,
		protocolstest.Frame(controller, dcpMcast, profinet.EtherType, hex(identifyAll)),
		protocolstest.Frame(device, controller, profinet.EtherType, hex(identifyResp)))
}

// BenchmarkCyclic is cyclic RT_CLASS_1 data between controller and
// device.
func BenchmarkCyclic(b *testing.B) { bench(b, cyclicExchange(b)) }

// BenchmarkDCPIdentify is a DCP Identify and its response (with an
// identity).
func BenchmarkDCPIdentify(b *testing.B) { bench(b, dcpExchange(b)) }

func bench(b *testing.B, step func(int)) {
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		step(i)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/packet")
}

// BenchmarkIOCM is a Read Implicit and its response between the ports an
// IO controller and device use after connecting.
func BenchmarkIOCM(b *testing.B) {
	protocolstest.BenchmarkExchange(b, registry(b), "10.0.0.1:49153", "10.0.0.2:49155", true, hex(readImplicit), hex(readImplicitResp))
}

func TestSteadyStateAllocs(t *testing.T) {
	protocolstest.CheckExchangeAllocs(t, registry(t), "10.0.0.1:49153", "10.0.0.2:49155", true, hex(readImplicit), hex(readImplicitResp))
	protocolstest.CheckExchangeAllocs(t, registry(t), "10.0.0.1:49153", "10.0.0.2:34964", true,
		rpc(0, 0x28, 0, 0, ndr(0, arBlockReq)), rpc(2, 0x0a, 2, 0, ndr(0, im0Read)))
	for name, step := range map[string]func(int){"cyclic": cyclicExchange(t), "dcp": dcpExchange(t)} {
		i := 0
		if n := testing.AllocsPerRun(1000, func() { step(i); i++ }); n != 0 {
			t.Errorf("%s: %.2f allocations per frame, want 0", name, n)
		}
	}
}
