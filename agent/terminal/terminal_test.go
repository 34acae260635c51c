package terminal

import (
	"bytes"
	"context"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"lifeline/agent/consent"
	"lifeline/agent/session"
)

type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) { s.mu.Lock(); defer s.mu.Unlock(); return s.b.Write(p) }
func (s *syncBuf) String() string              { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

func TestAsk(t *testing.T) {
	cases := []struct {
		input string
		want  consent.Answer
	}{
		{"y\n", consent.AllowOnce},
		{"YES\n", consent.AllowOnce},
		{"n\n", consent.Deny},
		{"a\n", consent.AllowAll},
		{"maybe\ny\n", consent.AllowOnce}, // asked again until the answer is clear
		{"", consent.Deny},                // nobody can answer: denied
	}
	for _, c := range cases {
		pr, pw := io.Pipe()
		out := &syncBuf{}
		term := New(pr, out)
		go func() {
			time.Sleep(20 * time.Millisecond) // the prompt is up before the answer comes
			io.WriteString(pw, c.input)
			pw.Close()
		}()
		got := term.Ask(context.Background(), session.Request{ID: "r1", Action: "view", From: "Carol"})
		if got != c.want {
			t.Errorf("input %q: answer %v, want %v\n%s", c.input, got, c.want, out)
		}
		if !strings.Contains(out.String(), "REQUEST r1 view: Carol asks to view your screen. Allow?") {
			t.Errorf("prompt missing:\n%s", out)
		}
	}
}

func TestShow(t *testing.T) {
	out := &syncBuf{}
	term := New(strings.NewReader(""), out)
	term.Show(session.Event{Kind: session.EventChat, From: "Carol", Text: "hi"})
	term.Show(session.Event{Kind: session.EventChat, From: "Carol", Text: "psst", Private: true})
	term.Show(session.Event{Kind: session.EventSharing, Viewers: []string{"Carol"}})
	term.Show(session.Event{Kind: session.EventSharing, Viewers: []string{"Carol"}, Controllers: []string{"Carol"}})
	term.Show(session.Event{Kind: session.EventSharing})
	want := "CHAT Carol: hi\nCHAT (to you) Carol: psst\nSHARING Carol is viewing your screen (type stop to end)\n" +
		"SHARING Carol is controlling your screen (type stop to end)\nSHARING nobody is viewing your screen\n"
	if out.String() != want {
		t.Fatalf("got:\n%s\nwant:\n%s", out, want)
	}
}
