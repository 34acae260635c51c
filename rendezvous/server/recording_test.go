package server_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"lifeline/shared/client"
	"lifeline/shared/protocol"
	"lifeline/shared/rendezvoustest"
)

// TestRecordingRecords: only the host CSR says that it records the
// session; everyone is told, a reconnecting customer is told again, and
// the report's event log keeps both the start and the stop.
func TestRecordingRecords(t *testing.T) {
	ts := rendezvoustest.New(t, rendezvoustest.Options{})
	c := newCast(t, ts)
	for _, r := range []struct {
		name string
		from *party
		code string
	}{
		{"an assistant cannot say it records", c.assistant, "not_in_control"},
		{"the customer cannot", c.primary, "not_in_control"},
		{"a secondary customer cannot", c.secondary, "not_in_control"},
	} {
		t.Run(r.name, func(t *testing.T) {
			if code := r.from.do(&protocol.Recording{State: protocol.RecordingStarted}); code != r.code {
				t.Fatalf("code %q, want %q", code, r.code)
			}
		})
	}
	if code := c.host.do(&protocol.Recording{State: "paused"}); code != "invalid_message" {
		t.Fatalf("an unknown state: code %q", code)
	}

	must(t, errCode(c.host.do(&protocol.Recording{State: protocol.RecordingStarted})))
	must(t, errCode(c.host.do(&protocol.Recording{State: protocol.RecordingStopped, Reason: "Paula stopped sharing.", DurationMS: 42000, Frames: 310, Bytes: 91234})))
	for _, p := range []*party{c.host, c.assistant, c.primary, c.secondary} {
		m := p.expect(protocol.TypeRecording, nil)
		if r := m.Msg.(*protocol.Recording); m.Env.From != c.host.pid || r.State != protocol.RecordingStarted || r.FromName != "Hannah Host" {
			t.Errorf("%s received %+v from %q", p.name, r, m.Env.From)
		}
		m = p.expect(protocol.TypeRecording, nil)
		if r := m.Msg.(*protocol.Recording); r.State != protocol.RecordingStopped || r.Frames != 310 || r.Reason != "Paula stopped sharing." {
			t.Errorf("%s received %+v", p.name, r)
		}
	}
	before := c.primary.lastSeq
	c.primary.conn.CloseNow()
	c.primary.conn = dial(t, c.primary.api)
	c.primary.attach(before - 2)
	c.primary.expect(protocol.TypeRecording, nil)
	c.primary.expect(protocol.TypeRecording, nil)

	must(t, c.host.api.EndSession(ctxT(t), c.host.session, ""))
	rep, err := c.host.api.Report(ctxT(t), c.host.session)
	must(t, err)
	var recs []string
	for _, e := range rep.Events {
		if e.Type == string(protocol.TypeRecording) {
			recs = append(recs, e.Actor)
		}
	}
	if !slices.Equal(recs, []string{c.host.pid, c.host.pid}) {
		t.Errorf("report: recording events by %v; want the host's start and stop", recs)
	}
}

// TestRecordingsInTheReport: the report pairs each CSR's starts and stops
// of recordings, from the session log. What the console said of a
// recording that stopped is kept; of one whose console never said that it
// stopped, the report says only when it had stopped at the latest.
func TestRecordingsInTheReport(t *testing.T) {
	ts := rendezvoustest.New(t, rendezvoustest.Options{})
	start := &protocol.Recording{State: protocol.RecordingStarted}
	stop := func(reason string, ms, frames, bytes int64) *protocol.Recording {
		return &protocol.Recording{State: protocol.RecordingStopped, Reason: reason, DurationMS: ms, Frames: frames, Bytes: bytes}
	}
	// A step is something the host does; then the session ends, one way
	// or the other, or stays live.
	type step func(c *cast)
	send := func(m *protocol.Recording) step {
		return func(c *cast) { must(t, errCode(c.host.do(m))) }
	}
	hostEnds := func(c *cast) { must(t, c.host.api.EndSession(ctxT(t), c.host.session, "")) }
	hostLeaves := func(c *cast) {
		must(t, errCode(c.host.do(&protocol.TransferControl{Participant: c.assistant.pid})))
		must(t, c.host.api.LeaveSession(ctxT(t), c.host.session))
		must(t, c.assistant.api.EndSession(ctxT(t), c.assistant.session, ""))
	}
	var live step
	// ev names an event of the log by type and rank among its type, or
	// the "session"'s creation; the zero ev is no time at all.
	type ev struct {
		typ string
		n   int
	}
	type want struct {
		status, reason    string
		started, stopped  ev
		earlier           time.Duration // than started
		ms, frames, bytes int64
	}
	rec := func(n int) ev { return ev{"recording", n} }
	for _, tc := range []struct {
		name  string
		steps []step
		end   step
		want  []want
		text  []string
	}{
		{"the CSR stops it", []step{send(start), send(stop("", 42000, 310, 91234))}, hostEnds,
			[]want{{status: client.RecordingStopped, started: rec(0), stopped: rec(1), ms: 42000, frames: 310, bytes: 91234}},
			[]string{"\nRecordings\n", " by Hannah Host, stopped at ", ": 42.0 s, 310 frames, 89.1 KB\n", "recording          by Hannah Host  (below)"}},
		{"it stops by itself", []step{send(start), send(stop("Paula stopped sharing.", 61000, 1, 1))}, hostEnds,
			[]want{{status: client.RecordingStopped, reason: "Paula stopped sharing.", started: rec(0), stopped: rec(1), ms: 61000, frames: 1, bytes: 1}},
			[]string{": 1m1s, 1 frame, 1 byte\n        Paula stopped sharing.\n"}},
		{"the session ends first", []step{send(start)}, hostEnds,
			[]want{{status: client.RecordingUnconfirmed, started: rec(0), stopped: ev{"ended", 0},
				reason: "The console did not say that the recording stopped; it had stopped by the time the session ended."}},
			[]string{" by Hannah Host, stopped by ", " (its length and size are not known)\n        The console did not say"}},
		{"the CSR leaves first", []step{send(start)}, hostLeaves,
			[]want{{status: client.RecordingUnconfirmed, started: rec(0), stopped: ev{"left", 0},
				reason: "The console did not say that the recording stopped; it had stopped by the time Hannah Host left the session."}}, nil},
		{"the console starts another", []step{send(start), send(start), send(stop("", 5000, 40, 2048))}, hostEnds,
			[]want{
				{status: client.RecordingUnconfirmed, started: rec(0), stopped: rec(1),
					reason: "The console did not say that the recording stopped; it had stopped by the time Hannah Host started another recording."},
				{status: client.RecordingStopped, started: rec(1), stopped: rec(2), ms: 5000, frames: 40, bytes: 2048},
			}, nil},
		{"still recording", []step{send(start)}, live,
			[]want{{status: client.RecordingRunning, started: rec(0)}}, []string{" by Hannah Host, still recording\n"}},
		{"stopped and started again", []step{send(start), send(stop("", 1000, 8, 512)), send(start)}, live,
			[]want{{status: client.RecordingStopped, started: rec(0), stopped: rec(1), ms: 1000, frames: 8, bytes: 512},
				{status: client.RecordingRunning, started: rec(2)}}, nil},
		// Only a console's fault could log these: the stop's own length
		// says when it started, within the session.
		// (Four people joined the session before: more than 1 ms ago.)
		{"a stop without its start", []step{send(stop("", 1, 40, 2048)), send(stop("", 1<<62, 1, 1))}, hostEnds,
			[]want{{status: client.RecordingStopped, started: rec(0), earlier: time.Millisecond, stopped: rec(0), ms: 1, frames: 40, bytes: 2048},
				{status: client.RecordingStopped, started: ev{"session", 0}, stopped: rec(1), ms: 1 << 62, frames: 1, bytes: 1}}, nil},
		{"no recording", nil, hostEnds, nil, []string{"\nRecordings\n\nNotes\n"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newCast(t, ts)
			for _, s := range tc.steps {
				s(c)
			}
			if tc.end != nil {
				tc.end(c)
			}
			rep, err := c.assistant.api.Report(ctxT(t), c.host.session)
			must(t, err)
			at := func(e ev) *time.Time {
				if e.typ == "session" {
					return rep.Session.CreatedAt
				}
				n := 0
				for _, x := range rep.Events {
					if x.Type == e.typ {
						if n == e.n {
							return &x.At
						}
						n++
					}
				}
				if e.typ != "" {
					t.Fatalf("no %s #%d in the log", e.typ, e.n)
				}
				return nil
			}
			if len(rep.Recordings) != len(tc.want) {
				t.Fatalf("recordings %+v, want %d", rep.Recordings, len(tc.want))
			}
			for i, w := range tc.want {
				got := rep.Recordings[i]
				stopped := at(w.stopped)
				if got.CSR != "Hannah Host" || got.Status != w.status || got.Reason != w.reason || !got.StartedAt.Equal(at(w.started).Add(-w.earlier)) ||
					(got.StoppedAt == nil) != (stopped == nil) || stopped != nil && !got.StoppedAt.Equal(*stopped) ||
					got.DurationMS != w.ms || got.Frames != w.frames || got.Bytes != w.bytes {
					t.Errorf("recording %d = %+v (stopped at %v), want %+v (stopped at %v)", i, got, got.StoppedAt, w, stopped)
				}
			}
			txt, err := c.assistant.api.ReportText(ctxT(t), c.host.session)
			must(t, err)
			for _, s := range tc.text {
				if !strings.Contains(txt, s) {
					t.Errorf("the text report lacks %q:\n%s", s, txt)
				}
			}
		})
	}
}

// A stop may come from any CSR, not only the host: one who handed control
// on while recording still says that theirs stopped, so that the report
// has it. A customer may not say either.
func TestRecordingStopFromAnyCSR(t *testing.T) {
	ts := rendezvoustest.New(t, rendezvoustest.Options{})
	c := newCast(t, ts)
	if code := c.assistant.do(&protocol.Recording{State: protocol.RecordingStopped, DurationMS: 1000}); code != "" {
		t.Errorf("an assistant's stop: %q", code)
	}
	if code := c.primary.do(&protocol.Recording{State: protocol.RecordingStopped}); code != "not_in_control" {
		t.Errorf("a customer's stop: %q", code)
	}
}
