package portal

import (
	"sync"
	"time"
)

// Login throttling: after loginFailureLimit wrong passwords for one email
// from one address, that pair waits until loginWindow has passed since its
// first failure. Five tries is generous for a typo and useless for guessing.
const (
	loginFailureLimit = 5
	loginWindow       = 15 * time.Minute
	// limiterCapacity bounds memory under a spray of distinct emails;
	// beyond it the oldest records are forgotten first.
	limiterCapacity = 10000
)

// limiter counts login failures per key in fixed windows. It lives in
// memory: a restart forgets the counts, which costs an attacker a restart
// they cannot trigger.
type limiter struct {
	limit    int
	window   time.Duration
	capacity int

	mu      sync.Mutex
	entries map[string]*failures
}

type failures struct {
	count int
	first time.Time // start of the current window
}

func newLimiter(limit int, window time.Duration, capacity int) *limiter {
	return &limiter{limit: limit, window: window, capacity: capacity, entries: make(map[string]*failures)}
}

// blockedFor returns how long key must still wait, or 0 if it may try now.
func (l *limiter) blockedFor(key string, now time.Time) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	f, ok := l.entries[key]
	if !ok {
		return 0
	}
	end := f.first.Add(l.window)
	if !now.Before(end) {
		delete(l.entries, key)
		return 0
	}
	if f.count < l.limit {
		return 0
	}
	return end.Sub(now)
}

// fail records one failed attempt for key.
func (l *limiter) fail(key string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	f, ok := l.entries[key]
	if ok && !now.Before(f.first.Add(l.window)) {
		ok = false // the window is over; start a new one
	}
	if !ok {
		if _, exists := l.entries[key]; !exists && len(l.entries) >= l.capacity {
			l.makeRoom(now)
		}
		f = &failures{first: now}
		l.entries[key] = f
	}
	f.count++
}

// reset forgets key after a successful login.
func (l *limiter) reset(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.entries, key)
}

// makeRoom drops expired entries and, if none had expired, the oldest one.
// It runs only when the table is full, so its linear scan is rare.
func (l *limiter) makeRoom(now time.Time) {
	var oldestKey string
	var oldest time.Time
	for k, f := range l.entries {
		if !now.Before(f.first.Add(l.window)) {
			delete(l.entries, k)
			continue
		}
		if oldestKey == "" || f.first.Before(oldest) {
			oldestKey, oldest = k, f.first
		}
	}
	if len(l.entries) >= l.capacity {
		delete(l.entries, oldestKey)
	}
}

func (l *limiter) size() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.entries)
}
