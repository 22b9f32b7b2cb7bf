//go:build !unix

package perf

import "time"

// processCPU cannot be read here; the CPU-time figures are then absent.
func processCPU() time.Duration { return 0 }
