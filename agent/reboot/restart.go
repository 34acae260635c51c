package reboot

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"
)

// startCheck is how long Reboot watches the command it started: a command
// that is refused (no permission to restart) ends at once with an error,
// which the CSR should hear about; one that is accepted either ends well
// or goes on while the system goes down.
var startCheck = 3 * time.Second

// DefaultCommands are the commands that restart a computer running goos
// (a GOOS value), tried in order until one is accepted. systemctl asks
// logind, which lets the user at the computer restart it; shutdown is
// for the systems without systemd.
func DefaultCommands(goos string) [][]string {
	switch goos {
	case "linux":
		return [][]string{{"systemctl", "reboot"}, {"shutdown", "-r", "now"}}
	case "windows":
		return [][]string{{"shutdown", "/r", "/t", "0"}}
	case "darwin":
		return [][]string{{"osascript", "-e", `tell app "System Events" to restart`}}
	}
	return [][]string{{"shutdown", "-r", "now"}}
}

// restartCommand is one way to restart: a program and its arguments, or
// the --reboot-command given, for the shell.
type restartCommand struct {
	argv  []string
	shell string
}

func (rc restartCommand) String() string {
	if rc.shell != "" {
		return rc.shell
	}
	return strings.Join(rc.argv, " ")
}

// Reboot restarts the computer: it starts cfg.Command, or else the
// system's own commands one after the other, detached from the agent (in
// a session of its own on Unix, a process group without a console on
// Windows) so that it survives the agent's end. It returns once a command
// has been accepted (ended well, or still running after a few seconds),
// and an error saying why when none could start or each failed at once.
// ctx only cuts the watching short; it never stops the command.
func Reboot(ctx context.Context, cfg Config) error {
	var cmds []restartCommand
	if cfg.Command != "" {
		cmds = []restartCommand{{argv: shellArgv(cfg.Command), shell: cfg.Command}}
	} else {
		for _, argv := range DefaultCommands(runtime.GOOS) {
			cmds = append(cmds, restartCommand{argv: argv})
		}
	}
	var whys []string
	for _, rc := range cmds {
		err := startDetached(ctx, rc)
		if err == nil {
			return nil
		}
		whys = append(whys, fmt.Sprintf("%q %v", rc.String(), err))
	}
	return fmt.Errorf("the computer could not be restarted: %s", strings.Join(whys, "; "))
}

func startDetached(ctx context.Context, rc restartCommand) error {
	cmd := exec.Command(rc.argv[0], rc.argv[1:]...)
	if errors.Is(cmd.Err, exec.ErrNotFound) {
		return fmt.Errorf("cannot run: %s is not installed", rc.argv[0])
	}
	if cmd.Err != nil {
		return fmt.Errorf("cannot run: %w", cmd.Err)
	}
	// The output goes to a file rather than a pipe: a pipe would break,
	// and could kill the command, once the agent is gone.
	out, err := os.CreateTemp("", "lifeline-reboot-*.log")
	if err != nil {
		return fmt.Errorf("cannot run: %w", err)
	}
	cleanup := func() {
		out.Close()
		os.Remove(out.Name())
	}
	cmd.Stdout, cmd.Stderr = out, out
	detach(cmd, rc)
	if err := cmd.Start(); err != nil {
		cleanup()
		return fmt.Errorf("cannot run: %w", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }() // reaps it, whenever it ends
	timer := time.NewTimer(startCheck)
	defer timer.Stop()
	select {
	case err := <-exited:
		defer cleanup()
		if err == nil {
			return nil
		}
		if said := lastWords(out); said != "" {
			return fmt.Errorf("failed (%v): %s", err, said)
		}
		return fmt.Errorf("failed (%v)", err)
	case <-timer.C:
	case <-ctx.Done():
	}
	go func() { <-exited; cleanup() }()
	return nil
}

// lastWords is the end of what a failed command printed, on one line.
func lastWords(f *os.File) string {
	info, err := f.Stat()
	if err != nil {
		return ""
	}
	const most = 500
	off := max(info.Size()-most, 0)
	b, err := io.ReadAll(io.NewSectionReader(f, off, most))
	if err != nil {
		return ""
	}
	return strings.Join(strings.Fields(strings.ToValidUTF8(string(b), "\uFFFD")), " ")
}
