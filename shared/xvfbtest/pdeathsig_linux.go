package xvfbtest

import "syscall"

// orphanSignal makes the kernel send SIGTERM to Xvfb when the test process
// dies without running its cleanups (go test -timeout, SIGKILL), so no
// server outlives the test binary.
func orphanSignal(a *syscall.SysProcAttr) { a.Pdeathsig = syscall.SIGTERM }
