package pipeline

import (
	"testing"

	"github.com/google/gopacket/layers"

	"mimamori/edge/wire/wirepb"
	"mimamori/protocols"
)

// TestOTEvents checks that the dissectors' events reach the minute's
// batch, and that an empty registry turns them off.
func TestOTEvents(t *testing.T) {
	req := udpFrame(t, "10.0.0.1", "10.0.0.2", 40000, 502, "\x00\x01\x00\x00\x00\x06\x01\x03\x00\x00\x00\x0a")
	resp := udpFrame(t, "10.0.0.2", "10.0.0.1", 502, 40000, "\x00\x01\x00\x00\x00\x05\x01\x03\x02\x00\x07")
	bad := udpFrame(t, "10.0.0.1", "10.0.0.2", 40000, 502, "\x00\x01\x00\x00\x00\x09\x01")
	none, err := protocols.NewRegistry()
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name   string
		reg    *protocols.Registry
		events int
	}{
		{"default", nil, 1},
		{"none", none, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var got []*wirepb.Batch
			p := New(Options{Source: "test", Observer: &fakeObserver{}, Protocols: tt.reg,
				OnMinute: func(b *wirepb.Batch) { got = append(got, b) }})
			p.Packet(req, ci(at(1), req), layers.LinkTypeEthernet)
			p.Packet(resp, ci(at(2), resp), layers.LinkTypeEthernet)
			p.Packet(bad, ci(at(3), bad), layers.LinkTypeEthernet)
			p.Close()
			if len(got) != 1 {
				t.Fatalf("%d batches", len(got))
			}
			b := got[0]
			if len(b.OtEvents) != tt.events {
				t.Fatalf("%d OT events, want %d", len(b.OtEvents), tt.events)
			}
			if tt.events == 0 {
				return
			}
			e := b.OtEvents[0]
			if e.Protocol != "modbus" || e.Code != 3 || e.Requests != 1 || e.Responses != 1 || e.SrcPort != 40000 {
				t.Errorf("event %v", e)
			}
			if b.Captures[0].OtMalformed != 1 {
				t.Errorf("malformed %d, want 1", b.Captures[0].OtMalformed)
			}
		})
	}
}
