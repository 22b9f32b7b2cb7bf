package portal

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"mimamori/web/browsertest"
)

// TestBrowserLogin drives a real headless Chromium: it signs in through the
// form, lands on 端末 > 一覧, reads the table from the DOM, visits the other
// pages, logs out, and saves screenshots along the way.
func TestBrowserLogin(t *testing.T) {
	browsertest.Path(t)
	f := newFixture(t)
	f.seedPlant()

	ctx := browsertest.Start(t, 1440, 900)

	checkConsole := browsertest.WatchConsole(t, ctx)
	shot := browsertest.Screenshots(t, "mimamori-portal-screens-")
	step := func(timeout time.Duration) (context.Context, context.CancelFunc) {
		return context.WithTimeout(ctx, timeout)
	}
	// navigate waits for the page's load event.
	navigate := func(ctx context.Context, url string) error {
		return chromedp.Do(ctx, chromedp.Navigate(url))
	}
	// submit clicks a button and waits for the page it leads to.
	submit := func(ctx context.Context, sel chromedp.CSS) error {
		_, err := chromedp.Run(ctx, chromedp.WaitEvent(page.LoadEventFired, nil, chromedp.Click(sel)))
		return err
	}

	// An unauthenticated visit lands on the login form.
	// One deadline for the whole walk, generous for a busy test machine.
	sctx, cancel := step(3 * time.Minute)
	defer cancel()
	if err := navigate(sctx, f.ts.URL+"/devices"); err != nil {
		t.Fatalf("open /devices: %v", err)
	}
	loc, err := chromedp.Run(sctx, chromedp.Location())
	if err != nil || !strings.Contains(loc, "/login?next=%2Fdevices") {
		t.Fatalf("location = %q (%v), want the login page", loc, err)
	}
	shot(sctx, "login")

	if err := chromedp.Do(sctx,
		chromedp.SendKeys(chromedp.ID("email"), emailA),
		chromedp.SendKeys(chromedp.ID("password"), password),
	); err != nil {
		t.Fatalf("fill login form: %v", err)
	}
	if err := submit(sctx, `button[type=submit]`); err != nil {
		t.Fatalf("submit login form: %v", err)
	}
	loc, err = chromedp.Run(sctx, chromedp.Location())
	if err != nil || loc != f.ts.URL+"/devices" {
		t.Fatalf("after login at %q (%v), want /devices", loc, err)
	}
	heading, err := chromedp.Run(sctx, chromedp.Text(chromedp.CSS("h1")))
	if err != nil || heading != "端末 一覧" {
		t.Fatalf("heading = %q (%v), want 端末 一覧", heading, err)
	}
	rows, err := chromedp.Run(sctx, chromedp.Evaluate[[][]string](
		`Array.from(document.querySelectorAll('#devices tbody tr')).map(tr => Array.from(tr.cells).map(td => td.innerText.trim()))`))
	if err != nil {
		t.Fatalf("read device table: %v", err)
	}
	if len(rows) != 4 {
		t.Fatalf("device table has %d rows, want 4: %v", len(rows), rows)
	}
	byMAC := map[string][]string{}
	for _, r := range rows {
		if len(r) != 10 {
			t.Fatalf("row has %d cells, want 10: %v", len(r), r)
		}
		byMAC[r[1]] = r
	}
	for _, want := range [][3]string{{macPLC, ipPLC, "plc-line1"}, {macHMI, ipHMI, "hmi-01"}, {macEWS, ipEWS, "eng-ws"}, {macRogue, ipRogue, hostRogue}} {
		r := byMAC[want[0]]
		if r == nil || r[0] != want[1] || r[2] != want[2] {
			t.Errorf("row for %s = %v, want IP %s and host %q", want[0], r, want[1], want[2])
		}
	}
	if r := byMAC[macPLC]; r != nil && r[8] != "1.18 MB\n1,200 パケット" {
		t.Errorf("PLC sent cell = %q, want 1.18 MB and 1,200 packets", r[8])
	}
	// Vendor, OS with its confidence, role.
	if r := byMAC[macEWS]; r != nil && (r[3] != "HP" || !strings.HasPrefix(r[4], "Windows 7") ||
		!strings.Contains(r[4], "サポート終了") || r[5] != "エンジニアリング端末") {
		t.Errorf("EWS inference cells = %q", r[3:6])
	}
	// The hostile host name is text, not markup.
	bold, err := chromedp.Run(sctx, chromedp.Evaluate[int](`document.querySelectorAll('#devices b').length`))
	if err != nil || bold != 0 {
		t.Errorf("host name rendered as markup: %d <b> elements (%v)", bold, err)
	}
	shot(sctx, "devices")

	// Search through the form.
	if err := chromedp.Do(sctx, chromedp.SendKeys(chromedp.ID("q"), "plc")); err != nil {
		t.Fatal(err)
	}
	if err := submit(sctx, `form.toolbar button[type=submit]`); err != nil {
		t.Fatalf("search: %v", err)
	}
	n, err := chromedp.Run(sctx, chromedp.Evaluate[int](`document.querySelectorAll('#devices tbody tr').length`))
	if err != nil || n != 1 {
		t.Errorf("search for plc shows %d rows (%v), want 1", n, err)
	}

	for _, p := range []struct{ path, name, heading string }{
		{"/flows", "flows", "IP通信"},
		{"/sensors", "sensors", "センサー管理"},
	} {
		if err := navigate(sctx, f.ts.URL+p.path); err != nil {
			t.Fatalf("open %s: %v", p.path, err)
		}
		h, err := chromedp.Run(sctx, chromedp.Text(chromedp.CSS("h1")))
		if err != nil || h != p.heading {
			t.Errorf("%s heading = %q (%v), want %q", p.path, h, err, p.heading)
		}
		shot(sctx, p.name)
	}
	if err := navigate(sctx, f.ts.URL+"/flows?proto=tcp"); err != nil {
		t.Fatal(err)
	}
	protos, err := chromedp.Run(sctx, chromedp.Evaluate[[]string](
		`Array.from(document.querySelectorAll('#flows tbody tr')).map(tr => tr.cells[1].innerText.trim())`))
	if err != nil || len(protos) != 2 || slices.ContainsFunc(protos, func(p string) bool { return p != "TCP" }) {
		t.Errorf("TCP filter shows protocols %v (%v)", protos, err)
	}

	// 端末 > 詳細: reached from the list, with the OS evidence table.
	if err := navigate(sctx, f.ts.URL+"/devices"); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(sctx, chromedp.WaitEvent(page.LoadEventFired, nil,
		chromedp.Click(`#devices a[href="/devices/`+macEWS+`"]`))); err != nil {
		t.Fatalf("open device detail: %v", err)
	}
	evidence, err := chromedp.Run(sctx, chromedp.Evaluate[int](`document.querySelectorAll('#evidence tbody tr').length`))
	if err != nil || evidence < 2 {
		t.Errorf("device detail shows %d evidence rows (%v), want the browser announcement and the SYN", evidence, err)
	}
	shot(sctx, "device-detail")

	// Log out through the header button: a real same-origin form post.
	if err := navigate(sctx, f.ts.URL+"/devices"); err != nil {
		t.Fatal(err)
	}
	if err := submit(sctx, `.logout-form button`); err != nil {
		t.Fatalf("logout: %v", err)
	}
	notice, err := chromedp.Run(sctx, chromedp.Text(chromedp.CSS(".notice")))
	if err != nil || notice != "ログアウトしました。" {
		t.Errorf("after logout the page says %q (%v)", notice, err)
	}
	if err := navigate(sctx, f.ts.URL+"/sensors"); err != nil {
		t.Fatal(err)
	}
	if loc, _ := chromedp.Run(sctx, chromedp.Location()); !strings.Contains(loc, "/login") {
		t.Errorf("after logout /sensors shows %q, want the login page", loc)
	}

	// The inventory screens of a whole (generated) plant.
	if err := navigate(sctx, f.ts.URL+"/login"); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(sctx,
		chromedp.SendKeys(chromedp.ID("email"), emailD),
		chromedp.SendKeys(chromedp.ID("password"), password),
	); err != nil {
		t.Fatalf("fill login form: %v", err)
	}
	if err := submit(sctx, `button[type=submit]`); err != nil {
		t.Fatalf("log in as the plant tenant: %v", err)
	}
	shot(sctx, "devices-plant")
	// A whole plant's devices, with every role and long OS names, fit a
	// laptop's width.
	if n := tableOverflow(t, sctx, "#devices"); n > 0 {
		t.Errorf("the device table is %dpx wider than its card at 1440px", n)
	}
	for _, p := range []struct{ path, name, heading string }{
		{"/matrix/vendor", "matrix-vendor", "ベンダーマトリクス"},
		{"/matrix/os", "matrix-os", "OSマトリクス"},
		{"/matrix/role", "matrix-role", "役割マトリクス"},
		{"/rankings/traffic", "ranking-traffic", "端末トラフィック量"},
		{"/rankings/peers", "ranking-peers", "端末接続端末数"},
		{"/rankings/importance", "ranking-importance", "端末重要度"},
		{"/rankings/service-traffic", "ranking-service-traffic", "サービストラフィック量"},
		{"/rankings/service-devices", "ranking-service-devices", "サービス別端末数"},
		{"/rankings/vendors", "ranking-vendors", "ベンダー別端末数"},
		{"/settings/services", "services", "サービス名管理"},
	} {
		if err := navigate(sctx, f.ts.URL+p.path); err != nil {
			t.Fatalf("open %s: %v", p.path, err)
		}
		h, err := chromedp.Run(sctx, chromedp.Text(chromedp.CSS("h1")))
		if err != nil || h != p.heading {
			t.Errorf("%s heading = %q (%v), want %q", p.path, h, err, p.heading)
		}
		if strings.HasPrefix(p.path, "/matrix/") {
			// Every square is coloured by a legend entry, and the legend
			// accounts for every device.
			counts, err := chromedp.Run(sctx, chromedp.Evaluate[[]int](`[
				document.querySelectorAll('#matrix a.cell').length,
				Array.from(document.querySelectorAll('#legend .legend-count')).reduce((s, e) => s + parseInt(e.innerText.replace(/,/g, ''), 10), 0),
				Array.from(document.querySelectorAll('#matrix a.cell')).filter(a => getComputedStyle(a).backgroundColor === 'rgba(0, 0, 0, 0)').length]`))
			if err != nil || len(counts) != 3 || counts[0] < 40 || counts[0] != counts[1] || counts[2] != 0 {
				t.Errorf("%s: squares, legend total, uncoloured = %v (%v)", p.path, counts, err)
			}
		}
		if strings.HasPrefix(p.path, "/rankings/") {
			n, err := chromedp.Run(sctx, chromedp.Evaluate[int](`document.querySelectorAll('#ranking tbody tr').length`))
			if err != nil || n == 0 {
				t.Errorf("%s: %d rows (%v)", p.path, n, err)
			}
		}
		shot(sctx, p.name)
	}

	checkConsole()
}

// tableOverflow is how many pixels the table sel is wider than the
// scrolling box around it (0 when it fits).
func tableOverflow(t *testing.T, ctx context.Context, sel string) int {
	t.Helper()
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](fmt.Sprintf(
		`(() => { const wrap = document.querySelector(%q).closest('.table-wrap'); return wrap.scrollWidth - wrap.clientWidth; })()`, sel)))
	if err != nil {
		t.Fatalf("measure %s: %v", sel, err)
	}
	return n
}
