package observe

import (
	"net/netip"
	"testing"
	"unicode/utf8"

	"github.com/google/gopacket/layers"
	"google.golang.org/protobuf/proto"

	"mimamori/edge/decode"
	"mimamori/edge/wire/wirepb"
)

// The fuzz targets feed arbitrary payloads to each parser through Observe,
// seeded from the unit-test tables, and check what every batch must
// satisfy whatever arrives on the wire.

// seedPayloads returns the payloads of the table-test frames that match.
func seedPayloads(match func(p *decode.Packet) bool) [][]byte {
	var out [][]byte
	for _, p := range fixturePackets() {
		if match(p) {
			out = append(out, append([]byte(nil), p.Payload...))
		}
	}
	return out
}

// fuzzLimits keeps the tables small so the caps are exercised too.
var fuzzLimits = Options{MaxDevices: 8, MaxNames: 32}

// checkBatch asserts the invariants of one minute's output.
func checkBatch(t *testing.T, tbl *Table) {
	t.Helper()
	devs, names := tbl.Flush()
	if len(devs) > fuzzLimits.MaxDevices {
		t.Fatalf("%d devices, cap %d", len(devs), fuzzLimits.MaxDevices)
	}
	if len(names) > fuzzLimits.MaxNames {
		t.Fatalf("%d names, cap %d", len(names), fuzzLimits.MaxNames)
	}
	for _, d := range devs {
		if len(d.Mac) != 6 || !unicastMAC([6]byte(d.Mac)) {
			t.Fatalf("device MAC %x is not a unicast address", d.Mac)
		}
		if len(d.Ips) > maxIPsPerDevice {
			t.Fatalf("device has %d IPs, cap %d", len(d.Ips), maxIPsPerDevice)
		}
		for _, b := range d.Ips {
			if a, ok := netip.AddrFromSlice(b); !ok || !bindable(a) {
				t.Fatalf("device IP %x is not a unicast address", b)
			}
		}
		for _, s := range []string{d.DhcpHostname, d.DhcpVendorClass} {
			if !utf8.ValidString(s) {
				t.Fatalf("device string %q is not UTF-8", s)
			}
		}
	}
	for _, n := range names {
		if a, ok := netip.AddrFromSlice(n.Ip); !ok || !bindable(a) {
			t.Fatalf("name IP %x is not a unicast address", n.Ip)
		}
		if n.Name == "" || len(n.Name) > maxNameLen || !printableName([]byte(n.Name)) {
			t.Fatalf("name %q is empty, too long or unprintable", n.Name)
		}
		if n.Count == 0 || n.FirstUnixNs > n.LastUnixNs {
			t.Fatalf("name %q: count %d, first %d > last %d", n.Name, n.Count, n.FirstUnixNs, n.LastUnixNs)
		}
	}
	// The batch must encode: proto3 strings have to be valid UTF-8.
	if _, err := proto.Marshal(&wirepb.Batch{Devices: devs, Names: names}); err != nil {
		t.Fatalf("batch does not encode: %v", err)
	}
}

func FuzzObserveDNS(f *testing.F) {
	for _, b := range seedPayloads(func(p *decode.Packet) bool {
		return p.SrcPort == portDNS || p.SrcPort == portMDNS || p.SrcPort == portLLMNR
	}) {
		for kind := range uint8(3) {
			f.Add(kind, b)
		}
	}
	f.Add(uint8(0), dnsMailGoogle)
	f.Fuzz(func(t *testing.T, kind uint8, msg []byte) {
		sport := [3]uint16{portDNS, portMDNS, portLLMNR}[kind%3]
		tbl := New(Options{})
		tbl.Observe(udpPacket(sport, 40000, msg))
		if _, names := tbl.Flush(); len(names) > maxRecords {
			t.Fatalf("%d names from one message, at most %d", len(names), maxRecords)
		}
		tbl = New(fuzzLimits)
		tbl.Observe(udpPacket(sport, 40000, msg))
		if kind%3 == 0 && len(msg) < 0xffff {
			p := udpPacket(portDNS, 40000, append([]byte{byte(len(msg) >> 8), byte(len(msg))}, msg...))
			p.IPProto = layers.IPProtocolTCP
			tbl.Observe(p)
		}
		checkBatch(t, tbl)
	})
}

func FuzzObserveNBNS(f *testing.F) {
	for _, b := range seedPayloads(func(p *decode.Packet) bool { return p.SrcPort == portNBNS || p.SrcPort == portNBDGM }) {
		f.Add(false, b)
		f.Add(true, b)
	}
	f.Fuzz(func(t *testing.T, datagram bool, msg []byte) {
		port := uint16(portNBNS)
		if datagram {
			port = portNBDGM
		}
		tbl := New(Options{})
		tbl.Observe(udpPacket(port, port, msg))
		if _, names := tbl.Flush(); len(names) > maxRecords {
			t.Fatalf("%d names from one message, at most %d", len(names), maxRecords)
		}
		tbl = New(fuzzLimits)
		tbl.Observe(udpPacket(port, port, msg))
		checkBatch(t, tbl)
	})
}

func FuzzObserveDHCP(f *testing.F) {
	for _, b := range seedPayloads(func(p *decode.Packet) bool {
		return p.SrcPort == portDHCPClient || p.SrcPort == portDHCPServer
	}) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, msg []byte) {
		tbl := New(fuzzLimits)
		tbl.Observe(udpPacket(portDHCPClient, portDHCPServer, msg))
		tbl.Observe(udpPacket(portDHCPServer, portDHCPClient, msg))
		checkBatch(t, tbl)
	})
}

func FuzzObserveNDP(f *testing.F) {
	for _, p := range fixturePackets() {
		if p.IPProto == layers.IPProtocolICMPv6 {
			f.Add(p.ICMPType, p.SrcIP.IsUnspecified(), append([]byte(nil), p.Payload...))
		}
	}
	f.Fuzz(func(t *testing.T, typ uint8, dad bool, body []byte) {
		src := "fe80::1"
		if dad {
			src = "::"
		}
		tbl := New(fuzzLimits)
		tbl.Observe(icmp6Packet(typ, src, body))
		checkBatch(t, tbl)
	})
}
