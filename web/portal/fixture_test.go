package portal

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"mimamori/cloud/inventory"
	"mimamori/cloud/store"
	"mimamori/cloud/store/sqlite"
	"mimamori/edge/intel"
	"mimamori/edge/wire/wirepb"
	"mimamori/web/auth"
)

// The seeded world: two tenants with one sensor and one user each, and a
// third, empty tenant. Tenant B's data must never show up for tenant A.
const (
	tenantA   = "N000000001"
	tenantB   = "N000000002"
	tenantC   = "N000000003"
	sensorA   = "sensor-a1"
	sensorB   = "sensor-b1"
	sensorC   = "sensor-c1"
	emailA    = "operator@factory-a.example"
	emailB    = "admin@factory-b.example"
	emailC    = "new@factory-c.example"
	password  = "Mimamori-Demo-2026!"
	macPLC    = "00:1b:1b:aa:00:01"
	macHMI    = "00:0e:8c:bb:00:02"
	macEWS    = "3c:52:82:cc:00:03"
	macRogue  = "02:00:5e:dd:00:04"
	macSecret = "de:ad:be:ef:00:99"
	ipPLC     = "192.168.10.10"
	ipHMI     = "192.168.10.20"
	ipEWS     = "192.168.10.100"
	ipRogue   = "192.168.10.66"
	ipSecret  = "10.99.0.5"
	// A DHCP host name chosen by whoever plugs into the factory network:
	// it must be escaped in HTML and defused in CSV.
	hostRogue = `=1+2<b>x</b>`
)

// fixture is a portal over a real SQLite store with seeded data.
type fixture struct {
	t      *testing.T
	store  *sqlite.Store
	srv    *Server
	ts     *httptest.Server
	now    time.Time
	minute time.Time // the newest seeded minute
}

type fixtureOption func(*Options)

func newFixture(t *testing.T, opts ...fixtureOption) *fixture {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "mimamori.db"))
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { st.Close() })

	now := time.Now()
	f := &fixture{t: t, store: st, now: now, minute: now.Truncate(time.Minute).Add(-2 * time.Minute)}
	f.seed(ctx)

	// Inference with Mimamori's own signatures only, so the pages do not
	// depend on whether p0f is installed.
	engine, err := intel.New(intel.Options{P0fPath: "testdata/no-such.fp", OUIOverridePath: "testdata/no-such.txt"})
	if err != nil {
		t.Fatal(err)
	}
	inv, err := inventory.New(st, inventory.Options{Engine: engine})
	if err != nil {
		t.Fatal(err)
	}
	o := Options{Store: st, Inventory: inv, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if testing.Verbose() {
		o.Logger = slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	for _, opt := range opts {
		opt(&o)
	}
	srv, err := New(o)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	f.srv = srv
	f.ts = httptest.NewServer(srv.Handler())
	t.Cleanup(f.ts.Close)
	return f
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

func (f *fixture) seed(ctx context.Context) {
	t := f.t
	t.Helper()
	for _, tn := range []store.Tenant{{ID: tenantA, Name: "Aメタル工業 株式会社"}, {ID: tenantB, Name: "B精機 株式会社"}, {ID: tenantC, Name: "C化成 株式会社"}} {
		if err := f.store.EnsureTenant(ctx, tn); err != nil {
			t.Fatalf("EnsureTenant: %v", err)
		}
	}
	for _, s := range [][3]string{{tenantA, sensorA, "第1工場 組立ライン"}, {tenantB, sensorB, "本社工場"}, {tenantC, sensorC, ""}} {
		if err := f.store.EnsureSensor(ctx, s[0], s[1], s[2]); err != nil {
			t.Fatalf("EnsureSensor: %v", err)
		}
	}
	hash, err := auth.HashPassword(password)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range [][2]string{{tenantA, emailA}, {tenantB, emailB}, {tenantC, emailC}} {
		if err := f.store.CreateUser(ctx, store.User{Tenant: u[0], Email: u[1], DisplayName: "担当者", PasswordHash: hash, Admin: true}); err != nil {
			t.Fatalf("CreateUser: %v", err)
		}
	}

	earlier := f.minute.Add(-90 * time.Minute)
	plc := device(macPLC, ipPLC, "plc-line1", earlier, 1200, 1_234_567, 1100, 98_765)
	// What inference reads: the PLC's TTL-30 Siemens stack and its S7
	// identity, the engineering station's Windows 7 handshake and browser
	// announcement.
	plc.Fingerprints = []*wirepb.Fingerprint{{Kind: wirepb.FingerprintKind_FINGERPRINT_KIND_TCP_SYN_ACK,
		Ip: ip4(ipPLC), Ttl: 30, Count: 3, Tcp: &wirepb.TCPSignature{IpVersion: 4, Mss: 1460, Window: 4096, WindowScale: -1, Options: []byte{2}}}}
	plc.MaxTtl = 30
	f.ingest(ctx, tenantA, &wirepb.Batch{
		Tenant: tenantA, Sensor: sensorA, Seq: 1, Minute: earlier.Unix(),
		Devices: []*wirepb.Device{
			plc,
			device(macHMI, ipHMI, "hmi-01", earlier, 900, 456_789, 950, 1_111_111),
		},
		Identities: []*wirepb.Identity{{Protocol: "s7comm", Ip: ip4(ipPLC), Mac: mac(macPLC), Vendor: "Siemens",
			Product: "CPU 315-2 PN/DP", Model: "6ES7 315-2EH14-0AB0", Firmware: "V3.2.6", SeenUnixNs: earlier.UnixNano()}},
		Flows: []*wirepb.Flow{
			flow(6, ipHMI, 49152, ipPLC, 502, earlier, 40, 4_000, 38, 3_800),
		},
		Health:   health(10),
		Captures: []*wirepb.CaptureStats{{Source: "eth1", Packets: 1000, KernelDrops: 0}},
	}, 40_000)
	ews := device(macEWS, ipEWS, "eng-ws", f.minute, 300, 2_500_000_000, 200, 12_345)
	ews.Fingerprints = []*wirepb.Fingerprint{{Kind: wirepb.FingerprintKind_FINGERPRINT_KIND_TCP_SYN,
		Ip: ip4(ipEWS), Ttl: 128, Count: 2, Tcp: &wirepb.TCPSignature{IpVersion: 4, Mss: 1460, Window: 8192,
			WindowScale: 2, Options: []byte{2, 1, 3, 1, 1, 4}, Quirks: 3}}}
	ews.Browser = &wirepb.BrowserAnnouncement{Name: "ENG-WS", OsMajor: 6, OsMinor: 1, ServerType: 0x00051003, Command: 1}
	ews.MaxTtl = 128
	f.ingest(ctx, tenantA, &wirepb.Batch{
		Tenant: tenantA, Sensor: sensorA, Seq: 2, Minute: f.minute.Unix(), SoftwareVersion: "1.4.2",
		Devices: []*wirepb.Device{
			ews,
			device(macRogue, ipRogue, hostRogue, f.minute, 5, 640, 0, 0),
		},
		OtEvents: []*wirepb.OTEvent{{Protocol: "s7comm", Code: 0x1b, Function: "Download block",
			SrcIp: ip4(ipEWS), DstIp: ip4(ipPLC), SrcPort: 49200, DstPort: 102, Count: 8, Requests: 4, Responses: 4,
			FirstUnixNs: f.minute.UnixNano(), LastUnixNs: f.minute.UnixNano()}},
		Flows: []*wirepb.Flow{
			flow(6, ipHMI, 49153, ipPLC, 502, f.minute, 12, 1_500, 12, 1_400),
			flow(17, ipEWS, 5353, "224.0.0.251", 5353, f.minute, 3, 420, 0, 0),
			{IpProto: 1, SrcIp: ip4(ipEWS), SrcPort: 8 << 8, DstIp: ip4(ipPLC), DstPort: 0,
				SrcPackets: 4, SrcBytes: 392, DstPackets: 4, DstBytes: 392, Vlan: 10,
				FirstUnixNs: f.minute.UnixNano(), LastUnixNs: f.minute.Add(30 * time.Second).UnixNano()},
		},
		Names: []*wirepb.Name{
			{Ip: ip4(ipEWS), Name: "eng-ws.factory-a.local", Source: wirepb.NameSource_NAME_SOURCE_DNS, Count: 3,
				FirstUnixNs: f.minute.UnixNano(), LastUnixNs: f.minute.UnixNano()},
		},
		Health: health(12.5),
		Captures: []*wirepb.CaptureStats{
			{Source: "eth1", Packets: 123_456, Bytes: 98_000_000, KernelDrops: 7, DecodeErrors: 2},
		},
		Restarts: []*wirepb.SupervisorRestart{{Actor: "sensor/modem", Reason: "modem: no answer to AT", UnixMs: f.minute.UnixMilli(), Total: 3}},
		Modem: &wirepb.Modem{State: "searching", Reason: "no_signal", RssiDbm: -109, Bars: 1, Operator: "NTT DOCOMO",
			Technology: "LTE", UsageMonth: time.Now().In(time.FixedZone("JST", 9*3600)).Format("2006-01"), MonthRxBytes: 1 << 30, MonthTxBytes: 1 << 30},
	}, 1_500_000_000)

	f.ingest(ctx, tenantB, &wirepb.Batch{
		Tenant: tenantB, Sensor: sensorB, Seq: 1, Minute: f.minute.Unix(),
		Devices: []*wirepb.Device{device(macSecret, ipSecret, "b-secret-host", f.minute, 10, 10_000, 10, 10_000)},
		Flows:   []*wirepb.Flow{flow(6, ipSecret, 50000, "10.99.0.6", 44818, f.minute, 5, 500, 5, 500)},
		Names: []*wirepb.Name{{Ip: ip4(ipSecret), Name: "b-secret.factory-b.local", Source: wirepb.NameSource_NAME_SOURCE_DNS, Count: 1,
			FirstUnixNs: f.minute.UnixNano(), LastUnixNs: f.minute.UnixNano()}},
	}, 2_000)
}

func (f *fixture) ingest(ctx context.Context, tenant string, b *wirepb.Batch, payload int) {
	f.t.Helper()
	b.SchemaVersion = wirepb.SchemaVersion_SCHEMA_VERSION_1
	b.SealedUnixMs = time.Unix(b.Minute, 0).Add(time.Minute).UnixMilli()
	if _, err := f.store.IngestBatch(ctx, tenant, b, payload); err != nil {
		f.t.Fatalf("IngestBatch %s/%d: %v", b.Sensor, b.Seq, err)
	}
}

func ip4(s string) []byte {
	a := netip.MustParseAddr(s)
	if a.Is4() {
		b := a.As4()
		return b[:]
	}
	b := a.As16()
	return b[:]
}

func mac(s string) []byte {
	var b []byte
	for _, part := range strings.Split(s, ":") {
		var v byte
		for _, c := range part {
			v <<= 4
			switch {
			case c >= '0' && c <= '9':
				v |= byte(c - '0')
			default:
				v |= byte(c-'a') + 10
			}
		}
		b = append(b, v)
	}
	return b
}

func device(m, ip, host string, at time.Time, sentP, sentB, recvP, recvB uint64) *wirepb.Device {
	return &wirepb.Device{
		Mac: mac(m), Ips: [][]byte{ip4(ip)}, Evidence: uint32(wirepb.Evidence_EVIDENCE_ARP | wirepb.Evidence_EVIDENCE_DHCP),
		DhcpHostname: host, FirstUnixNs: at.UnixNano(), LastUnixNs: at.Add(45 * time.Second).UnixNano(),
		SentPackets: sentP, SentBytes: sentB, RecvPackets: recvP, RecvBytes: recvB,
	}
}

func flow(proto uint32, src string, sport uint32, dst string, dport uint32, at time.Time, sp, sb, dp, db uint64) *wirepb.Flow {
	return &wirepb.Flow{
		IpProto: proto, SrcIp: ip4(src), SrcPort: sport, DstIp: ip4(dst), DstPort: dport,
		SrcPackets: sp, SrcBytes: sb, DstPackets: dp, DstBytes: db,
		FirstUnixNs: at.UnixNano(), LastUnixNs: at.Add(50 * time.Second).UnixNano(),
		State: wirepb.FlowState_FLOW_STATE_NEW,
	}
}

func health(cpu float64) *wirepb.Health {
	return &wirepb.Health{
		CpuPercent: cpu, MemUsedBytes: 2 << 30, MemTotalBytes: 8 << 30,
		DiskUsedBytes: 20 << 30, DiskTotalBytes: 120 << 30, TemperatureC: 48.5,
		UptimeSeconds: 3*86400 + 4*3600, SpoolBacklog: 0,
	}
}

// client is a browser stand-in: it keeps cookies and does not follow
// redirects, so tests see each response.
type client struct {
	t    *testing.T
	base string
	http *http.Client
}

func (f *fixture) client() *client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		f.t.Fatal(err)
	}
	return &client{t: f.t, base: f.ts.URL, http: &http.Client{
		Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}}
}

// response is a fully read response.
type response struct {
	*http.Response
	body string
}

func (c *client) do(req *http.Request) response {
	c.t.Helper()
	res, err := c.http.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	return response{res, string(b)}
}

func (c *client) get(path string) response {
	c.t.Helper()
	req, err := http.NewRequest(http.MethodGet, c.base+path, nil)
	if err != nil {
		c.t.Fatal(err)
	}
	return c.do(req)
}

func (c *client) post(path string, form url.Values, header http.Header) response {
	c.t.Helper()
	req, err := http.NewRequest(http.MethodPost, c.base+path, strings.NewReader(form.Encode()))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range header {
		req.Header[k] = v
	}
	return c.do(req)
}

var csrfRE = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// csrfFrom extracts the form token from a page.
func csrfFrom(t *testing.T, body string) string {
	t.Helper()
	m := csrfRE.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no csrf_token field in page:\n%s", body)
	}
	return m[1]
}

// loginForm fetches /login and returns the form's token.
func (c *client) loginForm() string {
	c.t.Helper()
	res := c.get("/login")
	if res.StatusCode != http.StatusOK {
		c.t.Fatalf("GET /login = %d", res.StatusCode)
	}
	return csrfFrom(c.t, res.body)
}

// login signs in through the form and fails the test unless it succeeds.
func (c *client) login(email, pw string) {
	c.t.Helper()
	res := c.tryLogin(email, pw, "")
	if res.StatusCode != http.StatusSeeOther {
		c.t.Fatalf("login as %s = %d, want 303:\n%s", email, res.StatusCode, res.body)
	}
}

func (c *client) tryLogin(email, pw, next string) response {
	c.t.Helper()
	tok := c.loginForm()
	form := url.Values{"email": {email}, "password": {pw}, csrfField: {tok}}
	if next != "" {
		form.Set("next", next)
	}
	return c.post("/login", form, nil)
}

// sessionCookie returns the session cookie the jar holds, or "".
func (c *client) sessionCookie(name string) string {
	u, _ := url.Parse(c.base)
	for _, ck := range c.http.Jar.Cookies(u) {
		if ck.Name == name {
			return ck.Value
		}
	}
	return ""
}
