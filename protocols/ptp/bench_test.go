package ptp_test

import (
	"testing"

	"mimamori/edge/decode"
	"mimamori/protocols"
	"mimamori/protocols/protocolstest"
	"mimamori/protocols/ptp"
)

// peerDelay sets up the steady state of 802.1AS between two stations —
// Sync, and a peer delay request and its response — warms it up, and
// returns a function that sends message i, as the pipeline does.
func peerDelay(tb testing.TB) func(i int) {
	a, b := [6]byte{0x28, 0xe9, 0x8e, 0, 0, 1}, [6]byte{0x28, 0xe9, 0x8e, 0, 0, 2}
	pkts := []*decode.Packet{
		protocolstest.Frame(a, b, ptp.EtherType, hex(sync)),
		protocolstest.Frame(a, b, ptp.EtherType, hex(pdelayReq)),
		protocolstest.Frame(b, a, ptp.EtherType, hex(pdelayResp)),
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

// BenchmarkPTP measures the steady state of 802.1AS on EtherType 0x88F7,
// per message.
func BenchmarkPTP(b *testing.B) {
	step := peerDelay(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		step(i)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/packet")
}

// BenchmarkPTPUDP is a Sync and Delay_Req exchange over UDP 319.
func BenchmarkPTPUDP(b *testing.B) {
	protocolstest.BenchmarkExchange(b, registry(b), "10.0.0.1:319", "10.0.0.2:319", true, hex(sync), hex(pdelayResp))
}

func TestSteadyStateAllocs(t *testing.T) {
	step := peerDelay(t)
	i := 0
	if n := testing.AllocsPerRun(1000, func() { step(i); i++ }); n != 0 {
		t.Errorf("%.2f allocations per message, want 0", n)
	}
	protocolstest.CheckExchangeAllocs(t, registry(t), "10.0.0.1:319", "10.0.0.2:319", true, hex(sync), hex(pdelayResp))
}
