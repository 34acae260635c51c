package gui

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"fyne.io/fyne/v2"

	"lifeline/console/controller"
	"lifeline/shared/client"
	"lifeline/shared/protocol"
)

// runScriptsWindow is one session's Run Scripts window; its fields are
// owned by the UI thread.
type runScriptsWindow struct {
	win  fyne.Window
	view *runScriptsView
	opts client.ScriptListOptions
	seq  int        // numbers the library requests; a stale answer is dropped
	run  *scriptRun // the run on its way, nil when none
}

// scriptRun is a run of scripts on its way.
type scriptRun struct {
	panel  *runPanel
	runID  string // from the first output or result; "" before
	cancel context.CancelFunc

	// The output arrives on the controller's goroutines; it waits here
	// until the UI thread takes it, in one go however much came.
	mu      sync.Mutex
	pending []controller.ScriptOutput
	queued  bool
}

// openRunScripts opens the session's Run Scripts window, or brings it
// forward.
func (u *ui) openRunScripts(su *sessionUI) {
	if rw := su.runs; rw != nil {
		rw.win.Show()
		rw.win.RequestFocus()
		return
	}
	w := u.app.NewWindow("Run Scripts — " + customerTitle(su))
	v := newRunScriptsView()
	rw := &runScriptsWindow{win: w, view: v}
	v.OnSort = func(sort string, desc bool) { rw.opts.Sort, rw.opts.Desc = sort, desc; u.loadRunLibrary(su, rw) }
	v.OnReload = func() { u.loadRunLibrary(su, rw) }
	v.OnRun = func(scripts []client.Script) { u.runScripts(su, rw, scripts) }
	v.OnStop = func() {
		if rw.run != nil {
			v.SetStatus("Stopping the scripts…", false)
			enable(false, v.stopBtn)
			rw.run.cancel()
		}
	}
	w.SetContent(v.content)
	w.Resize(fyne.NewSize(1040, 680))
	w.SetOnClosed(func() {
		if rw.run != nil {
			rw.run.cancel() // closing the window stops the run
		}
		if su.runs == rw {
			su.runs = nil
		}
	})
	su.runs = rw
	u.loadRunLibrary(su, rw)
	w.Show()
}

// closeRunScripts closes the window (the session is over).
func (su *sessionUI) closeRunScripts() {
	if rw := su.runs; rw != nil {
		su.runs = nil
		rw.win.Close()
	}
}

// loadRunLibrary lists the Script Library the way its own window does.
func (u *ui) loadRunLibrary(su *sessionUI, rw *runScriptsWindow) {
	c := u.controller()
	if c == nil {
		return
	}
	rw.seq++
	seq, opts := rw.seq, rw.opts
	u.goDo(func() {
		ctx, cancel := u.ctx(15 * time.Second)
		list, err := c.API().ListScripts(ctx, opts)
		cancel()
		u.do(func() {
			if su.runs != rw || rw.seq != seq {
				return
			}
			if err != nil {
				rw.view.SetStatus("The Script Library could not be loaded: "+apiSentence(err), true)
				return
			}
			rw.view.SetScripts(list)
			if rw.run == nil {
				rw.view.SetStatus(fmt.Sprintf("%d scripts in the library.", len(list)), false)
			}
		})
	})
}

// runScripts fetches the chosen scripts from the library, then runs them
// on the customer's computer once the customer allows it.
func (u *ui) runScripts(su *sessionUI, rw *runScriptsWindow, chosen []client.Script) {
	c := u.controller()
	if c == nil || rw.run != nil {
		return
	}
	names := make([]string, len(chosen))
	for i, s := range chosen {
		names[i] = s.Name
	}
	ctx, cancel := u.ctx(runTimeout(chosen))
	run := &scriptRun{panel: rw.view.StartRun(names, time.Now()), cancel: cancel}
	rw.run = run
	rw.view.SetRunning(true)
	rw.view.SetStatus("Fetching the scripts from the library…", false)
	s := su.s
	who := customerName(su)
	u.goDo(func() {
		defer cancel()
		scripts := make([]controller.ScriptToRun, 0, len(chosen))
		for _, cs := range chosen {
			sc, err := c.LoadScript(ctx, cs.ID)
			if err != nil {
				u.do(func() {
					u.runEnded(su, rw, run, nil, fmt.Errorf("%s could not be fetched from the library: %w", cs.Name, err))
				})
				return
			}
			scripts = append(scripts, sc)
		}
		u.do(func() {
			if rw.run == run {
				rw.view.SetStatus("Waiting for "+who+" to allow the scripts to run…", false)
			}
		})
		results, err := s.RunScripts(ctx, scripts, func(o controller.ScriptOutput) { u.scriptOutput(run, o) })
		u.do(func() { u.runEnded(su, rw, run, results, err) })
	})
}

// runTimeout bounds a whole run: the customer's answer, then every
// script's time limit (the server's default when it has none).
func runTimeout(scripts []client.Script) time.Duration {
	d := 3 * time.Minute
	for _, s := range scripts {
		secs := s.TimeLimit
		if secs <= 0 {
			secs = defaultTimeLimit
		}
		d += time.Duration(secs)*time.Second + 10*time.Second
	}
	return d
}

// scriptOutput takes output from any goroutine to the run's panel.
func (u *ui) scriptOutput(run *scriptRun, o controller.ScriptOutput) {
	run.mu.Lock()
	run.pending = append(run.pending, o)
	queue := !run.queued
	run.queued = true
	run.mu.Unlock()
	if queue {
		u.do(func() { u.flushOutput(run) })
	}
}

func (u *ui) flushOutput(run *scriptRun) {
	run.mu.Lock()
	out := run.pending
	run.pending, run.queued = nil, false
	run.mu.Unlock()
	for _, o := range out {
		if run.runID == "" {
			run.runID = o.RunID
		}
		run.panel.add(o.Index, o.Text)
	}
	run.panel.show()
}

// scriptResult shows a script's result in the run's panel when it is of
// this console's run; every result also goes to the chat panel (onEvent).
func (su *sessionUI) scriptResult(r protocol.ScriptResult) {
	rw := su.runs
	if rw == nil || rw.run == nil || r.RequestedBy != su.s.State().You {
		return
	}
	run := rw.run
	if run.runID == "" && r.Count == len(run.panel.names) {
		run.runID = r.RunID
	}
	if r.RunID == run.runID {
		run.panel.Result(r)
	}
}

// runEnded shows how a run ended.
func (u *ui) runEnded(su *sessionUI, rw *runScriptsWindow, run *scriptRun, results []protocol.ScriptResult, err error) {
	if rw.run != run {
		return
	}
	u.flushOutput(run)
	rw.run = nil
	rw.view.SetRunning(false)
	for _, r := range results {
		run.panel.Result(r)
	}
	switch {
	case errors.Is(err, controller.ErrDenied):
		run.panel.Finish("not run")
		rw.view.SetStatus("The customer did not allow the scripts to run.", true)
	case errors.Is(err, context.Canceled):
		run.panel.Finish("stopped")
		rw.view.SetStatus("The scripts were stopped.", false)
	case err != nil:
		run.panel.Finish("not run")
		rw.view.SetStatus("The scripts could not be run: "+sentence(err), true)
	default:
		run.panel.Finish("not run")
		rw.view.SetStatus(runSummary(results), false)
	}
}

// runSummary sums up a run's results.
func runSummary(results []protocol.ScriptResult) string {
	ok := 0
	for _, r := range results {
		if r.Status == protocol.ScriptOK {
			ok++
		}
	}
	switch {
	case len(results) == 1 && ok == 1:
		return "The script ran successfully."
	case len(results) == 1:
		return "The script did not succeed: " + scriptOutcome(results[0]) + "."
	case ok == len(results):
		return fmt.Sprintf("All %d scripts ran successfully.", len(results))
	}
	return fmt.Sprintf("%d of %d scripts ran successfully.", ok, len(results))
}
