package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// clockTicks is USER_HZ, the unit of utime and stime in /proc/PID/stat;
// it is 100 on every Linux architecture Go supports.
const clockTicks = 100

// memInfo is a process's resident memory, in KiB.
type memInfo struct {
	RSS, HWM int64
}

func (m memInfo) rssMiB() float64 { return float64(m.RSS) / 1024 }
func (m memInfo) hwmMiB() float64 { return float64(m.HWM) / 1024 }

// readMem reads VmRSS and VmHWM from /proc/PID/status.
func readMem(pid int) (memInfo, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return memInfo{}, fmt.Errorf("read memory of process %d: %w", pid, err)
	}
	var m memInfo
	for _, line := range strings.Split(string(b), "\n") {
		name, rest, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		f := strings.Fields(rest)
		if len(f) == 0 {
			continue
		}
		n, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			continue
		}
		switch name {
		case "VmRSS":
			m.RSS = n
		case "VmHWM":
			m.HWM = n
		}
	}
	if m.RSS == 0 {
		return m, fmt.Errorf("no VmRSS in /proc/%d/status", pid)
	}
	return m, nil
}

// readCPU returns the CPU time (user + system) a process has used.
func readCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, fmt.Errorf("read CPU time of process %d: %w", pid, err)
	}
	// The command name (field 2) may contain spaces; fields after it are
	// counted from the last ')'.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, fmt.Errorf("malformed /proc/%d/stat", pid)
	}
	f := strings.Fields(string(b[i+1:]))
	// f[0] is field 3 (state); utime is field 14, stime field 15.
	if len(f) < 13 {
		return 0, fmt.Errorf("malformed /proc/%d/stat", pid)
	}
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("malformed /proc/%d/stat", pid)
	}
	return time.Duration(ut+st) * time.Second / clockTicks, nil
}

// countFDs counts a process's open file descriptors.
func countFDs(pid int) int {
	ents, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	if err != nil {
		return -1
	}
	return len(ents)
}

// fdLimit is the open-file limit of this process after the Go runtime
// raised the soft limit to the hard one; children inherit the hard limit,
// and Go children raise their soft limit to it too.
func fdLimit() (soft, hard uint64, err error) {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		return 0, 0, err
	}
	return rl.Cur, rl.Max, nil
}

// ephemeralPorts is the size of the local port range for outgoing
// connections (0 when unknown).
func ephemeralPorts() int {
	b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) != 2 {
		return 0
	}
	lo, err1 := strconv.Atoi(f[0])
	hi, err2 := strconv.Atoi(f[1])
	if err1 != nil || err2 != nil {
		return 0
	}
	return hi - lo + 1
}

// machine describes the computer the benchmark ran on.
type machine struct {
	CPU      string
	Cores    int
	Go       string
	MemTotal int64 // KiB
	// Load is the 1-minute load average when the tool started, before it
	// did anything: the other work on the machine.
	Load string
}

func describeMachine() machine {
	m := machine{CPU: "unknown CPU", Cores: runtime.NumCPU(), Go: runtime.Version()}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if name, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(name) == "model name" {
				m.CPU = strings.TrimSpace(v)
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		if f := strings.Fields(string(b)); len(f) > 0 {
			m.Load = f[0]
		}
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if rest, ok := strings.CutPrefix(line, "MemTotal:"); ok {
				if f := strings.Fields(rest); len(f) > 0 {
					m.MemTotal, _ = strconv.ParseInt(f[0], 10, 64)
				}
			}
		}
	}
	return m
}

// children are the processes this tool started, for the watchdog that
// kills them if the tool itself has to give up.
var children struct {
	sync.Mutex
	procs map[*os.Process]struct{}
}

func killChildren() {
	children.Lock()
	defer children.Unlock()
	for p := range children.procs {
		_ = p.Kill()
	}
}

// child is a started process whose stdout lines are scanned for a few
// announcements; all of its output goes to a log file.
type child struct {
	name  string
	cmd   *exec.Cmd
	log   *os.File
	lines chan string // stdout lines, until the buffer fills
	done  chan struct{}
	err   error // exit status, once done is closed
}

// startChild starts a program that is killed when ctx ends (or when this
// tool dies, on Linux).
func startChild(ctx context.Context, name, logPath string, stdin io.Reader, prog string, args ...string) (*child, error) {
	lf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, prog, args...)
	cmd.Stdin = stdin
	cmd.Stderr = lf
	cmd.WaitDelay = 5 * time.Second
	setDeathSignal(cmd)
	out, err := cmd.StdoutPipe()
	if err != nil {
		lf.Close()
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		lf.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	children.Lock()
	if children.procs == nil {
		children.procs = map[*os.Process]struct{}{}
	}
	children.procs[cmd.Process] = struct{}{}
	children.Unlock()
	c := &child{name: name, cmd: cmd, log: lf, lines: make(chan string, 64), done: make(chan struct{})}
	scanned := make(chan struct{})
	go func() {
		defer close(scanned)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			line := sc.Text()
			fmt.Fprintln(lf, line)
			select {
			case c.lines <- line:
			default:
			}
		}
	}()
	go func() {
		<-scanned
		c.err = cmd.Wait()
		children.Lock()
		delete(children.procs, cmd.Process)
		children.Unlock()
		lf.Close()
		close(c.done)
	}()
	return c, nil
}

func (c *child) pid() int { return c.cmd.Process.Pid }

// waitLine waits for a stdout line with the prefix and returns the rest.
func (c *child) waitLine(ctx context.Context, prefix string, timeout time.Duration) (string, error) {
	t := time.NewTimer(timeout)
	defer t.Stop()
	for {
		select {
		case line := <-c.lines:
			if rest, ok := strings.CutPrefix(line, prefix); ok {
				return strings.TrimSpace(rest), nil
			}
		case <-c.done:
			return "", fmt.Errorf("%s exited (%v) before printing %q; its output:\n%s", c.name, c.err, prefix, c.tail(40))
		case <-t.C:
			return "", fmt.Errorf("%s did not print %q within %s; its output:\n%s", c.name, prefix, timeout, c.tail(40))
		case <-ctx.Done():
			return "", ctx.Err()
		}
	}
}

// stop sends SIGTERM and waits for the process to exit; after timeout it
// is killed. It returns how long the exit took and the exit error.
func (c *child) stop(timeout time.Duration) (time.Duration, error) {
	start := time.Now()
	select {
	case <-c.done:
		return 0, fmt.Errorf("%s had already exited: %v", c.name, c.err)
	default:
	}
	if err := c.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		return 0, err
	}
	select {
	case <-c.done:
		return time.Since(start), c.err
	case <-time.After(timeout):
		_ = c.cmd.Process.Kill()
		<-c.done
		return time.Since(start), fmt.Errorf("%s did not exit within %s of SIGTERM and was killed", c.name, timeout)
	}
}

// kill ends the process at once, if it still runs.
func (c *child) kill() {
	select {
	case <-c.done:
	default:
		_ = c.cmd.Process.Kill()
		<-c.done
	}
}

// tail returns the last lines of the child's log.
func (c *child) tail(n int) string {
	b, err := os.ReadFile(c.log.Name())
	if err != nil {
		return "(no log: " + err.Error() + ")"
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return "    " + strings.Join(lines, "\n    ")
}

// logLines returns the lines of the child's log that contain one of the
// words, at most max of them, and how many there were.
func (c *child) logLines(max int, words ...string) ([]string, int) {
	b, err := os.ReadFile(c.log.Name())
	if err != nil {
		return nil, 0
	}
	var out []string
	n := 0
	for _, line := range strings.Split(string(b), "\n") {
		for _, w := range words {
			if strings.Contains(line, w) {
				n++
				if len(out) < max {
					out = append(out, line)
				}
				break
			}
		}
	}
	return out, n
}

var errGoNotFound = errors.New("the go command is not on PATH (and GOROOT is not set)")

// goCmd finds the go command.
func goCmd() (string, error) {
	if p, err := exec.LookPath("go"); err == nil {
		return p, nil
	}
	if root := os.Getenv("GOROOT"); root != "" {
		return root + "/bin/go", nil
	}
	return "", errGoNotFound
}
