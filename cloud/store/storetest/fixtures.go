package storetest

import (
	"fmt"
	"net"
	"net/netip"
	"sync"
	"time"

	"mimamori/edge/wire/wirepb"
)

// Epoch is the first minute the suite's batches cover, in January so that
// the month tests can cross into February.
func Epoch() time.Time { return time.Date(2026, 1, 10, 8, 0, 0, 0, time.UTC) }

// Clock is a settable clock for the store under test. It is safe for
// concurrent use.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a Clock reading t.
func NewClock(t time.Time) *Clock { return &Clock{now: t} }

// Now returns the clock's time; pass it to the store as its clock.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

// Add moves the clock forward by d.
func (c *Clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// IP is the wire form of an address: 4 bytes for IPv4, 16 for IPv6.
func IP(s string) []byte { return netip.MustParseAddr(s).AsSlice() }

// MAC is the wire form of a MAC address.
func MAC(s string) []byte {
	hw, err := net.ParseMAC(s)
	if err != nil || len(hw) != 6 {
		panic(fmt.Sprintf("storetest: bad MAC %q", s))
	}
	return hw
}

// NS is t in the wire's Unix nanoseconds.
func NS(t time.Time) int64 { return t.UnixNano() }

// SyntheticBatch builds a plausible minute of a factory cell: nDevices
// devices (PLCs, HMIs, engineering stations) on 10.<subnet>.x.y, nFlows
// flows between them on OT and IT ports, and a name for every fourth device.
// It is deterministic, so benchmarks and tests on different stores see the
// same data. subnet keeps the devices of different sensors apart.
func SyntheticBatch(sensor string, seq uint64, minute time.Time, nFlows, nDevices int, subnet byte) *wirepb.Batch {
	b := &wirepb.Batch{
		SchemaVersion:   wirepb.SchemaVersion_SCHEMA_VERSION_1,
		Sensor:          sensor,
		Seq:             seq,
		Minute:          minute.Unix(),
		SealedUnixMs:    minute.Add(time.Minute).UnixMilli(),
		SoftwareVersion: "1.0.0",
		Captures: []*wirepb.CaptureStats{{
			Source: "eth1", Packets: uint64(nFlows) * 40, Bytes: uint64(nFlows) * 40 * 300,
			FlowsActive: uint64(nFlows),
		}},
		Health: &wirepb.Health{CpuPercent: 21.5, MemUsedBytes: 300 << 20, MemTotalBytes: 1 << 30,
			DiskUsedBytes: 2 << 30, DiskTotalBytes: 16 << 30, TemperatureC: 48, UptimeSeconds: 86400, Load1: 0.4},
	}
	if nDevices < 1 {
		nDevices = 1
	}
	ip := func(i int) []byte { return []byte{10, subnet, byte(i >> 8), byte(i)} }
	mac := func(i int) []byte { return []byte{0x02, 0x00, subnet, 0x00, byte(i >> 8), byte(i)} }
	for i := range nDevices {
		off := time.Duration(i%60) * time.Second
		d := &wirepb.Device{
			Mac:         mac(i),
			Ips:         [][]byte{ip(i)},
			Evidence:    uint32(wirepb.Evidence_EVIDENCE_ARP | wirepb.Evidence_EVIDENCE_IP),
			FirstUnixNs: NS(minute.Add(off)),
			LastUnixNs:  NS(minute.Add(off + 500*time.Millisecond)),
			SentPackets: uint64(100 + i), SentBytes: uint64(100+i) * 120,
			RecvPackets: uint64(90 + i), RecvBytes: uint64(90+i) * 110,
		}
		if i%5 == 0 {
			d.Evidence |= uint32(wirepb.Evidence_EVIDENCE_DHCP)
			d.DhcpHostname = fmt.Sprintf("hmi-%03d", i)
			d.DhcpVendorClass = "MSFT 5.0"
			d.DhcpParams = []byte{1, 3, 6, 15, 31, 33, 43, 44, 46, 47, 119, 121, 249, 252}
		}
		b.Devices = append(b.Devices, d)
		if i%4 == 0 {
			b.Names = append(b.Names, &wirepb.Name{
				Ip: ip(i), Name: fmt.Sprintf("plc-%03d.line%d.factory.example", i, subnet),
				Source: wirepb.NameSource_NAME_SOURCE_DNS, Count: 2,
				FirstUnixNs: NS(minute.Add(off)), LastUnixNs: NS(minute.Add(off + time.Second)),
			})
		}
	}
	ports := []uint32{502, 44818, 102, 20000, 4840, 5007, 9600, 80, 443, 53}
	for i := range nFlows {
		src, dst := i%nDevices, (i*7+1)%nDevices
		port := ports[i%len(ports)]
		proto := uint32(6)
		if port == 53 || port == 9600 || port == 5007 {
			proto = 17
		}
		first := minute.Add(time.Duration(i%59)*time.Second + time.Duration(i%1000)*time.Millisecond)
		f := &wirepb.Flow{
			IpProto: proto,
			SrcIp:   ip(src), SrcPort: uint32(32768 + i%28000),
			DstIp: ip(dst), DstPort: port,
			SrcMac: mac(src), DstMac: mac(dst),
			SrcPackets: uint64(10 + i%50), SrcBytes: uint64(10+i%50) * 90,
			DstPackets: uint64(8 + i%40), DstBytes: uint64(8+i%40) * 200,
			FirstUnixNs: NS(first), LastUnixNs: NS(first.Add(800 * time.Millisecond)),
			State:            wirepb.FlowState_FLOW_STATE_CONTINUED,
			InitiatorCertain: true,
		}
		if proto == 6 {
			f.SrcTcpFlags, f.DstTcpFlags = 0x18, 0x18
		}
		if i%10 == 0 {
			f.State = wirepb.FlowState_FLOW_STATE_NEW
			f.SrcTcpFlags |= 0x02
		}
		b.Flows = append(b.Flows, f)
	}
	return b
}

// AddSyntheticOT appends nEvents OT events of a minute to b, as a factory
// cell's sensor reports them: SLMP, FINS and Modbus polling from HMIs and
// engineering stations to PLCs on the batch's devices (client ports that
// change every minute), and a few layer-2 events (CC-Link IE Field, PTP)
// between their MACs, each with details. Deterministic, like
// SyntheticBatch; call it after SyntheticBatch with the same subnet.
func AddSyntheticOT(b *wirepb.Batch, nEvents int, subnet byte) {
	minute := time.Unix(b.Minute, 0).UTC()
	nDevices := max(len(b.Devices), 2)
	ip := func(i int) []byte { return []byte{10, subnet, byte(i >> 8), byte(i)} }
	mac := func(i int) []byte { return []byte{0x02, 0x00, subnet, 0x00, byte(i >> 8), byte(i)} }
	type fn struct {
		protocol string
		code     uint32
		name     string
		port     uint32
		extras   []*wirepb.Attr
	}
	fns := []fn{
		{"slmp", 0x0401, "Device Read (Batch)", 5007, []*wirepb.Attr{{Key: "read_range", Value: "D:100-131"}}},
		{"slmp", 0x1401, "Device Write (Batch)", 5007, []*wirepb.Attr{{Key: "write_range", Value: "M:0-15"}}},
		{"fins", 0x0101, "Memory Area Read", 9600, []*wirepb.Attr{{Key: "read_range", Value: "DM:0-99"}}},
		{"modbus", 3, "Read Holding Registers", 502, []*wirepb.Attr{{Key: "read_range", Value: "0-9"}, {Key: "unit_id", Value: "1"}}},
		{"modbus", 16, "Write Multiple Registers", 502, []*wirepb.Attr{{Key: "unit_id", Value: "1"}, {Key: "write_range", Value: "100-109"}}},
		{"cclink-ie-field", 0x0c, "Cyclic Data", 0, nil},
		{"ptp", 0x0b, "Announce", 0, []*wirepb.Attr{{Key: "domain", Value: "0"}}},
	}
	for i := range nEvents {
		f := fns[i%len(fns)]
		src, dst := (i/len(fns))%nDevices, (i/len(fns)*3+1)%nDevices
		first := minute.Add(time.Duration(i%50) * time.Second)
		e := &wirepb.OTEvent{
			Protocol: f.protocol, Code: f.code, Function: f.name,
			SrcMac: mac(src), DstMac: mac(dst),
			Count: uint64(20 + i%40), Requests: uint64(10 + i%20), Responses: uint64(10 + i%20),
			FirstUnixNs: NS(first), LastUnixNs: NS(first.Add(9 * time.Second)),
			Extras: f.extras,
		}
		if f.port != 0 {
			e.SrcIp, e.DstIp = ip(src), ip(dst)
			e.SrcPort = uint32(32768 + (int(b.Minute/60)*131+i)%28000)
			e.DstPort = f.port
		} else {
			e.Requests, e.Responses = 0, 0
		}
		if i%97 == 0 {
			e.Errors = 1
		}
		b.OtEvents = append(b.OtEvents, e)
	}
}
