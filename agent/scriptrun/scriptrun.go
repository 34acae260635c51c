// Package scriptrun runs scripts of the Script Library on the customer's
// computer, after the customer has granted the run.
//
// The guide's rules: the scripts of one run go sequentially, in the order
// the CSR chose; they run in a temporary folder and nothing remains on the
// customer's computer once they are done; their output is shown to the CSR
// with any errors. So a Runner makes one fresh private folder for the
// whole run (the scripts of a run may leave files there for the ones after
// them), writes each script and its input file there just before it runs,
// and removes the folder before Run returns, whatever happened.
//
// A script that fails does not stop the run: the guide says nothing about
// stopping, and the CSR, who sees every script's result, ordered the
// scripts and can stop the run at any time. A script of a kind this
// computer cannot run (a PowerShell script on Linux) is reported as an
// error and the run goes on too.
//
// What a script gets:
//   - its working folder is the run folder; standard input is empty;
//   - the input file, when the script has one, is in that folder under its
//     own name, and the environment variable LIFELINE_INPUT holds its full
//     path (it is unset when there is none);
//   - its time limit (Script.Timeout, at most an hour, by default 5
//     minutes). At the limit, or when the run is stopped, the script and
//     every process it started are stopped: on Unix they are sent SIGTERM,
//     and SIGKILL after Runner.Grace; on Windows the job object holding
//     them is terminated.
//
// When a script ends, the processes it left running in the background
// are stopped as well: they could otherwise outlive the run, keep files in
// a folder that is being removed, and go on doing what the CSR can no
// longer see. A script that must start a program that stays has to start
// it outside its process group and away from its output (on Linux,
// setsid prog >/dev/null 2>&1 &); the run waits for such a program's hold
// on the output at most a second.
package scriptrun

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"lifeline/shared/protocol"
	"lifeline/shared/scripttype"
)

// InputEnv is the environment variable holding the input file's path.
const InputEnv = "LIFELINE_INPUT"

// Limits of a script's time.
const (
	DefaultTimeout = scripttype.DefaultTimeLimit * time.Second
	MaxTimeout     = scripttype.MaxTimeLimit * time.Second
)

// DefaultGrace is how long a script's processes get to end after SIGTERM
// before they are killed.
const DefaultGrace = 2 * time.Second

// drainWait is how long the output of a script that has ended may take to
// close: a process that left the script's process group may hold it open
// for ever, and the run must go on.
const drainWait = time.Second

// Script is one script of a run, as the console sent it.
type Script struct {
	Name      string // the library's name, shown to people; not a file name
	FileName  string // the script file's name in the library, e.g. "cleanup.sh"; its extension picks the interpreter
	Body      []byte
	InputName string // the input file's name, "" when there is none
	Input     []byte
	Timeout   time.Duration // 0: DefaultTimeout; more than MaxTimeout: MaxTimeout
}

// Output is a piece of a script's output as it came. Data is the
// script's bytes as they are, except that a UTF-8 character is never split
// between two pieces of the same stream.
type Output struct {
	Index  int    // the script's place in the run
	Stream string // "stdout" or "stderr"
	Data   []byte
}

// Result is how one script of a run ended.
type Result struct {
	Index    int
	Name     string
	Status   string // protocol.ScriptOK, ScriptFailed, ScriptTimeout, ScriptError or ScriptCancelled
	ExitCode int    // the script's exit status; -1 when it was killed or never ran
	Duration time.Duration
	// Output is the end of standard output and standard error, in the
	// order they came, at most protocol.MaxScriptOutput bytes of valid
	// UTF-8; Truncated says that more came before it.
	Output    string
	Truncated bool
	// Err says why, for a script that could not run, timed out or was
	// cancelled: a sentence for the CSR.
	Err string
}

// Runner runs scripts. Its zero value is ready to use; one Runner may run
// several runs at once, each in its own folder.
type Runner struct {
	TempDir string        // where run folders are made; "" is os.TempDir()
	Log     *slog.Logger  // nil logs nothing
	Grace   time.Duration // between SIGTERM and SIGKILL on Unix; 0 is DefaultGrace
}

// Run runs the scripts one after the other in one fresh private folder
// (mode 0700), and returns every script's Result, in order. onOutput gets
// the output as it arrives and onResult each script's Result when it has
// ended; either may be nil. Both are called on the calling goroutine,
// never at the same time, so they need no locking of their own.
//
// When ctx is done the current script is stopped as at its time limit,
// and it and the scripts after it are cancelled. The folder is removed
// before Run returns, and also when a callback panics (the panic goes on
// once the script's processes are stopped and the folder is gone).
func (r *Runner) Run(ctx context.Context, scripts []Script, onOutput func(Output), onResult func(Result)) []Result {
	log := r.log()
	results := make([]Result, 0, len(scripts))
	report := func(res Result) {
		results = append(results, res)
		if onResult != nil {
			onResult(res)
		}
	}
	dir, err := r.makeDir()
	if err != nil {
		log.Error("no folder to run scripts in", "err", err)
		for i, s := range scripts {
			report(Result{Index: i, Name: s.Name, Status: protocol.ScriptError, ExitCode: -1,
				Err: fmt.Sprintf("Lifeline could not make a folder to run the script in: %v.", err)})
		}
		return results
	}
	defer removeDir(dir, log)
	log.Info("running scripts", "count", len(scripts), "dir", dir)
	for i, s := range scripts {
		if ctx.Err() != nil {
			report(Result{Index: i, Name: s.Name, Status: protocol.ScriptCancelled, ExitCode: -1,
				Err: "The run was stopped before this script started."})
			continue
		}
		res := r.runOne(ctx, dir, i, s, onOutput)
		log.Info("script ended", "index", i, "name", s.Name, "status", res.Status, "exit", res.ExitCode,
			"duration", res.Duration, "err", res.Err)
		report(res)
	}
	return results
}

func (r *Runner) log() *slog.Logger {
	if r.Log != nil {
		return r.Log
	}
	return slog.New(slog.DiscardHandler)
}

func (r *Runner) grace() time.Duration {
	if r.Grace > 0 {
		return r.Grace
	}
	return DefaultGrace
}

// makeDir makes the run's folder. Its path is absolute, since it is handed
// to the scripts in LIFELINE_INPUT.
func (r *Runner) makeDir() (string, error) {
	base := r.TempDir
	if base == "" {
		base = os.TempDir()
	}
	base, err := filepath.Abs(base)
	if err != nil {
		return "", err
	}
	return os.MkdirTemp(base, "lifeline-run-")
}

// removeDir removes the run folder. A script may have taken the write
// permission from a folder or file of its own, which would stop RemoveAll,
// so permissions are given back and the removal tried again.
func removeDir(dir string, log *slog.Logger) {
	if os.RemoveAll(dir) == nil {
		return
	}
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if d == nil {
			return nil
		}
		if d.IsDir() {
			_ = os.Chmod(p, 0o700)
		} else if d.Type().IsRegular() {
			_ = os.Chmod(p, 0o600)
		}
		return nil
	})
	if err := os.RemoveAll(dir); err != nil {
		log.Error("the run folder could not be removed", "dir", dir, "err", err)
	}
}

// Timeout is a script's time limit: the library's default when it has
// none, and never more than the library's maximum, whatever the other side
// sent.
func Timeout(d time.Duration) time.Duration {
	switch {
	case d <= 0:
		return DefaultTimeout
	case d > MaxTimeout:
		return MaxTimeout
	}
	return d
}

// runOne runs one script in dir. Its deferred clean-up stops the script's
// processes even when onOutput panics.
func (r *Runner) runOne(ctx context.Context, dir string, index int, s Script, onOutput func(Output)) Result {
	res := Result{Index: index, Name: s.Name, ExitCode: -1}
	fail := func(format string, args ...any) Result {
		res.Status = protocol.ScriptError
		res.Err = fmt.Sprintf(format, args...)
		return res
	}
	in, ok := scripttype.InterpreterFor(s.FileName)
	if !ok {
		return fail("%q is not a kind of script Lifeline runs: the file name must end in %s.", s.FileName, scripttype.Extensions())
	}
	if in.Platform != scripttype.PlatformOf(runtime.GOOS) {
		return fail("%s cannot run on %s.", in.Kind, osName(runtime.GOOS))
	}
	if why := fileNameProblem("script file", s.FileName); why != "" {
		return fail("%s", why)
	}
	if s.InputName != "" || len(s.Input) > 0 {
		if why := fileNameProblem("input file", s.InputName); why != "" {
			return fail("%s", why)
		}
		if strings.EqualFold(s.InputName, s.FileName) {
			return fail("The input file cannot have the name of the script file, %q.", s.FileName)
		}
	}
	interpreter, err := exec.LookPath(in.Command[0])
	if err != nil {
		return fail("%s cannot run on this computer: %s is not installed.", in.Kind, in.Command[0])
	}
	scriptPath := filepath.Join(dir, s.FileName)
	if err := writeFile(scriptPath, s.Body); err != nil {
		return fail("Lifeline could not write the script file into the run folder: %v.", err)
	}
	env := withoutEnv(os.Environ(), InputEnv)
	if s.InputName != "" {
		inputPath := filepath.Join(dir, s.InputName)
		if err := writeFile(inputPath, s.Input); err != nil {
			return fail("Lifeline could not write the input file into the run folder: %v.", err)
		}
		env = append(env, InputEnv+"="+inputPath)
	}

	cmd := exec.Command(interpreter, append(in.Command[1:], scriptPath)...)
	cmd.Dir = dir
	cmd.Env = env
	outR, outW, err := os.Pipe()
	if err != nil {
		return fail("Lifeline could not start the script: %v.", err)
	}
	errR, errW, err := os.Pipe()
	if err != nil {
		outR.Close()
		outW.Close()
		return fail("Lifeline could not start the script: %v.", err)
	}
	cmd.Stdout, cmd.Stderr = outW, errW
	prepare(cmd, in, scriptPath)
	start := time.Now()
	tree, err := startTree(cmd)
	// The script holds the write ends now; ours would keep the pipes open
	// after it ends.
	outW.Close()
	errW.Close()
	if err != nil {
		outR.Close()
		errR.Close()
		return fail("Lifeline could not start the script: %v.", err)
	}
	defer tree.release()

	chunks := make(chan Output)
	stop := make(chan struct{})
	var readers sync.WaitGroup
	for _, p := range []struct {
		stream string
		f      *os.File
	}{{"stdout", outR}, {"stderr", errR}} {
		readers.Add(1)
		go func() {
			defer readers.Done()
			for {
				buf := make([]byte, 32<<10)
				n, err := p.f.Read(buf)
				if n > 0 {
					select {
					case chunks <- Output{Index: index, Stream: p.stream, Data: buf[:n]}:
					case <-stop:
						return
					}
				}
				if err != nil {
					return
				}
			}
		}()
	}
	readDone := make(chan struct{})
	go func() { readers.Wait(); close(readDone) }()
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()

	var (
		waitErr     error
		hasExited   bool
		outputEnded bool
		status      string // timeout or cancelled, once decided
		why         string
		tail        tailBuffer
		pending     = map[string][]byte{}
		graceC      <-chan time.Time
		drainC      <-chan time.Time
		ctxDone     = ctx.Done()
	)
	defer func() {
		close(stop)
		if !hasExited {
			tree.kill()
			<-exited
		}
		outR.Close()
		errR.Close()
	}()
	emit := func(o Output) {
		if len(o.Data) == 0 {
			return
		}
		tail.Write(o.Data)
		if onOutput != nil {
			onOutput(o)
		}
	}
	timeout := Timeout(s.Timeout)
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	stopTree := func(st, msg string) {
		if hasExited || status != "" {
			return
		}
		status, why = st, msg
		tree.terminate()
		graceC = time.After(r.grace())
	}
	for !hasExited || !outputEnded {
		select {
		case o := <-chunks:
			// A character split between two reads waits for its end, so
			// that no piece shown live has half a character.
			data := append(pending[o.Stream], o.Data...)
			whole, rest := splitRune(data)
			pending[o.Stream] = append([]byte(nil), rest...)
			o.Data = whole
			emit(o)
		case <-readDone:
			outputEnded, readDone = true, nil
			for _, stream := range []string{"stdout", "stderr"} {
				emit(Output{Index: index, Stream: stream, Data: pending[stream]})
			}
		case waitErr = <-exited:
			hasExited = true
			res.Duration = time.Since(start)
			tree.kill() // what it left running in the background
			drainC = time.After(drainWait)
		case <-timer.C:
			stopTree(protocol.ScriptTimeout, fmt.Sprintf("The script ran longer than its time limit of %s and was stopped.", forPeople(timeout)))
		case <-ctxDone:
			ctxDone = nil
			stopTree(protocol.ScriptCancelled, "The run was stopped while the script was running.")
		case <-graceC:
			graceC = nil
			tree.kill()
		case <-drainC:
			drainC = nil
			outR.Close()
			errR.Close()
		}
	}

	res.Output, res.Truncated = tail.Text()
	res.ExitCode = cmd.ProcessState.ExitCode()
	var exitErr *exec.ExitError
	switch {
	case status != "":
		res.Status, res.Err = status, why
	case waitErr == nil:
		res.Status = protocol.ScriptOK
	case errors.As(waitErr, &exitErr) && res.ExitCode >= 0:
		res.Status = protocol.ScriptFailed
	case errors.As(waitErr, &exitErr):
		res.Status, res.Err = protocol.ScriptFailed, fmt.Sprintf("The script was ended by %s.", exitErr.ProcessState)
	default:
		res.Status, res.Err = protocol.ScriptError, fmt.Sprintf("Lifeline lost track of the script: %v.", waitErr)
	}
	return res
}

// writeFile writes a file of the run. Whatever a script before left under
// that name (a file, or a link to somewhere else) is removed first, and
// the file is made anew, so the write never follows a link out of the
// folder.
func writeFile(path string, data []byte) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// fileNameProblem says, as a sentence for the CSR, why a file name is not
// a plain name in the run folder, or is "" when it is. Names come from the other side, so anything that could lead
// elsewhere (separators, "..", a drive, a Windows device) or that Windows
// would store under another name is refused on every system alike.
func fileNameProblem(what, name string) string {
	switch {
	case name == "":
		return fmt.Sprintf("The %s has no name.", what)
	case !utf8.ValidString(name) || len(name) > 255:
		return fmt.Sprintf("The %s's name is not a valid file name.", what)
	case strings.ContainsAny(name, `/\`) || name == "." || name == "..":
		return fmt.Sprintf("The %s's name %q is not a plain file name: it must not name a folder.", what, name)
	case strings.ContainsFunc(name, unicode.IsControl) || strings.ContainsAny(name, `:*?"<>|`):
		return fmt.Sprintf(`The %s's name %q has characters a file name cannot have (:*?"<>| or control characters).`, what, name)
	case strings.HasSuffix(name, ".") || strings.HasSuffix(name, " "):
		return fmt.Sprintf("The %s's name %q must not end in a dot or a space.", what, name)
	case isDeviceName(name):
		return fmt.Sprintf("The %s's name %q is the name of a device on Windows.", what, name)
	}
	return ""
}

// isDeviceName says whether Windows takes name, with any extension, for a
// device rather than a file.
func isDeviceName(name string) bool {
	base, _, _ := strings.Cut(strings.ToUpper(name), ".")
	base = strings.TrimRight(base, " ")
	switch base {
	case "CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$":
		return true
	}
	if len(base) == 4 && (strings.HasPrefix(base, "COM") || strings.HasPrefix(base, "LPT")) && base[3] >= '0' && base[3] <= '9' {
		return true
	}
	return false
}

// withoutEnv drops a variable from an environment (in any case, as on
// Windows), so that a script never sees the agent's own value of it.
func withoutEnv(env []string, name string) []string {
	out := env[:0:0]
	for _, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		if !strings.EqualFold(k, name) {
			out = append(out, kv)
		}
	}
	return out
}

// osName is a GOOS value as people write it.
func osName(goos string) string {
	names := map[string]string{
		"linux": "Linux", "darwin": "macOS", "windows": "Windows", "freebsd": "FreeBSD", "openbsd": "OpenBSD",
		"netbsd": "NetBSD", "dragonfly": "DragonFly BSD", "solaris": "Solaris", "illumos": "illumos", "aix": "AIX",
	}
	if n, ok := names[goos]; ok {
		return n
	}
	return goos
}

// forPeople writes a time limit: "5 minutes", "90 seconds", "300ms".
func forPeople(d time.Duration) string {
	plural := func(n int64, unit string) string {
		if n == 1 {
			return "1 " + unit
		}
		return fmt.Sprintf("%d %ss", n, unit)
	}
	switch {
	case d >= time.Minute && d%time.Minute == 0:
		return plural(int64(d/time.Minute), "minute")
	case d >= time.Second && d%time.Second == 0:
		return plural(int64(d/time.Second), "second")
	}
	return d.String()
}
