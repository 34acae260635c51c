package headless

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"lifeline/console/controller"
	"lifeline/shared/client"
	"lifeline/shared/filetransfer"
)

// maxScriptOutput bounds the output a scripts run reply carries per
// script; the rest is counted, not kept.
const maxScriptOutput = 1 << 20

// rebootTimeout is how long reboot waits for the customer to be back by
// default: a computer restarting and its user logging in again.
const rebootTimeout = 10 * time.Minute

// tool runs the customer-computer commands: sysinfo, files, scripts, reboot.
func (sh *shell) tool(ctx context.Context, s *controller.Session, cmd command) (*obj, error) {
	switch cmd.name {
	case "sysinfo":
		actx, cancel := context.WithTimeout(ctx, sh.opts.AnswerTimeout+time.Minute)
		defer cancel()
		r, err := s.SystemInfo(actx)
		if err != nil {
			return nil, denied(err, "reading the system information")
		}
		if err := os.WriteFile(cmd.path, []byte(r.Text()), 0o644); err != nil {
			return nil, fmt.Errorf("could not write the system information: %w", err)
		}
		var cats []any
		for _, c := range r.Categories {
			cats = append(cats, c.ID)
		}
		return success().set("path", cmd.path).set("categories", cats), nil
	case "files":
		return sh.files(ctx, s, cmd)
	case "scripts":
		return sh.runScripts(ctx, s, cmd.args)
	case "reboot":
		actx, cancel := context.WithTimeout(ctx, sh.opts.AnswerTimeout)
		defer cancel()
		if err := s.Reboot(actx); err != nil {
			return nil, denied(err, "restarting the computer")
		}
		d := pick(cmd.timeout, rebootTimeout)
		wctx, cancel2 := context.WithTimeout(ctx, d)
		defer cancel2()
		p, err := s.WaitRejoined(wctx)
		if err != nil {
			return nil, timedOut(err, d, "the customer's computer restarted but the customer did not rejoin")
		}
		return success().set("rejoined", true).set("participant_id", p.ID).set("name", p.Name), nil
	}
	return nil, fmt.Errorf("unknown command %q", cmd.name)
}

func denied(err error, what string) error {
	if errors.Is(err, controller.ErrDenied) {
		return fmt.Errorf("the customer did not allow %s", what)
	}
	return err
}

// remote turns a remote operand into a path relative to the customer's
// folder: "." and "/" are the folder itself. Anything else is passed on
// as written, for the customer's agent to check.
func remote(p string) string {
	if p == "." || p == "/" {
		return ""
	}
	return strings.TrimPrefix(p, "./")
}

// openFiles returns the session's advanced file transfer, asking the
// customer the first time (and again after it ended).
func (sh *shell) openFiles(ctx context.Context, s *controller.Session) (*controller.Files, error) {
	if f := sh.advanced; f != nil && sh.sess == s {
		select {
		case <-f.Done():
		default:
			return f, nil
		}
	}
	actx, cancel := context.WithTimeout(ctx, sh.opts.AnswerTimeout)
	defer cancel()
	f, err := s.OpenFiles(actx)
	if err != nil {
		return nil, denied(err, "file transfer")
	}
	sh.advanced = f
	return f, nil
}

func (sh *shell) files(ctx context.Context, s *controller.Session, cmd command) (*obj, error) {
	a := cmd.args
	switch cmd.sub {
	case "publish":
		if err := s.Publish(ctx, a[0]); err != nil {
			return nil, err
		}
		return success().set("published", entries(s.Published())), nil
	case "unpublish":
		if err := s.Unpublish(ctx, a[0]); err != nil {
			return nil, err
		}
		return success().set("published", entries(s.Published())), nil
	case "close":
		var closed []any
		if sh.advanced != nil {
			_ = sh.advanced.Close()
			sh.advanced = nil
			closed = append(closed, "advanced")
		}
		if err := s.EndPublish(ctx); err == nil {
			closed = append(closed, "published")
		}
		if closed == nil {
			return nil, errors.New("no file transfer is open")
		}
		return success().set("closed", closed), nil
	}
	f, err := sh.openFiles(ctx, s)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	switch cmd.sub {
	case "ls":
		dir := ""
		if len(a) == 1 {
			dir = remote(a[0])
		}
		l, err := f.List(ctx, dir)
		if err != nil {
			return nil, err
		}
		o := success().set("root", f.Root()).set("path", dir).set("entries", entries(l.Entries))
		if l.Hidden > 0 {
			o.set("hidden", l.Hidden)
		}
		return o, nil
	case "mkdir":
		return success(), f.Mkdir(ctx, remote(a[0]))
	case "rename":
		return success(), f.Rename(ctx, remote(a[0]), a[1])
	case "rm":
		return success(), f.Remove(ctx, remote(a[0]), true)
	case "put":
		res, err := f.Put(ctx, []string{a[0]}, remote(a[1]), nil)
		if err != nil {
			return nil, err
		}
		return transferred(res, time.Since(start)), nil
	case "get":
		res, err := f.Get(ctx, []string{remote(a[0])}, a[1], nil)
		if err != nil {
			return nil, err
		}
		return transferred(res, time.Since(start)), nil
	}
	return nil, fmt.Errorf("unknown files subcommand %q", cmd.sub)
}

func transferred(r filetransfer.Result, took time.Duration) *obj {
	o := success().set("files", r.Files).set("bytes", r.Bytes).set("resumed_bytes", r.Resumed).set("seconds", round1(took.Seconds()))
	if took > 0 {
		o.set("mb_per_s", round1(float64(r.Bytes)/(1<<20)/took.Seconds()))
	}
	if len(r.Skipped) > 0 {
		var sk []any
		for _, s := range r.Skipped {
			sk = append(sk, newObj().set("path", s.Path).set("reason", s.Reason))
		}
		o.set("skipped", sk)
	}
	return o
}

func entries(es []filetransfer.DirEntry) []any {
	out := make([]any, 0, len(es))
	for _, e := range es {
		out = append(out, newObj().set("name", e.Name).set("kind", e.Kind.String()).set("size", e.Size).set("modified", e.ModTime.UTC().Format(time.RFC3339)))
	}
	return out
}

// runScripts runs library scripts by name and replies with each one's
// output and outcome.
func (sh *shell) runScripts(ctx context.Context, s *controller.Session, names []string) (*obj, error) {
	lib, err := sh.ctrl.API().ListScripts(ctx, client.ScriptListOptions{})
	if err != nil {
		return nil, fmt.Errorf("could not read the Script Library: %w", err)
	}
	var run []controller.ScriptToRun
	for _, n := range names {
		id := ""
		for _, sc := range lib {
			if sc.Name == n {
				id = sc.ID
				break
			}
		}
		if id == "" {
			return nil, fmt.Errorf("there is no script named %q in your Script Library", n)
		}
		sc, err := sh.ctrl.LoadScript(ctx, id)
		if err != nil {
			return nil, err
		}
		run = append(run, sc)
	}
	outputs := make([]strings.Builder, len(run))
	lost := make([]int, len(run))
	results, err := s.RunScripts(ctx, run, func(o controller.ScriptOutput) {
		// RunScripts calls this from one goroutine, in order.
		if b := &outputs[o.Index]; b.Len()+len(o.Text) <= maxScriptOutput {
			b.WriteString(o.Text)
		} else {
			lost[o.Index] += len(o.Text)
		}
	})
	if err != nil {
		return nil, denied(err, "running the scripts")
	}
	var list []any
	for _, r := range results {
		o := newObj().set("name", r.Name).set("status", r.Status).set("exit_code", r.ExitCode).set("duration_ms", r.DurationMS)
		if r.Index >= 0 && r.Index < len(outputs) {
			o.set("output", outputs[r.Index].String())
			if lost[r.Index] > 0 {
				o.set("output_lost_bytes", lost[r.Index])
			}
		}
		if r.Error != "" {
			o.set("error", r.Error)
		}
		list = append(list, o)
	}
	return success().set("results", list), nil
}
