package portal

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"mimamori/cloud/store"
	"mimamori/edge/wire/wirepb"
)

func assertContains(t *testing.T, what, body string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(body, w) {
			t.Errorf("%s lacks %q", what, w)
		}
	}
}

func assertNotContains(t *testing.T, what, body string, nots ...string) {
	t.Helper()
	for _, n := range nots {
		if strings.Contains(body, n) {
			t.Errorf("%s contains %q", what, n)
		}
	}
}

// tableRows counts the data rows of the page's main table.
func tableRows(body string) int {
	i := strings.Index(body, "<tbody>")
	j := strings.Index(body, "</tbody>")
	if i < 0 || j < i {
		return 0
	}
	return strings.Count(body[i:j], "<tr>")
}

func TestDevicesPage(t *testing.T) {
	f := newFixture(t)
	c := f.client()
	c.login(emailA, password)

	tests := []struct {
		name     string
		path     string
		status   int
		rows     int
		want     []string
		wantNot  []string
		emptyMsg string
	}{
		{
			name: "all", path: "/devices", status: http.StatusOK, rows: 4,
			want: []string{
				"端末 一覧", "IPアドレス", "MACアドレス", "ホスト名", "初回検知", "最終検知", "送信", "受信", "バイト数", "パケット数", "CSVダウンロード",
				ipPLC, macPLC, "plc-line1", ipHMI, macHMI, "hmi-01", ipEWS, "eng-ws",
				"2.33 GB", // 2,500,000,000 bytes sent by the engineering workstation
				"1,200",   // packets sent by the PLC
				"1.18 MB", // 1,234,567 bytes
				"=1&#43;2&lt;b&gt;x&lt;/b&gt;",
				"1〜4 件を表示",
			},
			wantNot: []string{"<b>x</b>", macSecret},
		},
		{name: "search hostname", path: "/devices?q=plc", status: http.StatusOK, rows: 1, want: []string{macPLC}, wantNot: []string{macHMI, macEWS}},
		{name: "search ip", path: "/devices?q=" + ipHMI, status: http.StatusOK, rows: 1, want: []string{macHMI}, wantNot: []string{macPLC}},
		{name: "search mac", path: "/devices?q=3c:52:82", status: http.StatusOK, rows: 1, want: []string{ipEWS}},
		{name: "no match", path: "/devices?q=nothing-like-this", status: http.StatusOK, rows: 0, want: []string{"「nothing-like-this」に一致する端末はありません"}},
		{name: "bad page", path: "/devices?page=x", status: http.StatusBadRequest, rows: 0, want: []string{"「ページ」の指定が正しくありません。"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := c.get(tt.path)
			if res.StatusCode != tt.status {
				t.Fatalf("GET %s = %d, want %d", tt.path, res.StatusCode, tt.status)
			}
			if got := tableRows(res.body); got != tt.rows {
				t.Errorf("rows = %d, want %d", got, tt.rows)
			}
			assertContains(t, tt.path, res.body, tt.want...)
			assertNotContains(t, tt.path, res.body, tt.wantNot...)
		})
	}

	t.Run("newest first", func(t *testing.T) {
		body := c.get("/devices").body
		if strings.Index(body, macEWS) > strings.Index(body, macPLC) {
			t.Error("the device seen last is not listed first")
		}
	})
	t.Run("times in JST", func(t *testing.T) {
		body := c.get("/devices").body
		jst := f.minute.In(f.srv.loc).Format("2006/01/02 15:04")
		assertContains(t, "/devices", body, jst, "日本時間 (JST)")
	})
	t.Run("navigation", func(t *testing.T) {
		body := c.get("/devices").body
		assertContains(t, "/devices", body, "見守り", "Mimamori", `href="/devices" aria-current="page"`, `href="/flows"`, `href="/sensors"`,
			"IP通信", "センサー管理", "ログアウト", emailA)
	})
}

func TestDevicesEmptyState(t *testing.T) {
	f := newFixture(t)
	c := f.client()
	c.login(emailC, password)
	res := c.get("/devices")
	assertContains(t, "/devices", res.body, "まだ端末が検知されていません")
	if tableRows(res.body) != 0 {
		t.Error("empty tenant shows rows")
	}
	assertContains(t, "/flows", c.get("/flows").body, "まだ通信が記録されていません")
}

func TestDevicesPaging(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	// 55 devices for tenant C: a full page and five more.
	var devs []*wirepb.Device
	for i := range 55 {
		devs = append(devs, device(fmt.Sprintf("02:00:00:00:01:%02x", i), fmt.Sprintf("172.16.0.%d", i+1),
			fmt.Sprintf("node-%02d", i), f.minute.Add(-time.Duration(i)*time.Second), 1, 100, 1, 100))
	}
	f.ingest(ctx, tenantC, &wirepb.Batch{Tenant: tenantC, Sensor: sensorC, Seq: 1, Minute: f.minute.Unix(), Devices: devs}, 1000)

	c := f.client()
	c.login(emailC, password)
	p1 := c.get("/devices")
	if got := tableRows(p1.body); got != devicesPageSize {
		t.Fatalf("page 1 rows = %d, want %d", got, devicesPageSize)
	}
	assertContains(t, "page 1", p1.body, `href="/devices?page=2"`, "1〜50 件を表示")
	p2 := c.get("/devices?page=2")
	if got := tableRows(p2.body); got != 5 {
		t.Fatalf("page 2 rows = %d, want 5", got)
	}
	assertContains(t, "page 2", p2.body, `href="/devices"`, "51〜55 件を表示", "2 ページ")
	assertNotContains(t, "page 2", p2.body, `href="/devices?page=3"`)
	// The search term survives paging.
	p := c.get("/devices?q=node")
	assertContains(t, "search page 1", p.body, `href="/devices?page=2&amp;q=node"`)
}

func TestDevicesCSV(t *testing.T) {
	f := newFixture(t)
	c := f.client()
	c.login(emailA, password)
	res := c.get("/devices.csv")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET /devices.csv = %d", res.StatusCode)
	}
	if ct := res.Header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
		t.Errorf("Content-Type = %q", ct)
	}
	if cd := res.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, `attachment; filename="devices-`) {
		t.Errorf("Content-Disposition = %q", cd)
	}
	body := []byte(res.body)
	if !bytes.HasPrefix(body, []byte{0xEF, 0xBB, 0xBF}) {
		t.Fatal("CSV does not start with a UTF-8 BOM")
	}
	r := csv.NewReader(bytes.NewReader(body[3:]))
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatalf("parse CSV: %v", err)
	}
	if strings.Join(recs[0], ",") != strings.Join(csvHeader, ",") {
		t.Errorf("header = %v", recs[0])
	}
	if recs[0][0] != "IPアドレス" || recs[0][1] != "MACアドレス" {
		t.Errorf("header not in Japanese: %v", recs[0])
	}
	if len(recs) != 5 {
		t.Fatalf("%d records, want header + 4", len(recs))
	}
	byMAC := map[string][]string{}
	for _, rec := range recs[1:] {
		byMAC[rec[1]] = rec
	}
	plc := byMAC[macPLC]
	if plc == nil || plc[0] != ipPLC || plc[2] != "plc-line1" || plc[8] != "1234567" || plc[11] != sensorA {
		t.Errorf("PLC row = %v", plc)
	}
	if len(plc) < 18 || plc[12] != "Siemens" || plc[15] != "PLC/コントローラ" || plc[17] != "サポート終了" {
		t.Errorf("PLC inference columns = %v", plc[12:])
	}
	if got := byMAC[macRogue][2]; got != "'"+hostRogue {
		t.Errorf("formula-like host name exported as %q, want it prefixed with '", got)
	}
	if !strings.Contains(res.body, "\r\n") {
		t.Error("CSV lines do not end in CRLF")
	}
	if strings.Contains(res.body, macSecret) {
		t.Error("CSV contains another tenant's device")
	}

	filtered := c.get("/devices.csv?q=hmi")
	recs, err = csv.NewReader(strings.NewReader(strings.TrimPrefix(filtered.body, utf8BOM))).ReadAll()
	if err != nil || len(recs) != 2 || recs[1][1] != macHMI {
		t.Errorf("filtered CSV = %v (err %v), want header + HMI", recs, err)
	}
}

func TestFlowsPage(t *testing.T) {
	f := newFixture(t)
	c := f.client()
	c.login(emailA, password)
	from := f.minute.Add(-10 * time.Minute).In(f.srv.loc).Format(inputMinute)

	tests := []struct {
		name    string
		query   string
		status  int
		rows    int
		want    []string
		wantNot []string
	}{
		{
			name: "all", status: http.StatusOK, rows: 4,
			want: []string{"IP通信", "時刻", "プロトコル", "送信元", "宛先", "パケット数", "バイト数", "VLAN",
				"192.168.10.20:49153", "192.168.10.10:502", "192.168.10.100:5353", "224.0.0.251:5353",
				"TCP", "UDP", "ICMP", "8/0", "3.91 KB"},
		},
		{name: "udp", query: "proto=udp", status: http.StatusOK, rows: 1, want: []string{"224.0.0.251:5353"}, wantNot: []string{":502<"}},
		{name: "port", query: "port=502", status: http.StatusOK, rows: 2, wantNot: []string{"5353"}},
		{name: "ip", query: "ip=224.0.0.251", status: http.StatusOK, rows: 1},
		{name: "from", query: "from=" + from, status: http.StatusOK, rows: 3, wantNot: []string{"192.168.10.20:49152"}},
		{name: "to", query: "to=" + from, status: http.StatusOK, rows: 1, want: []string{"192.168.10.20:49152"}},
		{name: "no match", query: "port=9999", status: http.StatusOK, rows: 0, want: []string{"条件に一致する通信はありません"}},
		{name: "bad port", query: "port=70000", status: http.StatusBadRequest, rows: 0, want: []string{"「ポート」の指定が正しくありません。"}},
		{name: "bad ip", query: "ip=999.1.1.1", status: http.StatusBadRequest, want: []string{"「IPアドレス」の指定が正しくありません。", `value="999.1.1.1"`}},
		{name: "reversed range", query: "from=2026-05-02T00:00&to=2026-05-01T00:00", status: http.StatusBadRequest, want: []string{"終了日時は開始日時より後にしてください。"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := c.get("/flows?" + tt.query)
			if res.StatusCode != tt.status {
				t.Fatalf("status = %d, want %d", res.StatusCode, tt.status)
			}
			if got := tableRows(res.body); got != tt.rows {
				t.Errorf("rows = %d, want %d", got, tt.rows)
			}
			assertContains(t, tt.query, res.body, tt.want...)
			assertNotContains(t, tt.query, res.body, tt.wantNot...)
			assertNotContains(t, tt.query, res.body, ipSecret)
		})
	}
}

func TestSensorsPage(t *testing.T) {
	f := newFixture(t)
	c := f.client()
	c.login(emailA, password)
	res := c.get("/sensors")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET /sensors = %d", res.StatusCode)
	}
	month := time.Now().UTC().Format("2006年1月")
	assertContains(t, "/sensors", res.body,
		"センサー管理", "第1工場 組立ライン", sensorA, "受信中",
		"最終受信", "最新データ時刻", "受信バッチ数", "ソフトウェア", "1.4.2",
		"データ通信利用量（"+month+"）", "1.40 GB", "10.0 GB", "14.0%", `<meter class="usage-meter"`,
		"ホスト状態", "CPU", "12.5%", "メモリ", "2.00 GB / 8.00 GB", "ディスク", "20.0 GB / 120 GB", "48.5 ℃", "3日 4時間",
		"キャプチャ", "eth1", "123,456", `<td class="num warn">7</td>`,
		"LTE回線", `<span class="badge badge-fault">電波を探索中</span>`, "-109 dBm（1本）", "NTT DOCOMO", "（LTE）",
		"今月の回線通信量", "2.00 GB", "（20.0%）",
		"プロセスの再起動（直近1分）", "sensor/modem", "modem: no answer to AT", `<td class="num warn">3</td>`,
		f.minute.In(f.srv.loc).Format("2006/01/02 15:04"),
	)
	assertNotContains(t, "/sensors", res.body, sensorB, "本社工場")
	if n := strings.Count(res.body, `class="card sensor"`); n != 1 {
		t.Errorf("%d sensor cards, want 1", n)
	}

	t.Run("never reported", func(t *testing.T) {
		c := f.client()
		c.login(emailC, password)
		body := c.get("/sensors").body
		// No display name: the card is titled by the ID.
		assertContains(t, "/sensors", body, "<h2>"+sensorC+"</h2>", "未受信", "まだホスト情報を受信していません。", "0 B")
	})

	// The link to the broker, as the embedded broker tells it; asked for
	// the session's tenant only.
	t.Run("link", func(t *testing.T) {
		for _, tc := range []struct {
			link SensorLink
			want []string
		}{
			{SensorLink{Connected: true, TLS: true, Certificate: true}, []string{"接続中 · 暗号化 (TLS) · 証明書認証"}},
			{SensorLink{Connected: true}, []string{`接続中 · <span class="warn">暗号化なし</span> · パスワード認証`}},
			{SensorLink{TLS: true, Since: f.now}, []string{"切断", f.now.In(f.srv.loc).Format("2006/01/02 15:04"), "暗号化 (TLS) · パスワード認証"}},
		} {
			var asked []string
			g := newFixture(t, func(o *Options) {
				o.SensorLinks = func(tenant string) map[string]SensorLink {
					asked = append(asked, tenant)
					return map[string]SensorLink{sensorA: tc.link}
				}
			})
			c := g.client()
			c.login(emailA, password)
			body := c.get("/sensors").body
			assertContains(t, "/sensors", body, append([]string{"クラウド接続"}, tc.want...)...)
			if len(asked) != 1 || asked[0] != tenantA {
				t.Errorf("links asked for %q, want the session's tenant %q", asked, tenantA)
			}
		}
		// Unknown (an external broker): a dash.
		body := c.get("/sensors").body
		if !strings.Contains(body, `<dt>クラウド接続</dt><dd><span class="muted">—</span></dd>`) {
			t.Error("no dash for an unknown link")
		}
	})
}

func TestSensorStatus(t *testing.T) {
	now := time.Date(2026, 5, 10, 3, 0, 0, 0, time.UTC)
	srv := &Server{loc: tokyo(), now: func() time.Time { return now }}
	tests := []struct {
		name   string
		minute time.Time
		month  string
		want   string
		usage  uint64
	}{
		{"fresh", now.Add(-2 * time.Minute), "2026-05", "ok", 100},
		{"late", now.Add(-30 * time.Minute), "2026-05", "late", 100},
		{"four hours is a fault (C7)", now.Add(-4 * time.Hour), "2026-05", "fault", 100},
		{"never", time.Time{}, "", "none", 0},
		{"usage of last month does not count", now.Add(-time.Minute), "2026-04", "ok", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := srv.sensorCard(sensorFor(tt.minute, tt.month), now)
			if v.Status != tt.want || v.UsageBytes != tt.usage {
				t.Errorf("status %q usage %d, want %q %d", v.Status, v.UsageBytes, tt.want, tt.usage)
			}
		})
	}
}

func TestNotFoundAndHeaders(t *testing.T) {
	f := newFixture(t)
	c := f.client()
	res := c.get("/no-such-page")
	if res.StatusCode != http.StatusNotFound || !strings.Contains(res.body, "ページが見つかりません") {
		t.Errorf("GET /no-such-page = %d", res.StatusCode)
	}
	for _, path := range []string{"/login", "/healthz", "/no-such-page", "/api/v1/devices"} {
		res := c.get(path)
		h := res.Header
		if !strings.Contains(h.Get("Content-Security-Policy"), "default-src 'self'") ||
			h.Get("X-Frame-Options") != "DENY" || h.Get("X-Content-Type-Options") != "nosniff" ||
			h.Get("Referrer-Policy") == "" {
			t.Errorf("%s: security headers missing: %v", path, h)
		}
	}
	c.login(emailA, password)
	if cc := c.get("/devices").Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("authenticated page Cache-Control = %q, want no-store", cc)
	}
	css := c.get("/static/style.css")
	if css.StatusCode != http.StatusOK || !strings.Contains(css.body, `"Hiragino Sans"`) {
		t.Errorf("GET /static/style.css = %d", css.StatusCode)
	}
	if res := c.get("/static/"); res.StatusCode != http.StatusNotFound {
		t.Errorf("GET /static/ = %d, want 404 (no listing)", res.StatusCode)
	}
	if res := c.get("/api/v1/nothing"); res.StatusCode != http.StatusNotFound || !strings.Contains(res.body, `"error"`) {
		t.Errorf("unknown API path = %d %s", res.StatusCode, res.body)
	}
}

func TestOpsActors(t *testing.T) {
	tree := func() any { return map[string]any{"name": "cloud", "children": []string{"ingest"}} }
	tests := []struct {
		name   string
		opts   fixtureOption
		header http.Header
		want   int
	}{
		{"not configured", func(o *Options) {}, nil, http.StatusNotFound},
		{"loopback", func(o *Options) { o.OpsTree = tree }, nil, http.StatusOK},
		{"behind a proxy", func(o *Options) { o.OpsTree = tree }, http.Header{"X-Forwarded-For": {"203.0.113.9"}}, http.StatusNotFound},
		{"token missing", func(o *Options) { o.OpsTree = tree; o.OpsToken = "s3cret" }, nil, http.StatusNotFound},
		{"token given", func(o *Options) { o.OpsTree = tree; o.OpsToken = "s3cret" }, http.Header{"Authorization": {"Bearer s3cret"}}, http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, tt.opts)
			c := f.client()
			req, _ := http.NewRequest(http.MethodGet, f.ts.URL+"/ops/actors", nil)
			for k, v := range tt.header {
				req.Header[k] = v
			}
			res := c.do(req)
			if res.StatusCode != tt.want {
				t.Fatalf("GET /ops/actors = %d, want %d", res.StatusCode, tt.want)
			}
			if tt.want == http.StatusOK && !strings.Contains(res.body, `"children":["ingest"]`) {
				t.Errorf("body = %s", res.body)
			}
		})
	}
}

func sensorFor(minute time.Time, month string) store.Sensor {
	return store.Sensor{ID: "s", LastMinute: minute, Month: month, MonthBytes: 100}
}
