package protocols_test

import (
	"testing"

	"mimamori/edge/decode"
	"mimamori/protocols"
	"mimamori/protocols/protocolstest"
)

// FuzzStreams drives two TCP conversations (one on the demo port, one
// found by heuristic) and a UDP one with arbitrary segments: payload cut
// from the input, sequence numbers jumping back and forth, FIN and RST.
// Nothing may panic, buffers stay within their bound, counters stay
// consistent, and once the conversations are quiet for a minute every
// buffer is back in the pool.
func FuzzStreams(f *testing.F) {
	p := pdu('Q', 1, 1, 2, 3)
	f.Add(append(append([]byte{0x00, 5}, p[:5]...), append([]byte{0x00, 4}, p[5:]...)...))
	f.Add(append([]byte{0x41, 9}, p...))
	f.Add([]byte{0x82, 3, 'D', 'M', 0, 0x13, 0x10, 40, 'x'})
	reg := demoRegistry()
	f.Fuzz(func(t *testing.T, data []byte) {
		h := protocolstest.New(reg, protocols.Options{MaxBuffers: 2, BufferSize: 64})
		conns := []*protocolstest.TCPConn{
			h.TCP("10.0.0.1:40000", "10.0.0.2:7000"),
			h.TCP("10.0.0.1:40001", "10.0.0.2:9999"),
		}
		// Each operation: a control byte (bit 7: UDP; bit 6: from the
		// server; bits 5-4: conversation; bits 3-2: sequence jump; bits
		// 1-0: flags), a length byte, then that many payload bytes.
		for len(data) >= 2 {
			ctl, n := data[0], min(int(data[1]), len(data)-2)
			payload := data[2 : 2+n]
			data = data[2+n:]
			if ctl&0x80 != 0 {
				h.UDP("10.0.0.3:5000", "10.0.0.4:6000", payload)
				continue
			}
			c := conns[int(ctl>>4&1)]
			fromClient := ctl&0x40 == 0
			next := &c.ClientNext
			if !fromClient {
				next = &c.ServerNext
			}
			seq := *next
			switch ctl >> 2 & 3 {
			case 1:
				seq += 3 // a gap
			case 2:
				seq -= 2 // an overlap
			case 3:
				seq -= uint32(n) // a retransmission
			}
			flags := uint8(decode.FlagACK)
			switch ctl & 3 {
			case 1:
				flags |= decode.FlagFIN
			case 2:
				flags |= decode.FlagRST
			}
			h.Packet(c.Segment(fromClient, seq, flags, payload))
			*next = seq + uint32(n)
		}
		events, _, st := h.Flush()
		if st.Buffers > 2 {
			t.Fatalf("%d buffers held, bound 2", st.Buffers)
		}
		for _, e := range events {
			if e.Requests+e.Responses > e.Count || e.Errors > e.Count || e.Count == 0 {
				t.Fatalf("inconsistent event %s", summary(e))
			}
		}
		h.Now += 120e9
		h.Flush()
		if _, _, st := h.Flush(); st.Buffers != 0 {
			t.Fatalf("%d buffers still held after two idle minutes", st.Buffers)
		}
	})
}
