package portal

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"mimamori/web/browsertest"
)

// TestBrowserOT logs in with a real headless Chromium, opens both OT
// protocol lists from the menu, filters by protocol through the form and
// reads the rows from the DOM.
func TestBrowserOT(t *testing.T) {
	browsertest.Path(t)
	f := newFixture(t)
	f.seedOT()
	ctx := browsertest.Start(t, 1440, 900)

	checkConsole := browsertest.WatchConsole(t, ctx)
	shot := browsertest.Screenshots(t, "mimamori-ot-screens-")
	// Each step has its own deadline: the machine may be busy.
	step := func() (context.Context, context.CancelFunc) { return context.WithTimeout(ctx, 60*time.Second) }
	clickAndLoad := func(ctx context.Context, sel string) error {
		_, err := chromedp.Run(ctx, chromedp.WaitEvent(page.LoadEventFired, nil, chromedp.Click(chromedp.CSS(sel))))
		return err
	}
	type row struct {
		Protocol string   `json:"protocol"`
		Cells    []string `json:"cells"`
	}
	readRows := func(ctx context.Context) []row {
		t.Helper()
		rows, err := chromedp.Run(ctx, chromedp.Evaluate[[]row](
			`Array.from(document.querySelectorAll('#ot-events tbody tr')).map(tr => ({protocol: tr.dataset.protocol, cells: Array.from(tr.cells).map(td => td.innerText.trim())}))`))
		if err != nil {
			t.Fatalf("read OT table: %v", err)
		}
		return rows
	}
	protocols := func(rows []row) []string {
		var out []string
		for _, r := range rows {
			out = append(out, r.Protocol)
		}
		slices.Sort(out)
		return out
	}

	sctx, cancel := step()
	if err := chromedp.Do(sctx, chromedp.Navigate(f.ts.URL+"/login")); err != nil {
		t.Fatalf("open /login: %v", err)
	}
	if err := chromedp.Do(sctx,
		chromedp.SendKeys(chromedp.ID("email"), emailA),
		chromedp.SendKeys(chromedp.ID("password"), password),
	); err != nil {
		t.Fatalf("fill login form: %v", err)
	}
	if err := clickAndLoad(sctx, `button[type=submit]`); err != nil {
		t.Fatalf("log in: %v", err)
	}
	// From the menu to 一覧(IP).
	if err := clickAndLoad(sctx, `nav a[href="/ot/ip"]`); err != nil {
		t.Fatalf("open 一覧(IP) from the menu: %v", err)
	}
	if h, err := chromedp.Run(sctx, chromedp.Text(chromedp.CSS("h1"))); err != nil || h != "OTプロトコル 一覧(IP)" {
		t.Errorf("heading = %q (%v)", h, err)
	}
	rows := readRows(sctx)
	if got, want := protocols(rows), []string{"modbus", "modbus", "s7comm", "slmp"}; !slices.Equal(got, want) {
		t.Fatalf("IP rows = %v, want %v", got, want)
	}
	for _, r := range rows {
		if len(r.Cells) != 11 {
			t.Fatalf("row has %d cells, want 11: %q", len(r.Cells), r.Cells)
		}
		if r.Protocol == "slmp" {
			if !strings.HasPrefix(r.Cells[0], ipHMI) || !strings.Contains(r.Cells[0], "hmi-01") || !strings.HasPrefix(r.Cells[1], ipPLC) ||
				r.Cells[2] != "5007" || r.Cells[3] != "SLMP" || !strings.Contains(r.Cells[4], "Device Write") ||
				!strings.Contains(r.Cells[4], "書込") || r.Cells[5] != "4" || r.Cells[6] != "2 / 2 / 1" {
				t.Errorf("SLMP row = %q", r.Cells)
			}
		}
	}
	// The hostile function name is text.
	if n, err := chromedp.Run(sctx, chromedp.Evaluate[int](`document.querySelectorAll('#ot-events img, #ot-events script').length`)); err != nil || n != 0 {
		t.Errorf("function name rendered as markup: %d elements (%v)", n, err)
	}
	shot(sctx, "ot-ip")
	// At a laptop's width the table fits its card, and each detail
	// ("key=values") stays on one line: the cell wraps between details,
	// not inside one.
	if n := tableOverflow(t, sctx, "#ot-events"); n > 0 {
		t.Errorf("the OT table is %dpx wider than its card at 1440px", n)
	}
	type details struct {
		Items  int      `json:"items"`
		Broken []string `json:"broken"` // short details laid out on several lines
	}
	d, err := chromedp.Run(sctx, chromedp.Evaluate[details](`(() => {
		const items = Array.from(document.querySelectorAll('#ot-events td.detail .kv'));
		const broken = items.filter(el => el.innerText.length <= 24 &&
			el.getBoundingClientRect().height >= 2 * parseFloat(getComputedStyle(el).fontSize)).map(el => el.innerText);
		return {items: items.length, broken};
	})()`))
	if err != nil {
		t.Fatalf("measure the OT details: %v", err)
	}
	if d.Items < 5 || len(d.Broken) > 0 {
		t.Errorf("%d detail items, broken across lines: %q", d.Items, d.Broken)
	}

	// Filter by protocol through the form.
	if err := chromedp.Do(sctx, chromedp.SetValue(chromedp.ID("protocol"), "modbus")); err != nil {
		t.Fatal(err)
	}
	if err := clickAndLoad(sctx, `form.filters button[type=submit]`); err != nil {
		t.Fatalf("filter: %v", err)
	}
	if got := protocols(readRows(sctx)); !slices.Equal(got, []string{"modbus", "modbus"}) {
		t.Errorf("rows after the Modbus filter = %v", got)
	}
	if loc, _ := chromedp.Run(sctx, chromedp.Location()); !strings.Contains(loc, "protocol=modbus") {
		t.Errorf("filtered page at %q", loc)
	}
	shot(sctx, "ot-ip-modbus")
	cancel()

	// 一覧(イーサネット), filtered to PTP.
	sctx, cancel = step()
	defer cancel()
	if err := clickAndLoad(sctx, `nav a[href="/ot/ethernet"]`); err != nil {
		t.Fatalf("open 一覧(イーサネット) from the menu: %v", err)
	}
	rows = readRows(sctx)
	if got := protocols(rows); !slices.Equal(got, []string{"cclink-ie-field", "ptp"}) {
		t.Fatalf("Ethernet rows = %v", got)
	}
	for _, r := range rows {
		if len(r.Cells) != 10 {
			t.Fatalf("row has %d cells, want 10: %q", len(r.Cells), r.Cells)
		}
		if r.Protocol == "cclink-ie-field" && (!strings.HasPrefix(r.Cells[0], macPLC) || !strings.Contains(r.Cells[0], "plc-line1") ||
			r.Cells[1] != macCCMulti || r.Cells[2] != "CC-Link IE Field" || r.Cells[4] != "6,000") {
			t.Errorf("CC-Link row = %q", r.Cells)
		}
	}
	shot(sctx, "ot-ethernet")
	if err := chromedp.Do(sctx, chromedp.SetValue(chromedp.ID("protocol"), "ptp")); err != nil {
		t.Fatal(err)
	}
	if err := clickAndLoad(sctx, `form.filters button[type=submit]`); err != nil {
		t.Fatalf("filter: %v", err)
	}
	if got := protocols(readRows(sctx)); !slices.Equal(got, []string{"ptp"}) {
		t.Errorf("rows after the PTP filter = %v", got)
	}
	// From a row to 端末 > 詳細 of the device.
	if err := clickAndLoad(sctx, `#ot-events a[href="/devices/`+macHMI+`"]`); err != nil {
		t.Fatalf("open the device from the list: %v", err)
	}
	if h, err := chromedp.Run(sctx, chromedp.Text(chromedp.CSS("h1"))); err != nil || h != "hmi-01" {
		t.Errorf("device heading = %q (%v)", h, err)
	}

	checkConsole()
}
