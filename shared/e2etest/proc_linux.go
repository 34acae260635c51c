package e2etest

import (
	"os/exec"
	"syscall"
)

// dieWithParent has the kernel end the program should the test binary die
// without its cleanups (a -timeout panic), rather than leave it running
// on a display.
func dieWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}

func terminate(cmd *exec.Cmd) { _ = cmd.Process.Signal(syscall.SIGTERM) }
