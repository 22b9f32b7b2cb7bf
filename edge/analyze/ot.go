package analyze

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"net/netip"
	"slices"

	"mimamori/edge/wire/wirepb"
)

// otRecord is one OT event (docs/ANALYZE.md, record type `ot`).
type otRecord struct {
	Type      string            `json:"type"`
	Minute    string            `json:"minute"`
	Protocol  string            `json:"protocol"`
	Function  string            `json:"function"`
	Code      uint32            `json:"code"`
	Src       string            `json:"src"`
	Dst       string            `json:"dst"`
	SrcIP     string            `json:"src_ip"`
	SrcPort   uint32            `json:"src_port"`
	DstIP     string            `json:"dst_ip"`
	DstPort   uint32            `json:"dst_port"`
	SrcMAC    string            `json:"src_mac"`
	DstMAC    string            `json:"dst_mac"`
	VLAN      uint32            `json:"vlan"`
	Count     uint64            `json:"count"`
	Requests  uint64            `json:"requests"`
	Responses uint64            `json:"responses"`
	Errors    uint64            `json:"errors"`
	First     string            `json:"first"`
	Last      string            `json:"last"`
	Extras    map[string]string `json:"extras"`
}

// identityRecord is one device identity (record type `identity`).
type identityRecord struct {
	Type     string            `json:"type"`
	Minute   string            `json:"minute"`
	Protocol string            `json:"protocol"`
	IP       string            `json:"ip"`
	MAC      string            `json:"mac"`
	VLAN     uint32            `json:"vlan"`
	Vendor   string            `json:"vendor"`
	Product  string            `json:"product"`
	Model    string            `json:"model"`
	Serial   string            `json:"serial"`
	Firmware string            `json:"firmware"`
	Name     string            `json:"name"`
	Seen     string            `json:"seen"`
	Extras   map[string]string `json:"extras"`
}

// writeOT writes the batch's OT events, then its identities, each sorted.
func writeOT(enc *json.Encoder, minute string, b *wirepb.Batch) error {
	events := slices.Clone(b.OtEvents)
	slices.SortStableFunc(events, compareOT)
	for _, e := range events {
		if err := enc.Encode(newOTRecord(minute, e)); err != nil {
			return fmt.Errorf("analyze: write ot: %w", err)
		}
	}
	ids := slices.Clone(b.Identities)
	slices.SortStableFunc(ids, func(x, y *wirepb.Identity) int {
		return cmp.Or(cmp.Compare(x.Protocol, y.Protocol), bytes.Compare(x.Ip, y.Ip),
			bytes.Compare(x.Mac, y.Mac), cmp.Compare(x.Vlan, y.Vlan))
	})
	for _, id := range ids {
		if err := enc.Encode(newIdentityRecord(minute, id)); err != nil {
			return fmt.Errorf("analyze: write identity: %w", err)
		}
	}
	return nil
}

// compareOT orders events by protocol, source, destination, VLAN and code.
func compareOT(x, y *wirepb.OTEvent) int {
	return cmp.Or(
		cmp.Compare(x.Protocol, y.Protocol),
		bytes.Compare(x.SrcIp, y.SrcIp),
		bytes.Compare(x.SrcMac, y.SrcMac),
		cmp.Compare(x.SrcPort, y.SrcPort),
		bytes.Compare(x.DstIp, y.DstIp),
		bytes.Compare(x.DstMac, y.DstMac),
		cmp.Compare(x.DstPort, y.DstPort),
		cmp.Compare(x.Vlan, y.Vlan),
		cmp.Compare(x.Code, y.Code),
	)
}

func newOTRecord(minute string, e *wirepb.OTEvent) otRecord {
	return otRecord{
		Type: "ot", Minute: minute, Protocol: e.Protocol, Function: e.Function, Code: e.Code,
		Src: otEndpoint(e.SrcIp, e.SrcPort, e.SrcMac), Dst: otEndpoint(e.DstIp, e.DstPort, e.DstMac),
		SrcIP: ipString(e.SrcIp), SrcPort: e.SrcPort, DstIP: ipString(e.DstIp), DstPort: e.DstPort,
		SrcMAC: macString(e.SrcMac), DstMAC: macString(e.DstMac), VLAN: e.Vlan,
		Count: e.Count, Requests: e.Requests, Responses: e.Responses, Errors: e.Errors,
		First: nanoTime(e.FirstUnixNs), Last: nanoTime(e.LastUnixNs),
		Extras: attrMap(e.Extras),
	}
}

func newIdentityRecord(minute string, id *wirepb.Identity) identityRecord {
	return identityRecord{
		Type: "identity", Minute: minute, Protocol: id.Protocol,
		IP: ipString(id.Ip), MAC: macString(id.Mac), VLAN: id.Vlan,
		Vendor: id.Vendor, Product: id.Product, Model: id.Model, Serial: id.Serial,
		Firmware: id.Firmware, Name: id.Name, Seen: nanoTime(id.SeenUnixNs),
		Extras: attrMap(id.Extras),
	}
}

// otEndpoint renders an event's side: "ip:port" ("[ip]:port" for IPv6) for
// IP protocols, the MAC address for layer-2 ones.
func otEndpoint(ip []byte, port uint32, mac []byte) string {
	a, ok := netip.AddrFromSlice(ip)
	if !ok {
		return macString(mac)
	}
	return netip.AddrPortFrom(a, uint16(port)).String()
}

// attrMap turns details into a JSON object; encoding/json writes its keys
// sorted. No details is {}, never null.
func attrMap(attrs []*wirepb.Attr) map[string]string {
	m := make(map[string]string, len(attrs))
	for _, a := range attrs {
		if prev, ok := m[a.Key]; ok {
			m[a.Key] = prev + "," + a.Value // a repeated key, which the sensor never sends
			continue
		}
		m[a.Key] = a.Value
	}
	return m
}
