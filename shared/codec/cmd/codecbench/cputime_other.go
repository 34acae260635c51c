//go:build !linux

package main

import "time"

const threadCPUSupported = false

func threadCPU() time.Duration { return 0 }
