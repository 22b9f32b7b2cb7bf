package wire

import (
	"errors"
	"math/rand/v2"
	"testing"

	"google.golang.org/protobuf/proto"

	"mimamori/edge/wire/wirepb"
)

// randomFlows makes n flows of a few clients and servers, with every
// field exercised: IPv4 and IPv6, missing MACs, routed flows, unset times,
// every state.
func randomFlows(r *rand.Rand, n int, minute int64) []*wirepb.Flow {
	addr := func() []byte {
		if r.IntN(10) == 0 {
			b := make([]byte, 16)
			b[0], b[1], b[15] = 0xfd, 0, byte(r.IntN(4))
			return b
		}
		return []byte{10, 0, byte(r.IntN(3)), byte(r.IntN(8))}
	}
	mac := func() []byte {
		if r.IntN(8) == 0 {
			return nil
		}
		return []byte{2, 0, 0, 0, 0, byte(r.IntN(6))}
	}
	out := make([]*wirepb.Flow, n)
	for i := range out {
		f := &wirepb.Flow{
			IpProto: []uint32{6, 17, 1, 58, 47}[r.IntN(5)],
			SrcIp:   addr(), SrcPort: uint32(r.IntN(65536)), DstIp: addr(), DstPort: uint32([]int{502, 5007, 9600, 0, 65535}[r.IntN(5)]),
			SrcMac: mac(), DstMac: mac(), Vlan: uint32(r.IntN(3) * 10),
			SrcPackets: r.Uint64N(1e6), SrcBytes: r.Uint64(), DstPackets: r.Uint64N(10), DstBytes: r.Uint64N(1e9),
			SrcTcpFlags: uint32(r.IntN(256)), DstTcpFlags: uint32(r.IntN(256)),
			State: wirepb.FlowState(r.IntN(3)), Ended: r.IntN(2) == 0, InitiatorCertain: r.IntN(2) == 0,
		}
		if r.IntN(4) > 0 {
			f.FirstUnixNs = (minute*1e6 + r.Int64N(60e6)) * 1000
			f.LastUnixNs = f.FirstUnixNs + r.Int64N(60e6)*1000
		}
		if r.IntN(5) == 0 {
			f.Routed, f.DstVlan = true, uint32(r.IntN(4095))
		}
		out[i] = f
	}
	return out
}

// TestColumnsRoundTrip checks that flows survive the columns, as a set
// (the columns order them by server), whatever their fields.
func TestColumnsRoundTrip(t *testing.T) {
	const minute = 1795000020
	r := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{0, 1, 2, 50, 3000} {
		in := randomFlows(r, n, minute)
		out, err := ColumnsToFlows(FlowsToColumns(in, minute), minute)
		if err != nil {
			t.Fatalf("%d flows: %v", n, err)
		}
		sameSet(t, "flows", in, out)
	}
}

// TestColumnsMicroseconds checks that times come back as the cloud keeps
// them: whole microseconds, a missing last time as the first.
func TestColumnsMicroseconds(t *testing.T) {
	const minute = 1795000020
	in := []*wirepb.Flow{
		{IpProto: 6, SrcIp: []byte{10, 0, 0, 1}, DstIp: []byte{10, 0, 0, 2}, FirstUnixNs: minute*1e9 + 1_234_567, LastUnixNs: minute*1e9 + 59_000_000_999},
		{IpProto: 17, SrcIp: []byte{10, 0, 0, 1}, DstIp: []byte{10, 0, 0, 3}, FirstUnixNs: minute*1e9 + 5_000},
	}
	out, err := ColumnsToFlows(FlowsToColumns(in, minute), minute)
	if err != nil {
		t.Fatal(err)
	}
	if out[0].FirstUnixNs != minute*1e9+1_234_000 || out[0].LastUnixNs != minute*1e9+59_000_000_000 {
		t.Errorf("times %d, %d", out[0].FirstUnixNs-minute*1e9, out[0].LastUnixNs-minute*1e9)
	}
	if out[1].LastUnixNs != out[1].FirstUnixNs {
		t.Errorf("a flow without a last time came back with %d..%d", out[1].FirstUnixNs, out[1].LastUnixNs)
	}
}

// TestDecodeSchema1 checks that the cloud still reads batches of schema 1,
// flows as a list, as sensors not yet updated send them.
func TestDecodeSchema1(t *testing.T) {
	c, _ := NewCodec()
	old := sample()
	old.SchemaVersion = wirepb.SchemaVersion_SCHEMA_VERSION_1
	raw, _ := proto.Marshal(old)
	var probe wirepb.Batch
	if err := proto.Unmarshal(raw, &probe); err != nil || probe.FlowColumns != nil || len(probe.Flows) != 1 {
		t.Fatalf("schema 1 payload not as old sensors write it: %v", &probe)
	}
	out, err := c.Decode(c.enc.EncodeAll(raw, nil))
	if err != nil {
		t.Fatal(err)
	}
	if !proto.Equal(old, out) {
		t.Errorf("schema 1 batch changed:\n in %v\nout %v", old, out)
	}
	// Encode keeps an old batch in its own layout.
	payload, err := c.Encode(old)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ = c.dec.DecodeAll(payload, nil)
	if err := proto.Unmarshal(raw, &probe); err != nil || probe.FlowColumns != nil {
		t.Errorf("a schema 1 batch was written with columns")
	}
}

// TestEncodeWritesColumns checks the current layout on the wire and that
// Encode leaves the caller's batch as it was.
func TestEncodeWritesColumns(t *testing.T) {
	c, _ := NewCodec()
	b := sample()
	flows := b.Flows
	payload, err := c.Encode(b)
	if err != nil {
		t.Fatal(err)
	}
	if b.FlowColumns != nil || len(b.Flows) != 1 || b.Flows[0] != flows[0] {
		t.Errorf("Encode changed the batch's flows")
	}
	raw, _ := c.dec.DecodeAll(payload, nil)
	var probe wirepb.Batch
	if err := proto.Unmarshal(raw, &probe); err != nil {
		t.Fatal(err)
	}
	if probe.SchemaVersion != wirepb.SchemaVersion_SCHEMA_VERSION_3 || len(probe.Flows) != 0 || len(probe.FlowColumns.GetIpProto()) != 1 {
		t.Errorf("wire layout: schema %v, %d flows, columns %v", probe.SchemaVersion, len(probe.Flows), probe.FlowColumns)
	}
}

func TestColumnsReject(t *testing.T) {
	const minute = 1795000020
	good := func() *wirepb.FlowColumns {
		return FlowsToColumns(randomFlows(rand.New(rand.NewPCG(3, 4)), 20, minute), minute)
	}
	cases := map[string]func(c *wirepb.FlowColumns){
		"short column":   func(c *wirepb.FlowColumns) { c.DstBytes = c.DstBytes[1:] },
		"address index":  func(c *wirepb.FlowColumns) { c.SrcIp[3] = uint32(len(c.Addresses)) },
		"mac index":      func(c *wirepb.FlowColumns) { c.DstMac[0] = uint32(len(c.Macs)) + 2 },
		"no earlier mac": func(c *wirepb.FlowColumns) { c.SrcMac[0] = 1 },
		"routed count":   func(c *wirepb.FlowColumns) { c.DstVlan = append(c.DstVlan, 7) },
		"port":           func(c *wirepb.FlowColumns) { c.SrcPort[0] = 70000 },
	}
	for name, spoil := range cases {
		t.Run(name, func(t *testing.T) {
			c := good()
			spoil(c)
			if _, err := ColumnsToFlows(c, minute); !errors.Is(err, ErrColumns) {
				t.Errorf("err = %v, want ErrColumns", err)
			}
		})
	}
}
