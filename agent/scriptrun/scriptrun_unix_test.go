//go:build unix

package scriptrun

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"

	"lifeline/shared/protocol"
)

// want is what a test expects of one script's Result. Empty fields are
// not checked, except Status.
type want struct {
	status    string
	exit      *int
	output    *string // exactly
	contains  []string
	err       string // in Err
	truncated bool
}

func code(n int) *int       { return &n }
func text(s string) *string { return &s }
func sh(body string) Script {
	return Script{Name: "a script", FileName: "script.sh", Body: []byte(body)}
}

// trace is what one Run reported.
type trace struct {
	results  []Result // from onResult
	outputs  []Output
	dirs     map[string]bool // run folders seen in the base folder while scripts ran
	returned []Result
}

func (tr *trace) output(index int) string {
	var b strings.Builder
	for _, o := range tr.outputs {
		if o.Index == index {
			b.Write(o.Data)
		}
	}
	return b.String()
}

// run runs scripts with a Runner whose base folder is fresh, and checks
// what every Run must do: a Result for each script, in order, the same
// returned and reported, and nothing left in the base folder.
func run(t *testing.T, ctx context.Context, scripts []Script, onOutput func(Output, context.CancelFunc)) *trace {
	t.Helper()
	base := t.TempDir()
	r := &Runner{TempDir: base, Grace: 200 * time.Millisecond}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	tr := &trace{dirs: map[string]bool{}}
	tr.returned = r.Run(ctx, scripts, func(o Output) {
		tr.outputs = append(tr.outputs, o)
		entries, _ := os.ReadDir(base)
		for _, e := range entries {
			tr.dirs[filepath.Join(base, e.Name())] = true
		}
		if onOutput != nil {
			onOutput(o, cancel)
		}
	}, func(res Result) { tr.results = append(tr.results, res) })
	if len(tr.returned) != len(scripts) || len(tr.results) != len(scripts) {
		t.Fatalf("%d results returned and %d reported for %d scripts", len(tr.returned), len(tr.results), len(scripts))
	}
	for i := range tr.returned {
		if tr.returned[i] != tr.results[i] || tr.returned[i].Index != i || tr.returned[i].Name != scripts[i].Name {
			t.Errorf("result %d: returned %+v, reported %+v", i, tr.returned[i], tr.results[i])
		}
	}
	if entries, _ := os.ReadDir(base); len(entries) > 0 {
		t.Errorf("left in the base folder after the run: %v", entries)
	}
	if len(tr.dirs) > 1 {
		t.Errorf("one run used several folders: %v", tr.dirs)
	}
	return tr
}

func check(t *testing.T, i int, res Result, w want) {
	t.Helper()
	if res.Status != w.status {
		t.Errorf("script %d: status %q, want %q (err %q, output %q)", i, res.Status, w.status, res.Err, res.Output)
	}
	if w.exit != nil && res.ExitCode != *w.exit {
		t.Errorf("script %d: exit code %d, want %d", i, res.ExitCode, *w.exit)
	}
	if w.output != nil && res.Output != *w.output {
		t.Errorf("script %d: output %q, want %q", i, res.Output, *w.output)
	}
	for _, c := range w.contains {
		if !strings.Contains(res.Output, c) {
			t.Errorf("script %d: output %q lacks %q", i, res.Output, c)
		}
	}
	if (w.err == "" && res.Err != "") || !strings.Contains(res.Err, w.err) {
		t.Errorf("script %d: err %q, want %q", i, res.Err, w.err)
	}
	if res.Truncated != w.truncated {
		t.Errorf("script %d: truncated %v, want %v", i, res.Truncated, w.truncated)
	}
	if len(res.Output) > protocol.MaxScriptOutput || !utf8.ValidString(res.Output) {
		t.Errorf("script %d: output of %d bytes, valid UTF-8: %v", i, len(res.Output), utf8.ValidString(res.Output))
	}
}

var pidRE = regexp.MustCompile(`(self|child)=(\d+)`)

// pids finds the "self=123" and "child=456" a script printed.
func pids(out string) []int {
	var ps []int
	for _, m := range pidRE.FindAllStringSubmatch(out, -1) {
		n, _ := strconv.Atoi(m[2])
		ps = append(ps, n)
	}
	return ps
}

// gone waits a little for a process to have ended. A zombie counts as
// ended: it runs nothing, and reaping an orphan is its new parent's
// business, which may be slow in a container.
func gone(pid int) bool {
	deadline := time.Now().Add(3 * time.Second)
	for {
		err := syscall.Kill(pid, 0)
		if errors.Is(err, syscall.ESRCH) {
			return true
		}
		if stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid)); err == nil {
			if i := bytes.LastIndexByte(stat, ')'); i > 0 && bytes.HasPrefix(stat[i+1:], []byte(" Z")) {
				return true
			}
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestRun(t *testing.T) {
	outside := t.TempDir()                 // where a script that escaped its folder would write
	huge := strings.Repeat("€", 33) + "\n" // 100 bytes
	for _, tc := range []struct {
		name     string
		scripts  []Script
		cancelOn string // cancel the run when the output has this
		want     []want
		check    func(t *testing.T, tr *trace)
	}{{
		name:    "a script that succeeds",
		scripts: []Script{sh("echo hello")},
		want:    []want{{status: protocol.ScriptOK, exit: code(0), output: text("hello\n")}},
	}, {
		name:    "a script that exits with 3 fails, and the next one still runs",
		scripts: []Script{sh("echo bye; exit 3"), sh("echo next")},
		want: []want{
			{status: protocol.ScriptFailed, exit: code(3), output: text("bye\n")},
			{status: protocol.ScriptOK, exit: code(0), output: text("next\n")},
		},
	}, {
		name:    "standard error is kept, interleaved with standard output as it came",
		scripts: []Script{sh("echo one; sleep 0.1; echo two >&2; sleep 0.1; echo three")},
		want:    []want{{status: protocol.ScriptOK, output: text("one\ntwo\nthree\n")}},
		check: func(t *testing.T, tr *trace) {
			var got []string
			for _, o := range tr.outputs {
				got = append(got, o.Stream+":"+string(o.Data))
			}
			if w := []string{"stdout:one\n", "stderr:two\n", "stdout:three\n"}; fmt.Sprint(got) != fmt.Sprint(w) {
				t.Errorf("output pieces %q, want %q", got, w)
			}
		},
	}, {
		name: "the input file is in the folder, and LIFELINE_INPUT is its path",
		scripts: []Script{{Name: "with input", FileName: "read.sh", InputName: "data.txt", Input: []byte("42\n"),
			Body: []byte(`cat "$LIFELINE_INPUT"; cat data.txt; [ "$LIFELINE_INPUT" = "$(pwd -P)/data.txt" ] && echo same`)}},
		want: []want{{status: protocol.ScriptOK, output: text("42\n42\nsame\n")}},
	}, {
		name:    "without an input file LIFELINE_INPUT is unset, whatever the agent's environment has",
		scripts: []Script{sh(`echo "in=${LIFELINE_INPUT-unset}"`)},
		want:    []want{{status: protocol.ScriptOK, output: text("in=unset\n")}},
	}, {
		name:    "the folder is private, is the working folder and holds the script under its name",
		scripts: []Script{sh(`ls -ld . | cut -c1-10; ls; echo "dir=$(pwd -P)"`)},
		want:    []want{{status: protocol.ScriptOK, contains: []string{"drwx------\nscript.sh\ndir="}}},
		check: func(t *testing.T, tr *trace) {
			_, dir, _ := strings.Cut(tr.results[0].Output, "dir=")
			dir = strings.TrimSpace(dir)
			if !tr.dirs[dir] {
				t.Errorf("the script ran in %q, not in the run folder %v", dir, tr.dirs)
			}
			if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("%s is still there: %v", dir, err)
			}
		},
	}, {
		name:    "a .bash script runs with bash",
		scripts: []Script{{Name: "bash", FileName: "x.BASH", Body: []byte(`echo "${BASH_VERSION:+bash}"`)}},
		want:    []want{{status: protocol.ScriptOK, output: text("bash\n")}},
	}, {
		name: "scripts of one run share the folder, and files stay for the next script",
		scripts: []Script{sh(`echo kept > note; echo "dir=$(pwd)"`),
			{Name: "second", FileName: "second.sh", Body: []byte(`cat note; echo "dir=$(pwd)"`)}},
		want: []want{{status: protocol.ScriptOK}, {status: protocol.ScriptOK, contains: []string{"kept\n"}}},
		check: func(t *testing.T, tr *trace) {
			if a, b := tr.results[0].Output, tr.results[1].Output[len("kept\n"):]; a != b {
				t.Errorf("the scripts ran in %q and %q", a, b)
			}
		},
	}, {
		name: "a kind of script Lifeline does not run is an error, and the run goes on",
		scripts: []Script{{Name: "python", FileName: "fix.py", Body: []byte("print(1)")},
			{Name: "powershell", FileName: "fix.ps1", Body: []byte("Write-Output 1")},
			{Name: "batch", FileName: "FIX.BAT", Body: []byte("echo 1")},
			sh("echo still")},
		want: []want{
			{status: protocol.ScriptError, exit: code(-1), err: `"fix.py" is not a kind of script Lifeline runs: the file name must end in .sh, .bash, .ps1, .bat or .cmd.`},
			{status: protocol.ScriptError, exit: code(-1), err: "PowerShell scripts cannot run on " + osName(runtime.GOOS)},
			{status: protocol.ScriptError, exit: code(-1), err: "Batch files cannot run on " + osName(runtime.GOOS)},
			{status: protocol.ScriptOK, output: text("still\n")},
		},
	}, {
		name:    "a script killed by a signal has failed",
		scripts: []Script{sh(`kill -9 $$`)},
		want:    []want{{status: protocol.ScriptFailed, exit: code(-1), err: "The script was ended by signal: killed."}},
	}, {
		name: "at the time limit the script and what it started are stopped",
		scripts: []Script{{Name: "slow", FileName: "slow.sh", Timeout: 300 * time.Millisecond,
			Body: []byte(`sleep 60 & echo "self=$$ child=$!"; sleep 60`)}, sh("echo after")},
		want: []want{
			{status: protocol.ScriptTimeout, exit: code(-1), err: "The script ran longer than its time limit of 300ms and was stopped."},
			{status: protocol.ScriptOK, output: text("after\n")},
		},
		check: func(t *testing.T, tr *trace) {
			ps := pids(tr.results[0].Output)
			if len(ps) != 2 {
				t.Fatalf("no pids in %q", tr.results[0].Output)
			}
			for _, pid := range ps {
				if !gone(pid) {
					t.Errorf("process %d is still running", pid)
				}
			}
			if d := tr.results[0].Duration; d < 300*time.Millisecond || d > 5*time.Second {
				t.Errorf("it ran for %v", d)
			}
		},
	}, {
		name: "a script that ignores SIGTERM is killed after the grace",
		scripts: []Script{{Name: "stubborn", FileName: "stubborn.sh", Timeout: 300 * time.Millisecond,
			Body: []byte(`trap '' TERM; sleep 60 & echo "self=$$ child=$!"; while :; do sleep 1; done`)}},
		want: []want{{status: protocol.ScriptTimeout, exit: code(-1), err: "time limit of 300ms"}},
		check: func(t *testing.T, tr *trace) {
			for _, pid := range pids(tr.results[0].Output) {
				if !gone(pid) {
					t.Errorf("process %d is still running", pid)
				}
			}
			if d := tr.results[0].Duration; d < 500*time.Millisecond || d > 5*time.Second {
				t.Errorf("it ran for %v, want the limit and the grace", d)
			}
		},
	}, {
		name:    "what a script leaves running in the background is stopped when it ends",
		scripts: []Script{sh(`sleep 60 & echo "child=$!"`)},
		want:    []want{{status: protocol.ScriptOK}},
		check: func(t *testing.T, tr *trace) {
			for _, pid := range pids(tr.results[0].Output) {
				if !gone(pid) {
					t.Errorf("process %d is still running", pid)
				}
			}
		},
	}, {
		name:     "stopping the run cancels the running script and the ones after it",
		scripts:  []Script{sh("echo first"), sh(`sleep 60 & echo "self=$$ child=$!"; sleep 60`), sh("echo never")},
		cancelOn: "child=",
		want: []want{
			{status: protocol.ScriptOK, output: text("first\n")},
			{status: protocol.ScriptCancelled, exit: code(-1), err: "The run was stopped while the script was running."},
			{status: protocol.ScriptCancelled, exit: code(-1), output: text(""), err: "The run was stopped before this script started."},
		},
		check: func(t *testing.T, tr *trace) {
			for _, pid := range pids(tr.results[1].Output) {
				if !gone(pid) {
					t.Errorf("process %d is still running", pid)
				}
			}
			if d := tr.results[1].Duration; d > 5*time.Second {
				t.Errorf("the cancelled script ran for %v", d)
			}
		},
	}, {
		// 8192 is 92 bytes into a line of 100, inside the third €.
		name:    "of a huge output the end is kept, cut at a character",
		scripts: []Script{sh(fmt.Sprintf(`yes '%s' | head -n 50000`, strings.TrimSuffix(huge, "\n")))},
		want:    []want{{status: protocol.ScriptOK, truncated: true}},
		check: func(t *testing.T, tr *trace) {
			full := strings.Repeat(huge, 50000)
			if got := tr.output(0); got != full {
				t.Errorf("%d bytes came live, want %d", len(got), len(full))
			}
			out := tr.results[0].Output
			if len(out) != protocol.MaxScriptOutput-1 || !strings.HasSuffix(full, out) {
				t.Errorf("kept %d bytes (%q…), want the last %d", len(out), out[:min(len(out), 20)], protocol.MaxScriptOutput-1)
			}
		},
	}, {
		name:    "output that is not UTF-8 is kept as valid UTF-8",
		scripts: []Script{sh(`printf 'caf\351\n'`)},
		want:    []want{{status: protocol.ScriptOK, output: text("caf\uFFFD\n")}},
	}, {
		name:    "a character written in two pieces comes live in one",
		scripts: []Script{sh(`printf '\342\202'; sleep 0.2; printf '\254\n'`)},
		want:    []want{{status: protocol.ScriptOK, output: text("€\n")}},
		check: func(t *testing.T, tr *trace) {
			for _, o := range tr.outputs {
				if !utf8.Valid(o.Data) {
					t.Errorf("a piece of output is not UTF-8: %q", o.Data)
				}
			}
		},
	}, {
		name:    "a folder a script made read-only is removed all the same",
		scripts: []Script{sh(`mkdir ro && touch ro/f && chmod 500 ro && echo made`)},
		want:    []want{{status: protocol.ScriptOK, output: text("made\n")}},
	}, {
		name: "a link a script left is replaced, not written through",
		scripts: []Script{sh(fmt.Sprintf(`ln -s %q data.txt && echo linked`, filepath.Join(outside, "target"))),
			{Name: "reader", FileName: "reader.sh", InputName: "data.txt", Input: []byte("secret"), Body: []byte(`cat data.txt`)}},
		want: []want{{status: protocol.ScriptOK}, {status: protocol.ScriptOK, output: text("secret")}},
		check: func(t *testing.T, tr *trace) {
			if _, err := os.Lstat(filepath.Join(outside, "target")); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("the input file was written through the link: %v", err)
			}
		},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(InputEnv, "/etc/passwd")
			var seen strings.Builder
			tr := run(t, context.Background(), tc.scripts, func(o Output, cancel context.CancelFunc) {
				seen.Write(o.Data)
				if tc.cancelOn != "" && strings.Contains(seen.String(), tc.cancelOn) {
					cancel()
				}
			})
			for i, w := range tc.want {
				check(t, i, tr.results[i], w)
			}
			if tc.check != nil {
				tc.check(t, tr)
			}
		})
	}
}

func TestRunRefusesFileNames(t *testing.T) {
	for _, tc := range []struct {
		name            string
		fileName, input string
		err             string
	}{
		{"an input name leading out", "s.sh", "../x", "not a plain file name"},
		{"an input name in a folder", "s.sh", "a/b", "not a plain file name"},
		{"an input name with a backslash", "s.sh", `a\b`, "not a plain file name"},
		{"an input without a name", "s.sh", "", "The input file has no name."},
		{"an input named ..", "s.sh", "..", "not a plain file name"},
		{"an input named like a device", "s.sh", "nul.txt", "device"},
		{"an input with a colon", "s.sh", "x:y", "characters a file name cannot have"},
		{"an input of the script's name", "s.sh", "S.sh", "cannot have the name of the script file"},
		{"a script name leading out", "../s.sh", "in.txt", "not a plain file name"},
		{"an absolute script name", "/tmp/s.sh", "in.txt", "not a plain file name"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// Whatever it would do, the script must not run.
			body := `echo ran > ../ran; echo ran > ran; echo ran`
			tr := run(t, context.Background(), []Script{
				{Name: "bad", FileName: tc.fileName, Body: []byte(body), InputName: tc.input, Input: []byte("data")},
				sh("ls"),
			}, nil)
			check(t, 0, tr.results[0], want{status: protocol.ScriptError, exit: code(-1), output: text(""), err: tc.err})
			// The next script sees an empty folder but for itself.
			check(t, 1, tr.results[1], want{status: protocol.ScriptOK, output: text("script.sh\n")})
		})
	}
}

func TestRunCancelledBeforeStart(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	tr := run(t, ctx, []Script{sh("echo no"), sh("echo no")}, nil)
	for i := range 2 {
		check(t, i, tr.results[i], want{status: protocol.ScriptCancelled, exit: code(-1), output: text(""), err: "before this script started"})
	}
}

func TestRunWithoutInterpreter(t *testing.T) {
	// A PATH with sh and no bash.
	bin := t.TempDir()
	shPath, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	if err := os.Symlink(shPath, filepath.Join(bin, "sh")); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin)
	tr := run(t, context.Background(), []Script{{Name: "b", FileName: "b.bash", Body: []byte("echo")}, sh("echo sh")}, nil)
	check(t, 0, tr.results[0], want{status: protocol.ScriptError, err: "Bash scripts cannot run on this computer: bash is not installed."})
	check(t, 1, tr.results[1], want{status: protocol.ScriptOK, output: text("sh\n")})
}

func TestRunWithoutFolder(t *testing.T) {
	r := &Runner{TempDir: filepath.Join(t.TempDir(), "missing")}
	var reported int
	results := r.Run(context.Background(), []Script{sh("echo"), sh("echo")}, nil, func(Result) { reported++ })
	if len(results) != 2 || reported != 2 {
		t.Fatalf("%d results, %d reported", len(results), reported)
	}
	for i, res := range results {
		check(t, i, res, want{status: protocol.ScriptError, err: "Lifeline could not make a folder to run the script in"})
	}
}

// A panicking callback is the caller's bug, but the customer's computer
// must still be left clean.
func TestRunCleansUpAfterAPanic(t *testing.T) {
	base := t.TempDir()
	var pid int
	func() {
		defer func() {
			if p := recover(); p != "boom" {
				t.Errorf("recovered %v, want the callback's panic", p)
			}
		}()
		r := &Runner{TempDir: base}
		r.Run(context.Background(), []Script{sh(`echo "self=$$"; sleep 60`)}, func(o Output) {
			if ps := pids(string(o.Data)); len(ps) == 1 {
				pid = ps[0]
				panic("boom")
			}
		}, nil)
		t.Error("Run returned")
	}()
	if pid == 0 || !gone(pid) {
		t.Errorf("the script (pid %d) is still running", pid)
	}
	if entries, _ := os.ReadDir(base); len(entries) > 0 {
		t.Errorf("left in the base folder: %v", entries)
	}
}

func TestRunsDoNotSeeEachOther(t *testing.T) {
	r := &Runner{TempDir: t.TempDir()}
	var wg sync.WaitGroup
	results := make([][]Result, 2)
	for i := range 2 {
		wg.Go(func() {
			// Each run waits until both have written their file, so both
			// folders exist at once.
			body := fmt.Sprintf(`echo %d > mine-%d; sleep 0.5; ls; pwd`, i, i)
			results[i] = r.Run(context.Background(), []Script{sh(body)}, nil, nil)
		})
	}
	wg.Wait()
	var dirs []string
	for i, res := range results {
		check(t, 0, res[0], want{status: protocol.ScriptOK, contains: []string{fmt.Sprintf("mine-%d\nscript.sh\n", i)}})
		lines := strings.Split(strings.TrimSpace(res[0].Output), "\n")
		dirs = append(dirs, lines[len(lines)-1])
	}
	if dirs[0] == dirs[1] {
		t.Errorf("both runs ran in %s", dirs[0])
	}
}

// A process that left the script's process group cannot be stopped with
// it, and may hold the output open: the run goes on regardless.
func TestRunDoesNotWaitForAnEscapedProcess(t *testing.T) {
	if _, err := exec.LookPath("setsid"); err != nil {
		t.Skip("no setsid")
	}
	start := time.Now()
	// The script waits for setsid to have left its group: killed before,
	// it would not test the escape.
	tr := run(t, context.Background(), []Script{sh(`setsid sleep 30 & sleep 0.3; echo "child=$!"`), sh("echo next")}, nil)
	ps := pids(tr.results[0].Output)
	for _, pid := range ps {
		defer syscall.Kill(pid, syscall.SIGKILL)
	}
	if len(ps) != 1 || syscall.Kill(ps[0], 0) != nil {
		t.Fatalf("the escaped process %v is not running: the test proves nothing", ps)
	}
	check(t, 0, tr.results[0], want{status: protocol.ScriptOK, contains: []string{"child="}})
	check(t, 1, tr.results[1], want{status: protocol.ScriptOK, output: text("next\n")})
	if d := time.Since(start); d > drainWait+2*time.Second {
		t.Errorf("the run took %v", d)
	}
}
