package ratelog

import (
	"sync"
	"time"
)

// Limiter decides which occurrences of an event to log. It is safe for
// concurrent use.
type Limiter struct {
	every time.Duration
	now   func() time.Time

	mu   sync.Mutex
	last map[string]record
}

type record struct {
	at         time.Time
	suppressed int
}

// New returns a Limiter that lets one occurrence per key through every
// period, reading the time from now (time.Now when nil).
func New(every time.Duration, now func() time.Time) *Limiter {
	if now == nil {
		now = time.Now
	}
	return &Limiter{every: every, now: now, last: map[string]record{}}
}

// Allow reports whether an occurrence of key is to be logged, and if so
// how many were not since the last one that was. Keys not seen for a
// period are forgotten as others come, so the Limiter stays as small as
// the keys that recur.
func (l *Limiter) Allow(key string) (ok bool, suppressed int) {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	r, seen := l.last[key]
	if seen && now.Sub(r.at) < l.every {
		r.suppressed++
		l.last[key] = r
		return false, 0
	}
	for k, o := range l.last {
		if now.Sub(o.at) >= l.every && k != key {
			delete(l.last, k)
		}
	}
	l.last[key] = record{at: now}
	return true, r.suppressed
}
