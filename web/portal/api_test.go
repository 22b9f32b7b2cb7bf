package portal

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
)

// getJSON fetches path and decodes the body into a generic value.
func (c *client) getJSON(path string, wantStatus int) map[string]any {
	c.t.Helper()
	res := c.get(path)
	if res.StatusCode != wantStatus {
		c.t.Fatalf("GET %s = %d, want %d: %s", path, res.StatusCode, wantStatus, res.body)
	}
	if ct := res.Header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
		c.t.Errorf("GET %s Content-Type = %q", path, ct)
	}
	var v map[string]any
	if err := json.Unmarshal([]byte(res.body), &v); err != nil {
		c.t.Fatalf("GET %s: decode %q: %v", path, res.body, err)
	}
	return v
}

func keys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func items(t *testing.T, v map[string]any, field string) []map[string]any {
	t.Helper()
	raw, ok := v[field].([]any)
	if !ok {
		t.Fatalf("%q is %T, want a list", field, v[field])
	}
	out := make([]map[string]any, len(raw))
	for i, r := range raw {
		out[i] = r.(map[string]any)
	}
	return out
}

func strField(m map[string]any, k string) string { s, _ := m[k].(string); return s }

func TestAPIDevices(t *testing.T) {
	f := newFixture(t)
	c := f.client()
	c.login(emailA, password)

	v := c.getJSON("/api/v1/devices", http.StatusOK)
	if got := keys(v); !slices.Equal(got, []string{"devices", "has_more", "limit", "offset"}) {
		t.Errorf("envelope keys = %v", got)
	}
	devs := items(t, v, "devices")
	if len(devs) != 4 {
		t.Fatalf("%d devices, want 4", len(devs))
	}
	wantKeys := []string{"dhcp_vendor", "eol", "eol_state", "first_seen", "hostname", "importance", "ips", "last_seen", "mac",
		"mac_kind", "os", "os_confidence", "os_family", "recv_bytes", "recv_packets", "role", "sensors", "sent_bytes",
		"sent_packets", "vendor", "vlan"}
	var plc map[string]any
	for _, d := range devs {
		if got := keys(d); !slices.Equal(got, wantKeys) {
			t.Fatalf("device keys = %v, want %v", got, wantKeys)
		}
		if strField(d, "mac") == macPLC {
			plc = d
		}
	}
	if plc == nil {
		t.Fatal("PLC missing")
	}
	if ips := plc["ips"].([]any); len(ips) != 1 || ips[0] != ipPLC {
		t.Errorf("ips = %v", ips)
	}
	if plc["hostname"] != "plc-line1" || plc["sent_bytes"].(float64) != 1_234_567 || plc["sent_packets"].(float64) != 1200 {
		t.Errorf("PLC = %v", plc)
	}
	if s := plc["sensors"].([]any); len(s) != 1 || s[0] != sensorA {
		t.Errorf("sensors = %v", s)
	}
	// Inferred fields: the PLC's S7 identity names an S7-300 CPU, whose
	// sale has ended.
	if plc["vendor"] != "Siemens" || plc["os_family"] != "Embedded" || plc["os_confidence"].(float64) != 5 ||
		plc["role"] != "plc" || plc["eol"] != true || plc["eol_state"] != "eol" || plc["mac_kind"] != "global" {
		t.Errorf("PLC inference = %v", plc)
	}
	for _, k := range []string{"first_seen", "last_seen"} {
		ts, err := time.Parse(time.RFC3339, strField(plc, k))
		if err != nil || !strings.HasSuffix(strField(plc, k), "Z") {
			t.Errorf("%s = %q is not RFC 3339 UTC (%v)", k, plc[k], err)
		}
		if ts.IsZero() {
			t.Errorf("%s is zero", k)
		}
	}

	tests := []struct {
		query   string
		macs    []string
		hasMore bool
	}{
		{"q=hmi", []string{macHMI}, false},
		{"q=" + ipEWS, []string{macEWS}, false},
		// Newest first; the two devices seen in the same minute by MAC.
		{"q=192.168.10.0/24", []string{macRogue, macEWS, macHMI, macPLC}, false},
		{"limit=2", []string{macRogue, macEWS}, true},
		{"limit=2&offset=2", []string{macHMI, macPLC}, false},
		{"offset=10", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			v := c.getJSON("/api/v1/devices?"+tt.query, http.StatusOK)
			var got []string
			for _, d := range items(t, v, "devices") {
				got = append(got, strField(d, "mac"))
			}
			if !slices.Equal(got, tt.macs) {
				t.Errorf("macs = %v, want %v", got, tt.macs)
			}
			if v["has_more"] != tt.hasMore {
				t.Errorf("has_more = %v, want %v", v["has_more"], tt.hasMore)
			}
		})
	}
}

func TestAPIFlows(t *testing.T) {
	f := newFixture(t)
	c := f.client()
	c.login(emailA, password)

	v := c.getJSON("/api/v1/flows", http.StatusOK)
	flows := items(t, v, "flows")
	if len(flows) != 4 {
		t.Fatalf("%d flows, want 4", len(flows))
	}
	wantKeys := []string{"dst_bytes", "dst_ip", "dst_mac", "dst_packets", "dst_port", "dst_tcp_flags", "ended", "first", "last",
		"minute", "new", "proto", "proto_name", "sensor", "src_bytes", "src_ip", "src_mac", "src_packets", "src_port", "src_tcp_flags", "vlan"}
	if got := keys(flows[0]); !slices.Equal(got, wantKeys) {
		t.Errorf("flow keys = %v", got)
	}
	if m := strField(flows[0], "minute"); m != f.minute.UTC().Format(time.RFC3339) {
		t.Errorf("newest minute = %q, want %s", m, f.minute.UTC().Format(time.RFC3339))
	}

	from := url.QueryEscape(f.minute.Add(-10 * time.Minute).Format(time.RFC3339))
	tests := []struct {
		query string
		want  int
		check func(t *testing.T, fl map[string]any)
	}{
		{"proto=tcp", 2, func(t *testing.T, fl map[string]any) {
			if fl["proto"].(float64) != 6 || fl["proto_name"] != "tcp" || fl["dst_port"].(float64) != 502 {
				t.Errorf("flow = %v", fl)
			}
		}},
		{"proto=17", 1, func(t *testing.T, fl map[string]any) {
			if fl["dst_ip"] != "224.0.0.251" || fl["src_bytes"].(float64) != 420 {
				t.Errorf("flow = %v", fl)
			}
		}},
		{"proto=icmp", 1, func(t *testing.T, fl map[string]any) {
			if fl["vlan"].(float64) != 10 || fl["src_port"].(float64) != 8<<8 {
				t.Errorf("flow = %v", fl)
			}
		}},
		{"port=5353", 1, nil},
		{"ip=" + ipHMI, 2, func(t *testing.T, fl map[string]any) {
			if fl["src_ip"] != ipHMI && fl["dst_ip"] != ipHMI {
				t.Errorf("flow %v does not involve %s", fl, ipHMI)
			}
		}},
		{"ip=" + ipHMI + "&from=" + from, 1, nil},
		{"to=" + from, 1, func(t *testing.T, fl map[string]any) {
			if fl["src_port"].(float64) != 49152 {
				t.Errorf("flow = %v", fl)
			}
		}},
		{"limit=1", 1, nil},
		{"ip=" + ipSecret, 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			fl := items(t, c.getJSON("/api/v1/flows?"+tt.query, http.StatusOK), "flows")
			if len(fl) != tt.want {
				t.Fatalf("%d flows, want %d", len(fl), tt.want)
			}
			for _, x := range fl {
				if tt.check != nil {
					tt.check(t, x)
				}
			}
		})
	}
}

func TestAPIBadParams(t *testing.T) {
	f := newFixture(t)
	c := f.client()
	c.login(emailA, password)
	for _, path := range []string{
		"/api/v1/flows?port=0",
		"/api/v1/flows?port=abc",
		"/api/v1/flows?proto=carrier-pigeon",
		"/api/v1/flows?ip=10.0.0",
		"/api/v1/flows?from=yesterday",
		"/api/v1/flows?from=2026-05-02T00:00:00Z&to=2026-05-01T00:00:00Z",
		"/api/v1/flows?limit=0",
		"/api/v1/devices?limit=100000",
		"/api/v1/devices?offset=-1",
		"/api/v1/devices?q=" + strings.Repeat("x", maxSearchLen+1),
		"/api/v1/names?limit=x",
	} {
		t.Run(path, func(t *testing.T) {
			v := c.getJSON(path, http.StatusBadRequest)
			if msg := strField(v, "error"); !strings.HasPrefix(msg, "invalid ") || len(v) != 1 {
				t.Errorf("error body = %v", v)
			}
		})
	}
}

func TestAPISensorsAndNames(t *testing.T) {
	f := newFixture(t)
	c := f.client()
	c.login(emailA, password)

	v := c.getJSON("/api/v1/sensors", http.StatusOK)
	sensors := items(t, v, "sensors")
	if len(sensors) != 1 {
		t.Fatalf("%d sensors, want 1", len(sensors))
	}
	s := sensors[0]
	wantKeys := []string{"batches", "captures", "display_name", "health", "id", "last_minute", "last_seen", "last_seq", "link", "modem", "month", "month_budget_bytes", "month_bytes", "restarts", "software_version", "status"}
	if got := keys(s); !slices.Equal(got, wantKeys) {
		t.Errorf("sensor keys = %v", got)
	}
	if s["id"] != sensorA || s["display_name"] != "第1工場 組立ライン" || s["status"] != "ok" ||
		s["batches"].(float64) != 2 || s["software_version"] != "1.4.2" || s["last_seq"].(float64) != 2 ||
		s["month_bytes"].(float64) != 1_500_040_000 || s["month_budget_bytes"].(float64) != float64(MonthlyBudgetBytes) {
		t.Errorf("sensor = %v", s)
	}
	h := s["health"].(map[string]any)
	if h["cpu_percent"].(float64) != 12.5 || h["temperature_c"].(float64) != 48.5 || h["mem_total_bytes"].(float64) != 8<<30 {
		t.Errorf("health = %v", h)
	}
	if m := s["modem"].(map[string]any); m["state"] != "searching" || m["rssi_dbm"].(float64) != -109 || m["month_rx_bytes"].(float64) != 1<<30 {
		t.Errorf("modem = %v", m)
	}
	if rs := s["restarts"].([]any); len(rs) != 1 || rs[0].(map[string]any)["actor"] != "sensor/modem" || rs[0].(map[string]any)["total"].(float64) != 3 {
		t.Errorf("restarts = %v", rs)
	}
	caps := s["captures"].([]any)
	if len(caps) != 1 || caps[0].(map[string]any)["kernel_drops"].(float64) != 7 {
		t.Errorf("captures = %v", caps)
	}
	if s["link"] != nil {
		t.Errorf("link = %v without a broker that knows it; want null", s["link"])
	}
	since := time.Date(2026, 5, 1, 0, 1, 12, 0, time.UTC)
	g := newFixture(t, func(o *Options) {
		o.SensorLinks = func(string) map[string]SensorLink {
			return map[string]SensorLink{sensorA: {Connected: true, TLS: true, Since: since}}
		}
	})
	gc := g.client()
	gc.login(emailA, password)
	link, _ := items(t, gc.getJSON("/api/v1/sensors", http.StatusOK), "sensors")[0]["link"].(map[string]any)
	if link["connected"] != true || link["tls"] != true || link["certificate"] != false || link["since"] != "2026-05-01T00:01:12Z" {
		t.Errorf("link = %v", link)
	}

	names := items(t, c.getJSON("/api/v1/names?q=eng-ws", http.StatusOK), "names")
	if len(names) != 1 {
		t.Fatalf("%d names, want 1", len(names))
	}
	n := names[0]
	if got := keys(n); !slices.Equal(got, []string{"count", "first_seen", "ip", "last_seen", "name", "source"}) {
		t.Errorf("name keys = %v", got)
	}
	if n["ip"] != ipEWS || n["name"] != "eng-ws.factory-a.local" || n["source"] != "dns" || n["count"].(float64) != 3 {
		t.Errorf("name = %v", n)
	}
	if got := items(t, c.getJSON("/api/v1/names?q=nothing", http.StatusOK), "names"); len(got) != 0 {
		t.Errorf("names for a miss = %v", got)
	}

	// A sensor that never reported has null times and health, and empty lists.
	cc := f.client()
	cc.login(emailC, password)
	s = items(t, cc.getJSON("/api/v1/sensors", http.StatusOK), "sensors")[0]
	if s["last_seen"] != nil || s["health"] != nil || s["status"] != "none" || len(s["captures"].([]any)) != 0 {
		t.Errorf("idle sensor = %v", s)
	}
	if d := items(t, cc.getJSON("/api/v1/devices", http.StatusOK), "devices"); len(d) != 0 {
		t.Errorf("empty tenant devices = %v", d)
	}
}

// Each user sees their own tenant only, on every page and endpoint.
func TestTenantIsolation(t *testing.T) {
	f := newFixture(t)
	a, b := f.client(), f.client()
	a.login(emailA, password)
	b.login(emailB, password)

	tenantAOnly := []string{macPLC, macHMI, ipPLC, "plc-line1", sensorA, "eng-ws.factory-a.local"}
	tenantBOnly := []string{macSecret, ipSecret, "b-secret-host", sensorB, "b-secret.factory-b.local"}
	paths := []struct {
		path string
		echo string // the search term, which the filter form shows back
	}{
		{"/devices", ""}, {"/devices?q=" + ipSecret, ipSecret}, {"/devices.csv", ""},
		{"/flows", ""}, {"/flows?ip=" + ipSecret, ipSecret}, {"/sensors", ""},
		{"/api/v1/devices", ""}, {"/api/v1/devices?q=" + macSecret, ""}, {"/api/v1/flows", ""},
		{"/api/v1/flows?ip=" + ipSecret, ""}, {"/api/v1/sensors", ""}, {"/api/v1/names", ""},
	}
	for _, p := range paths {
		t.Run(p.path, func(t *testing.T) {
			body := a.get(p.path).body
			if p.echo != "" {
				if tableRows(body) != 0 {
					t.Errorf("tenant A %s lists rows", p.path)
				}
				body = strings.ReplaceAll(body, p.echo, "")
			}
			assertNotContains(t, "tenant A "+p.path, body, tenantBOnly...)
			assertNotContains(t, "tenant B "+p.path, b.get(p.path).body, tenantAOnly...)
		})
	}
	// B does see its own data.
	assertContains(t, "tenant B /devices", b.get("/devices").body, macSecret, ipSecret, "b-secret-host")
	assertContains(t, "tenant B /api/v1/names", b.get("/api/v1/names").body, "b-secret.factory-b.local")
	assertContains(t, "tenant B /sensors", b.get("/sensors").body, "本社工場")
}
