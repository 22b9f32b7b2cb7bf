package perf

import (
	"bytes"
	"fmt"
	"hash/fnv"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"mimamori/edge/wire/wirepb"
)

// ZeekLogs writes the content of one minute's batch as the reference
// sensor would ship it: Zeek-style ASCII logs (tab-separated, with the
// #separator/#fields/#types header every Zeek log file has), one file per
// log, concatenated. Flows become conn.log rows with a connection UID as
// Zeek assigns one; names ns.log; device bindings arp.log and, where DHCP
// was seen, dhcp.log; OT events one aggregated log per protocol with
// first/last timestamps and a count, as the NTT parsers write them;
// identities identity.log; capture statistics capture_loss.log. The point
// is a like-for-like comparison of upload size, so every field the batch
// carries is written and nothing is added.
func ZeekLogs(b *wirepb.Batch) []byte {
	var w zeekWriter
	open := time.Unix(b.Minute, 0).UTC()

	w.header("conn", open, []string{"ts", "uid", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "proto", "service",
		"duration", "orig_bytes", "resp_bytes", "conn_state", "local_orig", "local_resp", "missed_bytes", "history",
		"orig_pkts", "orig_ip_bytes", "resp_pkts", "resp_ip_bytes", "tunnel_parents", "orig_l2_addr", "resp_l2_addr", "vlan"},
		[]string{"time", "string", "addr", "port", "addr", "port", "enum", "string", "interval", "count", "count", "string",
			"bool", "bool", "count", "string", "count", "count", "count", "count", "set[string]", "string", "string", "int"})
	for _, f := range b.Flows {
		w.row(ts(f.FirstUnixNs), uid('C', f.SrcIp, f.DstIp, f.SrcPort, f.DstPort, f.IpProto), ip(f.SrcIp), u(f.SrcPort), ip(f.DstIp), u(f.DstPort),
			transport(f.IpProto), "-", interval(f.LastUnixNs-f.FirstUnixNs), u64(payload(f.SrcBytes, f.SrcPackets)), u64(payload(f.DstBytes, f.DstPackets)),
			connState(f), "T", "T", "0", history(f), u64(f.SrcPackets), u64(f.SrcBytes-14*f.SrcPackets), u64(f.DstPackets),
			u64(f.DstBytes-14*f.DstPackets), "-", mac(f.SrcMac), mac(f.DstMac), u(f.Vlan))
	}
	w.header("ns", open, []string{"ts", "ip", "name", "source", "number", "ts_end"},
		[]string{"time", "addr", "string", "string", "count", "time"})
	for _, n := range b.Names {
		w.row(ts(n.FirstUnixNs), ip(n.Ip), n.Name, strings.ToLower(strings.TrimPrefix(n.Source.String(), "NAME_SOURCE_")),
			u(n.Count), ts(n.LastUnixNs))
	}
	w.header("arp", open, []string{"ts", "mac", "ip", "evidence", "vlan", "sent_pkts", "sent_bytes", "recv_pkts", "recv_bytes", "ts_end"},
		[]string{"time", "string", "addr", "count", "int", "count", "count", "count", "count", "time"})
	for _, d := range b.Devices {
		for _, a := range d.Ips {
			w.row(ts(d.FirstUnixNs), mac(d.Mac), ip(a), u(d.Evidence), u(d.Vlan), u64(d.SentPackets), u64(d.SentBytes),
				u64(d.RecvPackets), u64(d.RecvBytes), ts(d.LastUnixNs))
		}
	}
	w.header("dhcp", open, []string{"ts", "mac", "host_name", "client_fqdn", "vendor_class", "param_list"},
		[]string{"time", "string", "string", "string", "string", "vector[count]"})
	for _, d := range b.Devices {
		if d.DhcpHostname == "" && len(d.DhcpParams) == 0 && d.DhcpVendorClass == "" {
			continue
		}
		params := make([]string, len(d.DhcpParams))
		for i, p := range d.DhcpParams {
			params[i] = strconv.Itoa(int(p))
		}
		w.row(ts(d.FirstUnixNs), mac(d.Mac), str(d.DhcpHostname), "-", str(d.DhcpVendorClass), str(strings.Join(params, ",")))
	}
	byProto := map[string][]*wirepb.OTEvent{}
	var protos []string
	for _, e := range b.OtEvents {
		if byProto[e.Protocol] == nil {
			protos = append(protos, e.Protocol)
		}
		byProto[e.Protocol] = append(byProto[e.Protocol], e)
	}
	for _, p := range protos {
		w.header(p, open, []string{"ts", "uid", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "src_mac", "dst_mac", "vlan",
			"code", "function", "number", "requests", "responses", "errors", "extras", "ts_end"},
			[]string{"time", "string", "addr", "port", "addr", "port", "string", "string", "int",
				"count", "string", "count", "count", "count", "count", "string", "time"})
		for _, e := range byProto[p] {
			extras := make([]string, len(e.Extras))
			for i, a := range e.Extras {
				extras[i] = a.Key + "=" + a.Value
			}
			w.row(ts(e.FirstUnixNs), uid('O', e.SrcIp, e.DstIp, e.SrcPort, e.DstPort, 0), ip(e.SrcIp), u(e.SrcPort), ip(e.DstIp), u(e.DstPort),
				mac(e.SrcMac), mac(e.DstMac), u(e.Vlan), u(e.Code), str(e.Function), u64(e.Count), u64(e.Requests),
				u64(e.Responses), u64(e.Errors), str(strings.Join(extras, ",")), ts(e.LastUnixNs))
		}
	}
	w.header("identity", open, []string{"ts", "protocol", "ip", "mac", "vlan", "vendor", "product", "model", "serial", "firmware", "name"},
		[]string{"time", "string", "addr", "string", "int", "string", "string", "string", "string", "string", "string"})
	for _, id := range b.Identities {
		w.row(ts(id.SeenUnixNs), id.Protocol, ip(id.Ip), mac(id.Mac), u(id.Vlan), str(id.Vendor), str(id.Product),
			str(id.Model), str(id.Serial), str(id.Firmware), str(id.Name))
	}
	w.header("capture_loss", open, []string{"ts", "peer", "packets", "bytes", "kernel_drops", "decode_errors", "non_ip", "flows_active"},
		[]string{"time", "string", "count", "count", "count", "count", "count", "count"})
	for _, c := range b.Captures {
		w.row(ts(b.Minute*int64(time.Second)), c.Source, u64(c.Packets), u64(c.Bytes), u64(c.KernelDrops), u64(c.DecodeErrors),
			u64(c.NonIpPackets), u64(c.FlowsActive))
	}
	return w.buf.Bytes()
}

type zeekWriter struct {
	buf bytes.Buffer
}

func (w *zeekWriter) header(path string, open time.Time, fields, types []string) {
	fmt.Fprintf(&w.buf, "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\t%s\n#open\t%s\n#fields\t%s\n#types\t%s\n",
		path, open.Format("2006-01-02-15-04-05"), strings.Join(fields, "\t"), strings.Join(types, "\t"))
}

func (w *zeekWriter) row(cols ...string) {
	w.buf.WriteString(strings.Join(cols, "\t"))
	w.buf.WriteByte('\n')
}

func ts(ns int64) string       { return strconv.FormatFloat(float64(ns)/1e9, 'f', 6, 64) }
func interval(ns int64) string { return strconv.FormatFloat(float64(ns)/1e9, 'f', 6, 64) }
func u(v uint32) string        { return strconv.FormatUint(uint64(v), 10) }
func u64(v uint64) string      { return strconv.FormatUint(v, 10) }

func str(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func ip(b []byte) string {
	a, ok := netip.AddrFromSlice(b)
	if !ok {
		return "-"
	}
	return a.String()
}

func mac(b []byte) string {
	if len(b) != 6 {
		return "-"
	}
	return fmt.Sprintf("%02x:%02x:%02x:%02x:%02x:%02x", b[0], b[1], b[2], b[3], b[4], b[5])
}

func transport(p uint32) string {
	switch p {
	case 6:
		return "tcp"
	case 17:
		return "udp"
	case 1, 58:
		return "icmp"
	}
	return "unknown_transport"
}

// payload estimates transport payload bytes from wire bytes (Ethernet, IP
// and TCP/UDP headers of about 54 bytes per packet).
func payload(bytes, packets uint64) uint64 {
	if h := 54 * packets; bytes > h {
		return bytes - h
	}
	return 0
}

// uid is a Zeek-like 18-character connection UID: a kind letter and 17
// base-62 digits, stable for a conversation (as a long-lived connection
// keeps its UID across conn_long rows).
func uid(kind byte, a, b []byte, pa, pb, p uint32) string {
	h := fnv.New64a()
	h.Write(a)
	h.Write(b)
	fmt.Fprint(h, pa, pb, p)
	v := h.Sum64()
	w := v*0x9e3779b97f4a7c15 ^ v>>29
	const digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	out := []byte{kind}
	for i := 0; i < 17; i++ {
		if i == 9 {
			v = w
		}
		out = append(out, digits[v%62])
		v /= 62
	}
	return string(out)
}

// connState and history summarise TCP flags the way Zeek's conn.log does.
func connState(f *wirepb.Flow) string {
	if f.IpProto != 6 {
		if f.DstPackets > 0 {
			return "SF"
		}
		return "S0"
	}
	sf, df := f.SrcTcpFlags, f.DstTcpFlags
	switch {
	case sf&4 != 0:
		return "RSTO"
	case df&4 != 0:
		return "RSTR"
	case sf&1 != 0 && df&1 != 0:
		return "SF"
	case sf&2 != 0 && df == 0:
		return "S0"
	case sf&2 != 0:
		return "S1"
	}
	return "OTH"
}

func history(f *wirepb.Flow) string {
	if f.IpProto != 6 {
		return "Dd"
	}
	var h []byte
	for _, c := range []struct {
		flag uint32
		src  bool
		ch   byte
	}{{2, true, 'S'}, {2, false, 'h'}, {16, true, 'A'}, {8, true, 'D'}, {16, false, 'a'}, {8, false, 'd'}, {1, true, 'F'}, {1, false, 'f'}, {4, true, 'R'}, {4, false, 'r'}} {
		flags := f.DstTcpFlags
		if c.src {
			flags = f.SrcTcpFlags
		}
		if flags&c.flag != 0 {
			h = append(h, c.ch)
		}
	}
	if len(h) == 0 {
		return "-"
	}
	return string(h)
}
