package portal

import (
	"bytes"
	"context"
	"encoding/csv"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"mimamori/edge/wire/wirepb"
)

const (
	// A function name and a detail chosen by whoever sends packets on the
	// factory network (an unknown dissector's text, a forged name): they
	// must be escaped in HTML and defused in CSV.
	fnHostile     = `=HYPERLINK("http://x")<img src=x onerror=alert(1)>`
	detailHostile = `<script>alert(1)</script>`
	macCCMulti    = "09:00:70:00:10:01"
	macPTPMulti   = "01:1b:19:00:00:00"
)

// seedOT adds a minute of industrial traffic to tenant A: the HMI polls
// and writes the PLC (Modbus, SLMP with an error), a hostile function
// name, and on layer 2 the PLC's CC-Link IE Field cyclic data and the
// HMI's PTP announcements. Tenant B gets a Modbus event of its own.
func (f *fixture) seedOT() {
	ctx := context.Background()
	at := f.minute.UnixNano()
	f.ingest(ctx, tenantA, &wirepb.Batch{
		Tenant: tenantA, Sensor: sensorA, Seq: 10, Minute: f.minute.Unix(),
		OtEvents: []*wirepb.OTEvent{
			{Protocol: "modbus", Code: 3, Function: "Read Holding Registers",
				SrcIp: ip4(ipHMI), SrcPort: 49153, DstIp: ip4(ipPLC), DstPort: 502,
				SrcMac: mac(macHMI), DstMac: mac(macPLC), Count: 100, Requests: 50, Responses: 50,
				FirstUnixNs: at, LastUnixNs: at, Extras: []*wirepb.Attr{{Key: "read_range", Value: "0-9"}, {Key: "unit_id", Value: "1"}}},
			{Protocol: "slmp", Code: 0x1401, Function: "Device Write",
				SrcIp: ip4(ipHMI), SrcPort: 49160, DstIp: ip4(ipPLC), DstPort: 5007,
				SrcMac: mac(macHMI), DstMac: mac(macPLC), Count: 4, Requests: 2, Responses: 2, Errors: 1,
				FirstUnixNs: at, LastUnixNs: at, Extras: []*wirepb.Attr{{Key: "end_code", Value: "0xc059"}, {Key: "write_range", Value: "D:100-131"}}},
			{Protocol: "modbus", Code: 99, Function: fnHostile,
				SrcIp: ip4(ipRogue), SrcPort: 40000, DstIp: ip4(ipPLC), DstPort: 502,
				Count: 1, Requests: 1, FirstUnixNs: at, LastUnixNs: at, Extras: []*wirepb.Attr{{Key: "note", Value: detailHostile}}},
			{Protocol: "cclink-ie-field", Code: 0x0c, Function: "Cyclic Data",
				SrcMac: mac(macPLC), DstMac: mac(macCCMulti), Count: 6000, FirstUnixNs: at, LastUnixNs: at},
			{Protocol: "ptp", Code: 0x0b, Function: "Announce",
				SrcMac: mac(macHMI), DstMac: mac(macPTPMulti), Count: 60, FirstUnixNs: at, LastUnixNs: at,
				Extras: []*wirepb.Attr{{Key: "domain", Value: "0"}}},
		},
	}, 1000)
	f.ingest(ctx, tenantB, &wirepb.Batch{
		Tenant: tenantB, Sensor: sensorB, Seq: 10, Minute: f.minute.Unix(),
		OtEvents: []*wirepb.OTEvent{{Protocol: "enip", Code: 0x6f, Function: "SendRRData",
			SrcIp: ip4(ipSecret), SrcPort: 50000, DstIp: ip4("10.99.0.6"), DstPort: 44818, Count: 7,
			FirstUnixNs: at, LastUnixNs: at}},
	}, 1000)
}

var otRowProtocol = regexp.MustCompile(`data-protocol="([a-z0-9-]+)"`)

// otRows lists the protocol of each row of an OT list, sorted.
func otRows(body string) []string {
	var out []string
	for _, m := range otRowProtocol.FindAllStringSubmatch(body, -1) {
		out = append(out, m[1])
	}
	slices.Sort(out)
	return out
}

func TestOTPages(t *testing.T) {
	f := newFixture(t)
	f.seedOT()
	c := f.client()
	c.login(emailA, password)

	ip := c.get("/ot/ip")
	if ip.StatusCode != http.StatusOK {
		t.Fatalf("GET /ot/ip = %d", ip.StatusCode)
	}
	// The fixture's own S7 download, and this test's events.
	if got, want := otRows(ip.body), []string{"modbus", "modbus", "s7comm", "slmp"}; !slices.Equal(got, want) {
		t.Errorf("IP list rows = %v, want %v", got, want)
	}
	assertContains(t, "IP list", ip.body,
		"<h1>OTプロトコル 一覧(IP)</h1>", `aria-current="page">一覧(IP)</a>`,
		"送信元IP", "宛先IP", "宛先ポート", "プロトコル", "機能/コマンド", "件数", "要求/応答/エラー", "初回検知日時", "最終検知日時", "詳細",
		"Modbus/TCP", "Read Holding Registers", "(3)", "SLMP", "Device Write", "(0x1401)",
		// The devices the inventory knows, linked to 端末 > 詳細.
		`href="/devices/`+macPLC+`">`+ipPLC+`</a>`, "plc-line1", "hmi-01",
		// Marks: a write, a program download, an error.
		`badge-late">書込</span>`, `badge-fault">プログラム転送</span>`, `<span class="ot-err">1</span>`,
		`<span class="kv">read_range=0-9</span> <span class="kv">unit_id=1</span>`,
		`<span class="kv">end_code=0xc059</span> <span class="kv">write_range=D:100-131</span>`,
		"ポート 49153", "直近7日間", `href="/ot/ip.csv"`)
	// Hostile text is text.
	assertContains(t, "IP list", ip.body, "&lt;img src=x onerror=alert(1)&gt;", "&lt;script&gt;alert(1)&lt;/script&gt;")
	assertNotContains(t, "IP list", ip.body, "<img src=x", "<script>alert", ipSecret, "SendRRData", "Cyclic Data")

	// The function box suggests the functions seen, with code and protocol.
	assertContains(t, "IP list", ip.body, `list="functions"`, `<datalist id="functions">`,
		`<option value="Device Write" label="0x1401 · SLMP">`, `<option value="Read Holding Registers" label="3 · Modbus/TCP">`)
	slmp := c.get("/ot/ip?protocol=slmp")
	assertContains(t, "SLMP list", slmp.body, `<option value="Device Write" label="0x1401">`)
	assertNotContains(t, "SLMP list", slmp.body, `<option value="Read Holding Registers"`)

	eth := c.get("/ot/ethernet")
	if got, want := otRows(eth.body), []string{"cclink-ie-field", "ptp"}; !slices.Equal(got, want) {
		t.Errorf("Ethernet list rows = %v, want %v", got, want)
	}
	assertContains(t, "Ethernet list", eth.body, "<h1>OTプロトコル 一覧(イーサネット)</h1>", "送信元MAC", "宛先MAC",
		"CC-Link IE Field", "Cyclic Data", macCCMulti, `href="/devices/`+macPLC+`">`+macPLC+`</a>`, "domain=0")
	assertNotContains(t, "Ethernet list", eth.body, "宛先ポート", "Read Holding Registers")

	for _, c2 := range []struct {
		path string
		want []string
	}{
		{"/ot/ip?protocol=slmp", []string{"slmp"}},
		{"/ot/ip?protocol=modbus&function=read", []string{"modbus"}},
		{"/ot/ip?function=0x1401", []string{"slmp"}},
		{"/ot/ip?function=3", []string{"modbus"}},
		{"/ot/ip?device=" + ipRogue, []string{"modbus"}},
		{"/ot/ip?device=hmi-01", []string{"modbus", "slmp"}},
		{"/ot/ip?device=" + macEWS, []string{"s7comm"}},
		{"/ot/ethernet?device=plc-line1", []string{"cclink-ie-field"}},
		{"/ot/ethernet?protocol=ptp", []string{"ptp"}},
		{"/ot/ethernet?protocol=modbus", nil},
		{"/ot/ip?sort=count&page=1", []string{"modbus", "modbus", "s7comm", "slmp"}},
		{"/ot/ip?from=" + url.QueryEscape(f.minute.AddDate(0, 0, -1).In(tokyo()).Format("2006-01-02")) + "&to=" + url.QueryEscape(f.minute.In(tokyo()).Format("2006-01-02")), []string{"modbus", "modbus", "s7comm", "slmp"}},
		{"/ot/ip?from=2020-01-01&to=2020-01-07", nil},
		{"/ot/ip?sensor=" + sensorA + "&protocol=slmp", []string{"slmp"}},
		{"/ot/ip?sensor=sensor-z9", nil},
	} {
		res := c.get(c2.path)
		if res.StatusCode != http.StatusOK {
			t.Errorf("GET %s = %d", c2.path, res.StatusCode)
			continue
		}
		if got := otRows(res.body); !slices.Equal(got, c2.want) {
			t.Errorf("GET %s rows = %v, want %v", c2.path, got, c2.want)
		}
		if c2.want == nil {
			assertContains(t, c2.path, res.body, "条件に一致するOTプロトコルの通信はありません")
		}
	}
	// The protocol menu offers what the period has, and keeps the choice.
	sel := c.get("/ot/ip?protocol=slmp").body
	assertContains(t, "protocol menu", sel, `<option value="modbus">Modbus/TCP</option>`, `<option value="slmp" selected>SLMP</option>`,
		`<option value="s7comm">S7comm</option>`, `href="/ot/ip.csv?protocol=slmp"`)
	assertNotContains(t, "protocol menu", sel, `<option value="ptp"`, `<option value="enip"`, `id="sensor"`)
	// One sensor: no sensor menu, unless the link chose one.
	assertContains(t, "sensor menu", c.get("/ot/ip?sensor="+sensorA).body,
		`<option value="`+sensorA+`" selected>第1工場 組立ライン</option>`, `href="/ot/ip.csv?sensor=`+sensorA+`"`)

	for _, bad := range []string{"/ot/ip?protocol=Modbus%3B", "/ot/ip?sort=bogus", "/ot/ethernet?from=yesterday",
		"/ot/ip?from=2026-01-10&to=2026-01-01", "/ot/ip?function=" + strings.Repeat("w", 65), "/ot/ip?device=%01", "/ot/ip?page=0"} {
		res := c.get(bad)
		if res.StatusCode != http.StatusBadRequest || !strings.Contains(res.body, `class="alert"`) {
			t.Errorf("GET %s = %d, want 400 with the message", bad, res.StatusCode)
		}
	}

	// 端末 > 詳細 links to the device's OT events and shows its identities.
	dev := c.get("/devices/" + macPLC)
	q := strings.ToLower(url.QueryEscape(macPLC)) // html/template writes %3a
	assertContains(t, "device page", dev.body, `href="/ot/ip?device=`+q+`"`, `href="/ot/ethernet?device=`+q+`"`,
		"機器の自己申告", "シリアル番号", "S7comm", "CPU 315-2 PN/DP")
}

func TestOTEmptyState(t *testing.T) {
	f := newFixture(t)
	c := f.client()
	c.login(emailC, password)
	for _, p := range []struct{ path, want string }{
		{"/ot/ip", "直近7日間にIPベースのOTプロトコルの通信は記録されていません"},
		{"/ot/ethernet", "直近7日間にイーサネット(非IP)のOTプロトコルの通信は記録されていません"},
	} {
		res := c.get(p.path)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("GET %s = %d", p.path, res.StatusCode)
		}
		assertContains(t, p.path, res.body, p.want)
		assertNotContains(t, p.path, res.body, "<table")
	}
}

// TestOTOlderEvents: when the default week is empty but older events
// exist (a sensor that stopped reporting, captures replayed from the
// past), the empty list says so and links to the week up to the newest,
// keeping the filter.
func TestOTOlderEvents(t *testing.T) {
	f := newFixture(t)
	old := f.minute.AddDate(0, 0, -40)
	at := old.UnixNano()
	f.ingest(context.Background(), tenantC, &wirepb.Batch{
		Tenant: tenantC, Sensor: sensorC, Seq: 1, Minute: old.Unix(),
		OtEvents: []*wirepb.OTEvent{
			{Protocol: "modbus", Code: 3, Function: "Read Holding Registers",
				SrcIp: ip4(ipHMI), SrcPort: 49153, DstIp: ip4(ipPLC), DstPort: 502, Count: 10, Requests: 5, Responses: 5,
				FirstUnixNs: at, LastUnixNs: at, Extras: []*wirepb.Attr{{Key: "unit_id", Value: "1,2"}}},
		},
	}, 100)
	c := f.client()
	c.login(emailC, password)
	jst := time.FixedZone("JST", 9*3600)
	day := old.In(jst).Format("2006/01/02")
	res := c.get("/ot/ip?protocol=modbus")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET /ot/ip = %d", res.StatusCode)
	}
	assertNotContains(t, "the default week", res.body, "<table")
	assertContains(t, "the default week", res.body, "それより前の記録があります（最新は "+day+"）")
	link := regexp.MustCompile(`<p class="ot-latest">[^<]*<a href="([^"]+)">`).FindStringSubmatch(res.body)
	if link == nil {
		t.Fatalf("no link to the newest events in %s", res.body)
	}
	u, err := url.Parse(html.UnescapeString(link[1]))
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	if u.Path != "/ot/ip" || q.Get("protocol") != "modbus" || q.Get("to") != old.In(jst).Format("2006-01-02") ||
		q.Get("from") != old.In(jst).AddDate(0, 0, -6).Format("2006-01-02") {
		t.Errorf("link = %s", link[1])
	}
	res = c.get(u.String())
	if got := otRows(res.body); !slices.Equal(got, []string{"modbus"}) {
		t.Errorf("rows of the linked week = %v", got)
	}
	// A detail's values may wrap after their commas.
	assertContains(t, "the linked week", res.body, `<span class="kv">unit_id=1,<wbr>2</span>`)
	// Nothing ever matched: no link.
	for _, p := range []string{"/ot/ip?protocol=slmp", "/ot/ethernet"} {
		res = c.get(p)
		assertNotContains(t, p, res.body, "ot-latest")
	}
}

func TestOTCSV(t *testing.T) {
	f := newFixture(t)
	f.seedOT()
	c := f.client()
	c.login(emailA, password)
	res := c.get("/ot/ip.csv?protocol=modbus&sort=protocol")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET /ot/ip.csv = %d", res.StatusCode)
	}
	if ct := res.Header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
		t.Errorf("Content-Type = %q", ct)
	}
	if cd := res.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, `attachment; filename="ot-ip-`) {
		t.Errorf("Content-Disposition = %q", cd)
	}
	body := []byte(res.body)
	if !bytes.HasPrefix(body, []byte(utf8BOM+"センサー,プロトコル,機能コード,機能/コマンド,注意,送信元IP,送信元ポート,宛先IP,宛先ポート,送信元MAC,宛先MAC,VLAN,送信元端末,宛先端末,件数,要求,応答,エラー,初回検知日時,最終検知日時,詳細\r\n")) {
		t.Fatalf("CSV does not start with the BOM and the header row: %q", body[:min(len(body), 200)])
	}
	recs, err := csv.NewReader(bytes.NewReader(body[3:])).ReadAll()
	if err != nil {
		t.Fatalf("parse CSV: %v", err)
	}
	if len(recs) != 3 {
		t.Fatalf("%d records, want header + 2 Modbus events: %v", len(recs), recs)
	}
	read, hostile := recs[1], recs[2]
	if read[3] != "Read Holding Registers" {
		read, hostile = hostile, read
	}
	want := []string{sensorA, "modbus", "3", "Read Holding Registers", "", ipHMI, "49153", ipPLC, "502", macHMI, macPLC, "",
		"hmi-01 Siemens", "plc-line1 Siemens", "100", "50", "50", "0"}
	if !slices.Equal(read[:len(want)], want) || read[20] != "read_range=0-9 unit_id=1" ||
		read[18] != f.minute.In(tokyo()).Format(displayTime) {
		t.Errorf("Modbus row = %q", read)
	}
	if hostile[3] != "'"+fnHostile || hostile[4] != "不明コード" && hostile[4] != "" || hostile[20] != "note="+detailHostile {
		t.Errorf("hostile row = %q", hostile)
	}
	if strings.Contains(res.body, ipSecret) {
		t.Error("CSV contains another tenant's events")
	}

	eth := c.get("/ot/ethernet.csv")
	recs, err = csv.NewReader(strings.NewReader(strings.TrimPrefix(eth.body, utf8BOM))).ReadAll()
	if err != nil || len(recs) != 3 {
		t.Fatalf("Ethernet CSV = %v (%v), want header + 2", recs, err)
	}
	for _, r := range recs[1:] {
		if r[5] != "" || r[7] != "" || r[9] == "" || r[10] == "" {
			t.Errorf("Ethernet row has addresses or lacks MACs: %q", r)
		}
	}
	if bad := c.get("/ot/ip.csv?sort=nope"); bad.StatusCode != http.StatusBadRequest {
		t.Errorf("CSV with a bad sort = %d, want 400", bad.StatusCode)
	}
}

func TestAPIOT(t *testing.T) {
	f := newFixture(t)
	f.seedOT()
	c := f.client()
	c.login(emailA, password)

	v := c.getJSON("/api/v1/ot?layer=ip&protocol=slmp", http.StatusOK)
	evs := items(t, v, "events")
	if len(evs) != 1 {
		t.Fatalf("slmp events = %v", evs)
	}
	e := evs[0]
	for k, want := range map[string]any{
		"sensor": sensorA, "layer": "ip", "protocol": "slmp", "protocol_name": "SLMP", "code": float64(0x1401),
		"function": "Device Write", "src_ip": ipHMI, "src_port_min": float64(49160), "src_port_max": float64(49160),
		"dst_ip": ipPLC, "dst_port": float64(5007), "src_mac": macHMI, "dst_mac": macPLC, "vlan": float64(0),
		"count": float64(4), "requests": float64(2), "responses": float64(2), "errors": float64(1),
		"details":    "end_code=0xc059 write_range=D:100-131",
		"first_seen": f.minute.UTC().Format(time.RFC3339), "last_seen": f.minute.UTC().Format(time.RFC3339),
	} {
		if e[k] != want {
			t.Errorf("%s = %#v, want %#v", k, e[k], want)
		}
	}
	if marks, _ := e["marks"].([]any); len(marks) != 2 || marks[0] != "write" || marks[1] != "error" {
		t.Errorf("marks = %v, want [write error]", e["marks"])
	}
	if d, _ := e["dst_device"].(map[string]any); d == nil || d["mac"] != macPLC || d["name"] != "plc-line1" {
		t.Errorf("dst_device = %v", e["dst_device"])
	}
	if got := keys(v); !slices.Equal(got, []string{"events", "has_more", "limit", "offset"}) {
		t.Errorf("reply fields = %v", got)
	}

	eth := items(t, c.getJSON("/api/v1/ot?layer=ethernet", http.StatusOK), "events")
	if len(eth) != 2 {
		t.Fatalf("ethernet events = %v", eth)
	}
	for _, e := range eth {
		if e["layer"] != "ethernet" || e["src_ip"] != "" || e["dst_port"] != float64(0) || e["src_mac"] == "" {
			t.Errorf("ethernet event = %v", e)
		}
	}
	if all := items(t, c.getJSON("/api/v1/ot", http.StatusOK), "events"); len(all) != 6 {
		t.Errorf("events of both layers = %d, want 6", len(all))
	}
	page := c.getJSON("/api/v1/ot?limit=2&sort=protocol", http.StatusOK)
	if len(items(t, page, "events")) != 2 || page["has_more"] != true {
		t.Errorf("first page of 2 = %v", page)
	}
	if dev := items(t, c.getJSON("/api/v1/ot?device="+url.QueryEscape(macPLC), http.StatusOK), "events"); len(dev) != 5 {
		t.Errorf("events of the PLC = %d, want 5 (its address's four and its cyclic data)", len(dev))
	}
	for _, bad := range []string{"layer=l3", "protocol=a%20b", "from=nope", "limit=0", "sort=x", "function=%00"} {
		res := c.getJSON("/api/v1/ot?"+bad, http.StatusBadRequest)
		if msg, _ := res["error"].(string); !strings.HasPrefix(msg, "invalid ") {
			t.Errorf("%s: error = %v", bad, res)
		}
	}

	// Tenant B sees its own event only.
	cb := f.client()
	cb.login(emailB, password)
	bev := items(t, cb.getJSON("/api/v1/ot", http.StatusOK), "events")
	if len(bev) != 1 || bev[0]["protocol"] != "enip" || bev[0]["protocol_name"] != "EtherNet/IP" {
		t.Errorf("tenant B events = %v", bev)
	}
}

func TestOTNeedsLogin(t *testing.T) {
	f := newFixture(t)
	c := f.client()
	for _, p := range []string{"/ot/ip", "/ot/ethernet?protocol=ptp", "/ot/ip.csv", "/ot/ethernet.csv"} {
		res := c.get(p)
		if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/login?next=") {
			t.Errorf("GET %s = %d → %q, want 303 to the login", p, res.StatusCode, res.Header.Get("Location"))
		}
	}
	res := c.get("/api/v1/ot?layer=ip")
	if res.StatusCode != http.StatusUnauthorized || strings.TrimSpace(res.body) != `{"error":"authentication required"}` {
		t.Errorf("GET /api/v1/ot = %d %s, want 401", res.StatusCode, res.body)
	}
	if res := c.get("/ot/other"); res.StatusCode != http.StatusNotFound && res.StatusCode != http.StatusSeeOther {
		t.Errorf("GET /ot/other = %d", res.StatusCode)
	}
}

func TestOTCode(t *testing.T) {
	for _, c := range []struct {
		protocol string
		code     uint32
		want     string
	}{
		{"modbus", 16, "16"}, {"slmp", 0x1401, "0x1401"}, {"fins", 0x0101, "0x0101"}, {"ptp", 0x0b, "0x0b"},
		{"fins", 0x10001, "0x10001"}, {"bacnet", 15, "15"},
	} {
		if got := otCode(c.protocol, c.code); got != c.want {
			t.Errorf("otCode(%s, %d) = %q, want %q", c.protocol, c.code, got, c.want)
		}
	}
}
