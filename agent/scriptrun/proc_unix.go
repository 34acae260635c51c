//go:build unix

package scriptrun

import (
	"os/exec"
	"syscall"

	"lifeline/shared/scripttype"
)

// prepare puts the script in a process group of its own, which every
// process it starts joins, so that they can be stopped together.
func prepare(cmd *exec.Cmd, _ scripttype.Interpreter, _ string) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
}

// processTree is a started script and what it starts: its process group,
// whose id is the script's pid.
type processTree struct{ pgid int }

func startTree(cmd *exec.Cmd) (processTree, error) {
	if err := cmd.Start(); err != nil {
		return processTree{}, err
	}
	return processTree{pgid: cmd.Process.Pid}, nil
}

// terminate asks every process of the group to end.
func (t processTree) terminate() { _ = syscall.Kill(-t.pgid, syscall.SIGTERM) }

// kill ends every process of the group. After the script has been reaped
// its pid could in principle be taken again, but not while any process of
// its group lives, and a new process would have to make itself leader of
// a group of that number to be hit: the window is milliseconds wide.
func (t processTree) kill() { _ = syscall.Kill(-t.pgid, syscall.SIGKILL) }

func (t processTree) release() {}
