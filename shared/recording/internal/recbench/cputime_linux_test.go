package recbench

import (
	"syscall"
	"time"
	"unsafe"
)

// threadCPU is the CPU time (user and system) of the calling OS thread,
// CLOCK_THREAD_CPUTIME_ID: the benchmark locks its goroutine to the thread,
// so other processes on this shared machine do not count, and the write
// system calls of the recorder do.
func threadCPU() time.Duration {
	var ts syscall.Timespec
	const clockThreadCPUTimeID = 3
	if _, _, e := syscall.Syscall(syscall.SYS_CLOCK_GETTIME, clockThreadCPUTimeID, uintptr(unsafe.Pointer(&ts)), 0); e != 0 {
		return 0
	}
	return time.Duration(ts.Nano())
}
