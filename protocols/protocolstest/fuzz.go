package protocolstest

import (
	"fmt"
	"testing"

	"mimamori/protocols"
)

// FuzzDissector exercises the dissector of a one-dissector registry with
// arbitrary bytes the ways the Tracker would: Probe on both transports, Frame, and Dissect as a
// request and as a response, over TCP and UDP, with the conversation
// state the previous call left. It fails on results that break the
// contract: a Frame length that is neither 0 nor at least the bytes it
// needed to decide, more details than allowed, identity text that is not
// part of the message, a repeat key that does not decide the outcome
// (CheckRepeat). It then sends the bytes as a TCP stream, cut in two and
// a byte per segment. Panics fail the fuzz target by themselves.
func FuzzDissector(t *testing.T, reg *protocols.Registry, data []byte) {
	d, _ := reg.Lookup(reg.Info()[0].ID)
	for _, tr := range []protocols.Transport{protocols.TCP, protocols.UDP} {
		d.Probe(data, protocols.Conn{Transport: tr, SrcPort: 1024, DstPort: 40000})
	}
	if n, err := d.Frame(data); err == nil && n < 0 {
		t.Fatalf("Frame = %d", n)
	}
	var state uint64
	for _, tr := range []protocols.Transport{protocols.TCP, protocols.UDP, protocols.Ethernet} {
		for _, fromClient := range []bool{true, false} {
			m := protocols.Message{Payload: data, Transport: tr, FromClient: fromClient, State: state}
			if err := d.Dissect(&m); err != nil {
				continue
			}
			state = m.State
			if e, ok := m.Event(); ok && len(e.Attrs()) > protocols.MaxEventAttrs {
				t.Fatalf("%d details", len(e.Attrs()))
			}
			if id, ok := m.Identity(); ok {
				for _, f := range [][]byte{id.Vendor, id.Product, id.Model, id.Serial, id.Firmware, id.Name} {
					if len(f) > len(data) {
						t.Fatalf("identity field of %d bytes from a %d-byte message", len(f), len(data))
					}
				}
			}
		}
	}
	CheckRepeat(t, d, data)
	// And as a stream, cut at the input's own first byte.
	h := New(reg, protocols.Options{BufferSize: 512, MaxBuffers: 1})
	c := h.TCP("10.0.0.1:40000", "10.0.0.2:40001")
	cut := 0
	if len(data) > 0 {
		cut = int(data[0]) % (len(data) + 1)
	}
	for _, seg := range Split(data, cut) {
		c.Send(true, seg)
		c.Send(false, seg)
	}
	if _, _, st := h.Flush(); st.Buffers > 1 {
		t.Fatalf("%d buffers", st.Buffers)
	}
	// And a byte per segment, where framing sees each header grow a byte
	// at a time (short inputs only: it costs a packet a byte), to the
	// protocol's own port: a heuristic would not recognise a first byte
	// alone.
	if ports := reg.Info()[0].TCPPorts; len(ports) > 0 && len(data) <= maxBytewise {
		h = New(reg, protocols.Options{BufferSize: 512, MaxBuffers: 1})
		c = h.TCP("10.0.0.1:40000", fmt.Sprintf("10.0.0.2:%d", ports[0]))
		for _, seg := range Bytes(data) {
			c.Send(true, seg)
		}
		if _, _, st := h.Flush(); st.Buffers > 1 {
			t.Fatalf("%d buffers", st.Buffers)
		}
	}
}

// maxBytewise is the longest input FuzzDissector also sends a byte per
// segment.
const maxBytewise = 1024
