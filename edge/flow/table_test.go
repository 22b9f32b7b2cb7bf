package flow

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/gopacket/layers"

	"mimamori/edge/decode"
	"mimamori/edge/wire/wirepb"
)

// base is the start of minute 0 in the tests.
var base = time.Date(2025, 4, 1, 9, 30, 0, 0, time.UTC).UnixNano()

const sec = int64(time.Second)

// macOf gives each test address a recognisable MAC: 02:00:00:00:00:<last octet>.
func macOf(a netip.Addr) [6]byte {
	b := a.AsSlice()
	return [6]byte{2, 0, 0, 0, 0, b[len(b)-1]}
}

// pkt builds a decoded packet from "ip:port" endpoints; ts is seconds from base.
func pkt(ts float64, proto layers.IPProtocol, from, to string, size int) *decode.Packet {
	src, dst := netip.MustParseAddrPort(from), netip.MustParseAddrPort(to)
	p := &decode.Packet{
		TimestampNs: base + int64(ts*float64(sec)),
		WireLen:     size,
		HasEthernet: true, HasDstMAC: true,
		SrcMAC: macOf(src.Addr()), DstMAC: macOf(dst.Addr()),
		IPVersion: 4, SrcIP: src.Addr(), DstIP: dst.Addr(), IPProto: proto,
		SrcPort: src.Port(), DstPort: dst.Port(),
	}
	if src.Addr().Is6() {
		p.IPVersion = 6
	}
	return p
}

func tcp(ts float64, from, to string, flags uint8, size int) *decode.Packet {
	p := pkt(ts, layers.IPProtocolTCP, from, to, size)
	p.TCPFlags = flags
	return p
}

func udp(ts float64, from, to string, size int) *decode.Packet {
	return pkt(ts, layers.IPProtocolUDP, from, to, size)
}

func icmp(ts float64, from, to string, typ, code uint8, id uint16) *decode.Packet {
	p := pkt(ts, layers.IPProtocolICMPv4, from+":0", to+":0", 98)
	p.SrcPort, p.DstPort = 0, 0
	p.ICMPType, p.ICMPCode = typ, code
	if typ == 0 || typ == 8 {
		p.ICMPQuery, p.ICMPID = true, id
	}
	return p
}

const (
	S = decode.FlagSYN
	A = decode.FlagACK
	F = decode.FlagFIN
	R = decode.FlagRST
	P = decode.FlagPSH
)

// describe renders a record compactly for comparison.
func describe(f *wirepb.Flow) string {
	ip := func(b []byte) string { a, _ := netip.AddrFromSlice(b); return a.String() }
	state := "new"
	if f.State == wirepb.FlowState_FLOW_STATE_CONTINUED {
		state = "cont"
	}
	var extra []string
	if f.Ended {
		extra = append(extra, "ended")
	}
	if f.InitiatorCertain {
		extra = append(extra, "certain")
	}
	if f.Vlan != 0 {
		extra = append(extra, fmt.Sprintf("vlan=%d", f.Vlan))
	}
	if f.Routed {
		extra = append(extra, fmt.Sprintf("routed dst_vlan=%d", f.DstVlan))
	}
	s := fmt.Sprintf("%d %s:%d>%s:%d %d/%d %d/%d f=%x/%x %s",
		f.IpProto, ip(f.SrcIp), f.SrcPort, ip(f.DstIp), f.DstPort,
		f.SrcPackets, f.SrcBytes, f.DstPackets, f.DstBytes, f.SrcTcpFlags, f.DstTcpFlags, state)
	if len(extra) > 0 {
		s += " " + strings.Join(extra, " ")
	}
	return s
}

func describeAll(flows []*wirepb.Flow) []string {
	out := make([]string, len(flows))
	for i, f := range flows {
		out[i] = describe(f)
	}
	slices.Sort(out)
	return out
}

func TestFlows(t *testing.T) {
	tests := []struct {
		name    string
		packets []*decode.Packet
		want    []string // records of the flush of minute 0, sorted
		wantLen int      // flows left after the flush
	}{
		{
			name: "tcp_handshake_data_close",
			packets: []*decode.Packet{
				tcp(1, "10.0.0.1:50000", "10.0.0.2:502", S, 74),
				tcp(1.1, "10.0.0.2:502", "10.0.0.1:50000", S|A, 74),
				tcp(1.2, "10.0.0.1:50000", "10.0.0.2:502", A, 66),
				tcp(1.3, "10.0.0.1:50000", "10.0.0.2:502", P|A, 78),
				tcp(1.4, "10.0.0.2:502", "10.0.0.1:50000", P|A, 77),
				tcp(2, "10.0.0.1:50000", "10.0.0.2:502", F|A, 66),
				tcp(2.1, "10.0.0.2:502", "10.0.0.1:50000", F|A, 66),
				tcp(2.2, "10.0.0.1:50000", "10.0.0.2:502", A, 66),
			},
			want:    []string{"6 10.0.0.1:50000>10.0.0.2:502 5/350 3/217 f=1b/1b new ended certain"},
			wantLen: 0,
		},
		{
			name: "syn_ack_first",
			packets: []*decode.Packet{
				tcp(1, "10.0.0.2:44818", "10.0.0.1:50001", S|A, 74),
				tcp(1.1, "10.0.0.1:50001", "10.0.0.2:44818", A, 66),
			},
			want:    []string{"6 10.0.0.1:50001>10.0.0.2:44818 1/66 1/74 f=10/12 new certain"},
			wantLen: 1,
		},
		{
			name: "midstream_from_server_port",
			packets: []*decode.Packet{
				tcp(1, "10.0.0.2:502", "10.0.0.1:50002", P|A, 70),
				tcp(1.1, "10.0.0.1:50002", "10.0.0.2:502", A, 66),
			},
			want:    []string{"6 10.0.0.1:50002>10.0.0.2:502 1/66 1/70 f=10/18 new"},
			wantLen: 1,
		},
		{
			name: "midstream_both_ephemeral",
			packets: []*decode.Packet{
				tcp(1, "10.0.0.2:40000", "10.0.0.1:50003", A, 70),
			},
			want:    []string{"6 10.0.0.2:40000>10.0.0.1:50003 1/70 0/0 f=10/0 new"},
			wantLen: 1,
		},
		{
			name: "late_syn_settles_initiator",
			packets: []*decode.Packet{
				tcp(1, "10.0.0.2:40000", "10.0.0.1:50004", A, 70),
				tcp(2, "10.0.0.1:50004", "10.0.0.2:40000", S, 74),
			},
			want:    []string{"6 10.0.0.1:50004>10.0.0.2:40000 1/74 1/70 f=2/10 new certain"},
			wantLen: 1,
		},
		{
			name: "udp_response_first",
			packets: []*decode.Packet{
				udp(1, "10.0.0.53:53", "10.0.0.1:51000", 120),
				udp(1.5, "10.0.0.1:51000", "10.0.0.53:53", 80),
			},
			want:    []string{"17 10.0.0.1:51000>10.0.0.53:53 1/80 1/120 f=0/0 new"},
			wantLen: 1,
		},
		{
			name: "udp_same_service_port_both_sides",
			packets: []*decode.Packet{
				udp(1, "10.0.0.9:47808", "10.0.0.3:47808", 60),
				udp(2, "10.0.0.3:47808", "10.0.0.9:47808", 70),
			},
			want:    []string{"17 10.0.0.9:47808>10.0.0.3:47808 1/60 1/70 f=0/0 new"},
			wantLen: 1,
		},
		{
			name: "icmp_echo_pairs_by_identifier",
			packets: []*decode.Packet{
				icmp(1, "10.0.0.1", "10.0.0.2", 8, 0, 7),
				icmp(1.1, "10.0.0.2", "10.0.0.1", 0, 0, 7),
				icmp(2, "10.0.0.1", "10.0.0.2", 8, 0, 9),
				icmp(3, "10.0.0.2", "10.0.0.3", 0, 0, 4), // reply seen first
			},
			want: []string{
				"1 10.0.0.1:2048>10.0.0.2:7 1/98 1/98 f=0/0 new certain",
				"1 10.0.0.1:2048>10.0.0.2:9 1/98 0/0 f=0/0 new certain",
				"1 10.0.0.3:0>10.0.0.2:4 0/0 1/98 f=0/0 new certain",
			},
			wantLen: 3,
		},
		{
			name: "icmp_error",
			packets: []*decode.Packet{
				icmp(1, "10.0.0.254", "10.0.0.1", 3, 3, 0),
				icmp(2, "10.0.0.254", "10.0.0.1", 3, 3, 0),
				icmp(3, "10.0.0.254", "10.0.0.1", 11, 0, 0),
			},
			want: []string{
				"1 10.0.0.254:2816>10.0.0.1:0 1/98 0/0 f=0/0 new",
				"1 10.0.0.254:771>10.0.0.1:0 2/196 0/0 f=0/0 new",
			},
			wantLen: 2,
		},
		{
			name: "vlan_separates",
			packets: func() []*decode.Packet {
				a := udp(1, "10.0.0.1:2000", "10.0.0.2:2404", 60)
				b := udp(2, "10.0.0.1:2000", "10.0.0.2:2404", 60)
				b.VLAN = 10
				return []*decode.Packet{a, b}
			}(),
			want: []string{
				"17 10.0.0.1:2000>10.0.0.2:2404 1/60 0/0 f=0/0 new",
				"17 10.0.0.1:2000>10.0.0.2:2404 1/60 0/0 f=0/0 new vlan=10",
			},
			wantLen: 2,
		},
		{
			name: "half_open_expires_in_its_minute",
			packets: []*decode.Packet{
				tcp(10, "10.0.0.1:50005", "10.0.0.2:102", S, 74),
				tcp(11, "10.0.0.1:50005", "10.0.0.2:102", S, 74),
			},
			want:    []string{"6 10.0.0.1:50005>10.0.0.2:102 2/148 0/0 f=2/0 new ended certain"},
			wantLen: 0,
		},
		{
			name: "rst_then_new_syn_is_a_new_flow",
			packets: []*decode.Packet{
				tcp(1, "10.0.0.1:50006", "10.0.0.2:20000", S, 74),
				tcp(1.1, "10.0.0.2:20000", "10.0.0.1:50006", R|A, 60),
				tcp(50, "10.0.0.1:50006", "10.0.0.2:20000", S, 74),
				tcp(50.1, "10.0.0.2:20000", "10.0.0.1:50006", S|A, 74),
				tcp(50.2, "10.0.0.1:50006", "10.0.0.2:20000", A, 66),
			},
			want: []string{
				"6 10.0.0.1:50006>10.0.0.2:20000 1/74 1/60 f=2/14 new ended certain",
				"6 10.0.0.1:50006>10.0.0.2:20000 2/140 1/74 f=12/12 new certain",
			},
			wantLen: 1,
		},
		{
			name: "ipv6_udp",
			packets: []*decode.Packet{
				udp(1, "[2001:db8::1]:5353", "[ff02::fb]:5353", 100),
			},
			want:    []string{"17 2001:db8::1:5353>ff02::fb:5353 1/100 0/0 f=0/0 new"},
			wantLen: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tab := New(Options{})
			for _, p := range tt.packets {
				tab.Packet(p)
			}
			flows, stats := tab.Flush(base)
			got := describeAll(flows)
			if !slices.Equal(got, tt.want) {
				t.Errorf("records:\n got  %q\n want %q", got, tt.want)
			}
			if tab.Len() != tt.wantLen || stats.Active != uint64(tt.wantLen) {
				t.Errorf("%d flows left (stats %d), want %d", tab.Len(), stats.Active, tt.wantLen)
			}
		})
	}
}

func TestMinutes(t *testing.T) {
	tab := New(Options{})
	tab.Packet(udp(5, "10.0.0.1:40000", "10.0.0.2:502", 100))
	tab.Packet(udp(6, "10.0.0.2:502", "10.0.0.1:40000", 90))
	flows, _ := tab.Flush(base)
	if got := describeAll(flows); !slices.Equal(got, []string{"17 10.0.0.1:40000>10.0.0.2:502 1/100 1/90 f=0/0 new"}) {
		t.Fatalf("minute 0: %q", got)
	}
	if flows[0].FirstUnixNs != base+5*sec || flows[0].LastUnixNs != base+6*sec {
		t.Errorf("minute 0 first/last %d/%d", flows[0].FirstUnixNs-base, flows[0].LastUnixNs-base)
	}

	tab.Packet(udp(70, "10.0.0.1:40000", "10.0.0.2:502", 100))
	flows, _ = tab.Flush(base + 60*sec)
	if got := describeAll(flows); !slices.Equal(got, []string{"17 10.0.0.1:40000>10.0.0.2:502 1/100 0/0 f=0/0 cont"}) {
		t.Fatalf("minute 1: %q", got)
	}
	if flows[0].FirstUnixNs != base+70*sec || flows[0].LastUnixNs != base+70*sec {
		t.Errorf("minute 1 first/last are not the minute's: %d/%d", flows[0].FirstUnixNs-base, flows[0].LastUnixNs-base)
	}

	// Idle through minutes 2 and 3: no record, and gone once the 2-minute
	// UDP timeout has passed at a minute's end.
	flows, stats := tab.Flush(base + 120*sec)
	if len(flows) != 0 || tab.Len() != 1 || stats.Expired != 0 {
		t.Fatalf("minute 2: %d records, %d flows, %d expired", len(flows), tab.Len(), stats.Expired)
	}
	flows, stats = tab.Flush(base + 180*sec)
	if len(flows) != 0 || tab.Len() != 0 || stats.Expired != 1 {
		t.Fatalf("minute 3: %d records, %d flows, %d expired", len(flows), tab.Len(), stats.Expired)
	}
}

// TestSetBack: after the clock is set back an hour, a flow last seen
// before the change expires by its idle timeout counted from the new
// time, not an hour later.
func TestSetBack(t *testing.T) {
	tab := New(Options{})
	tab.Packet(udp(3605, "10.0.0.1:40000", "10.0.0.2:502", 100))
	tab.Flush(base + 3600*sec)
	tab.SetBack(base + 10*sec)
	tab.Packet(udp(10, "10.0.0.3:40000", "10.0.0.2:502", 100))
	tab.Flush(base)
	if tab.Len() != 2 {
		t.Fatalf("%d flows after minute 0, want 2", tab.Len())
	}
	tab.Flush(base + 60*sec)
	flows, stats := tab.Flush(base + 120*sec)
	if len(flows) != 0 || tab.Len() != 0 || stats.Expired != 2 {
		t.Fatalf("minute 2: %d records, %d flows, %d expired; want both idle flows gone", len(flows), tab.Len(), stats.Expired)
	}
}

func TestTCPTimeouts(t *testing.T) {
	tab := New(Options{})
	// Established: survives 4 idle minutes, goes in the fifth.
	tab.Packet(tcp(1, "10.0.0.1:50000", "10.0.0.2:502", S, 74))
	tab.Packet(tcp(1, "10.0.0.2:502", "10.0.0.1:50000", S|A, 74))
	// Closing in one direction only: the 30 s timeout applies.
	tab.Packet(tcp(2, "10.0.0.1:50001", "10.0.0.2:502", S, 74))
	tab.Packet(tcp(2, "10.0.0.2:502", "10.0.0.1:50001", S|A, 74))
	tab.Packet(tcp(40, "10.0.0.1:50001", "10.0.0.2:502", F|A, 66))
	flows, stats := tab.Flush(base)
	if len(flows) != 2 || tab.Len() != 2 || stats.Expired != 0 {
		t.Fatalf("minute 0: %d records, %d flows", len(flows), tab.Len())
	}
	flows, stats = tab.Flush(base + 60*sec)
	if len(flows) != 0 || tab.Len() != 1 || stats.Expired != 1 {
		t.Fatalf("minute 1: %d records, %d flows, %d expired; the half-closed flow should be gone", len(flows), tab.Len(), stats.Expired)
	}
	for m := int64(2); m <= 4; m++ {
		tab.Flush(base + m*60*sec)
		if tab.Len() != 1 {
			t.Fatalf("minute %d: established flow expired early", m)
		}
	}
	tab.Flush(base + 5*60*sec)
	if tab.Len() != 0 {
		t.Fatal("minute 5: established flow still there after 5 idle minutes")
	}
}

func TestMACs(t *testing.T) {
	tab := New(Options{})
	req := udp(1, "10.0.0.1:40000", "10.0.0.2:502", 100)
	req.DstMAC = [6]byte{2, 0, 0, 0, 0, 0xfe} // via a router
	tab.Packet(req)
	flows, _ := tab.Flush(base)
	if got := flows[0].DstMac; string(got) != string([]byte{2, 0, 0, 0, 0, 0xfe}) {
		t.Errorf("dst MAC before the peer spoke = %x, want the frame's destination", got)
	}
	tab.Packet(udp(61, "10.0.0.2:502", "10.0.0.1:40000", 100))
	req = udp(62, "10.0.0.1:40000", "10.0.0.2:502", 100)
	req.DstMAC = [6]byte{2, 0, 0, 0, 0, 0xfe}
	tab.Packet(req)
	flows, _ = tab.Flush(base + 60*sec)
	if got := flows[0].DstMac; string(got) != string([]byte{2, 0, 0, 0, 0, 2}) {
		t.Errorf("dst MAC = %x, want the peer's own source MAC", got)
	}
	if got := flows[0].SrcMac; string(got) != string([]byte{2, 0, 0, 0, 0, 1}) {
		t.Errorf("src MAC = %x", got)
	}
}

func TestFragments(t *testing.T) {
	tab := New(Options{})
	first := udp(1, "10.0.0.1:40000", "10.0.0.2:47808", 1514)
	first.MoreFragments, first.FragID = true, 77
	later := udp(1, "10.0.0.1:0", "10.0.0.2:0", 600)
	later.Fragment, later.FragOffset, later.FragID = true, 1480, 77
	orphan := udp(2, "10.0.0.1:0", "10.0.0.2:0", 600)
	orphan.Fragment, orphan.FragOffset, orphan.FragID = true, 1480, 78
	tab.Packet(first)
	tab.Packet(later)
	tab.Packet(orphan)
	flows, _ := tab.Flush(base)
	want := []string{
		"17 10.0.0.1:0>10.0.0.2:0 1/600 0/0 f=0/0 new",
		"17 10.0.0.1:40000>10.0.0.2:47808 2/2114 0/0 f=0/0 new",
	}
	if got := describeAll(flows); !slices.Equal(got, want) {
		t.Errorf("got %q\nwant %q", got, want)
	}
}

func TestEviction(t *testing.T) {
	tab := New(Options{MaxFlows: 4})
	for i := range 6 {
		tab.Packet(udp(float64(i), fmt.Sprintf("10.0.0.%d:40000", i+1), "10.0.0.100:502", 60))
	}
	if tab.Len() != 4 {
		t.Fatalf("%d flows, want the bound 4", tab.Len())
	}
	flows, stats := tab.Flush(base)
	if stats.Evicted != 2 || stats.Active != 4 {
		t.Errorf("stats %+v, want 2 evicted, 4 active", stats)
	}
	if len(flows) != 6 {
		t.Fatalf("%d records, want 6 (evicted flows keep their minute)", len(flows))
	}
	ended := 0
	for _, f := range flows {
		if f.Ended {
			ended++
			if ip := netip.AddrFrom4([4]byte(f.SrcIp)); ip != netip.MustParseAddr("10.0.0.1") && ip != netip.MustParseAddr("10.0.0.2") {
				t.Errorf("evicted %v, want the two longest idle", ip)
			}
		}
	}
	if ended != 2 {
		t.Errorf("%d ended records, want the 2 evicted", ended)
	}
}

// TestSteadyStateAllocs pins the zero-allocation promise: once the table
// has grown, packets of known and of new flows allocate nothing.
func TestSteadyStateAllocs(t *testing.T) {
	tab := New(Options{})
	const n = 2000
	pkts := make([]*decode.Packet, n)
	for i := range pkts {
		pkts[i] = tcp(1, fmt.Sprintf("10.0.%d.%d:%d", i/250, i%250, 40000+i), "10.1.0.1:502", S, 74)
	}
	rst := make([]*decode.Packet, n)
	for i := range rst {
		rst[i] = tcp(2, "10.1.0.1:502", fmt.Sprintf("10.0.%d.%d:%d", i/250, i%250, 40000+i), R|A, 60)
	}
	for round := range 3 {
		for i := range pkts {
			tab.Packet(pkts[i])
			tab.Packet(rst[i])
		}
		tab.Flush(base + int64(round)*60*sec) // closed: all removed, slots freed
	}
	allocs := testing.AllocsPerRun(5, func() {
		for i := range pkts {
			tab.Packet(pkts[i]) // new flows from the free list
			tab.Packet(pkts[i]) // known flows
		}
		for i := range rst {
			tab.Packet(rst[i])
		}
		// Reuse the slots without a flush's allocations.
		for i := range tab.entries {
			if e := &tab.entries[i]; e.live {
				delete(tab.index, e.key)
				*e = entry{}
				tab.free = append(tab.free, int32(i))
			}
		}
		tab.active = 0
	})
	if allocs != 0 {
		t.Errorf("%v allocations per %d packets, want 0", allocs, 3*n)
	}
}

func TestServicePort(t *testing.T) {
	for _, p := range []uint16{22, 53, 67, 68, 102, 123, 161, 502, 1883, 2222, 2404, 4840, 5007, 5560, 5562, 9600, 20000, 44818, 45238, 47808, 61450, 61451} {
		if !servicePort(p) {
			t.Errorf("port %d should be a service port", p)
		}
	}
	for _, p := range []uint16{0, 1024, 40000, 49152, 50000, 65535} {
		if servicePort(p) {
			t.Errorf("port %d should be ephemeral", p)
		}
	}
}

func timeOf(ns int64) time.Time { return time.Unix(0, ns).UTC() }
