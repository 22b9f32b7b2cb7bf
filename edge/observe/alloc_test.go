package observe

import (
	"testing"

	"mimamori/edge/decode"
)

// fixturePackets returns every frame of the table tests as packets.
func fixturePackets() []*decode.Packet {
	var pkts []*decode.Packet
	for _, tt := range observeTests {
		for i, f := range tt.frames {
			pkts = append(pkts, toPacket(f.bytes(), int64(i+1)*1e9))
		}
	}
	return pkts
}

// TestObserveAllocs pins the hot-path property: once a minute has seen a
// device or a name binding, seeing it again allocates nothing, whichever
// parser reads the frame.
func TestObserveAllocs(t *testing.T) {
	pkts := fixturePackets()
	tbl := New(Options{})
	for _, p := range pkts {
		tbl.Observe(p)
	}
	allocs := testing.AllocsPerRun(100, func() {
		for _, p := range pkts {
			tbl.Observe(p)
		}
	})
	if allocs != 0 {
		t.Errorf("steady-state Observe of %d frames: %v allocations, want 0", len(pkts), allocs)
	}
}

// TestObserveAllocsNextMinute: device entries are recycled, so a minute of
// plain traffic after a Flush allocates nothing either.
func TestObserveAllocsNextMinute(t *testing.T) {
	pkts := []*decode.Packet{
		toPacket(frame{src: macA, dst: macB, ipSrc: "10.0.0.10", ipDst: "10.0.0.11", tcp: ports(49152, 502)}.bytes(), 1),
		toPacket(frame{src: macB, dst: macA, ipSrc: "10.0.0.11", ipDst: "10.0.0.10", tcp: ports(502, 49152)}.bytes(), 2),
	}
	tbl := New(Options{})
	for _, p := range pkts {
		tbl.Observe(p)
	}
	tbl.Flush()
	allocs := testing.AllocsPerRun(100, func() {
		for _, p := range pkts {
			tbl.Observe(p)
		}
		// Flush itself builds the wire messages; only recycle here.
		for _, d := range tbl.devices {
			d.reset()
			tbl.freeDevices = append(tbl.freeDevices, d)
		}
		clear(tbl.devices)
	})
	if allocs != 0 {
		t.Errorf("first frames of a new minute: %v allocations, want 0", allocs)
	}
}

func BenchmarkObserve(b *testing.B) {
	ipFrame := toPacket(frame{src: macA, dst: macB, ipSrc: "10.0.0.10", ipDst: "10.0.0.11", tcp: ports(49152, 502),
		data: []byte{0, 1, 0, 0, 0, 6, 1, 3, 0, 0, 0, 1}}.bytes(), 1)
	dns := toPacket(frame{src: macB, dst: macA, ipSrc: "10.0.0.53", ipDst: "10.0.0.10", udp: ports(53, 40000), data: dnsMailGoogle}.bytes(), 1)
	nbns := toPacket(frame{src: macA, dst: broadcastMAC, ipSrc: "192.168.1.1", ipDst: "192.168.1.255", udp: ports(137, 137), data: nbnsRegistration}.bytes(), 1)
	var dhcp *decode.Packet
	for _, tt := range observeTests {
		if tt.name == "dhcp discover, request, ack" {
			dhcp = toPacket(tt.frames[1].bytes(), 1)
		}
	}
	cases := []struct {
		name string
		pkts []*decode.Packet
	}{
		{"ip", []*decode.Packet{ipFrame}},
		{"dns", []*decode.Packet{dns}},
		{"nbns", []*decode.Packet{nbns}},
		{"dhcp", []*decode.Packet{dhcp}},
		{"fixtures", fixturePackets()},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			tbl := New(Options{})
			b.ReportAllocs()
			for b.Loop() {
				for _, p := range c.pkts {
					tbl.Observe(p)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(c.pkts)), "ns/frame")
		})
	}
}
