package browsertest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/chromedp"
)

// Path finds a Chromium or Chrome binary, or skips the test (fails it
// under CI=true).
func Path(t testing.TB) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("no Chromium on PATH (apt-get install chromium); CI=true requires the browser tests")
	}
	t.Skip("skipping browser test: no Chromium on PATH (apt-get install chromium)")
	return ""
}

// Start launches a fresh headless browser with its own profile, Japanese
// as its language and the given window size, and returns a context whose
// first tab is open. The browser closes when the test ends. A browser that
// dies while starting (Chromium now and then crashes at launch on a busy
// machine, before any page is loaded) is launched again, up to three times.
func Start(t testing.TB, width, height int) context.Context {
	t.Helper()
	path := Path(t)
	var err error
	for attempt := 1; attempt <= 3; attempt++ {
		var ctx context.Context
		if ctx, err = launch(t, path, width, height); err == nil {
			return ctx
		}
		t.Logf("start chromium, attempt %d: %v", attempt, err)
	}
	t.Fatalf("start chromium: %v", err)
	return nil
}

// launch starts one browser; it is closed when the test ends, or at once
// when it fails to start.
func launch(t testing.TB, path string, width, height int) (context.Context, error) {
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		// Without these Chromium keeps trying hosts this network cannot reach.
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("lang", "ja-JP"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(width, height),
	)
	ctx, cancelCtx := chromedp.NewContext(alloc)
	// The first Run starts the browser, which lives as long as ctx; callers
	// give later steps their own deadlines.
	if err := chromedp.Do(ctx); err != nil {
		cancelCtx()
		cancelAlloc()
		return nil, err
	}
	t.Cleanup(func() { cancelCtx(); cancelAlloc() })
	return ctx, nil
}

// ScreenshotDir is where a browser test leaves its PNGs: $MIMAMORI_SCREENSHOTS,
// or a fresh directory named after prefix under the system temp dir that
// outlives the test.
func ScreenshotDir(t testing.TB, prefix string) string {
	t.Helper()
	if d := os.Getenv("MIMAMORI_SCREENSHOTS"); d != "" {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		return d
	}
	d, err := os.MkdirTemp("", prefix)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// WatchConsole collects the page's console errors and exceptions, and
// Content Security Policy reports (the pages are meant to run clean under
// their strict policy). The returned function stops watching and fails
// the test for each message collected; call it at the end of the test.
func WatchConsole(t testing.TB, ctx context.Context) (check func()) {
	t.Helper()
	var mu sync.Mutex
	var problems []string
	consoleCtx, stop := context.WithCancel(ctx)
	messages := chromedp.Console(consoleCtx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.Type == chromedp.ConsoleException || strings.Contains(m.Text, "Content Security Policy") {
				mu.Lock()
				problems = append(problems, m.String())
				mu.Unlock()
			}
		}
	}()
	return func() {
		t.Helper()
		stop()
		mu.Lock()
		defer mu.Unlock()
		for _, p := range problems {
			t.Errorf("browser console: %s", p)
		}
	}
}

// Screenshots returns a function that saves a full-page PNG of the current
// page under ScreenshotDir(prefix) and logs its path.
func Screenshots(t testing.TB, prefix string) func(ctx context.Context, name string) {
	t.Helper()
	dir := ScreenshotDir(t, prefix)
	return func(ctx context.Context, name string) {
		t.Helper()
		buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)) // quality 100 = PNG
		if err != nil {
			t.Fatalf("screenshot %s: %v", name, err)
		}
		p := filepath.Join(dir, name+".png")
		if err := os.WriteFile(p, buf, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("screenshot: %s", p)
	}
}
