//go:build !windows

package sysinfo

const hasLoadAvg = true
