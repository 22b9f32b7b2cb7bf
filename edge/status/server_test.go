package status

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func get(t *testing.T, h http.Handler, url string, header map[string]string) (*http.Response, string) {
	t.Helper()
	req := httptest.NewRequest("GET", url, nil)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	res := rec.Result()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

func TestLanguageChoice(t *testing.T) {
	tests := []struct {
		url, accept, want string
	}{
		{"/", "", "ja"},
		{"/", "en-US,en;q=0.9", "en"},
		{"/", "en-US;q=0.8,en;q=0.7,ja;q=0.95", "ja"},
		{"/", "ja-JP", "ja"},
		{"/", "de-DE,de;q=0.9", "ja"},
		{"/", "fr, en;q=0.3", "en"},
		{"/?lang=ja", "en", "ja"},
		{"/?lang=en", "ja", "en"},
		{"/?lang=xx", "en", "en"},
	}
	for _, tt := range tests {
		req := httptest.NewRequest("GET", tt.url, nil)
		if tt.accept != "" {
			req.Header.Set("Accept-Language", tt.accept)
		}
		if got := Language(req); got != tt.want {
			t.Errorf("%s with %q: %s, want %s", tt.url, tt.accept, got, tt.want)
		}
	}
}

func TestPage(t *testing.T) {
	snap := healthy()
	snap.Captures[0].Packets = 0 // amber, with a hint
	srv := NewServer(func() Snapshot { return snap }, ServerOptions{})

	res, body := get(t, srv, "/", nil)
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("status %d, type %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
		t.Errorf("CSP %q", csp)
	}
	for _, want := range []string{
		`<html lang="ja">`, `content="5"`, "動作中ですが、確認が必要な項目があります", "橙 点灯",
		"ミラーされた通信が届いていません", "LEDの見方", "緑 点滅: 接続中です", `class="line v-warn" id="capture.eth1"`,
		`<i class="on"></i><i class="on"></i><i class="on"></i><i class="on"></i><i></i>`, "NTT DOCOMO (LTE)",
		`href="/status.json?lang=ja"`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if strings.Contains(body, "http://") || strings.Contains(body, "https://") || strings.Contains(body, "<script") {
		t.Error("page refers to external assets or scripts")
	}

	_, body = get(t, srv, "/?lang=en", nil)
	for _, want := range []string{`<html lang="en">`, "Working, but check the amber items", "solid amber", "No mirrored traffic arrives", "Reading the LED"} {
		if !strings.Contains(body, want) {
			t.Errorf("English page lacks %q", want)
		}
	}

	res, css := get(t, srv, "/style.css", nil)
	if res.StatusCode != 200 || !strings.Contains(css, ".led.blink") || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/css") {
		t.Errorf("style.css: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	if res, _ := get(t, srv, "/nope", nil); res.StatusCode != 404 {
		t.Errorf("/nope: %d", res.StatusCode)
	}
}

func TestPageEscapesWhatItShows(t *testing.T) {
	snap := healthy()
	snap.Sensor = `<script>alert(1)</script>`
	snap.Modem.Operator = `<b>evil</b>`
	srv := NewServer(func() Snapshot { return snap }, ServerOptions{})
	_, body := get(t, srv, "/", nil)
	if strings.Contains(body, "<script>") || strings.Contains(body, "<b>evil") {
		t.Error("snapshot text rendered as markup")
	}
}

func TestJSON(t *testing.T) {
	snap := healthy()
	srv := NewServer(func() Snapshot { return snap }, ServerOptions{})
	res, body := get(t, srv, "/status.json", map[string]string{"Accept-Language": "en"})
	if !strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("type %s", res.Header.Get("Content-Type"))
	}
	var out struct {
		Language string `json:"language"`
		Overall  string `json:"overall"`
		Summary  string `json:"summary"`
		LED      struct {
			Color string `json:"color"`
			Blink bool   `json:"blink"`
			Name  string `json:"name"`
		} `json:"led"`
		Sections []struct {
			ID    string `json:"id"`
			Lines []struct {
				ID, Label, Value, Verdict string
				Bars                      *int
			} `json:"lines"`
		} `json:"sections"`
		Facts Snapshot `json:"facts"`
	}
	if err := json.Unmarshal([]byte(body), &out); err != nil {
		t.Fatal(err)
	}
	if out.Language != "en" || out.Overall != "ok" || out.LED.Color != "green" || out.LED.Name != "solid green" || out.Summary != "Everything is working" {
		t.Errorf("head %+v", out)
	}
	var signal *int
	for _, s := range out.Sections {
		for _, l := range s.Lines {
			if l.ID == "lte.signal" {
				signal = l.Bars
			}
		}
	}
	if signal == nil || *signal != 4 {
		t.Errorf("signal bars %v", signal)
	}
	if out.Facts.Modem == nil || out.Facts.Modem.IMSI != "44010********90" || out.Facts.Modem.ICCID != "8981100012345678901" {
		t.Errorf("facts modem %+v", out.Facts.Modem)
	}
	if snap.Modem.IMSI != "440101234567890" {
		t.Error("redaction changed the caller's snapshot")
	}
}
