package protocols_test

import (
	"testing"

	"mimamori/edge/decode"
	"mimamori/protocols"
	"mimamori/protocols/protocolstest"
)

// TestSteadyStateAllocs pins the per-packet path at zero allocations once
// a conversation's events exist: whole PDUs in place, PDUs reassembled
// from two segments (buffers are reused), datagrams, and conversations
// given up as not industrial.
func TestSteadyStateAllocs(t *testing.T) {
	h := protocolstest.New(demoRegistry(), protocols.Options{})
	c := h.TCP("10.0.0.1:40000", "10.0.0.2:7000")
	req, resp := pdu('A', 1, 0, 100, 1, 2), pdu('A', 1, 7, 7, 7, 7, 7, 7)
	whole := []*decode.Packet{c.Segment(true, 0, decode.FlagACK, req), c.Segment(false, 0, decode.FlagACK, resp)}
	halves := []*decode.Packet{
		c.Segment(true, 0, decode.FlagACK, req[:5]), c.Segment(true, 0, decode.FlagACK, req[5:]),
		c.Segment(false, 0, decode.FlagACK, resp[:7]), c.Segment(false, 0, decode.FlagACK, resp[7:]),
	}
	dgram := protocolstest.Datagram("10.0.0.3:50000", "10.0.0.2:7000", req)
	other := h.TCP("10.0.0.1:40001", "10.0.0.2:80")
	noise := other.Segment(true, 0, decode.FlagACK, []byte("GET / HTTP/1.1\r\n"))

	send := func(p *decode.Packet) {
		next := &c.ClientNext
		if p.SrcPort == 7000 {
			next = &c.ServerNext
		}
		if p.SrcPort == 40001 {
			next = &other.ClientNext
		}
		p.TCPSeq = *next
		*next += uint32(len(p.Payload))
		p.TimestampNs = 0
		h.Packet(p)
	}
	run := func() {
		for _, p := range whole {
			send(p)
		}
		for _, p := range halves {
			send(p)
		}
		dgram.TimestampNs = 0
		h.Packet(dgram)
		send(noise)
	}
	for i := 0; i < 10; i++ { // create the events, buffers and table entries
		run()
	}
	if n := testing.AllocsPerRun(200, run); n != 0 {
		t.Errorf("%.1f allocations per round, want 0", n)
	}
	events, _, st := h.Flush()
	if len(events) != 2 || st.Malformed != 0 || st.Buffers != 0 {
		t.Errorf("events %v, stats %+v", summaries(events), st)
	}
}
