//go:build unix

package perf

import (
	"syscall"
	"time"
)

// processCPU is the CPU time (user and system) the process has used so
// far, or 0 where it cannot be read. On a shared machine it measures the
// work done, where wall time also counts waiting for a core.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
