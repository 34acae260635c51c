package client

import (
	"strings"
	"testing"
	"time"
)

func TestParseQueueTicket(t *testing.T) {
	const id, tok = "qrq_vbcupxhjn53bkonj", "llp_tJOpU5AUlfW6vLwZ4nPnNQHIzfwl6pE_Bu82b0eUh_A"
	for _, tc := range []struct {
		in   string
		ok   bool
		name string
	}{
		{id + "." + tok, true, "as the server gives it"},
		{"  " + id + "." + tok + "\n", true, "pasted with blanks around"},
		{tok, false, "the token alone"},
		{id, false, "the id alone"},
		{tok + "." + id, false, "the wrong way round"},
		{id + "." + tok + ".x", false, "a third part"},
		{id + ".llp_a b", false, "a space inside"},
		{id + ".llp_é", false, "a letter from elsewhere"},
		{id + "." + tok + strings.Repeat("a", 200), false, "too long"},
		{"", false, "nothing"},
	} {
		gotID, gotTok, err := ParseQueueTicket(tc.in)
		switch {
		case tc.ok && (err != nil || gotID != id || gotTok != tok):
			t.Errorf("%s: %q, %q, %v", tc.name, gotID, gotTok, err)
		case !tc.ok && (err == nil || !strings.Contains(err.Error(), "is not a queue ticket")):
			t.Errorf("%s: accepted as %q, %q (%v)", tc.name, gotID, gotTok, err)
		}
	}
}

// FuzzParseQueueTicket: whatever is pasted, a ticket accepted is an id and
// a token that go into a URL path and a header as they are.
func FuzzParseQueueTicket(f *testing.F) {
	f.Add("qrq_abc.llp_def")
	f.Add("qrq_.llp_")
	f.Add("qrq_a.llp_b\r\nX-Evil: 1")
	f.Add("qrq_a/../../x.llp_b")
	f.Fuzz(func(t *testing.T, s string) {
		id, tok, err := ParseQueueTicket(s)
		if err != nil {
			return
		}
		if !strings.HasPrefix(id, "qrq_") || !strings.HasPrefix(tok, "llp_") || strings.ContainsAny(id+tok, "./\r\n ?#%") {
			t.Fatalf("accepted %q as %q, %q", s, id, tok)
		}
	})
}

func TestQueueStatusJoined(t *testing.T) {
	sess := &QueueSession{SessionID: "ses_1", Number: "123456789", ParticipantID: "par_1", Role: "primary_customer", Name: "Paula"}
	if _, ok := (QueueStatus{State: QueueWaiting}).Joined("llp_x"); ok {
		t.Error("a waiting request has a session to join")
	}
	if _, ok := (QueueStatus{State: QueueWaiting, Session: sess}).Joined("llp_x"); ok {
		t.Error("a transferred session's waiting request has a session to join again")
	}
	j, ok := QueueStatus{State: QueueAccepted, Session: sess}.Joined("llp_x")
	if want := (Joined{SessionID: "ses_1", Number: "123456789", ParticipantID: "par_1", Token: "llp_x", Role: "primary_customer", Name: "Paula"}); !ok || j != want {
		t.Errorf("Joined = %+v, %v", j, ok)
	}
	secs := int64(180)
	if d, ok := (QueueStatus{EstimatedWaitSeconds: &secs}).EstimatedWait(); !ok || d != 3*time.Minute {
		t.Errorf("EstimatedWait = %v, %v", d, ok)
	}
	if _, ok := (QueueStatus{}).EstimatedWait(); ok {
		t.Error("an estimate from nothing")
	}
}

func TestPollQuery(t *testing.T) {
	for _, tc := range []struct {
		after int64
		wait  time.Duration
		want  string
	}{
		{0, 0, ""},
		{7, 10 * time.Second, "?after=7&wait=10"},
		{7, time.Minute, "?after=7&wait=25"}, // the server's most
		{7, 10 * time.Millisecond, "?after=7&wait=1"},
	} {
		if got := pollQuery(tc.after, tc.wait); got != tc.want {
			t.Errorf("pollQuery(%d, %v) = %q, want %q", tc.after, tc.wait, got, tc.want)
		}
	}
}
