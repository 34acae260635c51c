package server_test

import (
	"slices"
	"testing"

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
