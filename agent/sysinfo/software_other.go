//go:build !linux && !windows

package sysinfo

import (
	"context"
	"runtime"
)

// installedSoftware has no source outside Linux and Windows yet (macOS
// would need system_profiler, which takes tens of seconds).
func installedSoftware(context.Context) ([]Section, error) {
	return notAvailable("the agent cannot read a package list on " + runtime.GOOS + "."), nil
}
