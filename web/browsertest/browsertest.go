package browsertest

import (
	"context"
	"os"
	"os/exec"
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
// first tab is open. The browser closes when the test ends.
func Start(t testing.TB, width, height int) context.Context {
	t.Helper()
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(Path(t)),
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
	t.Cleanup(func() { cancelCtx(); cancelAlloc() })
	// The first Run starts the browser, which lives as long as ctx; callers
	// give later steps their own deadlines.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
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
