package ratelog

import (
	"testing"
	"time"
)

func TestLimiter(t *testing.T) {
	now := time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)
	l := New(10*time.Minute, func() time.Time { return now })
	type step struct {
		after      time.Duration
		key        string
		ok         bool
		suppressed int
	}
	for i, s := range []step{
		{0, "a", true, 0},
		{time.Minute, "a", false, 0},
		{time.Minute, "a", false, 0},
		{0, "b", true, 0}, // keys are apart
		{8 * time.Minute, "a", true, 2},
		{time.Minute, "a", false, 0},
		{10 * time.Minute, "a", true, 1},
		// b, silent for over a period, was forgotten: its count starts over.
		{0, "b", true, 0},
	} {
		now = now.Add(s.after)
		ok, n := l.Allow(s.key)
		if ok != s.ok || n != s.suppressed {
			t.Errorf("step %d (%s): Allow = %v, %d; want %v, %d", i, s.key, ok, n, s.ok, s.suppressed)
		}
	}
	if len(l.last) > 2 {
		t.Errorf("%d keys kept", len(l.last))
	}
}
