package protocols_test

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"mimamori/edge/decode"
	"mimamori/edge/flow"
	"mimamori/edge/wire/wirepb"
	"mimamori/protocols"
	"mimamori/protocols/protocolstest"
)

// summary renders an event compactly for comparisons:
// "0x01 10.0.0.1:40000>10.0.0.2:7000 n=2 q=1 r=1 e=0 size=0".
func summary(e *wirepb.OTEvent) string {
	var b strings.Builder
	fmt.Fprintf(&b, "0x%02x %s>%s n=%d q=%d r=%d e=%d", e.Code, endpoint(e.SrcIp, e.SrcPort, e.SrcMac),
		endpoint(e.DstIp, e.DstPort, e.DstMac), e.Count, e.Requests, e.Responses, e.Errors)
	for _, a := range e.Extras {
		fmt.Fprintf(&b, " %s=%s", a.Key, a.Value)
	}
	return b.String()
}

func endpoint(ip []byte, port uint32, mac []byte) string {
	if a, ok := netip.AddrFromSlice(ip); ok {
		return netip.AddrPortFrom(a, uint16(port)).String()
	}
	return fmt.Sprintf("%x", mac)
}

func summaries(events []*wirepb.OTEvent) []string {
	var out []string
	for _, e := range events {
		out = append(out, summary(e))
	}
	return out
}

func flushed(t *testing.T, h *protocolstest.Harness) ([]string, protocols.Stats) {
	t.Helper()
	events, _, st := h.Flush()
	for _, e := range events {
		if e.Protocol != "demo" {
			t.Errorf("protocol %q", e.Protocol)
		}
	}
	return summaries(events), st
}

func checkEvents(t *testing.T, got, want []string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("events:\n got %q\nwant %q", got, want)
	}
}

func TestClassifyByPort(t *testing.T) {
	h := protocolstest.New(demoRegistry(), protocols.Options{})
	c := h.TCP("10.0.0.1:40000", "10.0.0.2:7000")
	c.Send(true, pdu('A', 1))
	c.Send(false, pdu('A', 1, 9, 9))
	// Over UDP the server port decides who the client is, whichever side
	// spoke first.
	h.UDP("10.0.0.2:7000", "10.0.0.3:50000", pdu('A', 2))
	got, _ := flushed(t, h)
	checkEvents(t, got, []string{
		"0x01 10.0.0.1:40000>10.0.0.2:7000 n=2 q=1 r=1 e=0 size=0,2",
		"0x02 10.0.0.3:50000>10.0.0.2:7000 n=1 q=0 r=1 e=0 size=0",
	})
}

func TestClassifyByHeuristic(t *testing.T) {
	h := protocolstest.New(demoRegistry(), protocols.Options{MaxProbes: 2})
	// On a port nobody claims, the heuristic finds the protocol; the
	// initiator is the client.
	c := h.TCP("10.0.0.1:40000", "10.0.0.2:9999")
	c.Send(true, pdu('A', 1))
	c.Send(false, pdu('A', 1))
	// A conversation that does not look like any protocol in its first
	// MaxProbes payload packets is given up, even if it later does.
	x := h.TCP("10.0.0.1:40001", "10.0.0.2:9998")
	x.Send(true, []byte("GET / HTTP/1.0\r\n"))
	x.Send(false, []byte("HTTP/1.0 200 OK\r\n"))
	x.Send(true, pdu('A', 1))
	// Two more probes are allowed per conversation: the third packet is
	// accepted here.
	u := "10.0.0.5:1234"
	h.UDP(u, "10.0.0.6:4321", []byte("noise"))
	h.UDP(u, "10.0.0.6:4321", pdu('Q', 3))
	got, st := flushed(t, h)
	checkEvents(t, got, []string{
		"0x01 10.0.0.1:40000>10.0.0.2:9999 n=2 q=1 r=1 e=0 size=0",
		"0x03 10.0.0.5:1234>10.0.0.6:4321 n=1 q=1 r=0 e=0 size=0",
	})
	if st.Malformed != 0 {
		t.Errorf("malformed %d", st.Malformed)
	}
}

func TestKinds(t *testing.T) {
	h := protocolstest.New(demoRegistry(), protocols.Options{})
	c := h.TCP("10.0.0.1:40000", "10.0.0.2:7000")
	// Messages that say what they are override the conversation's view: a
	// request from the server makes the server the event's src.
	c.Send(false, pdu('Q', 5))
	c.Send(true, pdu('R', 5))
	// An "other" message's sender is its src.
	c.Send(false, pdu('O', 6))
	c.Send(true, pdu('O', 6))
	// Errors count, with their details.
	c.Send(true, pdu('Q', 0xe0))
	c.Send(false, pdu('R', 0xe0))
	got, _ := flushed(t, h)
	checkEvents(t, got, []string{
		"0x06 10.0.0.1:40000>10.0.0.2:7000 n=1 q=0 r=0 e=0 size=0",
		"0xe0 10.0.0.1:40000>10.0.0.2:7000 n=2 q=1 r=1 e=1 size=0 status=0x2a",
		"0x05 10.0.0.2:7000>10.0.0.1:40000 n=2 q=1 r=1 e=0 size=0",
		"0x06 10.0.0.2:7000>10.0.0.1:40000 n=1 q=0 r=0 e=0 size=0",
	})
}

func TestEventFields(t *testing.T) {
	h := protocolstest.New(demoRegistry(), protocols.Options{})
	c := h.TCP("10.0.0.1:40000", "10.0.0.2:7000")
	c.Send(true, pdu('A', 0x90))
	c.Send(false, pdu('A', 0x90))
	events, _, _ := h.Flush()
	if len(events) != 1 {
		t.Fatalf("%d events", len(events))
	}
	e := events[0]
	cm, sm := protocolstest.MAC("10.0.0.1"), protocolstest.MAC("10.0.0.2")
	switch {
	case e.Function != "unknown":
		t.Errorf("function %q for a code without a name", e.Function)
	case string(e.SrcMac) != string(cm[:]) || string(e.DstMac) != string(sm[:]):
		t.Errorf("MACs %x %x", e.SrcMac, e.DstMac)
	case e.FirstUnixNs == 0 || e.LastUnixNs <= e.FirstUnixNs:
		t.Errorf("times %d %d", e.FirstUnixNs, e.LastUnixNs)
	case len(e.SrcIp) != 4 || e.Vlan != 0:
		t.Errorf("address %x vlan %d", e.SrcIp, e.Vlan)
	}
	// The next minute starts empty.
	if events, ids, _ := h.Flush(); len(events) != 0 || len(ids) != 0 {
		t.Errorf("second flush: %d events, %d identities", len(events), len(ids))
	}
}

func TestDetails(t *testing.T) {
	h := protocolstest.New(demoRegistry(), protocols.Options{})
	c := h.TCP("10.0.0.1:40000", "10.0.0.2:7000")
	// Ranges of the same device widen; other values accumulate.
	c.Send(true, pdu('Q', 0x10, 0, 100))
	c.Send(true, pdu('Q', 0x10, 0, 90, 1))
	c.Send(true, pdu('Q', 0x10, 0, 120, 1, 2))
	// Beyond sixteen distinct details the event says it lost some.
	for i := 0; i < 20; i++ {
		c.Send(true, pdu('Q', 0x11, make([]byte, i)...))
	}
	got, _ := flushed(t, h)
	checkEvents(t, got, []string{
		"0x10 10.0.0.1:40000>10.0.0.2:7000 n=3 q=3 r=0 e=0 size=2,3,4 write_range=D:90-121",
		"0x11 10.0.0.1:40000>10.0.0.2:7000 n=20 q=20 r=0 e=0 size=0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15 truncated=true",
	})
}

// TestDetailsRepeated checks merging when messages repeat the details
// kept, in the same places or not, with ranges inside and outside the
// range kept.
func TestDetailsRepeated(t *testing.T) {
	h := protocolstest.New(demoRegistry(), protocols.Options{})
	c := h.TCP("10.0.0.1:40000", "10.0.0.2:7000")
	for _, data := range [][]byte{
		{0, 100},    // size=2 write_range=D:100-101
		{0, 100},    // the same
		{0, 101},    // widens to 100-102
		{0, 100},    // inside
		{0, 100, 0}, // size=3, range inside
		{0, 100},    // the first details again
		{0, 99, 0},  // size=3 kept elsewhere; widens to 99-102
		{0, 101, 0}, // nothing new
	} {
		c.Send(true, pdu('Q', 0x10, data...))
	}
	got, _ := flushed(t, h)
	checkEvents(t, got, []string{
		"0x10 10.0.0.1:40000>10.0.0.2:7000 n=8 q=8 r=0 e=0 size=2,3 write_range=D:99-102",
	})
}

// TestDetailsOverflow checks events with more distinct details than an
// aggregate holds inline, several at once and minute after minute, as
// the overflow details are kept apart and their room reused.
func TestDetailsOverflow(t *testing.T) {
	h := protocolstest.New(demoRegistry(), protocols.Options{})
	c := h.TCP("10.0.0.1:40000", "10.0.0.2:7000")
	sizes := func(from, to int) string {
		var b strings.Builder
		for i := from; i <= to; i++ {
			if i > from {
				b.WriteByte(',')
			}
			fmt.Fprint(&b, i)
		}
		return b.String()
	}
	for minute, tc := range []struct {
		from, to int
	}{{0, 9}, {3, 14}, {1, 17}} {
		// Two events take turns, so that their overflow details
		// interleave.
		for i := tc.from; i <= tc.to; i++ {
			c.Send(true, pdu('Q', 0x11, make([]byte, i)...))
			c.Send(true, pdu('Q', 0x12, make([]byte, tc.to-i+tc.from)...))
			c.Send(true, pdu('Q', 0x11, make([]byte, i)...)) // a repeat adds nothing
		}
		n, last := tc.to-tc.from+1, min(tc.to, tc.from+15)
		extra := ""
		if n > 16 {
			extra = " truncated=true"
		}
		got, _ := flushed(t, h)
		checkEvents(t, got, []string{
			fmt.Sprintf("0x11 10.0.0.1:40000>10.0.0.2:7000 n=%d q=%d r=0 e=0 size=%s%s", 2*n, 2*n, sizes(tc.from, last), extra),
			fmt.Sprintf("0x12 10.0.0.1:40000>10.0.0.2:7000 n=%d q=%d r=0 e=0 size=%s%s", n, n, sizes(tc.to-(last-tc.from), tc.to), extra),
		})
		if t.Failed() {
			t.Fatalf("minute %d", minute)
		}
	}
}

func TestIdentity(t *testing.T) {
	h := protocolstest.New(demoRegistry(), protocols.Options{})
	c := h.TCP("10.0.0.1:40000", "10.0.0.2:7000")
	c.Send(false, pdu('R', 0xee, []byte("  PLC-1\x00junk")...))
	c.Send(false, pdu('R', 0xee, []byte("PLC-2 \xff")...)) // the latest report wins
	h.UDP("10.0.0.3:7000", "10.0.0.1:40000", pdu('R', 0xee, []byte("RIO")...))
	_, ids, _ := h.Flush()
	var got []string
	for _, id := range ids {
		a, _ := netip.AddrFromSlice(id.Ip)
		got = append(got, fmt.Sprintf("%s %s %s %q %x", id.Protocol, a, id.Vendor, id.Model, id.Mac))
	}
	want := []string{
		`demo 10.0.0.2 Acme "PLC-2 ?" 020000000002`,
		`demo 10.0.0.3 Acme "RIO" 020000000003`,
	}
	if !slices.Equal(got, want) {
		t.Errorf("identities\n got %q\nwant %q", got, want)
	}
}

// TestIdentityRepeated checks identities reported over and over by both
// sides of one conversation, minute after minute: each side's report is
// kept under its own address, the latest wins, and a new minute starts
// afresh.
func TestIdentityRepeated(t *testing.T) {
	h := protocolstest.New(demoRegistry(), protocols.Options{})
	c := h.TCP("10.0.0.1:40000", "10.0.0.2:7000")
	identities := func() []string {
		_, ids, _ := h.Flush()
		var got []string
		for _, id := range ids {
			a, _ := netip.AddrFromSlice(id.Ip)
			got = append(got, fmt.Sprintf("%s %q", a, id.Model))
		}
		return got
	}
	for minute, tc := range []struct {
		client, server []string // reports in turn
		want           []string
	}{
		{[]string{"HMI", "HMI"}, []string{"PLC", "PLC", "PLC-2"}, []string{`10.0.0.1 "HMI"`, `10.0.0.2 "PLC-2"`}},
		{nil, []string{"PLC-2", "PLC-3"}, []string{`10.0.0.2 "PLC-3"`}},
		{[]string{"HMI-2"}, nil, []string{`10.0.0.1 "HMI-2"`}},
	} {
		for i := range max(len(tc.client), len(tc.server)) {
			if i < len(tc.client) {
				c.Send(true, pdu('Q', 0xee, []byte(tc.client[i])...))
			}
			if i < len(tc.server) {
				c.Send(false, pdu('R', 0xee, []byte(tc.server[i])...))
			}
		}
		if got := identities(); !slices.Equal(got, tc.want) {
			t.Errorf("minute %d: identities\n got %q\nwant %q", minute, got, tc.want)
		}
	}
}

func TestLayer2(t *testing.T) {
	h := protocolstest.New(demoRegistry(), protocols.Options{})
	a, b := [6]byte{2, 0, 0, 0, 0, 0xa}, [6]byte{2, 0, 0, 0, 0, 0xb}
	h.Packet(protocolstest.Frame(a, b, demoEtherType, pdu('A', 1)))
	h.Packet(protocolstest.Frame(b, a, demoEtherType, pdu('R', 1)))
	h.Packet(protocolstest.Frame(a, b, 0x88b6, pdu('A', 1))) // not registered
	h.Packet(protocolstest.Frame(b, a, demoEtherType, pdu('R', 0xee, 'X')))
	events, ids, _ := h.Flush()
	checkEvents(t, summaries(events), []string{
		"0x01 02000000000a>02000000000b n=2 q=1 r=1 e=0 size=0",
		"0xee 02000000000a>02000000000b n=1 q=0 r=1 e=0 size=1",
	})
	if len(ids) != 1 || ids[0].Ip != nil || ids[0].Mac[5] != 0xb || ids[0].Model != "X" {
		t.Errorf("identities %v", ids)
	}
}

// TestLayer2Many checks layer-2 events counted through the cache of
// recent keys: more keys than it has entries, taking turns, over several
// minutes, and a table that fills up.
func TestLayer2Many(t *testing.T) {
	for _, tc := range []struct {
		name      string
		maxEvents int
		stations  int
	}{
		{"fits", 0, 600},
		{"full", 500, 600},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := protocolstest.New(demoRegistry(), protocols.Options{MaxEvents: tc.maxEvents})
			master := [6]byte{2, 0, 0, 0, 0, 1}
			for minute := range 3 {
				for round := range 3 {
					for i := range tc.stations {
						st := [6]byte{2, 0, 0, 0, byte(i >> 8), byte(i)}
						// Codes alternate with the round, so keys of
						// the same stations differ too.
						h.Packet(protocolstest.Frame(master, st, demoEtherType, pdu('O', byte(round%2))))
					}
				}
				events, _, st := h.Flush()
				want := 2 * tc.stations
				if tc.maxEvents > 0 {
					want = tc.maxEvents
				}
				if len(events) != want {
					t.Fatalf("minute %d: %d events, want %d", minute, len(events), want)
				}
				var total uint64
				for _, e := range events {
					n := uint64(1)
					if e.Code == 0 {
						n = 2 // rounds 0 and 2
					}
					if e.Count != n {
						t.Fatalf("minute %d: %s counted %d, want %d", minute, summary(e), e.Count, n)
					}
					total += e.Count
				}
				if dropped := uint64(3*tc.stations) - total; st.EventsDropped != dropped {
					t.Errorf("minute %d: %d dropped, want %d", minute, st.EventsDropped, dropped)
				}
			}
		})
	}
}

func TestEventTableBound(t *testing.T) {
	h := protocolstest.New(demoRegistry(), protocols.Options{MaxEvents: 2, MaxIdentities: 1})
	c := h.TCP("10.0.0.1:40000", "10.0.0.2:7000")
	for code := byte(1); code <= 4; code++ {
		c.Send(true, pdu('Q', code))
	}
	c.Send(true, pdu('Q', 1)) // an event already in the table still counts
	h.UDP("10.0.0.3:7000", "10.0.0.1:1", pdu('R', 0xee, 'A'))
	h.UDP("10.0.0.4:7000", "10.0.0.1:1", pdu('R', 0xee, 'B'))
	events, ids, st := h.Flush()
	// Codes 3 and 4 and both identity messages found the table full.
	if len(events) != 2 || events[0].Count != 2 || st.EventsDropped != 4 {
		t.Errorf("%d events (first counted %d), %d dropped; want 2, 2, 4", len(events), events[0].Count, st.EventsDropped)
	}
	if len(ids) != 1 || st.IdentitiesDropped != 1 {
		t.Errorf("%d identities, %d dropped", len(ids), st.IdentitiesDropped)
	}
	if _, _, st := h.Flush(); st.EventsDropped != 0 {
		t.Errorf("drops carried into the next minute: %d", st.EventsDropped)
	}
}

func TestMalformed(t *testing.T) {
	h := protocolstest.New(demoRegistry(), protocols.Options{})
	h.UDP("10.0.0.1:1", "10.0.0.2:7000", []byte("DM\x00\x09short"))
	_, _, st := h.Flush()
	if st.Malformed != 1 {
		t.Errorf("malformed %d, want 1", st.Malformed)
	}
}

func TestValueString(t *testing.T) {
	tests := []struct {
		v    protocols.Value
		want string
	}{
		{protocols.Uint(42), "42"},
		{protocols.Hex(0x2a, 2), "0x2a"},
		{protocols.Hex(0x2a, 4), "0x002a"},
		{protocols.Hex(0x12345, 4), "0x12345"},
		{protocols.Range("D", 100, 131), "D:100-131"},
		{protocols.Range("D", 131, 100), "D:100-131"},
		{protocols.Range("", 7, 7), "7"},
		{protocols.RangeIn(0x82, 2, 100, 119), "0x82:100-119"},
		{protocols.Text("3e"), "3e"},
	}
	for _, tt := range tests {
		if got := tt.v.String(); got != tt.want {
			t.Errorf("%+v renders %q, want %q", tt.v, got, tt.want)
		}
	}
}

// TestWithoutFlow covers packets the flow table could not count: they
// are dissected on their own, without conversation state.
func TestWithoutFlow(t *testing.T) {
	tr := protocols.NewTracker(demoRegistry(), protocols.Options{})
	noFlow := flow.Ref{Slot: -1}
	tr.Packet(protocolstest.Datagram("10.0.0.1:1", "10.0.0.2:7000", pdu('Q', 1)), noFlow)
	c := &protocolstest.TCPConn{Client: "10.0.0.1:40000", Server: "10.0.0.2:7000"}
	tr.Packet(c.Segment(true, 1, decode.FlagACK, pdu('Q', 2)), noFlow)
	tr.Packet(c.Segment(true, 20, decode.FlagACK, pdu('Q', 3)[:4]), noFlow) // a partial PDU cannot be kept
	events, _, st := tr.Flush(protocolstest.Base)
	checkEvents(t, summaries(events), []string{
		"0x01 10.0.0.1:1>10.0.0.2:7000 n=1 q=1 r=0 e=0 size=0",
		"0x02 10.0.0.1:40000>10.0.0.2:7000 n=1 q=1 r=0 e=0 size=0",
	})
	if st.Buffers != 0 {
		t.Errorf("%d buffers", st.Buffers)
	}
}

// variant is demo with a second protocol ID: codes 0x40 and up are
// reported as "demo-plus", like S7comm-plus beside S7comm on one port.
type variant struct{ demo }

func (variant) Info() protocols.Info {
	info := demo{}.Info()
	info.Variants = []string{"demo-plus"}
	return info
}

func (v variant) Dissect(m *protocols.Message) error {
	if err := v.demo.Dissect(m); err != nil {
		return err
	}
	if len(m.Payload) > 5 && m.Payload[5] >= 0x40 {
		m.Variant = 1
	}
	if len(m.Payload) > 5 && m.Payload[5] == 0x41 {
		m.Variant = 9 // out of range: the dissector's own ID
	}
	return nil
}

func TestVariants(t *testing.T) {
	r, err := protocols.NewRegistry(func() protocols.Dissector { return variant{} })
	if err != nil {
		t.Fatal(err)
	}
	if ids := r.IDs(); !slices.Equal(ids, []string{"demo", "demo-plus"}) {
		t.Errorf("IDs %v", ids)
	}
	h := protocolstest.New(r, protocols.Options{})
	c := h.TCP("10.0.0.1:40000", "10.0.0.2:7000")
	// The same code under two IDs in one conversation: the per-conversation
	// cache must not mix them up.
	for range 2 {
		c.Send(true, pdu('Q', 0x01))
		c.Send(true, pdu('Q', 0x40))
		c.Send(true, pdu('Q', 0x41))
	}
	c.Send(false, pdu('R', 0xee, 'X')) // identity under the variant
	a, b := [6]byte{2, 0, 0, 0, 0, 0xa}, [6]byte{2, 0, 0, 0, 0, 0xb}
	h.Packet(protocolstest.Frame(a, b, demoEtherType, pdu('O', 0x40)))
	events, ids, _ := h.Flush()
	var got []string
	for _, e := range events {
		got = append(got, fmt.Sprintf("%s %#x n=%d", e.Protocol, e.Code, e.Count))
	}
	want := []string{"demo 0x1 n=2", "demo 0x41 n=2", "demo-plus 0x40 n=1", "demo-plus 0x40 n=2", "demo-plus 0xee n=1"}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("events %q, want %q", got, want)
	}
	if len(ids) != 1 || ids[0].Protocol != "demo-plus" {
		t.Errorf("identities %v", ids)
	}
	if _, err := protocols.NewRegistry(newDemo, with(protocols.Info{ID: "other", Variants: []string{"demo"}})); !errors.Is(err, protocols.ErrDuplicateID) {
		t.Errorf("variant named like another protocol: %v", err)
	}
	if _, err := protocols.NewRegistry(with(protocols.Info{ID: "x", Variants: []string{"Bad"}})); !errors.Is(err, protocols.ErrInvalidID) {
		t.Errorf("invalid variant id: %v", err)
	}
}
