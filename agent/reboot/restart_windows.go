//go:build windows

package reboot

import (
	"os/exec"
	"syscall"

	"golang.org/x/sys/windows"
)

func shellArgv(command string) []string { return []string{"cmd", "/d", "/s", "/c", command} }

// detach starts the command in a process group of its own and without a
// console, so that closing the agent's console does not end it. The
// --reboot-command is handed to cmd as it was written, in one pair of
// quotes that /s removes again, rather than escaped for CommandLineToArgv,
// which cmd does not use.
func detach(cmd *exec.Cmd, rc restartCommand) {
	attr := &syscall.SysProcAttr{CreationFlags: windows.CREATE_NEW_PROCESS_GROUP | windows.DETACHED_PROCESS}
	if rc.shell != "" {
		attr.CmdLine = windows.ComposeCommandLine([]string{cmd.Path, "/d", "/s", "/c"}) + ` "` + rc.shell + `"`
	}
	cmd.SysProcAttr = attr
}
