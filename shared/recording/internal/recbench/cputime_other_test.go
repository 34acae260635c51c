//go:build !linux

package recbench

import "time"

var start = time.Now()

// threadCPU falls back to wall time where the thread's CPU clock is not
// read (the figures in BENCHMARKS.md come from Linux).
func threadCPU() time.Duration { return time.Since(start) }
