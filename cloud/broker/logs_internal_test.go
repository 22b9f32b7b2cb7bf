package broker

import (
	"bytes"
	"log/slog"
	"mimamori/cloud/ratelog"
	"strings"
	"testing"
	"time"
)

// Refused logins are logged once per user name (once for all unknown
// names) per loginLogEvery, with the refusals in between counted in the
// next line.
func TestLoginLogRateLimits(t *testing.T) {
	var buf bytes.Buffer
	now := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	l := &loginLog{logger: slog.New(slog.NewTextHandler(&buf, nil)), limit: ratelog.New(loginLogEvery, func() time.Time { return now })}
	for range 5 {
		l.refused("s1", true, "wrong sensor password", "10.0.0.1:1")
		now = now.Add(2 * time.Second)
	}
	l.refused("s2", true, "wrong sensor password", "10.0.0.2:1")
	for _, name := range []string{"admin", "root", "guest"} {
		l.refused(name, false, "unknown sensor login", "10.9.9.9:1")
	}
	now = now.Add(loginLogEvery)
	l.refused("s1", true, "wrong sensor password", "10.0.0.1:1")

	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 4 {
		t.Fatalf("%d lines, want s1, s2, one unknown name and s1 again:\n%s", len(lines), buf.String())
	}
	for i, want := range []string{
		"username=s1 remote=10.0.0.1:1 refused_since_last_logged=0",
		"username=s2 ",
		"username=admin ",
		"username=s1 remote=10.0.0.1:1 refused_since_last_logged=4",
	} {
		if !strings.Contains(lines[i], want) {
			t.Errorf("line %d %q lacks %q", i, lines[i], want)
		}
	}
}
