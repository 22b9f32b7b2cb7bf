package portal

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"

	"mimamori/cloud/store"
	"mimamori/edge/pipeline"
	"mimamori/edge/synth"
	"mimamori/edge/wire/wirepb"
	"mimamori/web/auth"
)

// The plant tenant holds generated traffic of the default factory, so the
// inventory screens have a whole plant to show.
const (
	tenantD = "N000000004"
	sensorD = "sensor-d1"
	emailD  = "engineer@factory-d.example"
	// A non-admin user of tenant A.
	emailViewer = "viewer@factory-a.example"
)

// seedPlant runs twenty minutes of the generated factory through the
// sensor pipeline into tenant D, ending two minutes ago.
func (f *fixture) seedPlant() {
	f.t.Helper()
	ctx := context.Background()
	if err := f.store.EnsureTenant(ctx, store.Tenant{ID: tenantD, Name: "D電機 株式会社"}); err != nil {
		f.t.Fatal(err)
	}
	if err := f.store.EnsureSensor(ctx, tenantD, sensorD, "第2工場"); err != nil {
		f.t.Fatal(err)
	}
	hash, err := auth.HashPassword(password)
	if err != nil {
		f.t.Fatal(err)
	}
	if err := f.store.CreateUser(ctx, store.User{Tenant: tenantD, Email: emailD, DisplayName: "担当者", PasswordHash: hash, Admin: true}); err != nil {
		f.t.Fatal(err)
	}
	start := f.minute.Add(-20 * time.Minute)
	gen := synth.New(synth.Config{Seed: 3, Start: start, Duration: 20 * time.Minute, Cells: 3})
	var seq uint64
	p := pipeline.New(pipeline.Options{Source: "eth1", OnMinute: func(b *wirepb.Batch) {
		seq++
		b.Tenant, b.Sensor, b.Seq = tenantD, sensorD, seq
		f.ingest(ctx, tenantD, b, 10_000)
	}})
	var ci gopacket.CaptureInfo
	for {
		data, ts, ok := gen.Next()
		if !ok {
			break
		}
		ci.Timestamp = time.Unix(0, ts)
		ci.CaptureLength, ci.Length = len(data), len(data)
		p.Packet(data, ci, layers.LinkTypeEthernet)
	}
	p.Close()
}

func TestDevicePage(t *testing.T) {
	f := newFixture(t)
	c := f.client()
	c.login(emailA, password)

	res := c.get("/devices/" + macEWS)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET device = %d", res.StatusCode)
	}
	for _, want := range []string{"eng-ws", "Windows 7", "サポート終了", "エンジニアリング端末",
		"SMB/ブラウザーアナウンス", "TCP SYN", "エンジニアリング操作を送信", "HP", "重要度"} {
		if !strings.Contains(res.body, want) {
			t.Errorf("device page lacks %q", want)
		}
	}
	plc := c.get("/devices/" + strings.ToUpper(macPLC))
	for _, want := range []string{"Siemens 6ES7 315-2EH14-0AB0 firmware V3.2.6", "Siemens S7-300", "販売終了", "OT機器情報"} {
		if !strings.Contains(plc.body, want) {
			t.Errorf("PLC page lacks %q", want)
		}
	}
	// Hostile host names are text; tenant B's device and nonsense are 404.
	if rogue := c.get("/devices/" + macRogue); strings.Contains(rogue.body, "<b>x</b>") || !strings.Contains(rogue.body, "ローカル管理") {
		t.Error("rogue device page: host name not escaped or MAC kind missing")
	}
	for _, p := range []string{"/devices/" + macSecret, "/devices/not-a-mac", "/devices/00:11:22:33:44:55"} {
		if res := c.get(p); res.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s = %d, want 404", p, res.StatusCode)
		}
	}
	// The list links each device to its page.
	if list := c.get("/devices"); !strings.Contains(list.body, `href="/devices/`+macPLC+`"`) {
		t.Error("device list does not link to the detail page")
	}
}

func TestMatrixAndRankingPages(t *testing.T) {
	f := newFixture(t)
	f.seedPlant()
	c := f.client()
	c.login(emailD, password)
	for _, tt := range []struct{ path, heading string }{
		{"/matrix/vendor", "ベンダーマトリクス"}, {"/matrix/os", "OSマトリクス"}, {"/matrix/role", "役割マトリクス"},
		{"/rankings/traffic", "端末トラフィック量"}, {"/rankings/peers", "端末接続端末数"},
		{"/rankings/importance", "端末重要度"}, {"/rankings/service-traffic", "サービストラフィック量"},
		{"/rankings/service-devices", "サービス別端末数"}, {"/rankings/vendors", "ベンダー別端末数"},
		{"/rankings/traffic?period=1d", "端末トラフィック量"},
	} {
		res := c.get(tt.path)
		if res.StatusCode != http.StatusOK || !strings.Contains(res.body, "<h1>"+tt.heading+"</h1>") {
			t.Errorf("GET %s = %d, heading %q missing", tt.path, res.StatusCode, tt.heading)
		}
	}
	role := c.get("/matrix/role").body
	for _, want := range []string{"PLC/コントローラ", "SCADAサーバー", "スイッチ", `class="cell swatch-0"`} {
		if !strings.Contains(role, want) {
			t.Errorf("role matrix lacks %q", want)
		}
	}
	if !strings.Contains(c.get("/rankings/service-traffic").body, "modbus") {
		t.Error("service ranking lacks modbus")
	}
	if !strings.Contains(c.get("/rankings/vendors").body, "Mitsubishi Electric") {
		t.Error("vendor ranking lacks Mitsubishi Electric")
	}
	for _, p := range []string{"/matrix/colour", "/rankings/best"} {
		if res := c.get(p); res.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s = %d, want 404", p, res.StatusCode)
		}
	}
	for _, p := range []string{"/matrix/os?page=zero", "/rankings/traffic?period=2d"} {
		if res := c.get(p); res.StatusCode != http.StatusBadRequest {
			t.Errorf("GET %s = %d, want 400", p, res.StatusCode)
		}
	}
	// Tenant C has nothing yet: the screens say so.
	c2 := f.client()
	c2.login(emailC, password)
	if res := c2.get("/matrix/os"); !strings.Contains(res.body, "まだ端末が検知されていません") {
		t.Error("empty matrix message missing")
	}
	if res := c2.get("/rankings/traffic"); !strings.Contains(res.body, "表示するデータがありません") {
		t.Error("empty ranking message missing")
	}
}

func TestServiceNames(t *testing.T) {
	f := newFixture(t)
	c := f.client()
	c.login(emailA, password)
	page := c.get("/settings/services")
	if page.StatusCode != http.StatusOK || !strings.Contains(page.body, "microsoft-ds") || !strings.Contains(page.body, "独自のサービス名はまだありません") {
		t.Fatalf("GET /settings/services = %d", page.StatusCode)
	}
	tok := csrfFrom(t, page.body)
	post := func(form url.Values) response {
		form.Set(csrfField, tok)
		return c.post("/settings/services", form, http.Header{"Sec-Fetch-Site": {"same-origin"}})
	}
	res := post(url.Values{"proto": {"tcp"}, "port": {"502"}, "name": {"line1-modbus"}, "description": {"組立ラインI/O"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("save = %d:\n%s", res.StatusCode, res.body)
	}
	page = c.get("/settings/services?done=saved")
	if !strings.Contains(page.body, "line1-modbus") || !strings.Contains(page.body, "サービス名を保存しました") {
		t.Error("saved name not listed")
	}
	v := c.getJSON("/api/v1/services?source=custom", http.StatusOK)
	if svc := items(t, v, "services"); len(svc) != 1 || svc[0]["name"] != "line1-modbus" || svc[0]["ot"] != true {
		t.Errorf("API custom services = %v", svc)
	}
	// The device page names the PLC's service by the tenant's name.
	if !strings.Contains(c.get("/devices/"+macPLC).body, "line1-modbus") {
		t.Error("custom name not used on the device page")
	}
	for _, bad := range []url.Values{
		{"proto": {"tcp"}, "port": {"0"}, "name": {"x"}},
		{"proto": {"sctp"}, "port": {"5"}, "name": {"x"}},
		{"proto": {"udp"}, "port": {"5"}, "name": {""}},
	} {
		if res := post(bad); res.StatusCode != http.StatusBadRequest {
			t.Errorf("%v = %d, want 400", bad, res.StatusCode)
		}
	}
	if res := post(url.Values{"action": {"delete"}, "proto": {"tcp"}, "port": {"502"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("delete = %d", res.StatusCode)
	}
	if strings.Contains(c.get("/settings/services").body, "line1-modbus") {
		t.Error("deleted name still listed")
	}
	// Search the built-in table.
	if res := c.get("/settings/services?q=fins"); !strings.Contains(res.body, "Omron FINS/UDP") || strings.Contains(res.body, "microsoft-ds") {
		t.Error("search did not filter the built-in names")
	}
	// Only admins may change names.
	hash, _ := auth.HashPassword(password)
	if err := f.store.CreateUser(context.Background(), store.User{Tenant: tenantA, Email: emailViewer, PasswordHash: hash}); err != nil {
		t.Fatal(err)
	}
	viewer := f.client()
	viewer.login(emailViewer, password)
	vp := viewer.get("/settings/services")
	if strings.Contains(vp.body, `id="service-form"`) {
		t.Error("non-admin sees the form")
	}
	form := url.Values{"proto": {"tcp"}, "port": {"80"}, "name": {"web"}, csrfField: {csrfFrom(t, vp.body)}}
	if res := viewer.post("/settings/services", form, nil); res.StatusCode != http.StatusForbidden {
		t.Errorf("non-admin save = %d, want 403", res.StatusCode)
	}
}

func TestAPIInventory(t *testing.T) {
	f := newFixture(t)
	f.seedPlant()
	c := f.client()
	c.login(emailA, password)

	d := c.getJSON("/api/v1/devices/"+macEWS, http.StatusOK)
	if d["os"] != "Windows 7" || d["os_confidence"].(float64) != 5 || d["role"] != "engineering" || d["eol"] != true {
		t.Errorf("EWS = %v", d)
	}
	ev := items(t, d, "os_evidence")
	if len(ev) < 2 || ev[0]["source"] != "smb_browser" || ev[0]["confidence"].(float64) != 5 {
		t.Errorf("evidence = %v", ev)
	}
	if r := d["role_reasons"].([]any); len(r) == 0 || !strings.Contains(r[0].(string), "engineering operations") {
		t.Errorf("role reasons = %v", r)
	}
	c.getJSON("/api/v1/devices/"+macSecret, http.StatusNotFound)
	c.getJSON("/api/v1/devices/bogus", http.StatusBadRequest)

	plant := f.client()
	plant.login(emailD, password)
	m := plant.getJSON("/api/v1/matrix/role", http.StatusOK)
	if got := keys(m); !slices.Equal(got, []string{"cells", "devices", "kind", "legend", "page", "pages", "size"}) {
		t.Errorf("matrix keys = %v", got)
	}
	cells := items(t, m, "cells")
	legend := items(t, m, "legend")
	if m["size"].(float64) != 16 || len(cells) != int(m["devices"].(float64)) || len(cells) < 40 || len(legend) < 5 {
		t.Errorf("matrix: %d cells of %v devices, %d legend entries", len(cells), m["devices"], len(legend))
	}
	if cells[1]["col"].(float64) != 1 || cells[16]["row"].(float64) != 1 {
		t.Errorf("cell layout: %v %v", cells[1], cells[16])
	}
	for _, kind := range []string{"traffic", "peers", "importance", "service-traffic", "service-devices", "vendors"} {
		r := plant.getJSON("/api/v1/rankings/"+kind+"?limit=5", http.StatusOK)
		n := len(items(t, r, "devices")) + len(items(t, r, "services")) + len(items(t, r, "vendors"))
		if n == 0 || n > 5 || r["ranking"] != kind {
			t.Errorf("ranking %s: %d rows", kind, n)
		}
	}
	imp := items(t, plant.getJSON("/api/v1/rankings/importance", http.StatusOK), "devices")
	if top := imp[0]["role"]; top != "plc" && top != "scada" && top != "router" {
		t.Errorf("most important device is a %v", top)
	}
	plant.getJSON("/api/v1/rankings/traffic?period=5d", http.StatusBadRequest)
	plant.getJSON("/api/v1/matrix/nope", http.StatusNotFound)
}
