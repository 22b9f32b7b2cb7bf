package protocolstest

import (
	"testing"

	"mimamori/edge/decode"
	"mimamori/edge/flow"
	"mimamori/protocols"
)

// Exchange sets up a polling conversation — the client's request and the
// server's response, each in its own segment (or datagram with udp) —
// warms it up, and returns a function that sends message i. The flow
// table is consulted only during warm-up, so what step costs is the
// Tracker's and the dissector's work alone. The same messages again are
// repeats: a dissector that is a Repeater is asked for their keys, not to
// dissect them.
func Exchange(tb testing.TB, reg *protocols.Registry, client, server string, udp bool, req, resp []byte) func(i int) {
	return exchange(tb, reg, protocols.Options{}, client, server, udp, req, resp, nil)
}

// Vary changes message i of an exchange in place before it is sent (even
// i: the request, odd: the response), as a client that counts a
// reference up does.
type Vary func(i int, payload []byte)

func exchange(tb testing.TB, reg *protocols.Registry, opts protocols.Options, client, server string, udp bool, req, resp []byte, vary Vary) func(i int) {
	h := New(reg, opts)
	var pkts [2]*decode.Packet
	var c *TCPConn
	if udp {
		pkts[0], pkts[1] = Datagram(client, server, req), Datagram(server, client, resp)
	} else {
		c = h.TCP(client, server)
		pkts[0] = c.Segment(true, 0, decode.FlagACK|decode.FlagPSH, req)
		pkts[1] = c.Segment(false, 0, decode.FlagACK|decode.FlagPSH, resp)
	}
	ts := Base
	var refs [2]flow.Ref
	step := func(i int, warm bool) {
		p := pkts[i&1]
		if vary != nil {
			vary(i, p.Payload)
		}
		if c != nil {
			next := &c.ClientNext
			if i&1 == 1 {
				next = &c.ServerNext
			}
			p.TCPSeq = *next
			*next += uint32(len(p.Payload))
		}
		ts += 1000
		p.TimestampNs = ts
		if warm {
			refs[i&1] = h.Flows.Packet(p)
		}
		h.Tracker.Packet(p, refs[i&1])
	}
	for i := 0; i < 64; i++ {
		step(i, true)
	}
	if events, _, st := h.Flush(); len(events) == 0 || st.Malformed != 0 {
		tb.Fatalf("warm-up: %d events, %d malformed", len(events), st.Malformed)
	}
	for i := 0; i < 64; i++ { // the new minute's events exist again
		step(i, false)
	}
	return func(i int) { step(i, false) }
}

// BenchmarkExchange measures the steady state of a polling conversation
// (see Exchange): "dissected" with every message dissected, "repeated"
// as the sensor runs, where a Repeater's repeats are only counted. It
// reports ns/packet; allocations must be zero.
func BenchmarkExchange(b *testing.B, reg *protocols.Registry, client, server string, udp bool, req, resp []byte) {
	BenchmarkExchangeVarying(b, reg, client, server, udp, req, resp, nil)
}

// BenchmarkExchangeVarying is BenchmarkExchange with each message changed
// by vary before it is sent.
func BenchmarkExchangeVarying(b *testing.B, reg *protocols.Registry, client, server string, udp bool, req, resp []byte, vary Vary) {
	for _, sub := range []struct {
		name string
		opts protocols.Options
	}{{"dissected", protocols.Options{DissectRepeats: true}}, {"repeated", protocols.Options{}}} {
		b.Run(sub.name, func(b *testing.B) {
			step := exchange(b, reg, sub.opts, client, server, udp, req, resp, vary)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				step(i)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/packet")
		})
	}
}

// CheckExchangeAllocs fails unless a polling conversation's steady state
// (see Exchange) allocates nothing per packet.
func CheckExchangeAllocs(t *testing.T, reg *protocols.Registry, client, server string, udp bool, req, resp []byte) {
	t.Helper()
	for _, opts := range []protocols.Options{{DissectRepeats: true}, {}} {
		step := exchange(t, reg, opts, client, server, udp, req, resp, nil)
		i := 0
		if n := testing.AllocsPerRun(1000, func() { step(i); i++ }); n != 0 {
			t.Errorf("%.2f allocations per packet (repeats dissected: %v), want 0", n, opts.DissectRepeats)
		}
	}
}

// Frames sets up a steady exchange of layer-2 frames (a link scan, a
// time-sync exchange), sent round-robin, warms it up, and returns a
// function that sends frame i, as the pipeline does. Every frame must be
// its own event: warm-up fails otherwise.
func Frames(tb testing.TB, reg *protocols.Registry, pkts []*decode.Packet) func(i int) {
	tb.Helper()
	h := New(reg, protocols.Options{})
	step := func(i int) {
		p := pkts[i%len(pkts)]
		p.TimestampNs = Base + int64(i)*1000
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

// BenchmarkFrames measures the steady state of a layer-2 exchange (see
// Frames). It reports ns/packet; allocations must be zero.
func BenchmarkFrames(b *testing.B, reg *protocols.Registry, pkts []*decode.Packet) {
	step := Frames(b, reg, pkts)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		step(i)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/packet")
}

// CheckFramesAllocs fails unless a layer-2 exchange's steady state (see
// Frames) allocates nothing per frame.
func CheckFramesAllocs(t *testing.T, reg *protocols.Registry, pkts []*decode.Packet) {
	t.Helper()
	step := Frames(t, reg, pkts)
	i := 0
	if n := testing.AllocsPerRun(1000, func() { step(i); i++ }); n != 0 {
		t.Errorf("%.2f allocations per frame, want 0", n)
	}
}
