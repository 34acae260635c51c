package server

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
	"unicode"

	"lifeline/rendezvous/room"
	"lifeline/rendezvous/store"
	"lifeline/shared/protocol"
)

// report is the Session Details report: who took part and when, every
// event in order, the chat, the scripts run and the files transferred on
// the customer's computer, the recordings of its screen, and the notes.
type report struct {
	Session       reportSession       `json:"session"`
	Participants  []reportParticipant `json:"participants"`
	Events        []reportEvent       `json:"events"`
	Chat          []reportChat        `json:"chat"`
	ScriptRuns    []reportScript      `json:"script_runs"`
	FileTransfers []reportTransfer    `json:"file_transfers"`
	Recordings    []reportRecording   `json:"recordings"`
	QueueRequests []reportRequest     `json:"queue_requests"`
	Notes         string              `json:"notes"`
}

// reportRequest is a request for help the session came from, or a
// transfer of it: what the customer gave, and how it went. Names, not ids.
type reportRequest struct {
	Queue         string    `json:"queue"` // "" for a transfer to one CSR
	QueueName     string    `json:"queue_name"`
	OfferedTo     string    `json:"offered_to,omitempty"`
	Name          string    `json:"name"`
	Email         string    `json:"email"`
	Problem       string    `json:"problem"`
	Referrer      string    `json:"referrer"`
	State         string    `json:"state"`
	RequestedAt   time.Time `json:"requested_at"`
	AcceptedAt    any       `json:"accepted_at"`
	AcceptedBy    string    `json:"accepted_by"`
	EndedAt       any       `json:"ended_at"`
	TransferredBy string    `json:"transferred_by,omitempty"`
	Message       string    `json:"message,omitempty"`
}

type reportSession struct {
	ID           string `json:"id"`
	Number       string `json:"number"`
	State        string `json:"state"`
	Type         string `json:"type,omitempty"`
	TrackingCode string `json:"tracking_code,omitempty"`
	CSR          string `json:"csr"`
	CSREmail     string `json:"csr_email"`
	CreatedAt    any    `json:"created_at"`
	EndedAt      any    `json:"ended_at"`
	EndReason    string `json:"end_reason,omitempty"`
}

type reportParticipant struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Email    string `json:"email,omitempty"`
	Role     string `json:"role"`
	JoinedAt any    `json:"joined_at"`
	LeftAt   any    `json:"left_at"`
}

type reportEvent struct {
	Seq    int64           `json:"seq"`
	At     time.Time       `json:"at"`
	Type   string          `json:"type"`
	Actor  string          `json:"actor,omitempty"`
	Target string          `json:"target,omitempty"`
	Data   json.RawMessage `json:"data"`
}

type reportChat struct {
	At   time.Time `json:"at"`
	From string    `json:"from"`
	To   string    `json:"to"`
	Text string    `json:"text"`
}

// reportScript is one script of a run, as the customer's agent reported
// it. Customer and RequestedBy are names.
type reportScript struct {
	At          time.Time `json:"at"`
	Customer    string    `json:"customer"`
	RequestedBy string    `json:"requested_by"`
	RunID       string    `json:"run_id"`
	Index       int       `json:"index"`
	Count       int       `json:"count"`
	Name        string    `json:"name"`
	Status      string    `json:"status"`
	ExitCode    int       `json:"exit_code"`
	DurationMS  int64     `json:"duration_ms"`
	Output      string    `json:"output"`
	Truncated   bool      `json:"truncated"`
	Error       string    `json:"error"`
}

// reportTransfer is one file transfer that ended. RequestedBy is empty
// for the customer's own download of files a CSR published.
type reportTransfer struct {
	At          time.Time `json:"at"`
	Customer    string    `json:"customer"`
	RequestedBy string    `json:"requested_by"`
	Direction   string    `json:"direction"`
	Folder      string    `json:"folder"`
	Files       int       `json:"files"`
	Bytes       int64     `json:"bytes"`
	Names       []string  `json:"names"`
	Status      string    `json:"status"`
	Error       string    `json:"error"`
}

// reportRecording is one recording of the customer's shared screen, which
// the host CSR's console saved on the CSR's computer. The console says when
// it started and when it stopped, with what the file holds. A console that
// could not say that it stopped (it crashed, or the session ended first)
// leaves a recording the server can only bound: it had stopped by the time
// its CSR started another one, left the session, or the session ended.
type reportRecording struct {
	CSR        string    `json:"csr"`
	StartedAt  time.Time `json:"started_at"`
	StoppedAt  any       `json:"stopped_at"` // null while recording
	Status     string    `json:"status"`
	Reason     string    `json:"reason"`
	DurationMS int64     `json:"duration_ms"`
	Frames     int64     `json:"frames"`
	Bytes      int64     `json:"bytes"`
}

// A recording's status in the report.
const (
	recordingStopped     = "stopped"     // the console said so, with what it holds
	recordingRunning     = "recording"   // as far as the server knows
	recordingUnconfirmed = "unconfirmed" // the console never said; StoppedAt is the latest it can have
)

// recordings pairs each CSR's starts and stops of recordings, in the
// order of the session log.
type recordings struct {
	list []reportRecording
	open map[string]int // the running recording's index in list, by its CSR's participant id
	from time.Time      // the session's start
}

// add is one recording event by actor.
func (rs *recordings) add(at time.Time, actor, name string, r protocol.Recording) {
	i, running := rs.open[actor]
	switch {
	case r.State == protocol.RecordingStarted:
		// The console records one at a time: a second start means the
		// first one ended without a word (its console restarted).
		rs.unconfirmed(actor, at, name+" started another recording")
		rs.open[actor] = len(rs.list)
		rs.list = append(rs.list, reportRecording{CSR: name, StartedAt: at, StoppedAt: nil, Status: recordingRunning})
	case running:
		delete(rs.open, actor)
		rr := &rs.list[i]
		rr.StoppedAt, rr.Status, rr.Reason = at, recordingStopped, r.Reason
		rr.DurationMS, rr.Frames, rr.Bytes = r.DurationMS, r.Frames, r.Bytes
	default:
		// A stop whose start is not in the log: the console's own length
		// says when it started, within the session.
		start := rs.from
		if ms := r.DurationMS; ms < at.Sub(rs.from).Milliseconds() {
			start = at.Add(-time.Duration(ms) * time.Millisecond)
		}
		rs.list = append(rs.list, reportRecording{CSR: name, StartedAt: start, StoppedAt: at,
			Status: recordingStopped, Reason: r.Reason, DurationMS: r.DurationMS, Frames: r.Frames, Bytes: r.Bytes})
	}
}

// unconfirmed ends actor's running recording, if any, at the latest time
// it can have stopped; why completes "it had stopped by the time …".
func (rs *recordings) unconfirmed(actor string, at time.Time, why string) {
	i, running := rs.open[actor]
	if !running {
		return
	}
	delete(rs.open, actor)
	rr := &rs.list[i]
	rr.StoppedAt, rr.Status = at, recordingUnconfirmed
	rr.Reason = "The console did not say that the recording stopped; it had stopped by the time " + why + "."
}

// loadReport reads a session's report for a CSR who took part in it, or an
// admin or manager.
func (s *Server) loadReport(ctx context.Context, u *store.User, id string) (*report, error) {
	sess, err := s.Store.SessionByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, &room.Error{Status: http.StatusNotFound, Code: "no_such_session", Msg: "There is no such session."}
	} else if err != nil {
		return nil, err
	}
	parts, err := s.Store.Participants(ctx, id)
	if err != nil {
		return nil, err
	}
	allowed := u.SeesAllReports() || sess.OwnerUserID == u.ID
	for _, p := range parts {
		allowed = allowed || p.UserID == u.ID
	}
	if !allowed {
		return nil, &room.Error{Status: http.StatusForbidden, Code: "not_your_session", Msg: "You can only see reports of sessions you took part in."}
	}
	events, err := s.Store.Events(ctx, id, 0)
	if err != nil {
		return nil, err
	}
	rep := &report{Session: reportSession{
		ID: sess.ID, Number: sess.Number, State: sess.State, Type: sess.Type, TrackingCode: sess.TrackingCode,
		CreatedAt: timeOrNil(sess.CreatedAt), EndedAt: timeOrNil(sess.EndedAt), EndReason: sess.EndReason,
	}, Notes: sess.Notes, Participants: []reportParticipant{}, Events: []reportEvent{}, Chat: []reportChat{},
		ScriptRuns: []reportScript{}, FileTransfers: []reportTransfer{}, QueueRequests: []reportRequest{}}
	recs := recordings{list: []reportRecording{}, open: map[string]int{}, from: sess.CreatedAt.UTC()}
	if owner, err := s.Store.UserByID(ctx, sess.OwnerUserID); err == nil {
		rep.Session.CSR, rep.Session.CSREmail = owner.Name, owner.Email
	}
	reqs, err := s.Store.QueueRequestsOfSession(ctx, id)
	if err != nil {
		return nil, err
	}
	for _, r := range reqs {
		queueName := r.QueueDisplayName
		if r.QueueID == "" {
			queueName = ""
		}
		rep.QueueRequests = append(rep.QueueRequests, reportRequest{Queue: r.QueueName, QueueName: queueName, OfferedTo: r.OfferedToName,
			Name: r.Name, Email: r.Email, Problem: r.Problem, Referrer: r.Referrer, State: r.State, RequestedAt: r.RequestedAt.UTC(),
			AcceptedAt: timeOrNil(r.AcceptedAt), AcceptedBy: r.AcceptedByName, EndedAt: timeOrNil(r.EndedAt),
			TransferredBy: r.TransferredByName, Message: r.Message})
	}
	names := map[string]string{}
	for _, p := range parts {
		names[p.ID] = p.Name
		rep.Participants = append(rep.Participants, reportParticipant{
			ID: p.ID, Name: p.Name, Email: p.Email, Role: p.Role, JoinedAt: timeOrNil(p.JoinedAt), LeftAt: timeOrNil(p.LeftAt),
		})
	}
	for _, e := range events {
		rep.Events = append(rep.Events, reportEvent{Seq: e.Seq, At: e.At.UTC(), Type: e.Type, Actor: e.Actor, Target: e.Target, Data: json.RawMessage(e.Data)})
		switch protocol.Type(e.Type) {
		case protocol.TypeChat:
			var c protocol.Chat
			if json.Unmarshal(e.Data, &c) == nil {
				to := "everyone"
				if e.Target != "" {
					to = names[e.Target]
				}
				rep.Chat = append(rep.Chat, reportChat{At: e.At.UTC(), From: names[e.Actor], To: to, Text: c.Text})
			}
		case protocol.TypeScriptResult:
			var r protocol.ScriptResult
			if json.Unmarshal(e.Data, &r) == nil {
				rep.ScriptRuns = append(rep.ScriptRuns, reportScript{
					At: e.At.UTC(), Customer: names[e.Actor], RequestedBy: names[r.RequestedBy],
					RunID: r.RunID, Index: r.Index, Count: r.Count, Name: r.Name, Status: r.Status, ExitCode: r.ExitCode,
					DurationMS: r.DurationMS, Output: r.Output, Truncated: r.Truncated, Error: r.Error,
				})
			}
		case protocol.TypeFileTransfer:
			var f protocol.FileTransfer
			if json.Unmarshal(e.Data, &f) == nil {
				if f.Names == nil {
					f.Names = []string{}
				}
				rep.FileTransfers = append(rep.FileTransfers, reportTransfer{
					At: e.At.UTC(), Customer: names[e.Actor], RequestedBy: names[f.RequestedBy],
					Direction: f.Direction, Folder: f.Folder, Files: f.Files, Bytes: f.Bytes, Names: f.Names,
					Status: f.Status, Error: f.Error,
				})
			}
		case protocol.TypeRecording:
			var r protocol.Recording
			if json.Unmarshal(e.Data, &r) == nil {
				recs.add(e.At.UTC(), e.Actor, names[e.Actor], r)
			}
		case "left":
			recs.unconfirmed(e.Actor, e.At.UTC(), names[e.Actor]+" left the session")
		}
	}
	if !sess.EndedAt.IsZero() {
		for actor := range recs.open {
			recs.unconfirmed(actor, sess.EndedAt.UTC(), "the session ended")
		}
	}
	rep.Recordings = recs.list
	return rep, nil
}

// state renders an ended session's record in the shape of GET /sessions/{id}.
func (rep *report) state() map[string]any {
	parts := make([]map[string]any, 0, len(rep.Participants))
	host := ""
	for _, p := range rep.Participants {
		parts = append(parts, map[string]any{"id": p.ID, "name": p.Name, "email": p.Email, "role": p.Role, "joined_at": p.JoinedAt, "left_at": p.LeftAt})
		if p.Role == store.RoleHost {
			host = p.ID
		}
	}
	return map[string]any{"id": rep.Session.ID, "number": rep.Session.Number, "state": rep.Session.State, "host_id": host, "participants": parts}
}

func (s *Server) handleReport(w http.ResponseWriter, r *http.Request) {
	u, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	rep, err := s.loadReport(r.Context(), u, r.PathValue("id"))
	if err != nil {
		s.writeErr(w, err)
		return
	}
	switch r.URL.Query().Get("format") {
	case "", "json":
		writeJSON(w, http.StatusOK, rep)
	case "txt", "text":
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		rep.writeText(w)
	default:
		writeError(w, http.StatusBadRequest, "unknown_format", "The report format must be json or txt.")
	}
}

func fmtTime(v any) string {
	if t, ok := v.(time.Time); ok {
		return t.Format("2006-01-02 15:04:05 UTC")
	}
	return "—"
}

// writeText renders the report for people: printable, greppable.
func (rep *report) writeText(w io.Writer) {
	s := rep.Session
	fmt.Fprintf(w, "Session Details — session %s %s %s\n\n", s.Number[:3], s.Number[3:6], s.Number[6:])
	fmt.Fprintf(w, "Session ID:     %s\nState:          %s\nCSR:            %s <%s>\n", s.ID, s.State, s.CSR, s.CSREmail)
	if s.Type != "" {
		fmt.Fprintf(w, "Type:           %s\n", s.Type)
	}
	if s.TrackingCode != "" {
		fmt.Fprintf(w, "Tracking code:  %s\n", s.TrackingCode)
	}
	fmt.Fprintf(w, "Started:        %s\nEnded:          %s\n", fmtTime(s.CreatedAt), fmtTime(s.EndedAt))
	if s.EndReason != "" {
		fmt.Fprintf(w, "End reason:     %s\n", s.EndReason)
	}
	if len(rep.QueueRequests) > 0 {
		fmt.Fprintf(w, "\nRequests\n")
		for _, q := range rep.QueueRequests {
			fmt.Fprintf(w, "  %s  %s: %s\n", q.RequestedAt.Format("2006-01-02 15:04:05"), q.Where(), q.Outcome())
			fmt.Fprintf(w, "        %s", printable(q.Name))
			if q.Email != "" {
				fmt.Fprintf(w, " <%s>", printable(q.Email))
			}
			if q.Referrer != "" {
				fmt.Fprintf(w, ", from %s", printable(q.Referrer))
			}
			fmt.Fprintln(w)
			if q.Problem != "" {
				fmt.Fprintf(w, "        problem: %s\n", printable(q.Problem))
			}
			if q.Message != "" {
				fmt.Fprintf(w, "        message from %s: %s\n", q.TransferredBy, printable(q.Message))
			}
		}
	}
	fmt.Fprintf(w, "\nParticipants\n")
	names := map[string]string{}
	for _, p := range rep.Participants {
		names[p.ID] = p.Name
		email := ""
		if p.Email != "" {
			email = " <" + p.Email + ">"
		}
		fmt.Fprintf(w, "  %s%s, %s: joined %s, left %s\n", p.Name, email, p.Role, fmtTime(p.JoinedAt), fmtTime(p.LeftAt))
	}
	fmt.Fprintf(w, "\nEvents\n")
	for _, e := range rep.Events {
		line := fmt.Sprintf("  %4d  %s  %-18s", e.Seq, e.At.Format("15:04:05"), e.Type)
		if e.Actor != "" {
			line += " by " + names[e.Actor]
		}
		if e.Target != "" {
			line += " → " + names[e.Target]
		}
		// Chat, and the events inSection, have sections of their own below.
		switch d := string(e.Data); {
		case d == "{}" || d == "":
		case e.Type == string(protocol.TypeChat):
		case inSection(e.Type):
			line += "  (below)"
		default:
			line += "  " + d
		}
		fmt.Fprintln(w, line)
	}
	fmt.Fprintf(w, "\nChat\n")
	for _, c := range rep.Chat {
		fmt.Fprintf(w, "  %s  %s → %s: %s\n", c.At.Format("15:04:05"), c.From, c.To, c.Text)
	}
	fmt.Fprintf(w, "\nScripts\n")
	for _, r := range rep.ScriptRuns {
		fmt.Fprintf(w, "  %s  %s (%d of %d)%s on %s's computer: %s, %s\n", r.At.Format("15:04:05"), printable(r.Name), r.Index+1, r.Count,
			forWhom(r.RequestedBy), r.Customer, scriptOutcome(r), fmtDuration(r.DurationMS))
		if r.Error != "" {
			fmt.Fprintf(w, "        %s\n", printable(r.Error))
		}
		if r.Truncated {
			fmt.Fprintf(w, "        (the output's beginning is not kept)\n")
		}
		for _, l := range strings.Split(strings.TrimRight(r.Output, "\n"), "\n") {
			if l = strings.TrimRight(l, "\r"); l != "" {
				fmt.Fprintf(w, "        | %s\n", printable(l))
			}
		}
	}
	fmt.Fprintf(w, "\nFile transfers\n")
	for _, f := range rep.FileTransfers {
		dir := "from " + f.Customer + "'s computer"
		if f.Direction == protocol.ToCustomer {
			dir = "to " + f.Customer + "'s computer"
		}
		files := "1 file"
		if f.Files != 1 {
			files = fmt.Sprintf("%d files", f.Files)
		}
		fmt.Fprintf(w, "  %s  %s, %s%s, %s: %s\n", f.At.Format("15:04:05"), files, fmtBytes(f.Bytes), forWhom(f.RequestedBy), dir, f.Status)
		if f.Folder != "" {
			fmt.Fprintf(w, "        folder: %s\n", printable(f.Folder))
		}
		if len(f.Names) > 0 {
			more := ""
			if f.Files > len(f.Names) {
				more = fmt.Sprintf(" and %d more", f.Files-len(f.Names))
			}
			fmt.Fprintf(w, "        %s%s\n", printable(strings.Join(f.Names, ", ")), more)
		}
		if f.Error != "" {
			fmt.Fprintf(w, "        %s\n", printable(f.Error))
		}
	}
	fmt.Fprintf(w, "\nRecordings\n")
	for _, r := range rep.Recordings {
		fmt.Fprintf(w, "  %s  by %s, %s\n", r.StartedAt.Format("15:04:05"), r.CSR, r.Outcome())
		if r.Reason != "" {
			fmt.Fprintf(w, "        %s\n", printable(r.Reason))
		}
	}
	fmt.Fprintf(w, "\nNotes\n")
	for _, l := range strings.Split(rep.Notes, "\n") {
		fmt.Fprintf(w, "  %s\n", l)
	}
}

// inSection says whether an event's details are in a section of the
// report of their own rather than in the list of events.
func inSection(typ string) bool {
	switch protocol.Type(typ) {
	case protocol.TypeScriptResult, protocol.TypeFileTransfer, protocol.TypeRecording:
		return true
	}
	return false
}

// Until says when a recording stopped, as far as anyone knows.
func (r reportRecording) Until() string {
	switch r.Status {
	case recordingStopped:
		return fmtClock(r.StoppedAt)
	case recordingUnconfirmed:
		return "by " + fmtClock(r.StoppedAt)
	}
	return "still recording"
}

// Known says whether the recording's length, frames and size are known:
// the console says them when it stops.
func (r reportRecording) Known() bool { return r.Status == recordingStopped }

// Outcome says how a recording went, in words.
func (r reportRecording) Outcome() string {
	switch r.Status {
	case recordingStopped:
		return fmt.Sprintf("stopped at %s: %s, %s, %s", r.Until(), fmtDuration(r.DurationMS), fmtFrames(r.Frames), fmtBytes(r.Bytes))
	case recordingUnconfirmed:
		return "stopped " + r.Until() + " (its length and size are not known)"
	}
	return r.Until()
}

func fmtFrames(n int64) string {
	if n == 1 {
		return "1 frame"
	}
	return fmt.Sprintf("%d frames", n)
}

// Where says where a request waited: in a queue, or for one CSR.
func (q reportRequest) Where() string {
	if q.QueueName != "" {
		return "in the queue " + q.QueueName
	}
	if q.TransferredBy != "" {
		return "transferred by " + q.TransferredBy + " to " + q.OfferedTo
	}
	return "for " + q.OfferedTo
}

// Outcome says how a request went, in words.
func (q reportRequest) Outcome() string {
	switch q.State {
	case store.RequestAccepted:
		return "accepted by " + q.AcceptedBy + " at " + fmtClock(q.AcceptedAt)
	case store.RequestTransferred:
		return "accepted by " + q.AcceptedBy + " at " + fmtClock(q.AcceptedAt) + ", transferred on at " + fmtClock(q.EndedAt)
	case store.RequestAbandoned:
		return "the customer left the line at " + fmtClock(q.EndedAt)
	}
	return "waiting"
}

func fmtClock(v any) string {
	if t, ok := v.(time.Time); ok {
		return t.Format("15:04:05")
	}
	return "—"
}

// printable keeps what the customer's computer sent from acting on the
// terminal or printer the text report goes to: control characters (escape
// sequences, carriage returns, bells) become U+FFFD; tabs stay.
func printable(s string) string {
	return strings.Map(func(r rune) rune {
		if r != '\t' && unicode.IsControl(r) {
			return unicode.ReplacementChar
		}
		return r
	}, s)
}

func forWhom(csr string) string {
	if csr == "" {
		return ""
	}
	return " for " + csr
}

func scriptOutcome(r reportScript) string {
	switch r.Status {
	case protocol.ScriptOK, protocol.ScriptFailed:
		return fmt.Sprintf("%s, exit status %d", r.Status, r.ExitCode)
	}
	return r.Status
}

// fmtDuration renders milliseconds as people read a script's run time.
func fmtDuration(ms int64) string {
	d := time.Duration(ms) * time.Millisecond
	switch {
	case d < time.Second:
		return fmt.Sprintf("%d ms", ms)
	case d < time.Minute:
		return fmt.Sprintf("%.1f s", d.Seconds())
	}
	return d.Round(time.Second).String()
}

// fmtBytes renders a transfer's size in the MB of max_transfer_mb.
func fmtBytes(n int64) string {
	const kb, mb, gb = 1 << 10, 1 << 20, 1 << 30
	switch {
	case n == 1:
		return "1 byte"
	case n < kb:
		return fmt.Sprintf("%d bytes", n)
	case n < mb:
		return fmt.Sprintf("%.1f KB", float64(n)/kb)
	case n < gb:
		return fmt.Sprintf("%.1f MB", float64(n)/mb)
	}
	return fmt.Sprintf("%.2f GB", float64(n)/gb)
}

// handleSessionsReport lists sessions, one row each: CSRs see their own,
// admins and managers everyone's (optionally one CSR's).
func (s *Server) handleSessionsReport(w http.ResponseWriter, r *http.Request) {
	u, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	var f store.SessionFilter
	var err error
	for _, p := range []struct {
		name string
		dst  *time.Time
	}{{"from", &f.From}, {"to", &f.To}} {
		if v := q.Get(p.name); v != "" {
			if *p.dst, err = parseDate(v); err != nil {
				writeError(w, http.StatusBadRequest, "invalid_date", fmt.Sprintf("%s: %v", p.name, err))
				return
			}
		}
	}
	if v := q.Get("to"); v != "" && len(v) == len("2006-01-02") {
		f.To = f.To.Add(24 * time.Hour) // a date means the whole day
	}
	if csr := q.Get("csr"); csr != "" {
		if !u.SeesAllReports() && !strings.EqualFold(csr, u.Email) {
			writeError(w, http.StatusForbidden, "not_your_sessions", "You can only list your own sessions.")
			return
		}
		f.OwnerEmail = csr
	}
	if !u.SeesAllReports() {
		f.OwnerUserID = u.ID
	}
	rows, err := s.Store.ListSessions(r.Context(), f)
	if err != nil {
		s.writeErr(w, err)
		return
	}
	if q.Get("format") == "csv" {
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="lifeline-sessions.csv"`)
		cw := csv.NewWriter(w)
		_ = cw.Write([]string{"session_id", "number", "csr_name", "csr_email", "customer_name", "customer_email", "type", "tracking_code", "requested_at", "started_at", "ended_at", "state"})
		for _, row := range rows {
			_ = cw.Write([]string{row.ID, row.Number, row.CSRName, row.CSREmail, csvSafe(row.CustomerName), csvSafe(row.CustomerEmail),
				csvSafe(row.Type), csvSafe(row.TrackingCode), csvTime(row.CreatedAt), csvTime(row.StartedAt), csvTime(row.EndedAt), row.State})
		}
		cw.Flush()
		return
	}
	out := make([]map[string]any, 0, len(rows))
	for _, row := range rows {
		out = append(out, map[string]any{
			"id": row.ID, "number": row.Number, "csr_name": row.CSRName, "csr_email": row.CSREmail,
			"customer_name": row.CustomerName, "customer_email": row.CustomerEmail, "type": row.Type,
			"tracking_code": row.TrackingCode, "requested_at": timeOrNil(row.CreatedAt),
			"started_at": timeOrNil(row.StartedAt), "ended_at": timeOrNil(row.EndedAt), "state": row.State,
		})
	}
	writeJSON(w, http.StatusOK, map[string]any{"sessions": out})
}

func parseDate(v string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	t, err := time.Parse("2006-01-02", v)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is neither a date (2006-01-02) nor a time (RFC 3339)", v)
	}
	return t, nil
}

func csvTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// csvSafe keeps a customer-typed field from being run as a formula when
// the export is opened in a spreadsheet.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
