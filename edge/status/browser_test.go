package status

import (
	"context"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"mimamori/modem"
	"mimamori/web/browsertest"
)

// TestBrowserPhone opens the page in headless Chromium at phone width:
// no horizontal scrolling, the verdicts read from the DOM, the language
// switch, the automatic refresh, a clean console, and screenshots.
func TestBrowserPhone(t *testing.T) {
	browsertest.Path(t)
	var calls atomic.Int32
	var mu sync.Mutex
	snap := healthy()
	srv := httptest.NewServer(NewServer(func() Snapshot {
		calls.Add(1)
		mu.Lock()
		defer mu.Unlock()
		return snap
	}, ServerOptions{Refresh: 2 * time.Second}))
	defer srv.Close()

	ctx := browsertest.Start(t, 1440, 900)
	var problems []string
	var pmu sync.Mutex
	consoleCtx, stopConsole := context.WithCancel(ctx)
	defer stopConsole()
	go func() {
		for m, err := range chromedp.Console(consoleCtx) {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.Type == chromedp.ConsoleException || strings.Contains(m.Text, "Content Security Policy") {
				pmu.Lock()
				problems = append(problems, m.String())
				pmu.Unlock()
			}
		}
	}()

	sctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	// A phone set to Japanese: 360 CSS px wide, and Japanese first in
	// Accept-Language (headless Chromium sends en-US otherwise).
	if err := chromedp.Do(sctx,
		chromedp.EmulateViewport(360, 740, chromedp.EmulateScale(2), chromedp.EmulateMobile),
		chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := cdp.Call(ctx, tg, network.SetExtraHTTPHeaders,
				network.SetExtraHTTPHeadersParams{Headers: network.Headers{"Accept-Language": "ja-JP,ja;q=0.9,en;q=0.5"}})
			return err
		}),
	); err != nil {
		t.Fatal(err)
	}
	shoot := browsertest.Screenshots(t, "mimamori-status-screens-")
	shot := func(name string) {
		t.Helper()
		shoot(sctx, name)
	}
	// The page refreshes itself, and a refresh that fires while the test
	// navigates aborts that navigation: try again.
	load := func(url string) {
		t.Helper()
		var err error
		for try := 0; try < 5; try++ {
			if err = chromedp.Do(sctx, chromedp.Navigate(url)); err == nil || !strings.Contains(err.Error(), "ERR_ABORTED") {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		if err != nil {
			t.Fatalf("open %s: %v", url, err)
		}
	}
	noSideScroll := func(what string) {
		t.Helper()
		w, err := chromedp.Run(sctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`))
		if err != nil || w > 360 {
			t.Errorf("%s: page is %d px wide at a 360 px viewport (%v)", what, w, err)
		}
	}
	// The page reloads itself every two seconds, so a read may land on a
	// page still loading: read again until it is complete.
	verdicts := func() map[string]string {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for {
			v, err := chromedp.Run(sctx, chromedp.Evaluate[map[string]string](
				`document.readyState === 'complete' ? Object.fromEntries(Array.from(document.querySelectorAll('li.line')).map(li => [li.id, li.dataset.verdict])) : {}`))
			if err == nil && len(v) > 0 {
				return v
			}
			if time.Now().After(deadline) {
				t.Fatalf("no status lines on the page (%v)", err)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}

	// All good, in Japanese (the browser asks for ja-JP).
	load(srv.URL + "/")
	ok := verdicts()
	h1, err := chromedp.Run(sctx, chromedp.Text(chromedp.CSS("h1")))
	if err != nil || h1 != "すべて正常です" {
		t.Errorf("heading %q (%v)", h1, err)
	}
	for id, v := range ok {
		if v != "ok" && v != "info" {
			t.Errorf("healthy sensor: %s is %s", id, v)
		}
	}
	noSideScroll("healthy")
	shot("status-phone-ok-ja")

	// Trouble: no SIM, no mirrored traffic on the second port, weak clock.
	mu.Lock()
	snap.Captures = append(snap.Captures, Capture{Name: "eth2", Live: true, Link: "up", Minutes: 60, LastSealed: snap.Now.Add(-40 * time.Second)})
	m := snap.Modem
	m.State, m.Reason, m.SIM, m.Registration, m.Signal, m.Operator, m.IP = modem.StateNoSIM, modem.ReasonSIMAbsent, modem.SIMAbsent, modem.RegUnknown, modem.Signal{}, "", ""
	m.DownSince, m.OnlineSince = snap.Now.Add(-time.Minute), time.Time{}
	snap.Cloud.Connected = false
	snap.Clock.Synced = false
	mu.Unlock()
	load(srv.URL + "/")
	got := verdicts()
	for id, want := range map[string]string{"lte.state": "fault", "lte.sim": "fault", "capture.eth2": "warn", "capture.eth1": "ok", "system.clock": "warn", "cloud.mqtt": "pending"} {
		if got[id] != want {
			t.Errorf("%s is %q, want %s", id, got[id], want)
		}
	}
	led, err := chromedp.Run(sctx, chromedp.Text(chromedp.ID("led")))
	if err != nil || led != "赤 点灯" {
		t.Errorf("LED text %q (%v)", led, err)
	}
	noSideScroll("faults")
	shot("status-phone-faults-ja")

	// The language switch.
	if _, err := chromedp.Run(sctx, chromedp.WaitEvent(page.LoadEventFired, nil, chromedp.Click(`a[href="?lang=en"]`))); err != nil {
		t.Fatalf("switch to English: %v", err)
	}
	verdicts()
	h1, err = chromedp.Run(sctx, chromedp.Text(chromedp.CSS("h1")))
	if err != nil || h1 != "Something needs action (red)" {
		t.Errorf("English heading %q (%v)", h1, err)
	}
	noSideScroll("English")
	shot("status-phone-faults-en")

	// The page refreshes itself.
	before := calls.Load()
	deadline := time.Now().Add(15 * time.Second)
	for calls.Load() == before {
		if time.Now().After(deadline) {
			t.Fatal("the page did not refresh itself")
		}
		time.Sleep(50 * time.Millisecond)
	}
	// The reload may still be under way: ask until the new page answers.
	var lang string
	for time.Now().Before(deadline) {
		lang, err = chromedp.Run(sctx, chromedp.Evaluate[string](
			`document.readyState === 'complete' && document.documentElement ? document.documentElement.lang : ''`))
		if err == nil && lang != "" {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if lang != "en" {
		t.Errorf("after refreshing the page is in %q (%v); the language must stick", lang, err)
	}

	pmu.Lock()
	defer pmu.Unlock()
	for _, p := range problems {
		t.Errorf("console: %s", p)
	}
}
