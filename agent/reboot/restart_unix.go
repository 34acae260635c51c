//go:build unix

package reboot

import (
	"os/exec"
	"syscall"
)

func shellArgv(command string) []string { return []string{"sh", "-c", command} }

// detach starts the command in a session of its own: the end of the
// agent's process group or terminal does not reach it.
func detach(cmd *exec.Cmd, _ restartCommand) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
}
