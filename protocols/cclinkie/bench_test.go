package cclinkie_test

import (
	"testing"

	"mimamori/edge/decode"
	"mimamori/protocols"
	"mimamori/protocols/cclinkie"
	"mimamori/protocols/protocolstest"
)

// linkScan sets up a steady link scan — an IE Field master's RWw and RY,
// one station's RWr and RX, and an IE TSN master's cyclic frame — warms
// it up, and returns a function that sends frame i, as the pipeline does.
func linkScan(tb testing.TB) func(i int) {
	master, station := [6]byte{0x28, 0xe9, 0x8e, 0, 0, 1}, [6]byte{0x28, 0xe9, 0x8e, 0, 0, 2}
	pkts := []*decode.Packet{
		protocolstest.Frame(master, station, cclinkie.EtherType, field(0x82, 0, 0, 1, '0', 0, 0x01, 14+32)),
		protocolstest.Frame(master, station, cclinkie.EtherType, field(0x83, 0, 0, 1, '0', 0, 0x01, 14+8)),
		protocolstest.Frame(station, master, cclinkie.EtherType, field(0x84, 0, 1, 1, '4', 1, 0x01, 14+32)),
		protocolstest.Frame(station, master, cclinkie.EtherType, field(0x85, 0, 1, 1, '4', 1, 0x01, 14+8)),
		protocolstest.Frame(master, station, cclinkie.EtherType, hex(cyclicM)),
	}
	h := protocolstest.New(registry(tb), protocols.Options{})
	step := func(i int) {
		p := pkts[i%len(pkts)]
		p.TimestampNs = protocolstest.Base + int64(i)*1000
		h.Packet(p)
	}
	for i := 0; i < 64; i++ {
		step(i)
	}
	if events, _, st := h.Flush(); len(events) != len(pkts) || st.Malformed != 0 {
		tb.Fatalf("warm-up: %d events, %d malformed", len(events), st.Malformed)
	}
	for i := 0; i < 64; i++ { // the new minute's events exist again
		step(i)
	}
	return step
}

// BenchmarkCCLinkIE measures the steady state of a link scan, per frame.
func BenchmarkCCLinkIE(b *testing.B) {
	step := linkScan(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		step(i)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/packet")
}

// TestSteadyStateAllocs checks that a link scan's steady state allocates
// nothing per frame.
func TestSteadyStateAllocs(t *testing.T) {
	step := linkScan(t)
	i := 0
	if n := testing.AllocsPerRun(1000, func() { step(i); i++ }); n != 0 {
		t.Errorf("%.2f allocations per frame, want 0", n)
	}
}
