package controller

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"lifeline/shared/client"
	"lifeline/shared/filetransfer/dcconn"
	"lifeline/shared/protocol"
	"lifeline/shared/toolwire"
)

// ScriptToRun is a script from the library, with its files, ready to be
// sent to the customer's agent.
type ScriptToRun struct {
	Name, FileName string
	Body           []byte
	InputName      string
	Input          []byte
	Timeout        time.Duration
}

// LoadScript fetches a script and its input file from the Script Library.
func (c *Controller) LoadScript(ctx context.Context, id string) (ScriptToRun, error) {
	sc, err := c.api.Script(ctx, id)
	if err != nil {
		return ScriptToRun{}, c.apiError("load the script", err)
	}
	body, err := c.api.ScriptFile(ctx, id, client.ScriptPartScript)
	if err != nil {
		return ScriptToRun{}, c.apiError("load the script "+sc.Name, err)
	}
	r := ScriptToRun{Name: sc.Name, FileName: sc.Script.Name, Body: body, Timeout: time.Duration(sc.TimeLimit) * time.Second}
	if sc.Input != nil {
		if r.Input, err = c.api.ScriptFile(ctx, id, client.ScriptPartInput); err != nil {
			return ScriptToRun{}, c.apiError("load the input file of "+sc.Name, err)
		}
		r.InputName = sc.Input.Name
	}
	return r, nil
}

// ScriptOutput is a piece of a running script's output.
type ScriptOutput struct {
	RunID  string
	Index  int
	Name   string
	Stream string // stdout or stderr
	Text   string
}

// RunScripts asks the customer to let the CSR run these scripts (the
// customer sees their names, in order), runs them one after another on
// the customer's computer, calls onOutput (if not nil, from another
// goroutine) with their output as it comes, and returns each script's
// result. The results are also recorded in the session by the customer's
// agent (EventScriptResult for every CSR). Cancelling ctx stops the run.
func (s *Session) RunScripts(ctx context.Context, scripts []ScriptToRun, onOutput func(ScriptOutput)) ([]protocol.ScriptResult, error) {
	if len(scripts) == 0 || len(scripts) > toolwire.MaxScripts {
		return nil, fmt.Errorf("a run has 1 to %d scripts", toolwire.MaxScripts)
	}
	names := make([]string, len(scripts))
	req := toolwire.RunRequest{RunID: newID("r")} // each channel's id replaces it
	for i, sc := range scripts {
		names[i] = sc.Name
		if len(sc.Body) > toolwire.MaxScriptBytes || len(sc.Input) > toolwire.MaxScriptBytes {
			return nil, fmt.Errorf("the script %s or its input is larger than 1 MB", sc.Name)
		}
		t := sc.Timeout
		if t <= 0 {
			t = 300 * time.Second
		}
		req.Scripts = append(req.Scripts, toolwire.ScriptSpec{Name: sc.Name, FileName: sc.FileName, InputName: sc.InputName, TimeoutMS: t.Milliseconds()})
	}
	if err := req.Check(); err != nil {
		return nil, fmt.Errorf("the run cannot be sent: %w", err)
	}
	if err := s.grant(ctx, protocol.ActionScripts, toolwire.RunDetail(names)); err != nil {
		return nil, err
	}
	tp, err := s.tools(ctx)
	if err != nil {
		return nil, err
	}
	conn, err := s.request(ctx, tp, toolwire.LabelScripts, "r", func(conn *dcconn.Conn, id string) error {
		req.RunID = id
		return sendRun(conn, req, scripts)
	})
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	results := make([]protocol.ScriptResult, 0, len(scripts))
	for {
		var ev toolwire.RunEvent
		if err := toolwire.RecvJSON(ctx, conn, &ev); err != nil {
			if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
				return results, fmt.Errorf("the run was stopped: %w", err)
			}
			return results, fmt.Errorf("the connection to the customer's computer ended during the run: %w", err)
		}
		switch {
		case ev.Error != "":
			return results, errors.New(ev.Error)
		case ev.Output != nil && onOutput != nil && ev.Output.Index >= 0 && ev.Output.Index < len(scripts):
			onOutput(ScriptOutput{RunID: req.RunID, Index: ev.Output.Index, Name: scripts[ev.Output.Index].Name, Stream: ev.Output.Stream, Text: ev.Output.Data})
		case ev.Result != nil:
			if err := ev.Result.Validate(); err == nil {
				results = append(results, *ev.Result)
			}
		case ev.Done:
			return results, nil
		}
	}
}

// ScriptSummary is a script result in a line, for chat panels and the
// headless shell: "cleanup.sh: exit 0 in 1.2 s".
func ScriptSummary(r protocol.ScriptResult) string {
	d := (time.Duration(r.DurationMS) * time.Millisecond).Round(100 * time.Millisecond)
	var b strings.Builder
	b.WriteString(r.Name + ": ")
	switch r.Status {
	case protocol.ScriptOK, protocol.ScriptFailed:
		fmt.Fprintf(&b, "exit %d in %s", r.ExitCode, d)
	case protocol.ScriptTimeout:
		fmt.Fprintf(&b, "stopped at its time limit after %s", d)
	case protocol.ScriptCancelled:
		b.WriteString("cancelled")
	default:
		b.WriteString("could not run")
	}
	if r.Error != "" && r.Status != protocol.ScriptOK && r.Status != protocol.ScriptFailed {
		b.WriteString(" (" + r.Error + ")")
	}
	return b.String()
}

// sendRun sends a run's request and its scripts.
func sendRun(conn *dcconn.Conn, req toolwire.RunRequest, scripts []ScriptToRun) error {
	if err := toolwire.SendJSON(conn, req); err != nil {
		return fmt.Errorf("the scripts were not sent: %w", err)
	}
	for _, sc := range scripts {
		if err := toolwire.SendBlob(conn, sc.Body); err != nil {
			return fmt.Errorf("the script %s was not sent: %w", sc.Name, err)
		}
		if sc.InputName != "" {
			if err := toolwire.SendBlob(conn, sc.Input); err != nil {
				return fmt.Errorf("the input of %s was not sent: %w", sc.Name, err)
			}
		}
	}
	return nil
}
