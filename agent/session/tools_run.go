package session

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	"lifeline/agent/scriptrun"
	"lifeline/shared/filetransfer/dcconn"
	"lifeline/shared/protocol"
	"lifeline/shared/sysreport"
	"lifeline/shared/toolwire"
	"lifeline/shared/transport"
)

// Tools are the customer-computer tools this agent offers. A zero field is
// not offered: the CSR's request for it is refused with a sentence.
type Tools struct {
	// FilesRoot is the folder the CSR may browse and change in the
	// advanced file transfer window (the customer's home).
	FilesRoot string
	// Sysinfo collects the system information report.
	Sysinfo func(ctx context.Context) sysreport.Report
	// Scripts runs script runs.
	Scripts *scriptrun.Runner
	// Reboot arranges for the agent to rejoin at the customer's next
	// login, then restarts the computer. It returns once the restart has
	// begun; the agent then exits.
	Reboot func(ctx context.Context, t RebootTicket) error
}

// RebootTicket is what the agent needs to rejoin after a restart.
type RebootTicket struct {
	ResumeToken string // the server's single-use token
	Number      string // the session, for the customer's message
	Name        string // the customer's name in it
}

// sysinfoTimeout bounds one collection (each category has its own limit
// below this).
const sysinfoTimeout = 60 * time.Second

// serveSysinfo sends one system information report, if the customer
// allowed it.
func (a *Agent) serveSysinfo(tp *toolPeer, from string, ch *transport.Channel) {
	conn := dcconn.New(ch)
	defer conn.Close()
	defer awaitClose(tp.ctx, conn)
	req := toolRequest{action: protocol.ActionSysinfo, what: "reading the system information", noun: "request",
		receive: func(ctx context.Context) error {
			var q toolwire.SysinfoRequest
			return toolwire.RecvJSON(ctx, conn, &q)
		}}
	if !a.takeRequest(tp, from, conn, req) {
		return
	}
	a.ui.Show(Event{Kind: EventNotice, Text: a.nameOf(from) + " is reading your system information."})
	ctx, cancel := context.WithTimeout(tp.ctx, sysinfoTimeout)
	defer cancel()
	b, err := json.Marshal(a.cfg.Tools.Sysinfo(ctx))
	if err != nil {
		a.log.Error("system information not encoded", "err", err)
		return
	}
	if err := toolwire.SendBlob(conn, b); err != nil {
		a.log.Warn("system information not sent", "err", err)
	}
}

// serveScripts runs a script run the customer allowed: the scripts the
// console sends must be exactly the ones named in the request the customer
// answered, unless the customer allowed everything for the session.
func (a *Agent) serveScripts(tp *toolPeer, from string, ch *transport.Channel) {
	conn := dcconn.New(ch)
	defer conn.Close()
	defer awaitClose(tp.ctx, conn)
	var scripts []scriptrun.Script
	var runID string
	req := toolRequest{action: protocol.ActionScripts, what: "running scripts", noun: "run",
		receive: func(ctx context.Context) (err error) {
			scripts, runID, err = receiveRun(ctx, conn)
			return err
		},
		// The scripts must be the ones the customer was shown, in that
		// order (any, when everything is allowed).
		take: func() string {
			detail, allowed := a.takeScriptGrant(from)
			if !allowed {
				return notAllowed("running scripts")
			}
			names := make([]string, len(scripts))
			for i, s := range scripts {
				names[i] = s.Name
			}
			if detail != "" && detail != toolwire.RunDetail(names) {
				return "These are not the scripts the customer allowed."
			}
			return ""
		}}
	if !a.takeRequest(tp, from, conn, req) {
		return
	}
	who := a.nameOf(from)
	a.ui.Show(Event{Kind: EventNotice, Text: fmt.Sprintf("Running %s for %s…", plural(len(scripts), "script"), who)})
	var sendMu sync.Mutex // output and results come from the runner's goroutines
	send := func(ev toolwire.RunEvent) {
		sendMu.Lock()
		defer sendMu.Unlock()
		if err := toolwire.SendJSON(conn, ev); err != nil {
			a.log.Debug("script event not sent", "err", err)
		}
	}
	onOutput := func(o scriptrun.Output) {
		data := strings.ToValidUTF8(string(o.Data), "\uFFFD")
		for len(data) > 0 {
			n := min(len(data), toolwire.MaxOutputPiece)
			for n < len(data) && n > 0 && !utf8Start(data[n]) {
				n--
			}
			send(toolwire.RunEvent{Output: &toolwire.RunOutput{Index: o.Index, Stream: o.Stream, Data: data[:n]}})
			data = data[n:]
		}
	}
	onResult := func(r scriptrun.Result) {
		res := &protocol.ScriptResult{RunID: runID, Index: r.Index, Count: len(scripts), Name: r.Name, RequestedBy: from,
			Status: r.Status, ExitCode: r.ExitCode, DurationMS: r.Duration.Milliseconds(), Output: r.Output, Truncated: r.Truncated, Error: truncateText(r.Err, 1000)}
		send(toolwire.RunEvent{Result: res})
		if err := a.send(res); err != nil {
			a.log.Warn("script result not recorded", "err", err)
		}
		a.ui.Show(Event{Kind: EventNotice, Text: fmt.Sprintf("Script %s: %s.", r.Name, outcome(res))})
	}
	a.cfg.Tools.Scripts.Run(tp.ctx, scripts, onOutput, onResult)
	send(toolwire.RunEvent{Done: true})
}

func utf8Start(b byte) bool { return b&0xC0 != 0x80 }

// outcome is a script result in words.
func outcome(r *protocol.ScriptResult) string {
	d := time.Duration(r.DurationMS) * time.Millisecond
	switch r.Status {
	case protocol.ScriptOK:
		return fmt.Sprintf("finished in %s", d.Round(10*time.Millisecond))
	case protocol.ScriptFailed:
		return fmt.Sprintf("failed with exit status %d after %s", r.ExitCode, d.Round(10*time.Millisecond))
	case protocol.ScriptTimeout:
		return fmt.Sprintf("stopped at its time limit after %s", d.Round(time.Second))
	case protocol.ScriptCancelled:
		return "cancelled"
	}
	if r.Error != "" {
		return "could not run: " + r.Error
	}
	return "could not run"
}

// receiveRun reads a run request and its files.
func receiveRun(ctx context.Context, conn *dcconn.Conn) ([]scriptrun.Script, string, error) {
	var req toolwire.RunRequest
	if err := toolwire.RecvJSON(ctx, conn, &req); err != nil {
		return nil, "", err
	}
	if err := req.Check(); err != nil {
		return nil, "", err
	}
	var out []scriptrun.Script
	for _, s := range req.Scripts {
		body, err := toolwire.RecvBlob(ctx, conn, toolwire.MaxScriptBytes)
		if err != nil {
			return nil, "", fmt.Errorf("script %q: %w", s.Name, err)
		}
		sc := scriptrun.Script{Name: s.Name, FileName: s.FileName, Body: body, InputName: s.InputName, Timeout: time.Duration(s.TimeoutMS) * time.Millisecond}
		if s.InputName != "" {
			if sc.Input, err = toolwire.RecvBlob(ctx, conn, toolwire.MaxScriptBytes); err != nil {
				return nil, "", fmt.Errorf("input of %q: %w", s.Name, err)
			}
		}
		out = append(out, sc)
	}
	return out, req.RunID, nil
}

// takeScriptGrant uses up a scripts grant of participant from and returns
// the scripts the customer was shown ("" when everything is allowed).
func (a *Agent) takeScriptGrant(from string) (detail string, ok bool) {
	all := a.grants.AllowsAll()
	if !a.grants.Take(from, protocol.ActionScripts) {
		return "", false
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	detail = a.scriptDetail[from]
	delete(a.scriptDetail, from)
	if all {
		return "", true
	}
	if detail == "" {
		detail = "\x00" // allowed without a list: matches no run
	}
	return detail, true
}

// restart is the customer's computer restarting at a CSR's request
// (granted): the server keeps the customer's place and gives a single-use
// resume token, the agent arranges to start again with it at the next
// login, restarts the computer and exits.
func (a *Agent) restart(from, number string) {
	who := a.nameOf(from)
	a.ui.Show(Event{Kind: EventNotice, Text: "Your computer restarts now, as " + who + " asked. Lifeline rejoins the session by itself when you log in again."})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	a.mu.Lock()
	session := a.session
	a.mu.Unlock()
	t, err := a.api.Restart(ctx, session)
	if err == nil {
		err = a.cfg.Tools.Reboot(ctx, RebootTicket{ResumeToken: t.ResumeToken, Number: number, Name: a.nameOf(a.myID())})
		if err != nil {
			// The server marked us restarting: connecting again tells it
			// we are here after all.
			a.mu.Lock()
			conn := a.conn
			a.mu.Unlock()
			if conn != nil {
				conn.CloseNow()
			}
		}
	}
	if err != nil {
		a.log.Error("restart failed", "err", err)
		a.ui.Show(Event{Kind: EventNotice, Text: "The computer could not be restarted: " + err.Error()})
		_ = a.send(&protocol.Chat{To: from, Text: "The computer could not be restarted: " + err.Error()})
		return
	}
	a.do(func() { a.restarting = true })
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

func (a *Agent) myID() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.me
}
