package flow

import (
	"testing"

	"mimamori/edge/decode"
)

// TestRef checks what Packet tells later stages: the slot and ID stay put
// for the life of a flow, the sender's role follows the initiator, and a
// slot reused by another flow gets a new ID.
func TestRef(t *testing.T) {
	tab := New(Options{MaxFlows: 1})
	syn := tab.Packet(tcp(1, "10.0.0.1:40000", "10.0.0.2:502", S, 60))
	synAck := tab.Packet(tcp(1.1, "10.0.0.2:502", "10.0.0.1:40000", S|A, 60))
	data := tab.Packet(tcp(1.2, "10.0.0.1:40000", "10.0.0.2:502", P|A, 80))
	if syn.Slot != 0 || syn.ID == 0 || synAck.ID != syn.ID || data.ID != syn.ID {
		t.Fatalf("one flow, refs %+v %+v %+v", syn, synAck, data)
	}
	if !syn.FromInitiator || synAck.FromInitiator || !data.FromInitiator {
		t.Errorf("sender roles %v %v %v, want true false true", syn.FromInitiator, synAck.FromInitiator, data.FromInitiator)
	}
	// A flow marked as of no interest says so from then on.
	tab.Ignore(data)
	if r := tab.Packet(tcp(1.3, "10.0.0.2:502", "10.0.0.1:40000", A, 60)); !r.Ignored || r.ID != syn.ID {
		t.Errorf("after Ignore: %+v", r)
	}
	// A second flow evicts the first from the one-slot table.
	other := tab.Packet(udp(2, "10.0.0.3:5000", "10.0.0.2:9600", 60))
	if other.Slot != 0 || other.ID == syn.ID || other.Ignored {
		t.Errorf("reused slot: ref %+v after %+v", other, syn)
	}
	if r := tab.Packet(&decode.Packet{}); r.Slot != -1 {
		t.Errorf("non-IP frame got slot %d", r.Slot)
	}
}
