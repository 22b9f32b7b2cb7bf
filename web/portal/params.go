package portal

import (
	"fmt"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"

	"mimamori/cloud/store"
)

// Bounds on query parameters. The portal pages well inside them; the API
// lets scripts take larger pages but not unbounded ones.
const (
	apiDefaultLimit = 100
	apiMaxLimit     = 1000
	maxOffset       = 1_000_000
	maxSearchLen    = 200
	maxTimeLen      = 64
)

// paramError is a query parameter the portal could not use. The API returns
// it as a 400; pages show it above the results.
type paramError struct {
	Param  string
	Reason string
}

func (e *paramError) Error() string { return fmt.Sprintf("invalid %s: %s", e.Param, e.Reason) }

// paramLabels name parameters the way the filter forms label them.
var paramLabels = map[string]string{
	"q":      "検索",
	"ip":     "IPアドレス",
	"port":   "ポート",
	"proto":  "プロトコル",
	"from":   "開始日時",
	"to":     "終了日時",
	"limit":  "件数",
	"offset": "開始位置",
	"page":   "ページ",
	// OTプロトコル 一覧
	"layer":    "レイヤー",
	"protocol": "プロトコル",
	"function": "機能/コマンド",
	"device":   "端末",
	"sensor":   "センサー",
	"sort":     "並び順",
}

// Japanese is the message a page shows for the error.
func (e *paramError) Japanese() string {
	label, ok := paramLabels[e.Param]
	if !ok {
		label = e.Param
	}
	if e.Param == "to" && e.Reason == reasonRangeOrder {
		return "終了日時は開始日時より後にしてください。"
	}
	return "「" + label + "」の指定が正しくありません。"
}

const reasonRangeOrder = "before from"

// parseLimitOffset reads limit and offset, defaulting limit to def and
// capping it at max.
func parseLimitOffset(q url.Values, def, max int) (limit, offset int, err error) {
	limit, offset = def, 0
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > max {
			return 0, 0, &paramError{"limit", fmt.Sprintf("want an integer from 1 to %d", max)}
		}
		limit = n
	}
	if v := q.Get("offset"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > maxOffset {
			return 0, 0, &paramError{"offset", fmt.Sprintf("want an integer from 0 to %d", maxOffset)}
		}
		offset = n
	}
	return limit, offset, nil
}

// parsePageNumber reads the 1-based page of an HTML list.
func parsePageNumber(q url.Values, pageSize int) (int, error) {
	v := q.Get("page")
	if v == "" {
		return 1, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > maxOffset/pageSize+1 { // bounded before multiplying: no overflow
		return 1, &paramError{"page", "want a positive integer"}
	}
	return n, nil
}

// parseSearch reads a free-text search term.
func parseSearch(q url.Values, name string) (string, error) {
	v := strings.TrimSpace(q.Get(name))
	if len(v) > maxSearchLen {
		return "", &paramError{name, fmt.Sprintf("longer than %d bytes", maxSearchLen)}
	}
	for _, r := range v {
		if r < 0x20 || r == 0x7f {
			return "", &paramError{name, "contains control characters"}
		}
	}
	return v, nil
}

// flowFilter is the parsed filter of the flow list and API.
type flowFilter struct {
	IP       netip.Addr
	Net      netip.Prefix // a CIDR prefix instead of IP
	Port     uint16
	Proto    uint8
	From, To time.Time
}

func (f flowFilter) query(limit, offset int) store.FlowQuery {
	return store.FlowQuery{
		Range:  store.TimeRange{From: f.From, To: f.To},
		IP:     f.IP,
		Net:    f.Net,
		Port:   f.Port,
		Proto:  f.Proto,
		Limit:  limit,
		Offset: offset,
	}
}

// parseFlowFilter reads ip, port, proto, from and to. Times without a zone
// are Japan time, as the filter form shows them.
func parseFlowFilter(q url.Values, loc *time.Location) (flowFilter, error) {
	var f flowFilter
	if v := strings.TrimSpace(q.Get("ip")); strings.Contains(v, "/") {
		p, err := netip.ParsePrefix(v)
		if err != nil {
			return flowFilter{}, &paramError{"ip", "want an IPv4 or IPv6 address or a CIDR prefix"}
		}
		f.Net = p.Masked()
	} else if v != "" {
		ip, err := netip.ParseAddr(v)
		if err != nil || ip.Zone() != "" {
			return flowFilter{}, &paramError{"ip", "want an IPv4 or IPv6 address or a CIDR prefix"}
		}
		f.IP = ip.Unmap()
	}
	if v := strings.TrimSpace(q.Get("port")); v != "" {
		n, err := strconv.ParseUint(v, 10, 16)
		if err != nil || n == 0 {
			return flowFilter{}, &paramError{"port", "want a port from 1 to 65535"}
		}
		f.Port = uint16(n)
	}
	if v := strings.TrimSpace(q.Get("proto")); v != "" {
		p, ok := parseProto(v)
		if !ok {
			return flowFilter{}, &paramError{"proto", "want tcp, udp, icmp, icmpv6 or a protocol number from 1 to 255"}
		}
		f.Proto = p
	}
	var err error
	if f.From, err = parseTimeParam(q, "from", loc); err != nil {
		return flowFilter{}, err
	}
	if f.To, err = parseTimeParam(q, "to", loc); err != nil {
		return flowFilter{}, err
	}
	if !f.From.IsZero() && !f.To.IsZero() && f.To.Before(f.From) {
		return flowFilter{}, &paramError{"to", reasonRangeOrder}
	}
	return f, nil
}

// protoNumbers are the protocol names the filter accepts.
var protoNumbers = map[string]uint8{
	"icmp":      1,
	"tcp":       6,
	"udp":       17,
	"icmpv6":    58,
	"ipv6-icmp": 58,
}

func parseProto(v string) (uint8, bool) {
	if p, ok := protoNumbers[strings.ToLower(v)]; ok {
		return p, true
	}
	n, err := strconv.ParseUint(v, 10, 8)
	if err != nil || n == 0 {
		return 0, false
	}
	return uint8(n), true
}

// localLayouts are the zone-less forms a time may take: what an HTML
// datetime-local input sends, with or without seconds, and a bare date.
var localLayouts = []string{"2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02"}

func parseTimeParam(q url.Values, name string, loc *time.Location) (time.Time, error) {
	v := strings.TrimSpace(q.Get(name))
	if v == "" {
		return time.Time{}, nil
	}
	if len(v) <= maxTimeLen {
		if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
			return t, nil
		}
		for _, layout := range localLayouts {
			if t, err := time.ParseInLocation(layout, v, loc); err == nil {
				return t, nil
			}
		}
	}
	return time.Time{}, &paramError{name, "want RFC 3339 (2006-01-02T15:04:05+09:00) or a Japan-time 2006-01-02T15:04"}
}
