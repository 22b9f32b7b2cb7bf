package protocols_test

import (
	"testing"

	"mimamori/edge/decode"
	"mimamori/protocols"
	"mimamori/protocols/protocolstest"
)

// TestRoutedConversation checks that a conversation whose requests and
// responses travel in different VLANs (client and server in different
// subnets, a router between them) is counted as one: responses find the
// request they answer, and both count in one event under the client's
// VLAN.
func TestRoutedConversation(t *testing.T) {
	h := protocolstest.New(demoRegistry(), protocols.Options{})
	c := &protocolstest.TCPConn{Client: "10.0.1.5:40000", Server: "10.0.2.7:9999", ClientNext: 100, ServerNext: 900}
	tagged := func(p *decode.Packet, vlan uint16) *decode.Packet { p.VLAN = vlan; return p }
	fromClient := func(p *decode.Packet) *decode.Packet { return tagged(p, 10) }
	fromServer := func(p *decode.Packet) *decode.Packet { return tagged(p, 20) }
	h.Packet(fromClient(c.Segment(true, 99, decode.FlagSYN, nil)))
	h.Packet(fromServer(c.Segment(false, 899, decode.FlagSYN|decode.FlagACK, nil)))
	for i := 0; i < 3; i++ {
		h.Packet(fromClient(c.Next(true, pdu('Q', 0x21))))
		h.Packet(fromServer(c.Next(false, pdu('S', 0))))
	}
	got, _ := flushed(t, h)
	checkEvents(t, got, []string{"0x21 10.0.1.5:40000>10.0.2.7:9999 n=6 q=3 r=3 e=0 size=0"})
	events, _, _ := h.Flush()
	if len(events) != 0 {
		t.Errorf("second minute: %v", summaries(events))
	}
}

// TestIdenticalCells checks that two cells with the same addresses in
// different VLANs stay apart: each conversation carries payload both ways
// before the other starts.
func TestIdenticalCells(t *testing.T) {
	h := protocolstest.New(demoRegistry(), protocols.Options{})
	for _, vlan := range []uint16{101, 102} {
		for i := 0; i < 2; i++ {
			q := protocolstest.Datagram("10.0.0.1:7000", "10.0.0.2:7000", pdu('Q', 0x21))
			r := protocolstest.Datagram("10.0.0.2:7000", "10.0.0.1:7000", pdu('S', 0))
			q.VLAN, r.VLAN = vlan, vlan
			h.Packet(q)
			h.Packet(r)
		}
	}
	events, _, _ := h.Flush()
	if len(events) != 2 || events[0].Vlan != 101 || events[1].Vlan != 102 || events[0].Count != 4 || events[1].Count != 4 {
		t.Errorf("events %v", summaries(events))
	}
}
