package storetest

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"mimamori/cloud/store"
	"mimamori/edge/wire/wirepb"
)

// Opener opens a new, empty store for one test. The store must take the
// current time from now (batch receive time, monthly usage, session
// expiry). The opener registers the store's Close with t.Cleanup.
type Opener func(t *testing.T, now func() time.Time) store.Store

// Run runs the conformance suite, each case on a fresh store.
func Run(t *testing.T, open Opener) {
	cases := []struct {
		name string
		fn   func(t *testing.T, h *harness)
	}{
		{"TenantsAndSensors", testTenantsAndSensors},
		{"IngestRoundTrip", testIngestRoundTrip},
		{"InvalidBatch", testInvalidBatch},
		{"Duplicate", testDuplicate},
		{"DeviceMerge", testDeviceMerge},
		{"HostnameFromNames", testHostnameFromNames},
		{"MonthBytes", testMonthBytes},
		{"TenantIsolation", testTenantIsolation},
		{"FlowFilters", testFlowFilters},
		{"DeviceSearch", testDeviceSearch},
		{"NameSearch", testNameSearch},
		{"LimitsAndOffsets", testLimitsAndOffsets},
		{"DeviceCap", testDeviceCap},
		{"Users", testUsers},
		{"Sessions", testSessions},
		{"Concurrent", testConcurrent},
		{"Inventory", testInventory},
		{"ServiceNames", testServiceNames},
		{"OTEvents", testOT},
		{"OTDetails", testOTDetails},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			clock := NewClock(Epoch().Add(90 * time.Second))
			h := &harness{t: t, s: open(t, clock.Now), clock: clock, ctx: t.Context()}
			c.fn(t, h)
		})
	}
}

// harness bundles the store under test with helpers that fail the test on
// unexpected errors.
type harness struct {
	t     *testing.T
	s     store.Store
	clock *Clock
	ctx   context.Context
}

func (h *harness) ingest(tenant string, b *wirepb.Batch, payload int) store.IngestResult {
	h.t.Helper()
	res, err := h.s.IngestBatch(h.ctx, tenant, b, payload)
	if err != nil {
		h.t.Fatalf("IngestBatch(%s, %s seq %d): %v", tenant, b.Sensor, b.Seq, err)
	}
	return res
}

func (h *harness) devices(tenant string, q store.DeviceQuery) []store.Device {
	h.t.Helper()
	ds, err := h.s.Devices(h.ctx, tenant, q)
	if err != nil {
		h.t.Fatalf("Devices(%s, %+v): %v", tenant, q, err)
	}
	return ds
}

func (h *harness) flows(tenant string, q store.FlowQuery) []store.Flow {
	h.t.Helper()
	fs, err := h.s.Flows(h.ctx, tenant, q)
	if err != nil {
		h.t.Fatalf("Flows(%s, %+v): %v", tenant, q, err)
	}
	return fs
}

func (h *harness) names(tenant string, q store.NameQuery) []store.Name {
	h.t.Helper()
	ns, err := h.s.Names(h.ctx, tenant, q)
	if err != nil {
		h.t.Fatalf("Names(%s, %+v): %v", tenant, q, err)
	}
	return ns
}

func (h *harness) sensors(tenant string) []store.Sensor {
	h.t.Helper()
	ss, err := h.s.Sensors(h.ctx, tenant)
	if err != nil {
		h.t.Fatalf("Sensors(%s): %v", tenant, err)
	}
	return ss
}

func (h *harness) device(tenant, mac string) store.Device {
	h.t.Helper()
	for _, d := range h.devices(tenant, store.DeviceQuery{Limit: store.MaxLimit}) {
		if d.MAC == mac {
			return d
		}
	}
	h.t.Fatalf("device %s not found in tenant %s", mac, tenant)
	return store.Device{}
}

func minute(i int) time.Time { return Epoch().Add(time.Duration(i) * time.Minute) }

func addr(s string) netip.Addr { return netip.MustParseAddr(s) }

const (
	evARP  = uint32(wirepb.Evidence_EVIDENCE_ARP)
	evNDP  = uint32(wirepb.Evidence_EVIDENCE_NDP)
	evDHCP = uint32(wirepb.Evidence_EVIDENCE_DHCP)
	evIP   = uint32(wirepb.Evidence_EVIDENCE_IP)
)

// cellBatch is one realistic minute of a small production cell: an HMI
// polling a PLC over Modbus/TCP, an engineering station on OPC UA over
// IPv6 link-local, mDNS chatter and a ping.
func cellBatch(sensor string, seq uint64, m time.Time) *wirepb.Batch {
	at := func(d time.Duration) int64 { return NS(m.Add(d)) }
	return &wirepb.Batch{
		SchemaVersion:   wirepb.SchemaVersion_SCHEMA_VERSION_1,
		Sensor:          sensor,
		Seq:             seq,
		Minute:          m.Unix(),
		SealedUnixMs:    m.Add(time.Minute).UnixMilli(),
		SoftwareVersion: "1.4.2",
		Flows: []*wirepb.Flow{
			{IpProto: 6, SrcIp: IP("10.0.0.10"), SrcPort: 50123, DstIp: IP("10.0.0.20"), DstPort: 502,
				SrcMac: MAC("00:0c:29:aa:00:10"), DstMac: MAC("00:1d:9c:bb:00:20"), Vlan: 10,
				SrcPackets: 120, SrcBytes: 9600, DstPackets: 118, DstBytes: 10030,
				SrcTcpFlags: 0x1b, DstTcpFlags: 0x1a,
				FirstUnixNs: at(1500 * time.Millisecond), LastUnixNs: at(59*time.Second + 250*time.Millisecond),
				State: wirepb.FlowState_FLOW_STATE_NEW, Ended: false, InitiatorCertain: true},
			{IpProto: 17, SrcIp: IP("10.0.0.30"), SrcPort: 5353, DstIp: IP("224.0.0.251"), DstPort: 5353,
				SrcMac: MAC("00:0c:29:aa:00:30"), DstMac: MAC("01:00:5e:00:00:fb"),
				SrcPackets: 4, SrcBytes: 480,
				FirstUnixNs: at(10 * time.Second), LastUnixNs: at(40 * time.Second),
				State: wirepb.FlowState_FLOW_STATE_CONTINUED, Ended: true},
			{IpProto: 6, SrcIp: IP("fe80::1"), SrcPort: 61000, DstIp: IP("fe80::20"), DstPort: 4840,
				SrcMac: MAC("00:0c:29:aa:00:30"), DstMac: MAC("00:1d:9c:bb:00:20"),
				SrcPackets: 30, SrcBytes: 4200, DstPackets: 28, DstBytes: 1 << 33,
				SrcTcpFlags: 0x18, DstTcpFlags: 0x18,
				FirstUnixNs: at(2 * time.Second), LastUnixNs: at(3 * time.Second),
				State: wirepb.FlowState_FLOW_STATE_CONTINUED},
			{IpProto: 1, SrcIp: IP("10.0.0.10"), SrcPort: 8 << 8, DstIp: IP("10.0.0.20"), DstPort: 0,
				SrcMac: MAC("00:0c:29:aa:00:10"), DstMac: MAC("00:1d:9c:bb:00:20"), Vlan: 10,
				SrcPackets: 1, SrcBytes: 98, DstPackets: 1, DstBytes: 98,
				FirstUnixNs: at(30 * time.Second), LastUnixNs: at(30*time.Second + 400*time.Microsecond),
				State: wirepb.FlowState_FLOW_STATE_NEW, Ended: true},
		},
		Devices: []*wirepb.Device{
			{Mac: MAC("00:1d:9c:bb:00:20"), Ips: [][]byte{IP("10.0.0.20"), IP("fe80::20")},
				Evidence: evARP | evNDP | evIP, Vlan: 10,
				FirstUnixNs: at(1 * time.Second), LastUnixNs: at(59 * time.Second),
				SentPackets: 147, SentBytes: 1<<33 + 10128, RecvPackets: 151, RecvBytes: 13898},
			{Mac: MAC("00:0c:29:aa:00:10"), Ips: [][]byte{IP("10.0.0.10")},
				Evidence: evDHCP | evIP, Vlan: 10,
				DhcpHostname: "hmi-01", DhcpVendorClass: "MSFT 5.0", DhcpParams: []byte{1, 3, 6, 15, 31, 33},
				FirstUnixNs: at(1 * time.Second), LastUnixNs: at(58 * time.Second),
				SentPackets: 121, SentBytes: 9698, RecvPackets: 119, RecvBytes: 10128},
		},
		Names: []*wirepb.Name{
			{Ip: IP("10.0.0.20"), Name: "plc-line1.factory.example", Source: wirepb.NameSource_NAME_SOURCE_DNS,
				Count: 3, FirstUnixNs: at(5 * time.Second), LastUnixNs: at(50 * time.Second)},
			{Ip: IP("10.0.0.10"), Name: "HMI-01", Source: wirepb.NameSource_NAME_SOURCE_NBNS,
				Count: 1, FirstUnixNs: at(7 * time.Second), LastUnixNs: at(7 * time.Second)},
		},
		Captures: []*wirepb.CaptureStats{
			{Source: "eth1", Packets: 4000, Bytes: 2_400_000, KernelDrops: 2, DecodeErrors: 1,
				NonIpPackets: 300, FlowsActive: 12, FlowsExpired: 3},
			{Source: "eth2", Packets: 100, Bytes: 64_000, NonIpPackets: 100},
		},
		Health: &wirepb.Health{CpuPercent: 12.5, MemUsedBytes: 512 << 20, MemTotalBytes: 2 << 30,
			DiskUsedBytes: 3 << 30, DiskTotalBytes: 32 << 30, TemperatureC: 51.5,
			UptimeSeconds: 7200, Load1: 0.35, SpoolBacklog: 0},
		Restarts: []*wirepb.SupervisorRestart{{Actor: "capture/eth2", Reason: "link down", UnixMs: m.UnixMilli(), Total: 1}},
		Modem: &wirepb.Modem{State: "online", RssiDbm: -71, Bars: 4, Registration: "home", Operator: "NTT DOCOMO",
			Technology: "LTE", UsageMonth: m.UTC().Format("2006-01"), MonthRxBytes: 300 << 20, MonthTxBytes: 900 << 20},
	}
}

// flowFromWire is what a store must return for a wire flow.
func flowFromWire(sensor string, m time.Time, f *wirepb.Flow) store.Flow {
	ip := func(b []byte) netip.Addr { a, _ := netip.AddrFromSlice(b); return a.Unmap() }
	mac := func(b []byte) string {
		if len(b) != 6 {
			return ""
		}
		return fmt.Sprintf("%02x:%02x:%02x:%02x:%02x:%02x", b[0], b[1], b[2], b[3], b[4], b[5])
	}
	return store.Flow{
		Sensor: sensor, Minute: m.UTC(), Proto: uint8(f.IpProto),
		SrcIP: ip(f.SrcIp), SrcPort: uint16(f.SrcPort), DstIP: ip(f.DstIp), DstPort: uint16(f.DstPort),
		SrcMAC: mac(f.SrcMac), DstMAC: mac(f.DstMac), VLAN: uint16(f.Vlan),
		SrcPackets: f.SrcPackets, SrcBytes: f.SrcBytes, DstPackets: f.DstPackets, DstBytes: f.DstBytes,
		SrcTCPFlags: uint8(f.SrcTcpFlags), DstTCPFlags: uint8(f.DstTcpFlags),
		First: time.Unix(0, f.FirstUnixNs).UTC().Truncate(time.Microsecond),
		Last:  time.Unix(0, f.LastUnixNs).UTC().Truncate(time.Microsecond),
		New:   f.State == wirepb.FlowState_FLOW_STATE_NEW, Ended: f.Ended,
	}
}

// normFlow makes a returned flow comparable with reflect.DeepEqual.
func normFlow(f store.Flow) store.Flow {
	f.Minute, f.First, f.Last = f.Minute.UTC(), f.First.UTC(), f.Last.UTC()
	return f
}

// normDevice makes a returned device comparable: times in UTC, addresses
// and sensors sorted, empty slices nil.
func normDevice(d store.Device) store.Device {
	d.FirstSeen, d.LastSeen = d.FirstSeen.UTC(), d.LastSeen.UTC()
	d.IPs = slices.Clone(d.IPs)
	slices.SortFunc(d.IPs, func(a, b netip.Addr) int { return a.Compare(b) })
	d.Sensors = slices.Clone(d.Sensors)
	slices.Sort(d.Sensors)
	if len(d.IPs) == 0 {
		d.IPs = nil
	}
	if len(d.Sensors) == 0 {
		d.Sensors = nil
	}
	if len(d.DHCPParams) == 0 {
		d.DHCPParams = nil
	}
	return d
}

func normName(n store.Name) store.Name {
	n.FirstSeen, n.LastSeen = n.FirstSeen.UTC(), n.LastSeen.UTC()
	return n
}

func flowKey(f store.Flow) string {
	return fmt.Sprintf("%s|%d|%d|%s|%d|%s|%d", f.Sensor, f.Minute.Unix(), f.Proto, f.SrcIP, f.SrcPort, f.DstIP, f.DstPort)
}

func macs(ds []store.Device) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = d.MAC
	}
	return out
}

func sortedMACs(ds []store.Device) []string {
	out := macs(ds)
	slices.Sort(out)
	return out
}

func testTenantsAndSensors(t *testing.T, h *harness) {
	if err := h.s.EnsureTenant(h.ctx, store.Tenant{ID: "acme", Name: "Acme Precision"}); err != nil {
		t.Fatal(err)
	}
	if err := h.s.EnsureTenant(h.ctx, store.Tenant{ID: "acme", Name: "Acme Precision KK"}); err != nil {
		t.Fatalf("EnsureTenant twice: %v", err)
	}
	if got := h.sensors("acme"); len(got) != 0 {
		t.Fatalf("new tenant has sensors: %+v", got)
	}
	if err := h.s.EnsureSensor(h.ctx, "acme", "s1", "Line 1"); err != nil {
		t.Fatal(err)
	}
	if err := h.s.EnsureSensor(h.ctx, "acme", "s1", ""); err != nil {
		t.Fatalf("EnsureSensor twice: %v", err)
	}
	got := h.sensors("acme")
	if len(got) != 1 {
		t.Fatalf("sensors = %+v, want one", got)
	}
	s := got[0]
	if s.Tenant != "acme" || s.ID != "s1" || s.DisplayName != "Line 1" {
		t.Errorf("sensor = %+v, want acme/s1 \"Line 1\" (an empty name keeps the old one)", s)
	}
	if s.Batches != 0 || s.LastSeq != 0 || !s.LastSeen.IsZero() || !s.LastMinute.IsZero() ||
		s.MonthBytes != 0 || s.Health != nil || len(s.Captures) != 0 {
		t.Errorf("sensor without batches has counters: %+v", s)
	}
	if err := h.s.EnsureSensor(h.ctx, "acme", "s1", "Line 1 (east)"); err != nil {
		t.Fatal(err)
	}
	if got := h.sensors("acme")[0].DisplayName; got != "Line 1 (east)" {
		t.Errorf("display name after rename = %q", got)
	}
	// A sensor of a tenant not seen before registers the tenant too.
	if err := h.s.EnsureSensor(h.ctx, "globex", "g1", ""); err != nil {
		t.Fatalf("EnsureSensor under a new tenant: %v", err)
	}
	if got := h.sensors("globex"); len(got) != 1 || got[0].ID != "g1" || got[0].DisplayName != "g1" {
		t.Errorf("globex sensors = %+v, want g1 shown by its ID", got)
	}
	// Ingest keeps the display name set by provisioning.
	h.ingest("acme", cellBatch("s1", 1, minute(0)), 100)
	if got := h.sensors("acme")[0].DisplayName; got != "Line 1 (east)" {
		t.Errorf("display name after ingest = %q", got)
	}
}

func testIngestRoundTrip(t *testing.T, h *harness) {
	m := minute(0)
	b := cellBatch("s1", 1, m)
	res := h.ingest("acme", b, 4096)
	if want := (store.IngestResult{Flows: 4, Devices: 2, Names: 2}); res != want {
		t.Errorf("IngestResult = %+v, want %+v", res, want)
	}

	// Flows: every field survives. Rows of one minute have no defined order.
	got := h.flows("acme", store.FlowQuery{})
	if len(got) != len(b.Flows) {
		t.Fatalf("got %d flows, want %d", len(got), len(b.Flows))
	}
	byKey := make(map[string]store.Flow)
	for _, f := range got {
		byKey[flowKey(f)] = normFlow(f)
	}
	for _, wf := range b.Flows {
		want := flowFromWire("s1", m, wf)
		if g, ok := byKey[flowKey(want)]; !ok {
			t.Errorf("flow %s missing", flowKey(want))
		} else if !reflect.DeepEqual(g, want) {
			t.Errorf("flow %s:\n got %+v\nwant %+v", flowKey(want), g, want)
		}
	}

	// Devices: newest last_seen first. The PLC has no DHCP hostname, so
	// its DNS name stands in.
	devs := h.devices("acme", store.DeviceQuery{})
	wantDevs := []store.Device{
		{MAC: "00:1d:9c:bb:00:20", IPs: []netip.Addr{addr("10.0.0.20"), addr("fe80::20")},
			Hostname: "plc-line1.factory.example", Evidence: evARP | evNDP | evIP, VLAN: 10,
			FirstSeen: m.Add(time.Second), LastSeen: m.Add(59 * time.Second),
			SentPackets: 147, SentBytes: 1<<33 + 10128, RecvPackets: 151, RecvBytes: 13898,
			Sensors: []string{"s1"}},
		{MAC: "00:0c:29:aa:00:10", IPs: []netip.Addr{addr("10.0.0.10")},
			Hostname: "hmi-01", DHCPVendor: "MSFT 5.0", DHCPParams: []byte{1, 3, 6, 15, 31, 33},
			Evidence: evDHCP | evIP, VLAN: 10,
			FirstSeen: m.Add(time.Second), LastSeen: m.Add(58 * time.Second),
			SentPackets: 121, SentBytes: 9698, RecvPackets: 119, RecvBytes: 10128,
			Sensors: []string{"s1"}},
	}
	if len(devs) != len(wantDevs) {
		t.Fatalf("got %d devices, want %d: %+v", len(devs), len(wantDevs), devs)
	}
	for i := range wantDevs {
		if g, w := normDevice(devs[i]), normDevice(wantDevs[i]); !reflect.DeepEqual(g, w) {
			t.Errorf("device %d:\n got %+v\nwant %+v", i, g, w)
		}
	}

	names := h.names("acme", store.NameQuery{})
	wantNames := []store.Name{
		{IP: addr("10.0.0.20"), Name: "plc-line1.factory.example", Source: "dns", Count: 3,
			FirstSeen: m.Add(5 * time.Second), LastSeen: m.Add(50 * time.Second)},
		{IP: addr("10.0.0.10"), Name: "HMI-01", Source: "nbns", Count: 1,
			FirstSeen: m.Add(7 * time.Second), LastSeen: m.Add(7 * time.Second)},
	}
	if len(names) != len(wantNames) {
		t.Fatalf("got %d names, want %d: %+v", len(names), len(wantNames), names)
	}
	for i := range wantNames {
		if g := normName(names[i]); !reflect.DeepEqual(g, wantNames[i]) {
			t.Errorf("name %d:\n got %+v\nwant %+v", i, g, wantNames[i])
		}
	}

	ss := h.sensors("acme")
	if len(ss) != 1 {
		t.Fatalf("sensors = %+v, want one (registered by ingest)", ss)
	}
	s := ss[0]
	if s.Tenant != "acme" || s.ID != "s1" || s.DisplayName != "s1" {
		t.Errorf("sensor identity = %s/%s %q", s.Tenant, s.ID, s.DisplayName)
	}
	if s.LastSeq != 1 || s.Batches != 1 || !s.LastMinute.Equal(m) || !s.LastSeen.Equal(h.clock.Now()) {
		t.Errorf("sensor counters = seq %d batches %d minute %v seen %v; want 1, 1, %v, %v",
			s.LastSeq, s.Batches, s.LastMinute, s.LastSeen, m, h.clock.Now())
	}
	if s.Month != "2026-01" || s.MonthBytes != 4096 {
		t.Errorf("usage = %s %d, want 2026-01 4096", s.Month, s.MonthBytes)
	}
	if s.SoftwareVersion != "1.4.2" {
		t.Errorf("software version = %q", s.SoftwareVersion)
	}
	if !proto.Equal(s.Health, b.Health) {
		t.Errorf("health = %v, want %v", s.Health, b.Health)
	}
	if len(s.Captures) != len(b.Captures) {
		t.Fatalf("captures = %v, want %v", s.Captures, b.Captures)
	}
	for i := range b.Captures {
		if !proto.Equal(s.Captures[i], b.Captures[i]) {
			t.Errorf("capture %d = %v, want %v", i, s.Captures[i], b.Captures[i])
		}
	}
	if !proto.Equal(s.Modem, b.Modem) {
		t.Errorf("modem = %v, want %v", s.Modem, b.Modem)
	}
	if len(s.Restarts) != 1 || !proto.Equal(s.Restarts[0], b.Restarts[0]) {
		t.Errorf("restarts = %v, want %v", s.Restarts, b.Restarts)
	}

	// A newer batch replaces the status; its minute becomes LastMinute.
	h.clock.Add(time.Minute)
	b2 := cellBatch("s1", 2, minute(1))
	b2.Health.CpuPercent = 77
	b2.SoftwareVersion = "1.5.0"
	h.ingest("acme", b2, 1000)
	s = h.sensors("acme")[0]
	if s.LastSeq != 2 || s.Batches != 2 || !s.LastMinute.Equal(minute(1)) || s.MonthBytes != 5096 ||
		s.Health.GetCpuPercent() != 77 || s.SoftwareVersion != "1.5.0" {
		t.Errorf("after second batch: %+v", s)
	}
	if n := len(h.flows("acme", store.FlowQuery{})); n != 8 {
		t.Errorf("after second batch: %d flows, want 8", n)
	}

	// What a sensor held back and sends as it stops comes in a batch of
	// its own for the same minute, with no capture statistics: it counts,
	// but the minute's status stays the one with the statistics.
	h.clock.Add(time.Second)
	held := &wirepb.Batch{Sensor: "s1", Seq: 3, Minute: minute(1).Unix(), SoftwareVersion: "1.5.0",
		Health: &wirepb.Health{CpuPercent: 5}, Modem: b.Modem}
	h.ingest("acme", held, 100)
	s = h.sensors("acme")[0]
	if s.LastSeq != 3 || s.Batches != 3 || !s.LastMinute.Equal(minute(1)) || len(s.Captures) != len(b2.Captures) ||
		s.Health.GetCpuPercent() != 77 {
		t.Errorf("after a held-back batch for the same minute: seq %d batches %d minute %v captures %v cpu %v; want the second batch's status",
			s.LastSeq, s.Batches, s.LastMinute, s.Captures, s.Health.GetCpuPercent())
	}
	// A newer minute replaces the status, with or without statistics (a
	// sensor whose capture has stopped sends empty heartbeats).
	h.clock.Add(time.Minute)
	beat := &wirepb.Batch{Sensor: "s1", Seq: 4, Minute: minute(2).Unix(), Health: &wirepb.Health{CpuPercent: 3}}
	h.ingest("acme", beat, 100)
	s = h.sensors("acme")[0]
	if !s.LastMinute.Equal(minute(2)) || len(s.Captures) != 0 || s.Health.GetCpuPercent() != 3 {
		t.Errorf("after a heartbeat: minute %v captures %v cpu %v; want its own status", s.LastMinute, s.Captures, s.Health.GetCpuPercent())
	}
	// The sensor's clock is set back an hour: the batch it sealed last
	// is still its state and its newest minute.
	h.clock.Add(time.Minute)
	back := cellBatch("s1", 7, minute(-60))
	back.Health.CpuPercent = 9
	h.ingest("acme", back, 100)
	s = h.sensors("acme")[0]
	if !s.LastMinute.Equal(minute(-60)) || s.LastSeq != 7 || len(s.Captures) != len(back.Captures) || s.Health.GetCpuPercent() != 9 {
		t.Errorf("after a clock set back: minute %v seq %d cpu %v; want the last sealed batch's", s.LastMinute, s.LastSeq, s.Health.GetCpuPercent())
	}
	// A batch resent out of order (a lower number) counts, and changes
	// neither.
	late := cellBatch("s1", 6, minute(3))
	late.Health.CpuPercent = 1
	h.ingest("acme", late, 100)
	if s = h.sensors("acme")[0]; !s.LastMinute.Equal(minute(-60)) || s.LastSeq != 7 || s.Batches != 6 || s.Health.GetCpuPercent() != 9 {
		t.Errorf("after a late batch: minute %v seq %d batches %d cpu %v", s.LastMinute, s.LastSeq, s.Batches, s.Health.GetCpuPercent())
	}
}

func testInvalidBatch(t *testing.T, h *harness) {
	for name, tc := range map[string]struct {
		tenant string
		b      *wirepb.Batch
	}{
		"nil batch":       {"acme", nil},
		"no tenant":       {"", cellBatch("s1", 1, minute(0))},
		"no sensor":       {"acme", cellBatch("", 1, minute(0))},
		"no seq":          {"acme", cellBatch("s1", 0, minute(0))},
		"tenant mismatch": {"acme", func() *wirepb.Batch { b := cellBatch("s1", 1, minute(0)); b.Tenant = "globex"; return b }()},
	} {
		_, err := h.s.IngestBatch(h.ctx, tc.tenant, tc.b, 100)
		if err == nil || errors.Is(err, store.ErrDuplicate) {
			t.Errorf("%s: err = %v, want a validation error", name, err)
		}
	}
	if got := h.flows("acme", store.FlowQuery{}); len(got) != 0 {
		t.Errorf("invalid batches stored %d flows", len(got))
	}
	// The batch's own tenant field may be set when it matches.
	b := cellBatch("s1", 1, minute(0))
	b.Tenant = "acme"
	h.ingest("acme", b, 100)
}

func testDuplicate(t *testing.T, h *harness) {
	b := cellBatch("s1", 7, minute(0))
	h.ingest("acme", b, 500)
	before := h.devices("acme", store.DeviceQuery{})
	beforeNames := h.names("acme", store.NameQuery{})

	// The same batch again, then a different batch that reuses the seq:
	// both are refused and neither changes anything.
	other := cellBatch("s1", 7, minute(3))
	other.Devices = append(other.Devices, &wirepb.Device{Mac: MAC("02:00:00:00:00:99"), Ips: [][]byte{IP("10.9.9.9")}})
	for _, dup := range []*wirepb.Batch{b, other} {
		h.clock.Add(time.Minute)
		res, err := h.s.IngestBatch(h.ctx, "acme", dup, 500)
		if !errors.Is(err, store.ErrDuplicate) {
			t.Fatalf("replay of seq 7: err = %v, want ErrDuplicate", err)
		}
		if res != (store.IngestResult{}) {
			t.Errorf("replay result = %+v, want zero", res)
		}
	}
	if n := len(h.flows("acme", store.FlowQuery{})); n != len(b.Flows) {
		t.Errorf("flows after replays = %d, want %d", n, len(b.Flows))
	}
	after := h.devices("acme", store.DeviceQuery{})
	if len(after) != len(before) {
		t.Fatalf("devices after replays = %d, want %d", len(after), len(before))
	}
	for i := range after {
		if g, w := normDevice(after[i]), normDevice(before[i]); !reflect.DeepEqual(g, w) {
			t.Errorf("device changed by replay:\n got %+v\nwant %+v", g, w)
		}
	}
	if g := h.names("acme", store.NameQuery{}); !reflect.DeepEqual(g, beforeNames) {
		t.Errorf("names changed by replay: %+v, want %+v", g, beforeNames)
	}
	s := h.sensors("acme")[0]
	if s.Batches != 1 || s.MonthBytes != 500 || s.LastSeq != 7 || !s.LastMinute.Equal(minute(0)) {
		t.Errorf("sensor after replays: batches %d bytes %d seq %d minute %v", s.Batches, s.MonthBytes, s.LastSeq, s.LastMinute)
	}

	// The key is (tenant, sensor, seq): another sensor or tenant may use 7.
	h.ingest("acme", cellBatch("s2", 7, minute(0)), 500)
	h.ingest("globex", cellBatch("s1", 7, minute(0)), 500)
	// A lower seq that was never stored is accepted (replay after a gap).
	h.ingest("acme", cellBatch("s1", 3, minute(-4)), 500)
	if s := h.sensors("acme")[0]; s.LastSeq != 7 || s.Batches != 2 || !s.LastMinute.Equal(minute(0)) {
		t.Errorf("after an older batch: seq %d batches %d minute %v, want 7, 2, %v", s.LastSeq, s.Batches, s.LastMinute, minute(0))
	}
}

func testDeviceMerge(t *testing.T, h *harness) {
	const mac = "00:0e:8c:12:34:56"
	obs := func(sensor string, seq uint64, m time.Time, d *wirepb.Device) *wirepb.Batch {
		d.Mac = MAC(mac)
		return &wirepb.Batch{Sensor: sensor, Seq: seq, Minute: m.Unix(), Devices: []*wirepb.Device{d}}
	}
	m0, m1, m2 := minute(0), minute(1), minute(2)
	h.ingest("acme", obs("s1", 1, m0, &wirepb.Device{
		Ips: [][]byte{IP("10.0.0.5")}, Evidence: evARP,
		FirstUnixNs: NS(m0.Add(10 * time.Second)), LastUnixNs: NS(m0.Add(20 * time.Second)),
		SentPackets: 10, SentBytes: 1000, RecvPackets: 5, RecvBytes: 500}), 100)
	h.ingest("acme", obs("s2", 1, m1, &wirepb.Device{
		Ips: [][]byte{IP("10.0.0.6"), IP("10.0.0.5")}, Evidence: evDHCP, Vlan: 20,
		DhcpHostname: "robot-7", DhcpVendorClass: "udhcp 1.30.1", DhcpParams: []byte{1, 3, 6, 12, 15, 28, 42},
		FirstUnixNs: NS(m1.Add(5 * time.Second)), LastUnixNs: NS(m1.Add(50 * time.Second)),
		SentPackets: 1, SentBytes: 100, RecvPackets: 2, RecvBytes: 200}), 100)
	// No hostname in this minute: the known one stays.
	h.ingest("acme", obs("s1", 2, m2, &wirepb.Device{
		Ips: [][]byte{IP("10.0.0.6")}, Evidence: evIP,
		FirstUnixNs: NS(m2), LastUnixNs: NS(m2.Add(30 * time.Second)),
		SentPackets: 3, SentBytes: 300}), 100)
	// A late batch from before everything else: it moves first_seen back
	// but its older hostname, vendor and VLAN do not replace newer ones.
	old := minute(-5)
	h.ingest("acme", obs("s2", 2, old, &wirepb.Device{
		Ips: [][]byte{IP("10.0.0.4")}, Evidence: evARP, Vlan: 30,
		DhcpHostname: "old-name", DhcpVendorClass: "old-vendor",
		FirstUnixNs: NS(old), LastUnixNs: NS(old.Add(time.Second)),
		RecvPackets: 1, RecvBytes: 64}), 100)

	got := normDevice(h.device("acme", mac))
	want := normDevice(store.Device{
		MAC:        mac,
		IPs:        []netip.Addr{addr("10.0.0.4"), addr("10.0.0.5"), addr("10.0.0.6")},
		Hostname:   "robot-7",
		DHCPVendor: "udhcp 1.30.1", DHCPParams: []byte{1, 3, 6, 12, 15, 28, 42},
		Evidence: evARP | evDHCP | evIP, VLAN: 20,
		FirstSeen: old, LastSeen: m2.Add(30 * time.Second),
		SentPackets: 14, SentBytes: 1400, RecvPackets: 8, RecvBytes: 764,
		Sensors: []string{"s1", "s2"},
	})
	if !reflect.DeepEqual(got, want) {
		t.Errorf("merged device:\n got %+v\nwant %+v", got, want)
	}
	if n := len(h.devices("acme", store.DeviceQuery{})); n != 1 {
		t.Errorf("%d devices, want 1", n)
	}

	// A newer DHCP hostname replaces the old one.
	m3 := minute(3)
	h.ingest("acme", obs("s1", 3, m3, &wirepb.Device{
		Evidence: evDHCP, DhcpHostname: "robot-7b",
		FirstUnixNs: NS(m3), LastUnixNs: NS(m3.Add(time.Second))}), 100)
	if got := h.device("acme", mac).Hostname; got != "robot-7b" {
		t.Errorf("hostname after a newer DHCP lease = %q, want robot-7b", got)
	}
}

func testHostnameFromNames(t *testing.T, h *harness) {
	const mac = "00:1d:9c:00:00:01"
	m0 := minute(0)
	b := &wirepb.Batch{Sensor: "s1", Seq: 1, Minute: m0.Unix(),
		Devices: []*wirepb.Device{{Mac: MAC(mac), Ips: [][]byte{IP("10.1.0.1"), IP("10.1.0.2")}, Evidence: evARP,
			FirstUnixNs: NS(m0), LastUnixNs: NS(m0.Add(time.Second))}},
		Names: []*wirepb.Name{
			{Ip: IP("10.1.0.1"), Name: "older.factory.example", Source: wirepb.NameSource_NAME_SOURCE_DNS,
				Count: 1, FirstUnixNs: NS(m0.Add(time.Second)), LastUnixNs: NS(m0.Add(2 * time.Second))},
			{Ip: IP("10.1.0.2"), Name: "PLC-NEWER", Source: wirepb.NameSource_NAME_SOURCE_NBNS,
				Count: 1, FirstUnixNs: NS(m0.Add(3 * time.Second)), LastUnixNs: NS(m0.Add(4 * time.Second))},
			{Ip: IP("10.1.0.99"), Name: "someone-else", Source: wirepb.NameSource_NAME_SOURCE_DNS,
				Count: 1, FirstUnixNs: NS(m0.Add(5 * time.Second)), LastUnixNs: NS(m0.Add(5 * time.Second))},
		}}
	h.ingest("acme", b, 100)
	if got := h.device("acme", mac).Hostname; got != "PLC-NEWER" {
		t.Errorf("hostname = %q, want the newest name bound to the device's addresses", got)
	}
	// Later resolution of the other address makes it the newest.
	m1 := minute(1)
	h.ingest("acme", &wirepb.Batch{Sensor: "s1", Seq: 2, Minute: m1.Unix(), Names: []*wirepb.Name{
		{Ip: IP("10.1.0.1"), Name: "older.factory.example", Source: wirepb.NameSource_NAME_SOURCE_DNS,
			Count: 4, FirstUnixNs: NS(m1), LastUnixNs: NS(m1.Add(time.Second))},
	}}, 100)
	if got := h.device("acme", mac).Hostname; got != "older.factory.example" {
		t.Errorf("hostname = %q, want older.factory.example after it resolved again", got)
	}
	ns := h.names("acme", store.NameQuery{Search: "older"})
	if len(ns) != 1 || ns[0].Count != 5 || !ns[0].FirstSeen.Equal(m0.Add(time.Second)) || !ns[0].LastSeen.Equal(m1.Add(time.Second)) {
		t.Errorf("merged name = %+v, want count 5 from %v to %v", ns, m0.Add(time.Second), m1.Add(time.Second))
	}
	// A DHCP hostname wins over any resolved name.
	h.ingest("acme", &wirepb.Batch{Sensor: "s1", Seq: 3, Minute: minute(2).Unix(), Devices: []*wirepb.Device{
		{Mac: MAC(mac), Evidence: evDHCP, DhcpHostname: "press-07",
			FirstUnixNs: NS(minute(2)), LastUnixNs: NS(minute(2))}}}, 100)
	if got := h.device("acme", mac).Hostname; got != "press-07" {
		t.Errorf("hostname = %q, want the DHCP hostname press-07", got)
	}
}

func testMonthBytes(t *testing.T, h *harness) {
	h.clock.Set(time.Date(2026, 1, 31, 23, 59, 0, 0, time.UTC))
	h.ingest("acme", cellBatch("s1", 1, time.Date(2026, 1, 31, 23, 58, 0, 0, time.UTC)), 100)
	h.ingest("acme", cellBatch("s1", 2, time.Date(2026, 1, 31, 23, 58, 0, 0, time.UTC).Add(time.Minute)), 50)
	s := h.sensors("acme")[0]
	if s.Month != "2026-01" || s.MonthBytes != 150 {
		t.Errorf("January usage = %s %d, want 2026-01 150", s.Month, s.MonthBytes)
	}
	// A batch received in February starts the new month, even though it
	// covers a January minute (it was spooled across midnight).
	feb := time.Date(2026, 2, 1, 0, 0, 30, 0, time.UTC)
	h.clock.Set(feb)
	h.ingest("acme", cellBatch("s1", 3, time.Date(2026, 1, 31, 23, 59, 0, 0, time.UTC)), 70)
	if _, err := h.s.IngestBatch(h.ctx, "acme", cellBatch("s1", 3, minute(0)), 70); !errors.Is(err, store.ErrDuplicate) {
		t.Fatalf("replay: %v", err)
	}
	s = h.sensors("acme")[0]
	if s.Month != "2026-02" || s.MonthBytes != 70 || !s.LastSeen.Equal(feb) || s.Batches != 3 {
		t.Errorf("February usage = %s %d seen %v batches %d, want 2026-02 70 %v 3", s.Month, s.MonthBytes, s.LastSeen, s.Batches, feb)
	}
	// Usage is per sensor.
	h.ingest("acme", cellBatch("s2", 1, minute(0)), 9)
	for _, s := range h.sensors("acme") {
		if s.ID == "s2" && (s.MonthBytes != 9 || s.Month != "2026-02") {
			t.Errorf("s2 usage = %s %d, want 2026-02 9", s.Month, s.MonthBytes)
		}
	}
}

func testTenantIsolation(t *testing.T, h *harness) {
	// Two tenants with the same sensor ID, seq, addresses and devices.
	a := cellBatch("s1", 1, minute(0))
	b := cellBatch("s1", 1, minute(0))
	b.Devices = append(b.Devices, &wirepb.Device{Mac: MAC("02:42:ac:11:00:02"), Ips: [][]byte{IP("172.17.0.2")},
		DhcpHostname: "globex-only", FirstUnixNs: NS(minute(0)), LastUnixNs: NS(minute(0))})
	b.Flows = b.Flows[:2]
	h.ingest("acme", a, 100)
	if _, err := h.s.IngestBatch(h.ctx, "globex", b, 200); err != nil {
		t.Fatalf("same sensor and seq under another tenant: %v", err)
	}
	if err := h.s.EnsureTenant(h.ctx, store.Tenant{ID: "initech", Name: "Initech"}); err != nil {
		t.Fatal(err)
	}

	if n := len(h.flows("acme", store.FlowQuery{})); n != 4 {
		t.Errorf("acme flows = %d, want 4", n)
	}
	if n := len(h.flows("globex", store.FlowQuery{})); n != 2 {
		t.Errorf("globex flows = %d, want 2", n)
	}
	if n := len(h.flows("acme", store.FlowQuery{IP: addr("172.17.0.2")})); n != 0 {
		t.Errorf("acme sees %d flows of globex's address", n)
	}
	if got := sortedMACs(h.devices("acme", store.DeviceQuery{})); len(got) != 2 {
		t.Errorf("acme devices = %v, want 2", got)
	}
	if got := h.devices("acme", store.DeviceQuery{Search: "globex-only"}); len(got) != 0 {
		t.Errorf("acme finds globex's device: %+v", got)
	}
	if got := h.devices("globex", store.DeviceQuery{Search: "globex-only"}); len(got) != 1 {
		t.Errorf("globex devices matching its own hostname = %d, want 1", len(got))
	}
	// Counters of a device both tenants see are not mixed.
	if da, db := h.device("acme", "00:1d:9c:bb:00:20"), h.device("globex", "00:1d:9c:bb:00:20"); da.SentPackets != 147 || db.SentPackets != 147 {
		t.Errorf("shared MAC counters = %d and %d, want 147 each", da.SentPackets, db.SentPackets)
	}
	if n := len(h.names("globex", store.NameQuery{})); n != 2 {
		t.Errorf("globex names = %d, want 2", n)
	}
	sa, sb := h.sensors("acme"), h.sensors("globex")
	if len(sa) != 1 || sa[0].Tenant != "acme" || sa[0].MonthBytes != 100 {
		t.Errorf("acme sensors = %+v", sa)
	}
	if len(sb) != 1 || sb[0].Tenant != "globex" || sb[0].MonthBytes != 200 {
		t.Errorf("globex sensors = %+v", sb)
	}
	for _, tenant := range []string{"initech", "nobody"} {
		if n := len(h.flows(tenant, store.FlowQuery{})) + len(h.devices(tenant, store.DeviceQuery{})) +
			len(h.names(tenant, store.NameQuery{})) + len(h.sensors(tenant)); n != 0 {
			t.Errorf("tenant %s sees %d rows, want none", tenant, n)
		}
	}
}

func testFlowFilters(t *testing.T, h *harness) {
	flow := func(proto uint32, src string, sport uint32, dst string, dport uint32) *wirepb.Flow {
		return &wirepb.Flow{IpProto: proto, SrcIp: IP(src), SrcPort: sport, DstIp: IP(dst), DstPort: dport,
			SrcPackets: 1, SrcBytes: 60}
	}
	h.ingest("acme", &wirepb.Batch{Sensor: "s1", Seq: 1, Minute: minute(0).Unix(), Flows: []*wirepb.Flow{
		flow(6, "10.0.0.1", 40000, "10.0.0.2", 502), // A
		flow(17, "10.0.0.3", 5000, "10.0.0.4", 161), // B
	}}, 100)
	h.ingest("acme", &wirepb.Batch{Sensor: "s1", Seq: 2, Minute: minute(1).Unix(), Flows: []*wirepb.Flow{
		flow(6, "10.0.0.2", 40001, "10.0.0.5", 102), // C
	}}, 100)
	h.ingest("acme", &wirepb.Batch{Sensor: "s2", Seq: 1, Minute: minute(1).Unix(), Flows: []*wirepb.Flow{
		flow(6, "10.0.0.6", 1234, "10.0.0.1", 80), // D
	}}, 100)
	h.ingest("acme", &wirepb.Batch{Sensor: "s2", Seq: 2, Minute: minute(2).Unix(), Flows: []*wirepb.Flow{
		flow(17, "fe80::1", 546, "ff02::1:2", 547), // E
	}}, 100)
	label := map[string]string{
		"10.0.0.1:40000": "A", "10.0.0.3:5000": "B", "10.0.0.2:40001": "C", "10.0.0.6:1234": "D", "[fe80::1]:546": "E",
	}
	names := func(fs []store.Flow) string {
		var out []string
		for _, f := range fs {
			out = append(out, label[netip.AddrPortFrom(f.SrcIP, f.SrcPort).String()])
		}
		slices.Sort(out)
		return strings.Join(out, "")
	}

	all := h.flows("acme", store.FlowQuery{})
	for i := 1; i < len(all); i++ {
		if all[i].Minute.After(all[i-1].Minute) {
			t.Fatalf("flows not newest minute first: %v after %v", all[i].Minute, all[i-1].Minute)
		}
	}
	if !all[0].Minute.Equal(minute(2)) || names(all[:1]) != "E" {
		t.Errorf("first flow = %+v, want E at %v", all[0], minute(2))
	}
	for _, tc := range []struct {
		q    store.FlowQuery
		want string
	}{
		{store.FlowQuery{}, "ABCDE"},
		{store.FlowQuery{IP: addr("10.0.0.2")}, "AC"},
		{store.FlowQuery{IP: addr("10.0.0.1")}, "AD"},
		{store.FlowQuery{IP: addr("fe80::1")}, "E"},
		{store.FlowQuery{IP: addr("10.0.0.99")}, ""},
		{store.FlowQuery{Port: 502}, "A"},
		{store.FlowQuery{Port: 40001}, "C"},
		{store.FlowQuery{Proto: 17}, "BE"},
		{store.FlowQuery{Proto: 6, IP: addr("10.0.0.1")}, "AD"},
		{store.FlowQuery{Proto: 17, IP: addr("10.0.0.1")}, ""},
		{store.FlowQuery{Sensor: "s2"}, "DE"},
		{store.FlowQuery{Sensor: "nope"}, ""},
		{store.FlowQuery{Range: store.TimeRange{From: minute(1)}}, "CDE"},
		{store.FlowQuery{Range: store.TimeRange{To: minute(1)}}, "AB"},
		{store.FlowQuery{Range: store.TimeRange{From: minute(1), To: minute(2)}}, "CD"},
		{store.FlowQuery{Range: store.TimeRange{From: minute(1), To: minute(2)}, Sensor: "s1"}, "C"},
		{store.FlowQuery{Range: store.TimeRange{From: minute(3)}}, ""},
		{store.FlowQuery{IP: addr("10.0.0.1"), Range: store.TimeRange{From: minute(1)}}, "D"},
		{store.FlowQuery{IP: addr("10.0.0.2"), Range: store.TimeRange{To: minute(1)}}, "A"},
		{store.FlowQuery{IP: addr("10.0.0.2"), Sensor: "s2"}, ""},
		{store.FlowQuery{IP: addr("10.0.0.1"), Sensor: "s2", Port: 80, Proto: 6}, "D"},
		{store.FlowQuery{IP: addr("10.0.0.1"), Limit: 1, Offset: 1}, "A"},
		// A prefix: either side inside it.
		{store.FlowQuery{Net: netip.MustParsePrefix("10.0.0.0/24")}, "ABCD"},
		{store.FlowQuery{Net: netip.MustParsePrefix("10.0.0.4/31")}, "BC"},
		{store.FlowQuery{Net: netip.MustParsePrefix("10.0.0.6/32")}, "D"},
		{store.FlowQuery{Net: netip.MustParsePrefix("10.1.0.0/16")}, ""},
		{store.FlowQuery{Net: netip.MustParsePrefix("fe80::/10")}, "E"},
		{store.FlowQuery{Net: netip.MustParsePrefix("::ffff:10.0.0.0/120")}, "ABCD"}, // IPv4-mapped
		{store.FlowQuery{Net: netip.MustParsePrefix("::/0")}, "E"},                   // IPv6 only
		{store.FlowQuery{Net: netip.MustParsePrefix("10.0.0.0/24"), Range: store.TimeRange{From: minute(1)}, Sensor: "s1"}, "C"},
	} {
		if got := names(h.flows("acme", tc.q)); got != tc.want {
			t.Errorf("Flows(%+v) = %q, want %q", tc.q, got, tc.want)
		}
	}
}

// searchFixture has three devices in different subnets, one with a DHCP
// hostname, one known only by DNS, one with an IPv6 address, seen in three
// different minutes.
func searchFixture(h *harness) {
	m0, m1, m2 := minute(0), minute(1), minute(2)
	dev := func(mac string, m time.Time, host string, ips ...string) *wirepb.Device {
		d := &wirepb.Device{Mac: MAC(mac), Evidence: evARP, DhcpHostname: host,
			FirstUnixNs: NS(m), LastUnixNs: NS(m.Add(10 * time.Second))}
		for _, ip := range ips {
			d.Ips = append(d.Ips, IP(ip))
		}
		return d
	}
	h.ingest("acme", &wirepb.Batch{Sensor: "s1", Seq: 1, Minute: m0.Unix(),
		Devices: []*wirepb.Device{dev("00:1d:9c:aa:bb:01", m0, "press-ctrl-01", "10.0.1.10")}}, 100)
	h.ingest("acme", &wirepb.Batch{Sensor: "s1", Seq: 2, Minute: m1.Unix(),
		Devices: []*wirepb.Device{dev("00:1d:9c:aa:bb:02", m1, "", "10.0.1.11")},
		Names: []*wirepb.Name{{Ip: IP("10.0.1.11"), Name: "scada-hist.plant.example", Source: wirepb.NameSource_NAME_SOURCE_DNS,
			Count: 1, FirstUnixNs: NS(m1), LastUnixNs: NS(m1)}}}, 100)
	h.ingest("acme", &wirepb.Batch{Sensor: "s1", Seq: 3, Minute: m2.Unix(),
		Devices: []*wirepb.Device{dev("08:00:06:12:34:56", m2, "", "192.168.5.20", "fd00::20")},
		Names: []*wirepb.Name{{Ip: IP("192.168.5.99"), Name: "not_a_device", Source: wirepb.NameSource_NAME_SOURCE_MDNS,
			Count: 1, FirstUnixNs: NS(m2), LastUnixNs: NS(m2)}}}, 100)
}

func testDeviceSearch(t *testing.T, h *harness) {
	searchFixture(h)
	const d1, d2, d3 = "00:1d:9c:aa:bb:01", "00:1d:9c:aa:bb:02", "08:00:06:12:34:56"
	if got := macs(h.devices("acme", store.DeviceQuery{})); !slices.Equal(got, []string{d3, d2, d1}) {
		t.Errorf("devices = %v, want newest first", got)
	}
	for _, tc := range []struct {
		q    store.DeviceQuery
		want []string
	}{
		{store.DeviceQuery{Search: "10.0.1.10"}, []string{d1}},
		{store.DeviceQuery{Search: " 10.0.1.11 "}, []string{d2}},
		{store.DeviceQuery{Search: "10.0.1.99"}, nil},
		{store.DeviceQuery{Search: "10.0.1.0/24"}, []string{d1, d2}},
		{store.DeviceQuery{Search: "10.0.0.0/8"}, []string{d1, d2}},
		{store.DeviceQuery{Search: "192.168.0.0/16"}, []string{d3}},
		{store.DeviceQuery{Search: "fd00::20"}, []string{d3}},
		{store.DeviceQuery{Search: "fd00::/8"}, []string{d3}},
		{store.DeviceQuery{Search: "::/0"}, []string{d3}},
		{store.DeviceQuery{Search: "00:1D:9C"}, []string{d1, d2}},
		{store.DeviceQuery{Search: d3}, []string{d3}},
		{store.DeviceQuery{Search: "08-00-06-12-34-56"}, []string{d3}},
		{store.DeviceQuery{Search: "001d9caabb02"}, []string{d2}},
		{store.DeviceQuery{Search: "press"}, []string{d1}},
		{store.DeviceQuery{Search: "PRESS-CTRL"}, []string{d1}},
		{store.DeviceQuery{Search: "SCADA"}, []string{d2}},
		{store.DeviceQuery{Search: "plant.example"}, []string{d2}},
		{store.DeviceQuery{Search: "not_a_device"}, nil},
		{store.DeviceQuery{Search: "%"}, nil},
		{store.DeviceQuery{Search: "nothing-here"}, nil},
		{store.DeviceQuery{Seen: store.TimeRange{From: minute(1)}}, []string{d2, d3}},
		{store.DeviceQuery{Seen: store.TimeRange{To: minute(1)}}, []string{d1}},
		{store.DeviceQuery{Seen: store.TimeRange{From: minute(1), To: minute(2)}}, []string{d2}},
		{store.DeviceQuery{Seen: store.TimeRange{From: minute(1)}, Search: "00:1d:9c"}, []string{d2}},
	} {
		if got := sortedMACs(h.devices("acme", tc.q)); !slices.Equal(got, tc.want) {
			t.Errorf("Devices(%+v) = %v, want %v", tc.q, got, tc.want)
		}
	}
}

func testNameSearch(t *testing.T, h *harness) {
	searchFixture(h)
	got := h.names("acme", store.NameQuery{})
	if len(got) != 2 || got[0].Name != "not_a_device" || got[1].Name != "scada-hist.plant.example" {
		t.Fatalf("names = %+v, want newest first", got)
	}
	if got[0].Source != "mdns" || got[1].Source != "dns" {
		t.Errorf("sources = %q, %q", got[0].Source, got[1].Source)
	}
	for _, tc := range []struct {
		q    store.NameQuery
		want int
	}{
		{store.NameQuery{Search: "scada"}, 1},
		{store.NameQuery{Search: "HIST"}, 1},
		{store.NameQuery{Search: "10.0.1.11"}, 1},
		{store.NameQuery{Search: "192.168.5.0/24"}, 1},
		{store.NameQuery{Search: "10.0.1.10"}, 0},
		{store.NameQuery{Search: "_a_"}, 1},
		{store.NameQuery{Search: "zzz"}, 0},
		{store.NameQuery{Limit: 1}, 1},
		{store.NameQuery{Limit: 1, Offset: 1}, 1},
		{store.NameQuery{Offset: 2}, 0},
	} {
		if got := h.names("acme", tc.q); len(got) != tc.want {
			t.Errorf("Names(%+v) = %d rows, want %d", tc.q, len(got), tc.want)
		}
	}
	if got := h.names("acme", store.NameQuery{Limit: 1, Offset: 1}); len(got) != 1 || got[0].Name != "scada-hist.plant.example" {
		t.Errorf("second page = %+v", got)
	}
}

func testLimitsAndOffsets(t *testing.T, h *harness) {
	// 30 devices; every third pair shares a last_seen, so the MAC decides.
	m := minute(0)
	var devs []*wirepb.Device
	for i := range 30 {
		last := m.Add(time.Duration(i/2) * time.Second)
		devs = append(devs, &wirepb.Device{Mac: []byte{0x02, 0, 0, 0, 0, byte(i)}, Evidence: evARP,
			FirstUnixNs: NS(m), LastUnixNs: NS(last)})
	}
	h.ingest("acme", &wirepb.Batch{Sensor: "s1", Seq: 1, Minute: m.Unix(), Devices: devs}, 100)
	all := h.devices("acme", store.DeviceQuery{})
	if len(all) != 30 {
		t.Fatalf("%d devices, want 30", len(all))
	}
	for i := 1; i < len(all); i++ {
		p, c := all[i-1], all[i]
		if c.LastSeen.After(p.LastSeen) || (c.LastSeen.Equal(p.LastSeen) && c.MAC < p.MAC) {
			t.Fatalf("devices %d and %d out of order: %s %v, %s %v", i-1, i, p.MAC, p.LastSeen, c.MAC, c.LastSeen)
		}
	}
	var paged []string
	for off := 0; off < 40; off += 10 {
		page := h.devices("acme", store.DeviceQuery{Limit: 10, Offset: off})
		if want := min(10, max(0, 30-off)); len(page) != want {
			t.Errorf("page at %d has %d devices, want %d", off, len(page), want)
		}
		paged = append(paged, macs(page)...)
	}
	if !slices.Equal(paged, macs(all)) {
		t.Errorf("pages do not add up to the full list:\n%v\n%v", paged, macs(all))
	}

	// Flows: the default page, an explicit page, and the upper bound.
	big := SyntheticBatch("s1", 2, minute(1), store.MaxLimit+50, 20, 1)
	h.ingest("acme", big, 100)
	if n := len(h.flows("acme", store.FlowQuery{})); n != store.DefaultLimit {
		t.Errorf("default page = %d flows, want %d", n, store.DefaultLimit)
	}
	if n := len(h.flows("acme", store.FlowQuery{Limit: 3 * store.MaxLimit})); n != store.MaxLimit {
		t.Errorf("oversized page = %d flows, want %d", n, store.MaxLimit)
	}
	if n := len(h.flows("acme", store.FlowQuery{Limit: 100, Offset: store.MaxLimit})); n != 50 {
		t.Errorf("last page = %d flows, want 50", n)
	}
	p1 := h.flows("acme", store.FlowQuery{Limit: 7})
	p2 := h.flows("acme", store.FlowQuery{Limit: 7, Offset: 7})
	seen := make(map[string]bool)
	for _, f := range append(p1, p2...) {
		k := flowKey(f)
		if seen[k] {
			t.Errorf("flow %s on two pages", k)
		}
		seen[k] = true
	}
}

func testDeviceCap(t *testing.T, h *harness) {
	if err := h.s.SetDeviceCap(h.ctx, "acme", 3); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("SetDeviceCap on a missing tenant: %v, want ErrNotFound", err)
	}
	if err := h.s.EnsureTenant(h.ctx, store.Tenant{ID: "acme", Name: "Acme"}); err != nil {
		t.Fatal(err)
	}
	if err := h.s.SetDeviceCap(h.ctx, "acme", 3); err != nil {
		t.Fatal(err)
	}
	dev := func(i byte, m time.Time) *wirepb.Device {
		return &wirepb.Device{Mac: []byte{0x02, 0, 0, 0, 0, i}, Ips: [][]byte{{10, 0, 0, i}}, Evidence: evARP,
			FirstUnixNs: NS(m), LastUnixNs: NS(m), SentPackets: 1}
	}
	flows := []*wirepb.Flow{{IpProto: 6, SrcIp: IP("10.0.0.1"), DstIp: IP("10.0.0.5"), DstPort: 502}}

	m0 := minute(0)
	res := h.ingest("acme", &wirepb.Batch{Sensor: "s1", Seq: 1, Minute: m0.Unix(),
		Devices: []*wirepb.Device{dev(1, m0), dev(2, m0)}, Flows: flows}, 100)
	if res.Devices != 2 || res.DevicesRefused != 0 {
		t.Errorf("under the cap: %+v", res)
	}
	// One known and three new devices: one new fits, two are refused, the
	// known one and the flows are still stored.
	m1 := minute(1)
	res = h.ingest("acme", &wirepb.Batch{Sensor: "s1", Seq: 2, Minute: m1.Unix(),
		Devices: []*wirepb.Device{dev(1, m1), dev(3, m1), dev(4, m1), dev(5, m1)}, Flows: flows}, 100)
	if res.Devices != 2 || res.DevicesRefused != 2 || res.Flows != 1 {
		t.Errorf("at the cap: %+v, want 2 devices merged, 2 refused, 1 flow", res)
	}
	want := []string{"02:00:00:00:00:01", "02:00:00:00:00:02", "02:00:00:00:00:03"}
	if got := sortedMACs(h.devices("acme", store.DeviceQuery{})); !slices.Equal(got, want) {
		t.Errorf("devices = %v, want %v", got, want)
	}
	if d := h.device("acme", "02:00:00:00:00:01"); d.SentPackets != 2 || !d.LastSeen.Equal(m1) {
		t.Errorf("known device not merged at the cap: %+v", d)
	}
	if n := len(h.flows("acme", store.FlowQuery{})); n != 2 {
		t.Errorf("flows = %d, want 2 (flows are stored at the cap)", n)
	}
	// The same device twice in a refused batch is refused once.
	m2 := minute(2)
	res = h.ingest("acme", &wirepb.Batch{Sensor: "s1", Seq: 3, Minute: m2.Unix(),
		Devices: []*wirepb.Device{dev(4, m2), dev(4, m2), dev(2, m2)}}, 100)
	if res.Devices != 1 || res.DevicesRefused != 1 {
		t.Errorf("repeated refused device: %+v, want 1 merged, 1 refused", res)
	}
	// Back to the default cap: the refused devices come in.
	if err := h.s.SetDeviceCap(h.ctx, "acme", 0); err != nil {
		t.Fatal(err)
	}
	m3 := minute(3)
	res = h.ingest("acme", &wirepb.Batch{Sensor: "s1", Seq: 4, Minute: m3.Unix(),
		Devices: []*wirepb.Device{dev(4, m3), dev(5, m3)}}, 100)
	if res.Devices != 2 || res.DevicesRefused != 0 {
		t.Errorf("after lifting the cap: %+v", res)
	}
	if n := len(h.devices("acme", store.DeviceQuery{})); n != 5 {
		t.Errorf("devices = %d, want 5", n)
	}
	// The cap is per tenant.
	if err := h.s.SetDeviceCap(h.ctx, "acme", 1); err != nil {
		t.Fatal(err)
	}
	res = h.ingest("globex", &wirepb.Batch{Sensor: "s1", Seq: 1, Minute: m3.Unix(),
		Devices: []*wirepb.Device{dev(1, m3), dev(2, m3)}}, 100)
	if res.Devices != 2 || res.DevicesRefused != 0 {
		t.Errorf("another tenant limited by acme's cap: %+v", res)
	}
}

func testUsers(t *testing.T, h *harness) {
	created := time.Date(2026, 1, 5, 9, 30, 0, 0, time.UTC)
	admin := store.User{Tenant: "acme", Email: "Admin@Acme.example", DisplayName: "管理者",
		PasswordHash: "$argon2id$v=19$m=65536,t=3,p=2$c2FsdA$aGFzaA", Admin: true, CreatedAt: created}
	if err := h.s.CreateUser(h.ctx, admin); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("user of a missing tenant: %v, want ErrNotFound", err)
	}
	for _, id := range []string{"acme", "globex"} {
		if err := h.s.EnsureTenant(h.ctx, store.Tenant{ID: id, Name: id}); err != nil {
			t.Fatal(err)
		}
	}
	if err := h.s.CreateUser(h.ctx, admin); err != nil {
		t.Fatal(err)
	}
	got, err := h.s.UserByEmail(h.ctx, "admin@acme.example")
	if err != nil {
		t.Fatalf("UserByEmail in another case: %v", err)
	}
	got.CreatedAt = got.CreatedAt.UTC()
	if !strings.EqualFold(got.Email, admin.Email) {
		t.Errorf("email = %q", got.Email)
	}
	got.Email = admin.Email
	if !reflect.DeepEqual(got, admin) {
		t.Errorf("user:\n got %+v\nwant %+v", got, admin)
	}
	if _, err := h.s.UserByEmail(h.ctx, "nobody@acme.example"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("missing user: %v, want ErrNotFound", err)
	}
	// Emails are unique across tenants, whatever their case.
	dup := admin
	dup.Email, dup.Tenant = "ADMIN@acme.example", "globex"
	if err := h.s.CreateUser(h.ctx, dup); !errors.Is(err, store.ErrEmailTaken) {
		t.Errorf("duplicate email: %v, want ErrEmailTaken", err)
	}
	for i := 2; i <= store.MaxUsersPerTenant; i++ {
		u := store.User{Tenant: "acme", Email: fmt.Sprintf("user%d@acme.example", i), PasswordHash: "x"}
		if err := h.s.CreateUser(h.ctx, u); err != nil {
			t.Fatalf("user %d of %d: %v", i, store.MaxUsersPerTenant, err)
		}
	}
	extra := store.User{Tenant: "acme", Email: "sixth@acme.example", PasswordHash: "x"}
	if err := h.s.CreateUser(h.ctx, extra); !errors.Is(err, store.ErrUserLimit) {
		t.Errorf("user over the cap: %v, want ErrUserLimit", err)
	}
	if _, err := h.s.UserByEmail(h.ctx, extra.Email); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("refused user was stored: %v", err)
	}
	// Another tenant has its own five.
	if err := h.s.CreateUser(h.ctx, store.User{Tenant: "globex", Email: "sixth@acme.example", PasswordHash: "x"}); err != nil {
		t.Errorf("user of another tenant: %v", err)
	}
	if u, err := h.s.UserByEmail(h.ctx, "user2@acme.example"); err != nil || u.Admin || u.CreatedAt.IsZero() {
		t.Errorf("user without CreatedAt = %+v, %v; want a creation time set by the store", u, err)
	}
}

func testSessions(t *testing.T, h *harness) {
	if err := h.s.EnsureTenant(h.ctx, store.Tenant{ID: "acme", Name: "Acme"}); err != nil {
		t.Fatal(err)
	}
	if err := h.s.CreateUser(h.ctx, store.User{Tenant: "acme", Email: "op@acme.example", PasswordHash: "x"}); err != nil {
		t.Fatal(err)
	}
	now := h.clock.Now()
	token := func(b byte) []byte { return slices.Repeat([]byte{b}, 32) }
	sess := store.Session{TokenHash: token(1), Tenant: "acme", Email: "op@acme.example",
		CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
	if err := h.s.CreateSession(h.ctx, store.Session{TokenHash: token(9), Tenant: "acme",
		Email: "ghost@acme.example", CreatedAt: now, ExpiresAt: now.Add(time.Hour)}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("session of a missing user: %v, want ErrNotFound", err)
	}
	if err := h.s.CreateSession(h.ctx, sess); err != nil {
		t.Fatal(err)
	}
	mfa := sess
	mfa.TokenHash, mfa.MFADone, mfa.ExpiresAt = token(2), true, now.Add(3*time.Hour)
	if err := h.s.CreateSession(h.ctx, mfa); err != nil {
		t.Fatal(err)
	}
	for _, want := range []store.Session{sess, mfa} {
		got, err := h.s.SessionByToken(h.ctx, want.TokenHash)
		if err != nil {
			t.Fatalf("SessionByToken: %v", err)
		}
		got.CreatedAt, got.ExpiresAt = got.CreatedAt.UTC(), got.ExpiresAt.UTC()
		if !reflect.DeepEqual(got, want) {
			t.Errorf("session:\n got %+v\nwant %+v", got, want)
		}
	}
	if _, err := h.s.SessionByToken(h.ctx, token(3)); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown token: %v, want ErrNotFound", err)
	}
	if err := h.s.DeleteSession(h.ctx, sess.TokenHash); err != nil {
		t.Fatal(err)
	}
	if _, err := h.s.SessionByToken(h.ctx, sess.TokenHash); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("deleted session: %v, want ErrNotFound", err)
	}
	if err := h.s.DeleteSession(h.ctx, sess.TokenHash); err != nil {
		t.Errorf("deleting a missing session: %v", err)
	}
	// Two hours later the one-hour session would have gone; the three-hour
	// one is still valid, and expires an hour after that.
	h.clock.Add(2 * time.Hour)
	if _, err := h.s.SessionByToken(h.ctx, mfa.TokenHash); err != nil {
		t.Errorf("session before expiry: %v", err)
	}
	h.clock.Add(time.Hour)
	if _, err := h.s.SessionByToken(h.ctx, mfa.TokenHash); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("session at expiry: %v, want ErrNotFound", err)
	}
	// A session may not claim another tenant than its user's.
	if err := h.s.EnsureTenant(h.ctx, store.Tenant{ID: "globex", Name: "Globex"}); err != nil {
		t.Fatal(err)
	}
	wrong := sess
	wrong.TokenHash, wrong.Tenant, wrong.ExpiresAt = token(4), "globex", h.clock.Now().Add(time.Hour)
	if err := h.s.CreateSession(h.ctx, wrong); err == nil {
		t.Errorf("session for another tenant's user was accepted")
	}
}

func testConcurrent(t *testing.T, h *harness) {
	const sensors, batches, flows = 4, 10, 50
	var wg sync.WaitGroup
	errs := make(chan error, sensors*batches+64)
	done := make(chan struct{})
	for i := range sensors {
		wg.Go(func() {
			sensor := fmt.Sprintf("s%d", i)
			for seq := 1; seq <= batches; seq++ {
				b := SyntheticBatch(sensor, uint64(seq), minute(seq), flows, 10, byte(i))
				if _, err := h.s.IngestBatch(h.ctx, "acme", b, 1000); err != nil {
					errs <- fmt.Errorf("%s seq %d: %w", sensor, seq, err)
				}
			}
		})
	}
	var readers sync.WaitGroup
	for range 2 {
		readers.Go(func() {
			for {
				select {
				case <-done:
					return
				default:
				}
				if _, err := h.s.Devices(h.ctx, "acme", store.DeviceQuery{Search: "hmi"}); err != nil {
					errs <- err
					return
				}
				if _, err := h.s.Flows(h.ctx, "acme", store.FlowQuery{Limit: 100}); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(done)
	readers.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	ss := h.sensors("acme")
	if len(ss) != sensors {
		t.Fatalf("%d sensors, want %d", len(ss), sensors)
	}
	for _, s := range ss {
		if s.Batches != batches || s.LastSeq != batches || s.MonthBytes != batches*1000 {
			t.Errorf("sensor %s: batches %d seq %d bytes %d", s.ID, s.Batches, s.LastSeq, s.MonthBytes)
		}
	}
	if n := len(h.flows("acme", store.FlowQuery{Limit: store.MaxLimit})); n != sensors*batches*flows {
		t.Errorf("%d flows, want %d", n, sensors*batches*flows)
	}
	if n := len(h.devices("acme", store.DeviceQuery{})); n != sensors*10 {
		t.Errorf("%d devices, want %d", n, sensors*10)
	}
}
