package portal

import (
	"errors"
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"time"

	"mimamori/cloud/store"
)

var flowFilterCases = []struct {
	name  string
	query string
	want  flowFilter
	param string // the parameter an error names; "" = no error
}{
	{name: "empty", query: ""},
	{name: "ipv4", query: "ip=192.168.0.1", want: flowFilter{IP: netip.MustParseAddr("192.168.0.1")}},
	{name: "ipv4-mapped is unmapped", query: "ip=::ffff:192.168.0.1", want: flowFilter{IP: netip.MustParseAddr("192.168.0.1")}},
	{name: "ipv6", query: "ip=fe80::1", want: flowFilter{IP: netip.MustParseAddr("fe80::1")}},
	{name: "ip with spaces", query: "ip=+10.0.0.1+", want: flowFilter{IP: netip.MustParseAddr("10.0.0.1")}},
	{name: "zone refused", query: "ip=fe80::1%25eth0", param: "ip"},
	{name: "bad ip", query: "ip=10.0.0.256", param: "ip"},
	{name: "prefix", query: "ip=192.168.10.0/24", want: flowFilter{Net: netip.MustParsePrefix("192.168.10.0/24")}},
	{name: "prefix is masked", query: "ip=192.168.10.77/24", want: flowFilter{Net: netip.MustParsePrefix("192.168.10.0/24")}},
	{name: "ipv6 prefix", query: "ip=fd00:1::/64", want: flowFilter{Net: netip.MustParsePrefix("fd00:1::/64")}},
	{name: "bad prefix length", query: "ip=10.0.0.0/33", param: "ip"},
	{name: "bad prefix", query: "ip=10.0.0/8", param: "ip"},
	{name: "port", query: "port=502", want: flowFilter{Port: 502}},
	{name: "max port", query: "port=65535", want: flowFilter{Port: 65535}},
	{name: "port zero", query: "port=0", param: "port"},
	{name: "port too big", query: "port=65536", param: "port"},
	{name: "negative port", query: "port=-1", param: "port"},
	{name: "tcp", query: "proto=TCP", want: flowFilter{Proto: 6}},
	{name: "udp", query: "proto=udp", want: flowFilter{Proto: 17}},
	{name: "icmpv6", query: "proto=icmpv6", want: flowFilter{Proto: 58}},
	{name: "proto number", query: "proto=47", want: flowFilter{Proto: 47}},
	{name: "proto zero", query: "proto=0", param: "proto"},
	{name: "proto 256", query: "proto=256", param: "proto"},
	{name: "proto name unknown", query: "proto=sctpx", param: "proto"},
	{name: "rfc3339", query: "from=2026-05-01T09:00:00%2B09:00", want: flowFilter{From: time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)}},
	{name: "rfc3339 utc", query: "to=2026-05-01T00:00:00Z", want: flowFilter{To: time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)}},
	{name: "datetime-local is JST", query: "from=2026-05-01T09:30", want: flowFilter{From: time.Date(2026, 5, 1, 0, 30, 0, 0, time.UTC)}},
	{name: "date is JST midnight", query: "to=2026-05-02", want: flowFilter{To: time.Date(2026, 5, 1, 15, 0, 0, 0, time.UTC)}},
	{name: "range", query: "from=2026-05-01&to=2026-05-02", want: flowFilter{From: time.Date(2026, 4, 30, 15, 0, 0, 0, time.UTC), To: time.Date(2026, 5, 1, 15, 0, 0, 0, time.UTC)}},
	{name: "equal bounds", query: "from=2026-05-01&to=2026-05-01", want: flowFilter{From: time.Date(2026, 4, 30, 15, 0, 0, 0, time.UTC), To: time.Date(2026, 4, 30, 15, 0, 0, 0, time.UTC)}},
	{name: "reversed range", query: "from=2026-05-02&to=2026-05-01", param: "to"},
	{name: "bad time", query: "from=tomorrow", param: "from"},
	{name: "month 13", query: "from=2026-13-01", param: "from"},
}

func TestParseFlowFilter(t *testing.T) {
	loc := tokyo()
	for _, tt := range flowFilterCases {
		t.Run(tt.name, func(t *testing.T) {
			q, err := url.ParseQuery(tt.query)
			if err != nil {
				t.Fatal(err)
			}
			got, err := parseFlowFilter(q, loc)
			if tt.param != "" {
				var pe *paramError
				if !errors.As(err, &pe) || pe.Param != tt.param {
					t.Fatalf("error = %v, want a paramError for %q", err, tt.param)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.IP != tt.want.IP || got.Net != tt.want.Net || got.Port != tt.want.Port || got.Proto != tt.want.Proto ||
				!got.From.Equal(tt.want.From) || !got.To.Equal(tt.want.To) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestParseLimitOffset(t *testing.T) {
	tests := []struct {
		query         string
		limit, offset int
		param         string
	}{
		{"", 100, 0, ""},
		{"limit=1&offset=0", 1, 0, ""},
		{"limit=1000&offset=1000000", 1000, 1000000, ""},
		{"limit=1001", 0, 0, "limit"},
		{"limit=0", 0, 0, "limit"},
		{"limit=ten", 0, 0, "limit"},
		{"offset=-5", 0, 0, "offset"},
		{"offset=1000001", 0, 0, "offset"},
	}
	for _, tt := range tests {
		q, _ := url.ParseQuery(tt.query)
		limit, offset, err := parseLimitOffset(q, apiDefaultLimit, apiMaxLimit)
		var pe *paramError
		if tt.param != "" {
			if !errors.As(err, &pe) || pe.Param != tt.param {
				t.Errorf("%q: error = %v, want paramError for %s", tt.query, err, tt.param)
			}
			continue
		}
		if err != nil || limit != tt.limit || offset != tt.offset {
			t.Errorf("%q = %d, %d, %v; want %d, %d", tt.query, limit, offset, err, tt.limit, tt.offset)
		}
	}
}

func TestParseSearch(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"  plc-01 ", "plc-01", true},
		{"工場", "工場", true},
		{"a\x00b", "", false},
		{string(make([]byte, maxSearchLen+1)), "", false},
	}
	for _, tt := range tests {
		got, err := parseSearch(url.Values{"q": {tt.in}}, "q")
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("parseSearch(%q) = %q, %v", tt.in, got, err)
		}
	}
}

// FuzzParseFlowFilter feeds arbitrary query strings through the flow, OT
// list and paging parsers: they must never panic, and what they accept
// must be within the documented bounds.
func FuzzParseFlowFilter(f *testing.F) {
	for _, tt := range flowFilterCases {
		f.Add(tt.query)
	}
	f.Add("limit=5&offset=10&page=3")
	f.Add("layer=ip&protocol=cclink-ie-field&function=0x1401&device=plc-line1&from=2026-05-01&to=2026-05-07&sort=count")
	f.Add("layer=ethernet&device=00:1b:1b:aa:00:01&to=2026-05-01T09:00")
	loc := tokyo()
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		if ff, err := parseFlowFilter(q, loc); err == nil {
			if ff.IP.IsValid() && (ff.IP.Zone() != "" || ff.IP.Is4In6()) {
				t.Fatalf("accepted address %v", ff.IP)
			}
			if ff.Net.IsValid() && (ff.IP.IsValid() || ff.Net != ff.Net.Masked()) {
				t.Fatalf("accepted prefix %v with address %v", ff.Net, ff.IP)
			}
			if strings.TrimSpace(q.Get("port")) != "" && ff.Port == 0 {
				t.Fatal("accepted port 0")
			}
			if strings.TrimSpace(q.Get("proto")) != "" && ff.Proto == 0 {
				t.Fatal("accepted protocol 0")
			}
			if !ff.From.IsZero() && !ff.To.IsZero() && ff.To.Before(ff.From) {
				t.Fatalf("accepted reversed range %v..%v", ff.From, ff.To)
			}
		} else {
			var pe *paramError
			if !errors.As(err, &pe) || pe.Japanese() == "" {
				t.Fatalf("error %v is not a paramError", err)
			}
		}
		if limit, offset, err := parseLimitOffset(q, apiDefaultLimit, apiMaxLimit); err == nil {
			if limit < 1 || limit > apiMaxLimit || offset < 0 || offset > maxOffset {
				t.Fatalf("limit %d offset %d out of bounds", limit, offset)
			}
		}
		if page, err := parsePageNumber(q, flowsPageSize); err == nil && (page < 1 || (page-1)*flowsPageSize > maxOffset) {
			t.Fatalf("page %d out of bounds", page)
		}
		if s, err := parseSearch(q, "q"); err == nil && len(s) > maxSearchLen {
			t.Fatalf("search of %d bytes accepted", len(s))
		}
		if of, err := parseOTFilter(q, loc, true); err == nil {
			if of.Protocol != "" && !protocolID.MatchString(of.Protocol) {
				t.Fatalf("accepted protocol %q", of.Protocol)
			}
			if len(of.Function) > maxFunctionLen || len(of.Device) > maxSearchLen || len(of.Sensor) > maxSearchLen {
				t.Fatalf("accepted long filter %+v", of)
			}
			for _, v := range []string{of.Function, of.Device, of.Sensor} {
				if strings.ContainsFunc(v, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
					t.Fatalf("accepted control characters in %q", v)
				}
			}
			if !of.From.IsZero() && !of.To.IsZero() && (!of.To.After(of.From) || of.To.Sub(of.From) > maxOTDays*24*time.Hour) {
				t.Fatalf("accepted period %v..%v", of.From, of.To)
			}
			if of.Layer > store.OTLayerEthernet {
				t.Fatalf("accepted layer %d", of.Layer)
			}
		} else {
			var pe *paramError
			if !errors.As(err, &pe) || pe.Japanese() == "" {
				t.Fatalf("OT filter error %v is not a paramError", err)
			}
		}
	})
}
