package protocols_test

import (
	"slices"
	"testing"

	"mimamori/edge/decode"
	"mimamori/protocols"
	"mimamori/protocols/dnp3"
	"mimamori/protocols/protocolstest"
	"mimamori/protocols/s7comm"
)

// FuzzStreams drives two TCP conversations (one on the demo port, one
// found by heuristic) and a UDP one with arbitrary segments: payload cut
// from the input, sequence numbers jumping back and forth, FIN and RST.
// The same script then drives S7comm (TCP 102) and DNP3 (TCP 20000),
// whose Frame joins pieces of a PDU and may settle on fewer bytes than it
// asked for.
// Nothing may panic, buffers stay within their bound, counters stay
// consistent, and once the conversations are quiet for a minute every
// buffer is back in the pool.
func FuzzStreams(f *testing.F) {
	p := pdu('Q', 1, 1, 2, 3)
	f.Add(append(append([]byte{0x00, 5}, p[:5]...), append([]byte{0x00, 4}, p[5:]...)...))
	f.Add(append([]byte{0x41, 9}, p...))
	f.Add([]byte{0x82, 3, 'D', 'M', 0, 0x13, 0x10, 40, 'x'})
	// For the real dissectors (see streams): S7comm PDUs in COTP DTs
	// whose TSDU goes on, then breaks off; a DNP3 fragment's first frame,
	// then a response of a new fragment, from the outstation.
	dt := func(eot byte, data ...byte) []byte {
		return append([]byte{3, 0, 0, byte(7 + len(data)), 2, 0xf0, eot}, data...)
	}
	s7 := slices.Concat(dt(0, 0x32, 1, 0, 0, 0, 0, 0, 8), dt(0, 0, 0, 4, 5), dt(0x80, 1, 0x12))
	f.Add(append([]byte{0x00, byte(len(s7))}, s7...))
	f.Add(slices.Concat([]byte{0x00, 12}, dt(0, 0x32, 1, 0, 0, 0), []byte{0x00, 3, 3, 0, 0, 0x00, 8, 0x0b, 6, 0x80, 0, 0x0d, 0, 5, 0}))
	dnp := protocolstest.Hex(`0564ff4403000400486040c181000001020000ff010101010101b2bd01010101010101010101010101010101bbc301010101010101010101010101010101bbc301010101010101010101010101010101bbc301010101010101010101010101010101bbc301010101010101010101010101010101bbc301010101010101010101010101010101bbc30101010101010101010101010101
		0101bbc301010101010101010101010101010101bbc301010101010101010101010101010101bbc301010101010101010101010101010101bbc301010101010101010101010101010101bbc301010101010101010101010101010101bbc301010101010101010101010101010101bbc301010101010101010101010101010101bbc3010101010101010101018d7b05642144030004007256c2c1810000010200000281018114010096b0000101100000000120000000ec22`)
	// The second segment ends inside the response's header.
	f.Add(slices.Concat([]byte{0x50, 250}, dnp[:250], []byte{0x50, 45}, dnp[250:295], []byte{0x50, byte(len(dnp) - 295)}, dnp[295:]))
	f.Fuzz(func(t *testing.T, data []byte) {
		streams(t, demoRegistry(), []string{"10.0.0.2:7000", "10.0.0.2:9999"}, 64, data)
		streams(t, realRegistry(t), []string{"10.0.0.2:102", "10.0.0.2:20000"}, 512, data)
	})
}

// streams plays FuzzStreams's script: each operation a control byte (bit
// 7: UDP; bit 6: from the server; bit 4: the second TCP conversation, to
// servers[1]; bits 3-2: sequence jump; bits 1-0: flags), a length byte,
// then that many payload bytes. Buffers are bufSize bytes.
func streams(t *testing.T, reg *protocols.Registry, servers []string, bufSize int, data []byte) {
	h := protocolstest.New(reg, protocols.Options{MaxBuffers: 2, BufferSize: bufSize})
	conns := []*protocolstest.TCPConn{
		h.TCP("10.0.0.1:40000", servers[0]),
		h.TCP("10.0.0.1:40001", servers[1]),
	}
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
}

// realRegistry has the S7comm and DNP3 dissectors, whose Frame joins
// pieces of a PDU.
func realRegistry(t *testing.T) *protocols.Registry {
	r, err := protocols.NewRegistry(s7comm.New, dnp3.New)
	if err != nil {
		t.Fatal(err)
	}
	return r
}
