//go:build unix && !linux

package xvfbtest

import "syscall"

func orphanSignal(a *syscall.SysProcAttr) {}
