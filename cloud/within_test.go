package cloud_test

import (
	"runtime"
	"strings"
	"testing"
	"time"
)

// within runs fn and fails the test when it has not returned after d,
// printing the goroutines that are in the project's code: a stop or a
// close that hangs is then reported where it hangs, at once, rather than
// as the whole package's timeout with every goroutine of the process.
func within(t *testing.T, d time.Duration, what string, fn func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn()
	}()
	select {
	case <-done:
	case <-time.After(d):
		t.Fatalf("%s did not return within %s; goroutines in mimamori:\n%s", what, d, projectStacks())
	}
}

// projectStacks is every goroutine's stack that has a frame in mimamori.
func projectStacks() string {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	var kept []string
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, "\nmimamori/") {
			kept = append(kept, g)
		}
	}
	return strings.Join(kept, "\n\n")
}

func TestWithinReportsAHang(t *testing.T) {
	// A fake testing.T cannot be made, so the check is on what within
	// prints: the stacks name the goroutine blocked in this package.
	block := make(chan struct{})
	defer close(block)
	go func() { <-block }()
	time.Sleep(10 * time.Millisecond)
	if s := projectStacks(); !strings.Contains(s, "mimamori/cloud_test.TestWithinReportsAHang") {
		t.Fatalf("projectStacks lacks the blocked goroutine:\n%s", s)
	}
}
