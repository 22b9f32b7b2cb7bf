package flow

import (
	"slices"
	"testing"

	"mimamori/edge/decode"
)

// onVLAN puts p on a VLAN.
func onVLAN(vlan uint16, p *decode.Packet) *decode.Packet {
	p.VLAN = vlan
	return p
}

// TestRoutedHalves covers conversations routed between VLANs, as a mirror
// port shows them (each direction on its sender's VLAN), next to cells
// that reuse the same addresses in different VLANs.
func TestRoutedHalves(t *testing.T) {
	tests := []struct {
		name    string
		packets []*decode.Packet
		want    []string
		wantLen int // flows in the table after the packets, before the flush
	}{
		{
			name: "request_vlan_first",
			packets: []*decode.Packet{
				onVLAN(10, tcp(1, "10.0.10.5:50000", "10.0.20.7:502", S, 74)),
				onVLAN(20, tcp(1.1, "10.0.20.7:502", "10.0.10.5:50000", S|A, 74)),
				onVLAN(10, tcp(1.2, "10.0.10.5:50000", "10.0.20.7:502", A, 66)),
				onVLAN(10, tcp(1.3, "10.0.10.5:50000", "10.0.20.7:502", P|A, 78)),
				onVLAN(20, tcp(1.4, "10.0.20.7:502", "10.0.10.5:50000", P|A, 77)),
			},
			want:    []string{"6 10.0.10.5:50000>10.0.20.7:502 3/218 2/151 f=1a/1a new certain vlan=10 routed dst_vlan=20"},
			wantLen: 1,
		},
		{
			// Midstream: the first packet seen is the server's answer on
			// its own VLAN; the client's request on its VLAN joins it.
			name: "response_vlan_first",
			packets: []*decode.Packet{
				onVLAN(20, udp(1, "10.0.20.7:502", "10.0.10.5:40000", 80)),
				onVLAN(10, udp(1.5, "10.0.10.5:40000", "10.0.20.7:502", 70)),
				onVLAN(20, udp(2, "10.0.20.7:502", "10.0.10.5:40000", 80)),
			},
			want:    []string{"17 10.0.10.5:40000>10.0.20.7:502 1/70 2/160 f=0/0 new vlan=10 routed dst_vlan=20"},
			wantLen: 1,
		},
		{
			// Two cells with the same addressing, each conversation heard
			// both ways on its own VLAN, one after the other.
			name: "same_addresses_two_cells",
			packets: []*decode.Packet{
				onVLAN(10, udp(1, "192.168.0.5:40000", "192.168.0.10:502", 70)),
				onVLAN(10, udp(1.1, "192.168.0.10:502", "192.168.0.5:40000", 80)),
				onVLAN(20, udp(2, "192.168.0.5:40000", "192.168.0.10:502", 70)),
				onVLAN(20, udp(2.1, "192.168.0.10:502", "192.168.0.5:40000", 80)),
			},
			want: []string{
				"17 192.168.0.5:40000>192.168.0.10:502 1/70 1/80 f=0/0 new vlan=10",
				"17 192.168.0.5:40000>192.168.0.10:502 1/70 1/80 f=0/0 new vlan=20",
			},
			wantLen: 2,
		},
		{
			// The same, interleaved: both clients ask before either server
			// answers. The second request's sender has already sent in the
			// first flow, so it is not taken for a routed answer.
			name: "same_addresses_interleaved",
			packets: []*decode.Packet{
				onVLAN(10, tcp(1, "192.168.0.5:50000", "192.168.0.10:502", S, 74)),
				onVLAN(20, tcp(1.01, "192.168.0.5:50000", "192.168.0.10:502", S, 74)),
				onVLAN(10, tcp(1.02, "192.168.0.10:502", "192.168.0.5:50000", S|A, 74)),
				onVLAN(20, tcp(1.03, "192.168.0.10:502", "192.168.0.5:50000", S|A, 74)),
			},
			want: []string{
				"6 192.168.0.5:50000>192.168.0.10:502 1/74 1/74 f=2/12 new certain vlan=10",
				"6 192.168.0.5:50000>192.168.0.10:502 1/74 1/74 f=2/12 new certain vlan=20",
			},
			wantLen: 2,
		},
		{
			// A server in the second cell speaks first and is linked to the
			// first cell's client; when the first cell's own server answers
			// on the first VLAN the link is undone and the second cell's
			// traffic gets a flow of its own from then on. The packet
			// counted while linked stays in the first flow.
			name: "wrong_link_undone",
			packets: []*decode.Packet{
				onVLAN(10, udp(1, "192.168.0.5:2222", "192.168.0.10:2222", 70)),
				onVLAN(20, udp(1.1, "192.168.0.10:2222", "192.168.0.5:2222", 80)),
				onVLAN(10, udp(1.2, "192.168.0.10:2222", "192.168.0.5:2222", 80)),
				onVLAN(20, udp(1.3, "192.168.0.10:2222", "192.168.0.5:2222", 80)),
				onVLAN(20, udp(1.4, "192.168.0.5:2222", "192.168.0.10:2222", 70)),
			},
			want: []string{
				"17 192.168.0.10:2222>192.168.0.5:2222 1/80 1/70 f=0/0 new vlan=20",
				"17 192.168.0.5:2222>192.168.0.10:2222 1/70 2/160 f=0/0 new vlan=10",
			},
			wantLen: 2,
		},
		{
			// A client heard on a second VLAN is not a routed answer.
			name: "same_sender_other_vlan_separates",
			packets: []*decode.Packet{
				onVLAN(10, udp(1, "10.0.0.1:2000", "10.0.0.2:2404", 60)),
				onVLAN(20, udp(2, "10.0.0.1:2000", "10.0.0.2:2404", 60)),
			},
			want: []string{
				"17 10.0.0.1:2000>10.0.0.2:2404 1/60 0/0 f=0/0 new vlan=10",
				"17 10.0.0.1:2000>10.0.0.2:2404 1/60 0/0 f=0/0 new vlan=20",
			},
			wantLen: 2,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tab := New(Options{})
			for _, p := range tc.packets {
				tab.Packet(p)
			}
			if got := tab.Len(); got != tc.wantLen {
				t.Errorf("Len = %d, want %d", got, tc.wantLen)
			}
			flows, stats := tab.Flush(base)
			if got := describeAll(flows); !slices.Equal(got, tc.want) {
				t.Errorf("records:\n got %q\nwant %q", got, tc.want)
			}
			if int(stats.Active) != tc.wantLen {
				t.Errorf("active = %d, want %d", stats.Active, tc.wantLen)
			}
		})
	}
}

// TestRoutedRefs checks that both halves of a routed conversation name the
// same flow to later stages, with the initiator's side marked.
func TestRoutedRefs(t *testing.T) {
	tab := New(Options{})
	req := tab.Packet(onVLAN(10, tcp(1, "10.0.10.5:50000", "10.0.20.7:502", S, 74)))
	resp := tab.Packet(onVLAN(20, tcp(1.1, "10.0.20.7:502", "10.0.10.5:50000", S|A, 74)))
	if req.Slot < 0 || req.Slot != resp.Slot || req.ID != resp.ID {
		t.Fatalf("refs %+v and %+v name different flows", req, resp)
	}
	if !req.FromInitiator || resp.FromInitiator {
		t.Errorf("FromInitiator = %v, %v; want true, false", req.FromInitiator, resp.FromInitiator)
	}
}

// TestRoutedExpiry checks that a routed flow leaves both of its index
// keys when it goes, and that a closed one reopened by a SYN on either
// VLAN starts afresh.
func TestRoutedExpiry(t *testing.T) {
	tab := New(Options{})
	tab.Packet(onVLAN(10, udp(1, "10.0.10.5:40000", "10.0.20.7:161", 70)))
	tab.Packet(onVLAN(20, udp(1.1, "10.0.20.7:161", "10.0.10.5:40000", 80)))
	tab.Flush(base)
	tab.Flush(base + 10*minuteNs) // idle past the UDP timeout
	if n := tab.Len(); n != 0 || len(tab.index) != 0 || len(tab.tuples) != 0 {
		t.Fatalf("after expiry: Len %d, index %d, tuples %d; want 0", n, len(tab.index), len(tab.tuples))
	}
	// The server's VLAN alone now: a new one-sided flow.
	ts := 11 * 60.0
	tab.Packet(onVLAN(20, udp(ts, "10.0.20.7:161", "10.0.10.5:40000", 80)))
	flows, _ := tab.Flush(base + 11*minuteNs)
	if got := describeAll(flows); len(got) != 1 || got[0] != "17 10.0.10.5:40000>10.0.20.7:161 0/0 1/80 f=0/0 new vlan=20" {
		t.Errorf("records after expiry: %q", got)
	}

	tab = New(Options{})
	tab.Packet(onVLAN(10, tcp(1, "10.0.10.5:50000", "10.0.20.7:502", S, 74)))
	tab.Packet(onVLAN(20, tcp(1.1, "10.0.20.7:502", "10.0.10.5:50000", R|A, 60)))
	tab.Packet(onVLAN(10, tcp(2, "10.0.10.5:50000", "10.0.20.7:502", S, 74)))
	tab.Packet(onVLAN(20, tcp(2.1, "10.0.20.7:502", "10.0.10.5:50000", S|A, 74)))
	flows, _ = tab.Flush(base)
	want := []string{
		"6 10.0.10.5:50000>10.0.20.7:502 1/74 1/60 f=2/14 new ended certain vlan=10 routed dst_vlan=20",
		"6 10.0.10.5:50000>10.0.20.7:502 1/74 1/74 f=2/12 new certain vlan=10 routed dst_vlan=20",
	}
	if got := describeAll(flows); !slices.Equal(got, want) {
		t.Errorf("reopened:\n got %q\nwant %q", got, want)
	}
	if n := tab.Len(); n != 1 {
		t.Errorf("Len after reopen = %d, want 1", n)
	}
}

// TestSingleVLANKeepsNoTuples checks that a mirror showing one VLAN (or
// none) costs nothing for routed conversations, and that flows started
// before a second VLAN appears can still be linked.
func TestSingleVLANKeepsNoTuples(t *testing.T) {
	tab := New(Options{})
	tab.Packet(onVLAN(10, udp(1, "10.0.10.1:40000", "10.0.10.2:502", 70)))
	tab.Packet(onVLAN(10, udp(1.5, "10.0.10.5:40000", "10.0.20.7:502", 70)))
	if len(tab.tuples) != 0 {
		t.Fatalf("tuples kept before a second VLAN: %d", len(tab.tuples))
	}
	tab.Packet(onVLAN(20, udp(2, "10.0.20.7:502", "10.0.10.5:40000", 80)))
	if n := tab.Len(); n != 2 {
		t.Errorf("Len = %d, want 2 (a flow within VLAN 10 and one routed flow)", n)
	}
	flows, _ := tab.Flush(base)
	want := []string{
		"17 10.0.10.1:40000>10.0.10.2:502 1/70 0/0 f=0/0 new vlan=10",
		"17 10.0.10.5:40000>10.0.20.7:502 1/70 1/80 f=0/0 new vlan=10 routed dst_vlan=20",
	}
	if got := describeAll(flows); !slices.Equal(got, want) {
		t.Errorf("records:\n got %q\nwant %q", got, want)
	}
}
