package analyze

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"time"

	"mimamori/edge/intel"
	"mimamori/edge/wire"
	"mimamori/edge/wire/wirepb"
)

// The record types of the JSON Lines contract (docs/ANALYZE.md). Field
// order here is output order; fields are only ever added.

type flowRecord struct {
	Type             string `json:"type"`
	Minute           string `json:"minute"`
	Proto            string `json:"proto"`
	SrcIP            string `json:"src_ip"`
	SrcPort          uint32 `json:"src_port"`
	DstIP            string `json:"dst_ip"`
	DstPort          uint32 `json:"dst_port"`
	SrcMAC           string `json:"src_mac"`
	DstMAC           string `json:"dst_mac"`
	VLAN             uint32 `json:"vlan"`
	SrcPackets       uint64 `json:"src_packets"`
	SrcBytes         uint64 `json:"src_bytes"`
	DstPackets       uint64 `json:"dst_packets"`
	DstBytes         uint64 `json:"dst_bytes"`
	SrcTCPFlags      string `json:"src_tcp_flags"`
	DstTCPFlags      string `json:"dst_tcp_flags"`
	First            string `json:"first"`
	Last             string `json:"last"`
	State            string `json:"state"`
	Ended            bool   `json:"ended"`
	InitiatorCertain bool   `json:"initiator_certain"`
	Routed           bool   `json:"routed,omitempty"`
	DstVLAN          uint32 `json:"dst_vlan,omitempty"`
}

type deviceRecord struct {
	Type            string   `json:"type"`
	Minute          string   `json:"minute"`
	MAC             string   `json:"mac"`
	VLAN            uint32   `json:"vlan"`
	IPs             []string `json:"ips"`
	Evidence        []string `json:"evidence"`
	DHCPHostname    string   `json:"dhcp_hostname"`
	DHCPParams      []int    `json:"dhcp_params"`
	DHCPVendorClass string   `json:"dhcp_vendor_class"`
	First           string   `json:"first"`
	Last            string   `json:"last"`
	SentPackets     uint64   `json:"sent_packets"`
	SentBytes       uint64   `json:"sent_bytes"`
	RecvPackets     uint64   `json:"recv_packets"`
	RecvBytes       uint64   `json:"recv_bytes"`
	// Inferred fields (inventory.go, docs/INVENTORY.md).
	MACKind      string             `json:"mac_kind"`
	Vendor       string             `json:"vendor"`
	Hostname     string             `json:"hostname"`
	OS           string             `json:"os"`
	OSFamily     string             `json:"os_family"`
	OSConfidence int                `json:"os_confidence"`
	OSEvidence   []osEvidenceRecord `json:"os_evidence"`
	EOL          bool               `json:"eol"`
	EOLState     string             `json:"eol_state"`
	EOLEnd       string             `json:"eol_end"`
	Role         string             `json:"role"`
	RoleReasons  []string           `json:"role_reasons"`
	Importance   float64            `json:"importance"`
}

type nameRecord struct {
	Type   string `json:"type"`
	Minute string `json:"minute"`
	IP     string `json:"ip"`
	Name   string `json:"name"`
	Source string `json:"source"`
	Count  uint32 `json:"count"`
	First  string `json:"first"`
	Last   string `json:"last"`
}

type statsRecord struct {
	Type         string `json:"type"`
	Minute       string `json:"minute"`
	Source       string `json:"source"`
	Packets      uint64 `json:"packets"`
	Bytes        uint64 `json:"bytes"`
	KernelDrops  uint64 `json:"kernel_drops"`
	DecodeErrors uint64 `json:"decode_errors"`
	NonIPPackets uint64 `json:"non_ip_packets"`
	FlowsActive  uint64 `json:"flows_active"`
	FlowsExpired uint64 `json:"flows_expired"`
	FlowsEvicted uint64 `json:"flows_evicted"`
}

// WriteBatch writes a batch as JSON Lines: its flows, devices, names, OT
// events and identities, each group sorted, then one stats record per
// capture source. The batch
// itself is not modified.
//
// The inferred device fields come from this batch alone; Run infers from
// everything the capture showed up to each minute.
func WriteBatch(w io.Writer, b *wirepb.Batch) error {
	e, err := intel.New(intel.Options{})
	if err != nil {
		return fmt.Errorf("analyze: %w", err)
	}
	return newInventoryWriter(e).write(w, b)
}

func writeBatch(w io.Writer, b *wirepb.Batch, inv inventory) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	minute := time.Unix(b.Minute, 0).UTC().Format(time.RFC3339)

	flows := slices.Clone(b.Flows)
	slices.SortStableFunc(flows, compareFlows)
	for _, f := range flows {
		if err := enc.Encode(newFlowRecord(minute, f)); err != nil {
			return fmt.Errorf("analyze: write flow: %w", err)
		}
	}
	devices := slices.Clone(b.Devices)
	slices.SortStableFunc(devices, func(x, y *wirepb.Device) int {
		return cmp.Or(bytes.Compare(x.Mac, y.Mac), cmp.Compare(x.Vlan, y.Vlan))
	})
	for _, d := range devices {
		if err := enc.Encode(newDeviceRecord(minute, d, inv)); err != nil {
			return fmt.Errorf("analyze: write device: %w", err)
		}
	}
	names := slices.Clone(b.Names)
	slices.SortStableFunc(names, func(x, y *wirepb.Name) int {
		return cmp.Or(bytes.Compare(x.Ip, y.Ip), cmp.Compare(x.Name, y.Name), cmp.Compare(x.Source, y.Source))
	})
	for _, n := range names {
		if err := enc.Encode(newNameRecord(minute, n)); err != nil {
			return fmt.Errorf("analyze: write name: %w", err)
		}
	}
	if err := writeOT(enc, minute, b); err != nil {
		return err
	}
	for _, c := range b.Captures {
		if err := enc.Encode(newStatsRecord(minute, c)); err != nil {
			return fmt.Errorf("analyze: write stats: %w", err)
		}
	}
	return nil
}

// compareFlows orders flows by protocol, endpoints, VLAN and time, which
// is unique enough that the output does not depend on table order.
func compareFlows(x, y *wirepb.Flow) int {
	return cmp.Or(
		cmp.Compare(x.IpProto, y.IpProto),
		bytes.Compare(x.SrcIp, y.SrcIp),
		cmp.Compare(x.SrcPort, y.SrcPort),
		bytes.Compare(x.DstIp, y.DstIp),
		cmp.Compare(x.DstPort, y.DstPort),
		cmp.Compare(x.Vlan, y.Vlan),
		cmp.Compare(x.FirstUnixNs, y.FirstUnixNs),
		cmp.Compare(x.LastUnixNs, y.LastUnixNs),
	)
}

func newFlowRecord(minute string, f *wirepb.Flow) flowRecord {
	state := "new"
	if f.State == wirepb.FlowState_FLOW_STATE_CONTINUED {
		state = "continued"
	}
	return flowRecord{
		Type: "flow", Minute: minute, Proto: ProtoName(f.IpProto),
		SrcIP: ipString(f.SrcIp), SrcPort: f.SrcPort, DstIP: ipString(f.DstIp), DstPort: f.DstPort,
		SrcMAC: macString(f.SrcMac), DstMAC: macString(f.DstMac), VLAN: f.Vlan,
		SrcPackets: f.SrcPackets, SrcBytes: f.SrcBytes, DstPackets: f.DstPackets, DstBytes: f.DstBytes,
		SrcTCPFlags: TCPFlagLetters(f.SrcTcpFlags), DstTCPFlags: TCPFlagLetters(f.DstTcpFlags),
		First: nanoTime(f.FirstUnixNs), Last: nanoTime(f.LastUnixNs),
		State: state, Ended: f.Ended, InitiatorCertain: f.InitiatorCertain,
		Routed: f.Routed, DstVLAN: f.DstVlan,
	}
}

func newDeviceRecord(minute string, d *wirepb.Device, inv inventory) deviceRecord {
	r := deviceRecord{
		Type: "device", Minute: minute, MAC: macString(d.Mac), VLAN: d.Vlan,
		IPs: []string{}, Evidence: evidenceNames(d.Evidence), DHCPParams: []int{},
		DHCPHostname: d.DhcpHostname, DHCPVendorClass: d.DhcpVendorClass,
		First: nanoTime(d.FirstUnixNs), Last: nanoTime(d.LastUnixNs),
		SentPackets: d.SentPackets, SentBytes: d.SentBytes, RecvPackets: d.RecvPackets, RecvBytes: d.RecvBytes,
	}
	for _, ip := range d.Ips {
		r.IPs = append(r.IPs, ipString(ip))
	}
	for _, p := range d.DhcpParams {
		r.DHCPParams = append(r.DHCPParams, int(p))
	}
	x := inv.intelFor(d.Mac)
	r.MACKind, r.Vendor, r.Hostname = x.MACKind, x.Vendor, x.Hostname
	r.OS, r.OSFamily, r.OSConfidence, r.OSEvidence = x.OS, x.OSFamily, x.OSConfidence, x.OSEvidence
	r.EOL, r.EOLState, r.EOLEnd = x.EOL, x.EOLState, x.EOLEnd
	r.Role, r.RoleReasons, r.Importance = x.Role, x.RoleReasons, x.Importance
	return r
}

func newNameRecord(minute string, n *wirepb.Name) nameRecord {
	return nameRecord{
		Type: "name", Minute: minute, IP: ipString(n.Ip), Name: n.Name, Source: wire.NameSourceString(n.Source),
		Count: n.Count, First: nanoTime(n.FirstUnixNs), Last: nanoTime(n.LastUnixNs),
	}
}

func newStatsRecord(minute string, c *wirepb.CaptureStats) statsRecord {
	return statsRecord{
		Type: "stats", Minute: minute, Source: c.Source,
		Packets: c.Packets, Bytes: c.Bytes, KernelDrops: c.KernelDrops,
		DecodeErrors: c.DecodeErrors, NonIPPackets: c.NonIpPackets,
		FlowsActive: c.FlowsActive, FlowsExpired: c.FlowsExpired, FlowsEvicted: c.FlowsEvicted,
	}
}

// ProtoName names an IP protocol as the contract does: tcp, udp, icmp,
// icmpv6, or the decimal number.
func ProtoName(p uint32) string {
	switch p {
	case 6:
		return "tcp"
	case 17:
		return "udp"
	case 1:
		return "icmp"
	case 58:
		return "icmpv6"
	}
	return strconv.FormatUint(uint64(p), 10)
}

// tcpFlagLetters lists flag bits in output order.
var tcpFlagLetters = [...]struct {
	bit    uint32
	letter byte
}{
	{0x02, 'S'}, {0x10, 'A'}, {0x01, 'F'}, {0x04, 'R'},
	{0x08, 'P'}, {0x20, 'U'}, {0x40, 'E'}, {0x80, 'C'},
}

// TCPFlagLetters renders an OR of TCP flags as letters in the fixed order
// S A F R P U E C (SYN ACK FIN RST PSH URG ECE CWR); no flags is "".
func TCPFlagLetters(flags uint32) string {
	var b []byte
	for _, f := range tcpFlagLetters {
		if flags&f.bit != 0 {
			b = append(b, f.letter)
		}
	}
	return string(b)
}

// evidenceNames lists the Evidence bits by name, in bit order.
func evidenceNames(ev uint32) []string {
	out := []string{}
	for _, e := range []struct {
		bit  wirepb.Evidence
		name string
	}{
		{wirepb.Evidence_EVIDENCE_ARP, "arp"},
		{wirepb.Evidence_EVIDENCE_NDP, "ndp"},
		{wirepb.Evidence_EVIDENCE_DHCP, "dhcp"},
		{wirepb.Evidence_EVIDENCE_IP, "ip"},
	} {
		if ev&uint32(e.bit) != 0 {
			out = append(out, e.name)
		}
	}
	return out
}

// ipString renders 4- or 16-byte addresses; anything else is "".
func ipString(b []byte) string {
	a, ok := netip.AddrFromSlice(b)
	if !ok {
		return ""
	}
	return a.String()
}

// macString renders a 6-byte MAC as aa:bb:cc:dd:ee:ff; anything else is "".
func macString(b []byte) string {
	if len(b) != 6 {
		return ""
	}
	return net.HardwareAddr(b).String()
}

// nanoTime renders Unix nanoseconds as RFC 3339 in UTC with as many
// fractional digits as needed; zero is "".
func nanoTime(ns int64) string {
	if ns == 0 {
		return ""
	}
	return time.Unix(0, ns).UTC().Format(time.RFC3339Nano)
}
