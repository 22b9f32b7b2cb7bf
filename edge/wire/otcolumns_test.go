package wire

import (
	"errors"
	"math/rand/v2"
	"testing"

	"google.golang.org/protobuf/proto"

	"mimamori/edge/wire/wirepb"
)

// randomEvents makes n OT events over IP and layer 2, with and without
// extras, MACs and times, times in whole seconds of the minute.
func randomEvents(r *rand.Rand, n int, minute int64) []*wirepb.OTEvent {
	out := make([]*wirepb.OTEvent, n)
	for i := range out {
		e := &wirepb.OTEvent{
			Protocol: []string{"modbus", "slmp", "cclink-ie-field", "s7comm"}[r.IntN(4)], Code: uint32(r.IntN(5)),
			Function: []string{"Read Holding Registers", "unknown", "Cyclic Data RWr"}[r.IntN(3)],
			Vlan:     uint32(r.IntN(3) * 10), Requests: r.Uint64N(100), Responses: r.Uint64N(100), Errors: r.Uint64N(3),
		}
		e.Count = e.Requests + e.Responses + r.Uint64N(2)
		if r.IntN(3) > 0 {
			e.SrcIp, e.DstIp = []byte{10, 0, byte(r.IntN(3)), byte(r.IntN(8))}, []byte{10, 0, 9, byte(r.IntN(4))}
			e.SrcPort, e.DstPort = uint32(r.IntN(65536)), 502
		}
		if r.IntN(5) > 0 {
			e.SrcMac, e.DstMac = []byte{2, 0, 0, 0, 1, byte(r.IntN(6))}, []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}
		}
		if r.IntN(6) > 0 {
			e.FirstUnixNs = (minute + r.Int64N(60)) * 1e9
			e.LastUnixNs = e.FirstUnixNs + r.Int64N(60)*1e9
		}
		for range r.IntN(3) {
			e.Extras = append(e.Extras, &wirepb.Attr{Key: []string{"unit_id", "read_range", "node_id"}[r.IntN(3)], Value: []string{"1", "0-9", "0x0002"}[r.IntN(3)]})
		}
		out[i] = e
	}
	return out
}

// randomDevices makes n devices, some with addresses, DHCP data,
// fingerprints and announcements.
func randomDevices(r *rand.Rand, n int, minute int64) []*wirepb.Device {
	out := make([]*wirepb.Device, n)
	for i := range out {
		d := &wirepb.Device{
			Mac: []byte{2, 0, 0, 0, byte(i >> 8), byte(i)}, Evidence: uint32(r.IntN(16)), Vlan: uint32(r.IntN(3)),
			SentPackets: r.Uint64N(1e6), SentBytes: r.Uint64(), RecvPackets: r.Uint64N(10), RecvBytes: r.Uint64N(1e9),
			L2Protocols: uint32(r.IntN(8)), MaxTtl: uint32(r.IntN(256)),
		}
		for range r.IntN(3) {
			d.Ips = append(d.Ips, []byte{10, 0, byte(r.IntN(3)), byte(r.IntN(250))})
		}
		if r.IntN(6) > 0 {
			d.FirstUnixNs = (minute + r.Int64N(60)) * 1e9
			d.LastUnixNs = d.FirstUnixNs + r.Int64N(60)*1e9
		}
		switch r.IntN(4) {
		case 0:
			d.DhcpHostname, d.DhcpParams, d.DhcpVendorClass = "eng-ws", []byte{1, 3, 6}, "MSFT 5.0"
		case 1:
			d.Fingerprints = []*wirepb.Fingerprint{{Kind: wirepb.FingerprintKind_FINGERPRINT_KIND_TCP_SYN, Ip: []byte{10, 0, 0, 9}, Ttl: 128, Count: 3}}
			d.FingerprintsDropped = uint32(r.IntN(2))
		case 2:
			d.Link = &wirepb.LinkAnnouncement{SystemName: "sw-01"}
		}
		out[i] = d
	}
	return out
}

// sameSet checks that got holds the messages of want, in any order.
func sameSet[M proto.Message](t *testing.T, what string, want, got []M) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d %s came back as %d", len(want), what, len(got))
	}
	count := map[string]int{}
	for _, m := range want {
		b, _ := proto.MarshalOptions{Deterministic: true}.Marshal(m)
		count[string(b)]++
	}
	for _, m := range got {
		b, _ := proto.MarshalOptions{Deterministic: true}.Marshal(m)
		if count[string(b)] == 0 {
			t.Fatalf("decoded %s %v was not sent", what, m)
		}
		count[string(b)]--
	}
}

// withMinute is what a missing (zero) time comes back as: the minute's start.
func withMinute(ns, minute int64) int64 {
	if ns == 0 {
		return minute * 1e9
	}
	return ns
}

// TestOTAndDeviceColumnsRoundTrip checks that OT events and devices come
// back from the columns as a set, with and without flows beside them.
func TestOTAndDeviceColumnsRoundTrip(t *testing.T) {
	c, _ := NewCodec()
	const minute = 1795000020
	r := rand.New(rand.NewPCG(7, 8))
	for _, n := range []int{1, 2, 40, 1500} {
		for _, flows := range []int{0, 30} {
			in := &wirepb.Batch{Tenant: "acme", Sensor: "s1", Seq: 1, Minute: minute,
				Flows: randomFlows(r, flows, minute), OtEvents: randomEvents(r, n, minute), Devices: randomDevices(r, n, minute)}
			payload, err := c.Encode(in)
			if err != nil {
				t.Fatal(err)
			}
			out, err := c.Decode(payload)
			if err != nil {
				t.Fatalf("%d events, %d flows: %v", n, flows, err)
			}
			for _, e := range in.OtEvents {
				e.FirstUnixNs, e.LastUnixNs = withMinute(e.FirstUnixNs, minute), withMinute(e.LastUnixNs, minute)
				if e.LastUnixNs < e.FirstUnixNs {
					e.LastUnixNs = e.FirstUnixNs
				}
			}
			for _, d := range in.Devices {
				d.FirstUnixNs, d.LastUnixNs = withMinute(d.FirstUnixNs, minute), withMinute(d.LastUnixNs, minute)
				if d.LastUnixNs < d.FirstUnixNs {
					d.LastUnixNs = d.FirstUnixNs
				}
			}
			for _, f := range in.Flows {
				first := f.FirstUnixNs / 1e6 * 1e6
				last := first
				if f.LastUnixNs != 0 {
					last = max(f.LastUnixNs/1e6*1e6, first)
				}
				f.FirstUnixNs, f.LastUnixNs = first, last
			}
			sameSet(t, "OT events", in.OtEvents, out.OtEvents)
			sameSet(t, "devices", in.Devices, out.Devices)
			sameSet(t, "flows", in.Flows, out.Flows)
		}
	}
}

// TestSchema3Seconds checks that the times of devices, names, OT events
// and identities travel as whole seconds (flows' as milliseconds) and
// that Encode leaves the caller's batch as it was.
func TestSchema3Seconds(t *testing.T) {
	c, _ := NewCodec()
	const minute = 1795000020
	at := func(s, frac int64) int64 { return (minute+s)*1e9 + frac }
	in := &wirepb.Batch{SchemaVersion: CurrentSchema, Tenant: "acme", Sensor: "s1", Seq: 1, Minute: minute,
		OtEvents:   []*wirepb.OTEvent{{Protocol: "fins", Code: 0x0101, Function: "Memory Area Read", Count: 2, Requests: 1, Responses: 1, FirstUnixNs: at(3, 999_999_999), LastUnixNs: at(59, 1)}},
		Devices:    []*wirepb.Device{{Mac: []byte{2, 0, 0, 0, 0, 1}, FirstUnixNs: at(0, 5), LastUnixNs: at(0, 900_000_000)}},
		Names:      []*wirepb.Name{{Ip: []byte{10, 0, 0, 2}, Name: "plc-01", FirstUnixNs: at(12, 345), LastUnixNs: at(13, 1)}},
		Identities: []*wirepb.Identity{{Protocol: "enip", Ip: []byte{10, 0, 0, 2}, SeenUnixNs: at(41, 7)}},
		Flows:      []*wirepb.Flow{{IpProto: 6, SrcIp: []byte{10, 0, 0, 1}, DstIp: []byte{10, 0, 0, 2}, FirstUnixNs: at(1, 234_567_000)}},
	}
	before := proto.Clone(in)
	payload, err := c.Encode(in)
	if err != nil {
		t.Fatal(err)
	}
	if !proto.Equal(before, in) {
		t.Fatalf("Encode changed the batch:\nbefore %v\nafter  %v", before, in)
	}
	out, err := c.Decode(payload)
	if err != nil {
		t.Fatal(err)
	}
	e, d, n, x, f := out.OtEvents[0], out.Devices[0], out.Names[0], out.Identities[0], out.Flows[0]
	for _, tt := range []struct {
		what      string
		got, want int64
	}{
		{"event first", e.FirstUnixNs, at(3, 0)}, {"event last", e.LastUnixNs, at(59, 0)},
		{"device first", d.FirstUnixNs, at(0, 0)}, {"device last", d.LastUnixNs, at(0, 0)},
		{"name first", n.FirstUnixNs, at(12, 0)}, {"name last", n.LastUnixNs, at(13, 0)},
		{"identity seen", x.SeenUnixNs, at(41, 0)}, {"flow first", f.FirstUnixNs, at(1, 234_000_000)},
	} {
		if tt.got != tt.want {
			t.Errorf("%s: %d, want %d", tt.what, tt.got-minute*1e9, tt.want-minute*1e9)
		}
	}
	raw, _ := c.dec.DecodeAll(payload, nil)
	var probe wirepb.Batch
	if err := proto.Unmarshal(raw, &probe); err != nil {
		t.Fatal(err)
	}
	if len(probe.OtEvents) != 0 || len(probe.Devices) != 0 || len(probe.OtColumns.GetProtocol()) != 1 || len(probe.DeviceColumns.GetMac()) != 1 {
		t.Errorf("OT events and devices not sent as columns: %v", &probe)
	}
}

// TestDecodeSchema2 checks that the cloud still reads schema 2 batches:
// flows in columns, everything else as lists with nanosecond times.
func TestDecodeSchema2(t *testing.T) {
	c, _ := NewCodec()
	const minute = 1795000020
	r := rand.New(rand.NewPCG(9, 10))
	old := &wirepb.Batch{SchemaVersion: wirepb.SchemaVersion_SCHEMA_VERSION_2, Tenant: "acme", Sensor: "s1", Seq: 3, Minute: minute,
		OtEvents: randomEvents(r, 20, minute), Devices: randomDevices(r, 20, minute),
		Names: []*wirepb.Name{{Ip: []byte{10, 0, 0, 2}, Name: "plc-01", FirstUnixNs: minute*1e9 + 123}}}
	old.OtEvents[0].FirstUnixNs = minute*1e9 + 1
	payload, err := c.Encode(old)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := c.dec.DecodeAll(payload, nil)
	var probe wirepb.Batch
	if err := proto.Unmarshal(raw, &probe); err != nil || probe.OtColumns != nil || probe.DeviceColumns != nil {
		t.Fatalf("a schema 2 batch was written with OT or device columns")
	}
	out, err := c.Decode(payload)
	if err != nil {
		t.Fatal(err)
	}
	if !proto.Equal(old, out) {
		t.Errorf("schema 2 batch changed:\n in %v\nout %v", old, out)
	}
}

func TestOTAndDeviceColumnsReject(t *testing.T) {
	const minute = 1795000020
	good := func() *wirepb.Batch {
		r := rand.New(rand.NewPCG(11, 12))
		b := &wirepb.Batch{SchemaVersion: CurrentSchema, Minute: minute, OtEvents: randomEvents(r, 30, minute), Devices: randomDevices(r, 30, minute)}
		undo := toColumns(b)
		c := proto.Clone(b).(*wirepb.Batch)
		undo()
		return c
	}
	cases := map[string]func(b *wirepb.Batch){
		"short OT column":  func(b *wirepb.Batch) { b.OtColumns.Errors = b.OtColumns.Errors[1:] },
		"string index":     func(b *wirepb.Batch) { b.OtColumns.Function[2] = uint32(len(b.OtColumns.Strings)) },
		"OT address index": func(b *wirepb.Batch) { b.OtColumns.DstIp[0] = uint32(len(b.FlowColumns.Addresses)) + 1 },
		"OT MAC index":     func(b *wirepb.Batch) { b.OtColumns.SrcMac[0] = uint32(len(b.FlowColumns.Macs)) + 1 },
		"too many extras":  func(b *wirepb.Batch) { b.OtColumns.Extras[0] += 1000 },
		"extras left over": func(b *wirepb.Batch) {
			b.OtColumns.ExtraKey, b.OtColumns.ExtraValue = append(b.OtColumns.ExtraKey, 0), append(b.OtColumns.ExtraValue, 0)
		},
		"extra key count":     func(b *wirepb.Batch) { b.OtColumns.ExtraKey = append(b.OtColumns.ExtraKey, 0) },
		"no tables":           func(b *wirepb.Batch) { b.FlowColumns = nil },
		"short device column": func(b *wirepb.Batch) { b.DeviceColumns.MaxTtl = b.DeviceColumns.MaxTtl[1:] },
		"device MAC index":    func(b *wirepb.Batch) { b.DeviceColumns.Mac[1] = uint32(len(b.FlowColumns.Macs)) + 1 },
		"too many addresses":  func(b *wirepb.Batch) { b.DeviceColumns.Ips[0] += 1000 },
		"empty address": func(b *wirepb.Batch) {
			b.DeviceColumns.Ips[0], b.DeviceColumns.Ip = 1, append([]uint32{0}, b.DeviceColumns.Ip...)
		},
		"addresses left over": func(b *wirepb.Batch) { b.DeviceColumns.Ip = append(b.DeviceColumns.Ip, 1) },
		"rest count":          func(b *wirepb.Batch) { b.DeviceColumns.RestIndex = append(b.DeviceColumns.RestIndex, 0) },
		"rest out of order": func(b *wirepb.Batch) {
			b.DeviceColumns.RestIndex[0], b.DeviceColumns.RestIndex[1] = b.DeviceColumns.RestIndex[1], b.DeviceColumns.RestIndex[0]
		},
		"rest past the end": func(b *wirepb.Batch) { b.DeviceColumns.RestIndex[len(b.DeviceColumns.RestIndex)-1] = 30 },
	}
	c, _ := NewCodec()
	for name, spoil := range cases {
		t.Run(name, func(t *testing.T) {
			b := good()
			spoil(b)
			raw, err := proto.Marshal(b)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := c.Decode(c.enc.EncodeAll(raw, nil)); !errors.Is(err, ErrColumns) {
				t.Errorf("err = %v, want ErrColumns", err)
			}
		})
	}
}
