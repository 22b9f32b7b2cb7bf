package protocols_test

import (
	"bytes"
	"fmt"
	"slices"
	"testing"

	"mimamori/edge/decode"
	"mimamori/protocols"
	"mimamori/protocols/protocolstest"
)

// TestSegments covers TCP reassembly: PDUs split across segments, several
// PDUs per segment, retransmissions, reordering, lost segments, oversized
// PDUs, and that every buffer is returned.
func TestSegments(t *testing.T) {
	p0 := pdu('Q', 0x0a, bytes.Repeat([]byte{0}, 10)...)
	p1 := pdu('Q', 0x01, bytes.Repeat([]byte{1}, 10)...)
	p2 := pdu('Q', 0x02, bytes.Repeat([]byte{2}, 10)...)
	p3 := pdu('Q', 0x03, bytes.Repeat([]byte{3}, 10)...)
	big := pdu('Q', 0x0b, bytes.Repeat([]byte{9}, 200)...)
	cat := func(bs ...[]byte) []byte { return bytes.Join(bs, nil) }

	tests := []struct {
		name  string
		opts  protocols.Options
		run   func(h *protocolstest.Harness, c *protocolstest.TCPConn)
		codes []uint32 // the events' codes, each once per message
		stats protocols.Stats
	}{
		{name: "whole PDU", run: func(h *protocolstest.Harness, c *protocolstest.TCPConn) {
			c.Send(true, p1)
		}, codes: []uint32{1}},
		{name: "two PDUs in a segment", run: func(h *protocolstest.Harness, c *protocolstest.TCPConn) {
			c.Send(true, cat(p1, p2))
		}, codes: []uint32{1, 2}},
		{name: "split in two", run: func(h *protocolstest.Harness, c *protocolstest.TCPConn) {
			for _, s := range protocolstest.Split(p1, 7) {
				c.Send(true, s)
			}
		}, codes: []uint32{1}},
		{name: "split in three, header first", run: func(h *protocolstest.Harness, c *protocolstest.TCPConn) {
			for _, s := range protocolstest.Split(p1, 2, 9) {
				c.Send(true, s)
			}
		}, codes: []uint32{1}},
		{name: "header split, then the rest and more", run: func(h *protocolstest.Harness, c *protocolstest.TCPConn) {
			for _, s := range protocolstest.Split(cat(p1, p2, p3), 3) {
				c.Send(true, s)
			}
		}, codes: []uint32{1, 2, 3}},
		{name: "a byte per segment", run: func(h *protocolstest.Harness, c *protocolstest.TCPConn) {
			for i := range p1 {
				c.Send(true, p1[i:i+1])
			}
		}, codes: []uint32{1}},
		{name: "split across PDUs", run: func(h *protocolstest.Harness, c *protocolstest.TCPConn) {
			for _, s := range protocolstest.Split(cat(p1, p2, p3), 5, 20, 21) {
				c.Send(true, s)
			}
		}, codes: []uint32{1, 2, 3}},
		{name: "both directions interleaved", run: func(h *protocolstest.Harness, c *protocolstest.TCPConn) {
			a, b := protocolstest.Split(p1, 8), protocolstest.Split(pdu('R', 1, 5, 5, 5), 3)
			c.Send(true, a[0])
			c.Send(false, b[0])
			c.Send(true, a[1])
			c.Send(false, b[1])
		}, codes: []uint32{1, 1}},
		{name: "retransmission", run: func(h *protocolstest.Harness, c *protocolstest.TCPConn) {
			seg := c.Next(true, p1)
			h.Packet(seg)
			again := *seg
			again.TimestampNs = 0
			h.Packet(&again)
			c.Send(true, p2)
		}, codes: []uint32{1, 2}},
		{name: "retransmission carrying new bytes", run: func(h *protocolstest.Harness, c *protocolstest.TCPConn) {
			start := c.ClientNext
			c.Send(true, p1[:7])
			h.Packet(c.Segment(true, start, decode.FlagACK, cat(p1, p2))) // repeats 7 bytes, then more
			c.ClientNext = start + uint32(len(p1)+len(p2))
			c.Send(true, p3)
		}, codes: []uint32{1, 2, 3}},
		{name: "reordered: the later segment first", run: func(h *protocolstest.Harness, c *protocolstest.TCPConn) {
			c.Send(true, p0)
			first, second := c.Next(true, p1), c.Next(true, p2)
			h.Packet(second)
			h.Packet(first) // too late: taken as a retransmission
			c.Send(true, p3)
		}, codes: []uint32{0x0a, 2, 3}, stats: protocols.Stats{Gaps: 1}},
		{name: "lost segment between PDUs", run: func(h *protocolstest.Harness, c *protocolstest.TCPConn) {
			c.Send(true, p1)
			c.Next(true, p2) // never arrives
			c.Send(true, p3)
		}, codes: []uint32{1, 3}, stats: protocols.Stats{Gaps: 1}},
		{name: "lost segment inside a PDU", run: func(h *protocolstest.Harness, c *protocolstest.TCPConn) {
			parts := protocolstest.Split(cat(p1, p2), 5, 10)
			c.Send(true, parts[0])
			c.Next(true, parts[1]) // lost: the rest of p1 and p2 cannot be framed
			c.Send(true, parts[2])
			c.Send(true, p3) // resumes here
		}, codes: []uint32{3}, stats: protocols.Stats{Gaps: 1}},
		{name: "capture starts inside a PDU", run: func(h *protocolstest.Harness, c *protocolstest.TCPConn) {
			c.Send(true, p0[6:])
			c.Send(true, p1)
		}, codes: []uint32{1}},
		{name: "framing lost", run: func(h *protocolstest.Harness, c *protocolstest.TCPConn) {
			c.Send(true, p1)
			c.Send(true, []byte("XXXXXXXX"))
			c.Send(true, p2)
		}, codes: []uint32{1, 2}, stats: protocols.Stats{Malformed: 1}},
		{name: "oversized PDU skipped", opts: protocols.Options{BufferSize: 64}, run: func(h *protocolstest.Harness, c *protocolstest.TCPConn) {
			for _, s := range protocolstest.Split(cat(big, p2), 50, 150) {
				c.Send(true, s)
			}
		}, codes: []uint32{2}, stats: protocols.Stats{Oversized: 1}},
		{name: "oversized PDU in one segment", opts: protocols.Options{BufferSize: 64}, run: func(h *protocolstest.Harness, c *protocolstest.TCPConn) {
			c.Send(true, cat(big, p2))
		}, codes: []uint32{0x0b, 2}},
		{name: "FIN returns the buffer", run: func(h *protocolstest.Harness, c *protocolstest.TCPConn) {
			c.Send(true, p1[:5])
			h.Packet(c.Segment(true, c.ClientNext, decode.FlagFIN|decode.FlagACK, nil))
			fin := c.Segment(true, c.ClientNext, decode.FlagFIN|decode.FlagACK, []byte{'D'})
			h.Packet(fin)
		}},
		{name: "RST returns the buffers", run: func(h *protocolstest.Harness, c *protocolstest.TCPConn) {
			c.Send(true, p1[:5])
			c.Send(false, p2[:5])
			h.Packet(c.Segment(false, c.ServerNext, decode.FlagRST, []byte{'M'}))
		}},
		{name: "out of buffers", opts: protocols.Options{MaxBuffers: 1}, run: func(h *protocolstest.Harness, c *protocolstest.TCPConn) {
			other := h.TCP("10.0.0.1:40001", "10.0.0.2:7000")
			c.Send(true, p1[:5])
			other.Send(true, p2[:5]) // no buffer left: p2 is lost
			other.Send(true, p2[5:])
			c.Send(true, p1[5:])
			other.Send(true, p3)
		}, codes: []uint32{1, 3}, stats: protocols.Stats{NoBuffer: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := protocolstest.New(demoRegistry(), tt.opts)
			c := h.TCP("10.0.0.1:40000", "10.0.0.2:7000")
			tt.run(h, c)
			events, _, st := h.Flush()
			var codes []uint32
			for _, e := range events {
				for i := uint64(0); i < e.Count; i++ {
					codes = append(codes, e.Code)
				}
			}
			slices.Sort(codes)
			want := slices.Sorted(slices.Values(tt.codes))
			if !slices.Equal(codes, want) {
				t.Errorf("codes %v, want %v", hexes(codes), hexes(want))
			}
			if st != tt.stats {
				t.Errorf("stats %+v, want %+v", st, tt.stats)
			}
		})
	}
}

func hexes(cs []uint32) string {
	var b bytes.Buffer
	for _, c := range cs {
		fmt.Fprintf(&b, "0x%02x ", c)
	}
	return b.String()
}

// TestIdleBuffer checks that a conversation that goes quiet with a partial
// PDU gives its buffer back once a whole minute has passed without it.
func TestIdleBuffer(t *testing.T) {
	h := protocolstest.New(demoRegistry(), protocols.Options{})
	c := h.TCP("10.0.0.1:40000", "10.0.0.2:7000")
	c.Send(true, pdu('Q', 1, 1, 2, 3)[:5])
	if _, _, st := h.Flush(); st.Buffers != 1 {
		t.Fatalf("buffers after the busy minute %d, want 1", st.Buffers)
	}
	h.Now += 60e9
	if _, _, st := h.Flush(); st.Buffers != 0 {
		t.Errorf("buffers after an idle minute %d, want 0", st.Buffers)
	}
	// The stream resyncs: the rest of the lost PDU is skipped, the next
	// one counted.
	c.Send(true, pdu('Q', 1, 1, 2, 3)[5:])
	c.Send(true, pdu('Q', 2))
	events, _, _ := h.Flush()
	if len(events) != 1 || events[0].Code != 2 {
		t.Errorf("after the idle minute: %v", summaries(events))
	}
}

// TestSlotReuse checks that a flow-table slot taken over by a new flow
// starts from scratch: classification, stream state and buffers.
func TestSlotReuse(t *testing.T) {
	h := protocolstest.New(demoRegistry(), protocols.Options{})
	c := h.TCP("10.0.0.1:40000", "10.0.0.2:7000")
	c.Send(true, pdu('Q', 1, 1, 2, 3)[:5])
	h.Packet(c.Segment(true, c.ClientNext, decode.FlagRST, nil)) // closes the flow
	h.Flush()                                                    // and the flow table's flush removes it
	h.Flows.Flush(protocolstest.Base)
	d := h.TCP("10.0.0.9:40000", "10.0.0.2:9999") // same slot, heuristic this time
	d.Send(true, pdu('Q', 4))
	events, _, st := h.Flush()
	if len(events) != 1 || events[0].Code != 4 || events[0].DstPort != 9999 || st.Buffers != 0 {
		t.Errorf("after reuse: %v, %d buffers", summaries(events), st.Buffers)
	}
}
