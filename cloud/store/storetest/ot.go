package storetest

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"mimamori/cloud/store"
	"mimamori/edge/wire/wirepb"
)

// otBatch is cellBatch with a minute of industrial traffic: the HMI
// (10.0.0.10, hmi-01) polls the PLC (10.0.0.20) over Modbus/TCP from
// clientPort and writes to a MELSEC over SLMP, an Omron pair talks
// FINS/UDP 9600 -> 9600, and on layer 2 the PLC sends CC-Link IE Field
// cyclic data and a clock sends PTP announcements.
func otBatch(sensor string, seq uint64, m time.Time, clientPort uint32) *wirepb.Batch {
	b := cellBatch(sensor, seq, m)
	at := func(d time.Duration) int64 { return NS(m.Add(d)) }
	b.OtEvents = []*wirepb.OTEvent{
		{Protocol: "modbus", Code: 3, Function: "Read Holding Registers",
			SrcIp: IP("10.0.0.10"), SrcPort: clientPort, DstIp: IP("10.0.0.20"), DstPort: 502,
			SrcMac: MAC("00:0c:29:aa:00:10"), DstMac: MAC("00:1d:9c:bb:00:20"), Vlan: 10,
			Count: 120, Requests: 60, Responses: 60, FirstUnixNs: at(2 * time.Second), LastUnixNs: at(58 * time.Second),
			Extras: []*wirepb.Attr{{Key: "read_range", Value: "0-9"}, {Key: "unit_id", Value: "1"}}},
		{Protocol: "slmp", Code: 0x1401, Function: "Device Write",
			SrcIp: IP("10.0.0.10"), SrcPort: clientPort + 1, DstIp: IP("10.0.0.21"), DstPort: 5007,
			SrcMac: MAC("00:0c:29:aa:00:10"), DstMac: MAC("00:26:92:cc:00:21"), Vlan: 10,
			Count: 4, Requests: 2, Responses: 2, Errors: 1, FirstUnixNs: at(10 * time.Second), LastUnixNs: at(11 * time.Second),
			Extras: []*wirepb.Attr{{Key: "end_code", Value: "0xc059"}, {Key: "write_range", Value: "D:100-131"}}},
		{Protocol: "fins", Code: 0x0101, Function: "Memory Area Read",
			SrcIp: IP("10.0.1.30"), SrcPort: 9600, DstIp: IP("10.0.1.40"), DstPort: 9600,
			SrcMac: MAC("00:00:0a:dd:00:30"), DstMac: MAC("00:00:0a:dd:00:40"),
			Count: 30, Requests: 15, Responses: 15, FirstUnixNs: at(1 * time.Second), LastUnixNs: at(59 * time.Second)},
		{Protocol: "cclink-ie-field", Code: 0x0c, Function: "Cyclic Data",
			SrcMac: MAC("00:1d:9c:bb:00:20"), DstMac: MAC("09:00:70:00:10:01"),
			Count: 6000, FirstUnixNs: at(0), LastUnixNs: at(59 * time.Second)},
		{Protocol: "ptp", Code: 0x0b, Function: "Announce",
			SrcMac: MAC("00:0c:29:aa:00:30"), DstMac: MAC("01:1b:19:00:00:00"),
			Count: 60, FirstUnixNs: at(0), LastUnixNs: at(59 * time.Second),
			Extras: []*wirepb.Attr{{Key: "domain", Value: "0"}}},
	}
	return b
}

func (h *harness) ot(tenant string, q store.OTQuery) []store.OTEvent {
	h.t.Helper()
	es, err := h.s.OTEvents(h.ctx, tenant, q)
	if err != nil {
		h.t.Fatalf("OTEvents(%s, %+v): %v", tenant, q, err)
	}
	return es
}

func otNames(es []store.OTEvent) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.Protocol
	}
	slices.Sort(out)
	return out
}

func findOT(es []store.OTEvent, protocol, sensor string) *store.OTEvent {
	for i := range es {
		if es[i].Protocol == protocol && es[i].Sensor == sensor {
			return &es[i]
		}
	}
	return nil
}

func testOT(t *testing.T, h *harness) {
	if es := h.ot("t1", store.OTQuery{}); len(es) != 0 {
		t.Errorf("unknown tenant has OT events: %+v", es)
	}
	// Two minutes of the same cell from different client ports; the
	// second reads another register range.
	h.ingest("t1", otBatch("s1", 1, minute(0), 50000), 100)
	b2 := otBatch("s1", 2, minute(1), 50100)
	b2.OtEvents[0].Extras[0].Value = "10-19"
	h.ingest("t1", b2, 100)

	all := h.ot("t1", store.OTQuery{})
	if got, want := otNames(all), []string{"cclink-ie-field", "fins", "modbus", "ptp", "slmp"}; !slices.Equal(got, want) {
		t.Fatalf("events = %v, want %v (one per key, minutes summed)", got, want)
	}
	mb := findOT(all, "modbus", "s1")
	want := store.OTEvent{
		Sensor: "s1", Protocol: "modbus", Code: 3, Function: "Read Holding Registers",
		SrcIP: addr("10.0.0.10"), DstIP: addr("10.0.0.20"), SrcPortMin: 50000, SrcPortMax: 50100, DstPort: 502,
		SrcMAC: "00:0c:29:aa:00:10", DstMAC: "00:1d:9c:bb:00:20", VLAN: 10,
		Count: 240, Requests: 120, Responses: 120,
		FirstSeen: minute(0).Add(2 * time.Second), LastSeen: minute(1).Add(58 * time.Second),
		Details: "read_range=0-9,10-19 unit_id=1",
	}
	if mb == nil || !mb.FirstSeen.Equal(want.FirstSeen) || !mb.LastSeen.Equal(want.LastSeen) {
		t.Fatalf("modbus event = %+v, want %+v", mb, want)
	}
	mb.FirstSeen, mb.LastSeen = want.FirstSeen, want.LastSeen
	if *mb != want {
		t.Errorf("modbus event:\n got %+v\nwant %+v", *mb, want)
	}
	if mb.Layer2() {
		t.Error("modbus event is layer 2")
	}
	if sl := findOT(all, "slmp", "s1"); sl == nil || sl.Errors != 2 || sl.Details != "end_code=0xc059 write_range=D:100-131" {
		t.Errorf("slmp event = %+v", sl)
	}
	if fi := findOT(all, "fins", "s1"); fi == nil || fi.SrcPortMin != 9600 || fi.SrcPortMax != 9600 || fi.DstPort != 9600 {
		t.Errorf("fins event = %+v, want fixed ports 9600 -> 9600", fi)
	}
	cc := findOT(all, "cclink-ie-field", "s1")
	if cc == nil || !cc.Layer2() || cc.SrcIP.IsValid() || cc.SrcMAC != "00:1d:9c:bb:00:20" ||
		cc.DstMAC != "09:00:70:00:10:01" || cc.Count != 12000 || cc.DstPort != 0 || cc.SrcPortMax != 0 {
		t.Errorf("cclink event = %+v", cc)
	}

	// Exactly once: a replayed batch adds nothing.
	if _, err := h.s.IngestBatch(h.ctx, "t1", b2, 100); !errors.Is(err, store.ErrDuplicate) {
		t.Fatalf("replay: %v, want ErrDuplicate", err)
	}
	if again := h.ot("t1", store.OTQuery{}); !slices.EqualFunc(again, all, func(a, b store.OTEvent) bool {
		return a.Count == b.Count && a.Requests == b.Requests && a.Details == b.Details && a.Protocol == b.Protocol
	}) {
		t.Errorf("replay changed the events:\n got %+v\nwant %+v", again, all)
	}

	for _, c := range []struct {
		name string
		q    store.OTQuery
		want []string
	}{
		{"layer ip", store.OTQuery{Layer: store.OTLayerIP}, []string{"fins", "modbus", "slmp"}},
		{"layer ethernet", store.OTQuery{Layer: store.OTLayerEthernet}, []string{"cclink-ie-field", "ptp"}},
		{"protocol", store.OTQuery{Protocol: "slmp"}, []string{"slmp"}},
		{"protocol unknown", store.OTQuery{Protocol: "s7comm"}, []string{}},
		{"protocol and layer", store.OTQuery{Protocol: "ptp", Layer: store.OTLayerIP}, []string{}},
		{"function hex code", store.OTQuery{Function: "0x1401"}, []string{"slmp"}},
		{"function decimal code", store.OTQuery{Function: "5121"}, []string{"slmp"}},
		{"function name part", store.OTQuery{Function: "read HOLDING"}, []string{"modbus"}},
		{"function name word", store.OTQuery{Function: "write"}, []string{"slmp"}},
		{"function wildcard is literal", store.OTQuery{Function: "%"}, []string{}},
		{"device ip dst", store.OTQuery{Device: "10.0.0.20"}, []string{"modbus"}},
		{"device ip src", store.OTQuery{Device: "10.0.1.30"}, []string{"fins"}},
		{"device cidr", store.OTQuery{Device: "10.0.0.0/24"}, []string{"modbus", "slmp"}},
		// The PLC's MAC: its layer-2 events and, by its address, Modbus.
		{"device mac", store.OTQuery{Device: "00:1D:9C:BB:00:20"}, []string{"cclink-ie-field", "modbus"}},
		{"device mac partial", store.OTQuery{Device: "1b:19"}, []string{"ptp"}},
		{"device host name", store.OTQuery{Device: "hmi-01"}, []string{"modbus", "slmp"}},
		{"device resolved name", store.OTQuery{Device: "plc-line1"}, []string{"cclink-ie-field", "modbus"}},
		{"device nothing", store.OTQuery{Device: "nosuchhost"}, []string{}},
		{"sensor", store.OTQuery{Sensor: "s1", Protocol: "fins"}, []string{"fins"}},
		{"sensor unknown", store.OTQuery{Sensor: "s9"}, []string{}},
	} {
		got := otNames(h.ot("t1", c.q))
		if !slices.Equal(got, c.want) {
			t.Errorf("%s: %+v = %v, want %v", c.name, c.q, got, c.want)
		}
	}
	if es := h.ot("t2", store.OTQuery{}); len(es) != 0 {
		t.Errorf("tenant t2 sees t1's events: %+v", es)
	}

	protos, err := h.s.OTProtocols(h.ctx, "t1", store.TimeRange{}, store.OTLayerIP)
	if err != nil || !slices.Equal(protos, []string{"fins", "modbus", "slmp"}) {
		t.Errorf("OTProtocols(ip) = %v, %v", protos, err)
	}
	protos, err = h.s.OTProtocols(h.ctx, "t1", store.TimeRange{}, store.OTLayerEthernet)
	if err != nil || !slices.Equal(protos, []string{"cclink-ie-field", "ptp"}) {
		t.Errorf("OTProtocols(ethernet) = %v, %v", protos, err)
	}

	fns, err := h.s.OTFunctions(h.ctx, "t1", store.TimeRange{}, store.OTLayerIP, "")
	wantFns := []store.OTFunction{{Protocol: "fins", Code: 0x0101, Name: "Memory Area Read"}, {Protocol: "modbus", Code: 3, Name: "Read Holding Registers"}, {Protocol: "slmp", Code: 0x1401, Name: "Device Write"}}
	if err != nil || !slices.Equal(fns, wantFns) {
		t.Errorf("OTFunctions(ip) = %v, %v; want %v", fns, err, wantFns)
	}
	fns, err = h.s.OTFunctions(h.ctx, "t1", store.TimeRange{}, store.OTAnyLayer, "ptp")
	if err != nil || !slices.Equal(fns, []store.OTFunction{{Protocol: "ptp", Code: 0x0b, Name: "Announce"}}) {
		t.Errorf("OTFunctions(ptp) = %v, %v", fns, err)
	}
	if fns, err := h.s.OTFunctions(h.ctx, "t2", store.TimeRange{}, store.OTAnyLayer, ""); err != nil || len(fns) != 0 {
		t.Errorf("tenant t2 sees t1's functions: %v, %v", fns, err)
	}
	if fns, err := h.s.OTFunctions(h.ctx, "t1", store.TimeRange{From: time.Unix(0, 0), To: time.Unix(86400, 0)}, store.OTAnyLayer, ""); err != nil || len(fns) != 0 {
		t.Errorf("functions of 1970: %v, %v", fns, err)
	}

	// Sort orders and paging.
	byCount := h.ot("t1", store.OTQuery{Sort: store.OTSortCount})
	if byCount[0].Protocol != "cclink-ie-field" || byCount[len(byCount)-1].Protocol != "slmp" {
		t.Errorf("by count: %v", otNames(byCount))
	}
	if byErr := h.ot("t1", store.OTQuery{Sort: store.OTSortErrors}); byErr[0].Protocol != "slmp" {
		t.Errorf("by errors: first %s", byErr[0].Protocol)
	}
	byProto := h.ot("t1", store.OTQuery{Sort: store.OTSortProtocol})
	if got := []string{byProto[0].Protocol, byProto[4].Protocol}; !slices.Equal(got, []string{"cclink-ie-field", "slmp"}) {
		t.Errorf("by protocol: %v", got)
	}
	p1 := h.ot("t1", store.OTQuery{Sort: store.OTSortProtocol, Limit: 2})
	p2 := h.ot("t1", store.OTQuery{Sort: store.OTSortProtocol, Limit: 2, Offset: 2})
	p3 := h.ot("t1", store.OTQuery{Sort: store.OTSortProtocol, Limit: 2, Offset: 4})
	if len(p1) != 2 || len(p2) != 2 || len(p3) != 1 {
		t.Fatalf("pages of 2: %d, %d, %d", len(p1), len(p2), len(p3))
	}
	if got := otNames(slices.Concat(p1, p2, p3)); !slices.Equal(got, otNames(all)) {
		t.Errorf("pages = %v, want %v", got, otNames(all))
	}

	// A second sensor's view of the same conversation is its own entry.
	h.ingest("t1", otBatch("s2", 1, minute(2), 50200), 100)
	if es := h.ot("t1", store.OTQuery{Protocol: "modbus"}); len(es) != 2 {
		t.Errorf("modbus from two sensors = %d entries, want 2", len(es))
	}
	if es := h.ot("t1", store.OTQuery{Protocol: "modbus", Sensor: "s2"}); len(es) != 1 || es[0].Sensor != "s2" || es[0].Count != 120 {
		t.Errorf("sensor s2 = %+v", es)
	}

	// Days: three days later the same poll is a new day's row; a query
	// over both days sums them, a query over one day sees only it.
	day3 := minute(3 * 24 * 60)
	h.ingest("t1", otBatch("s1", 3, day3, 50300), 100)
	mbAll := findOT(h.ot("t1", store.OTQuery{Protocol: "modbus", Sensor: "s1"}), "modbus", "s1")
	if mbAll == nil || mbAll.Count != 360 || mbAll.SrcPortMax != 50300 || !mbAll.LastSeen.Equal(day3.Add(58*time.Second)) {
		t.Errorf("modbus over four days = %+v", mbAll)
	}
	dayStart := Epoch().Truncate(24 * time.Hour)
	later := h.ot("t1", store.OTQuery{Protocol: "modbus", Days: store.TimeRange{From: dayStart.Add(24 * time.Hour)}})
	if len(later) != 1 || later[0].Count != 120 || !later[0].FirstSeen.Equal(day3.Add(2*time.Second)) {
		t.Errorf("modbus from the next day on = %+v", later)
	}
	first := h.ot("t1", store.OTQuery{Protocol: "modbus", Sensor: "s1",
		Days: store.TimeRange{From: dayStart, To: dayStart.Add(24 * time.Hour)}})
	if len(first) != 1 || first[0].Count != 240 {
		t.Errorf("modbus on the first day = %+v", first)
	}
	// The default period is the last seven days by the store's clock.
	h.clock.Set(Epoch().Add(9 * 24 * time.Hour))
	if es := h.ot("t1", store.OTQuery{Protocol: "modbus"}); len(es) != 1 || es[0].Count != 120 {
		t.Errorf("modbus in the default period nine days on = %+v", es)
	}
	if protos, _ := h.s.OTProtocols(h.ctx, "t1", store.TimeRange{}, store.OTAnyLayer); len(protos) != 5 {
		t.Errorf("protocols in the default period = %v", protos)
	}
	h.clock.Set(Epoch().Add(20 * 24 * time.Hour))
	if es := h.ot("t1", store.OTQuery{}); len(es) != 0 {
		t.Errorf("events in the default period twenty days on = %v", otNames(es))
	}
}

// testOTDetails checks the bounds and merge of the details kept with a
// day's events, and that hostile text is stored as it came.
func testOTDetails(t *testing.T, h *harness) {
	for i := range 20 {
		b := cellBatch("s1", uint64(i+1), minute(i))
		b.OtEvents = []*wirepb.OTEvent{{
			Protocol: "modbus", Code: 16, Function: `<script>alert("x")</script>`,
			SrcIp: IP("10.0.0.10"), SrcPort: 50000, DstIp: IP("10.0.0.20"), DstPort: 502,
			Count: 2, Requests: 1, Responses: 1,
			Extras: []*wirepb.Attr{
				{Key: "note", Value: strings.Repeat("x", 150) + fmt.Sprint(i)},
				{Key: "unit_id", Value: "1"},
				{Key: "write_range", Value: fmt.Sprintf("%d-%d", i*10, i*10+9)},
			},
		}}
		h.ingest("t1", b, 100)
	}
	es := h.ot("t1", store.OTQuery{})
	if len(es) != 1 {
		t.Fatalf("events = %d, want 1", len(es))
	}
	e := es[0]
	if e.Count != 40 || e.Function != `<script>alert("x")</script>` {
		t.Errorf("event = %+v", e)
	}
	if len(e.Details) > store.MaxOTDetails {
		t.Errorf("details are %d bytes, more than %d", len(e.Details), store.MaxOTDetails)
	}
	if !strings.Contains(e.Details, "unit_id=1") {
		t.Errorf("details lost unit_id: %q", e.Details)
	}
	if !strings.Contains(e.Details, "write_range=0-9,10-19,20-29,30-39,40-49,50-59,60-69,…,190-199") {
		t.Errorf("write ranges not the first 7 and the newest: %q", e.Details)
	}
}
