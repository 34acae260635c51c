package controller

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"

	"lifeline/agent/consent"
	"lifeline/shared/filetransfer/dcconn"
	"lifeline/shared/toolwire"
)

// lossyChannel is a data channel on which the agent's messages after the
// first pass are lost on the way to the console: what was seen once under
// CI load on a channel opened right after others closed.
type lossyChannel struct {
	dcconn.Channel
	pass int // how many messages get through
}

func (c lossyChannel) OnMessage(f func(webrtc.DataChannelMessage)) {
	n := 0 // pion delivers a channel's messages one at a time
	c.Channel.OnMessage(func(m webrtc.DataChannelMessage) {
		if n++; n <= c.pass {
			f(m)
		}
	})
}

// A tool request whose channel stays silent is tried once more on a new
// channel, each step of its handshake bounded; the agent uses the one-off
// grant up only for a request that reached it, so what the customer
// allowed once is done at most once.
func TestToolRequestOnSilentChannel(t *testing.T) {
	tools := []struct {
		name   string
		prefix string // the channel label's
		use    func(ctx context.Context, s *Session) error
		denied string // the agent's refusal once the grant is used up
	}{
		{"system information", toolwire.LabelSysinfo, func(ctx context.Context, s *Session) error {
			r, err := s.SystemInfo(ctx)
			if err == nil && len(r.Categories) == 0 {
				err = errors.New("an empty report")
			}
			return err
		}, "The customer has not allowed reading the system information."},
		{"script run", toolwire.LabelScripts, func(ctx context.Context, s *Session) error {
			res, err := s.RunScripts(ctx, []ScriptToRun{{Name: "Hello", FileName: "hello.sh", Body: []byte("echo hello\n"), Timeout: 10 * time.Second}}, nil)
			if err == nil && (len(res) != 1 || res[0].Output != "hello\n") {
				err = errors.New("not the script's result")
			}
			return err
		}, "The customer has not allowed running scripts."},
	}
	cases := []struct {
		name string
		// lossy is how many of the agent's messages get through on each
		// channel opened in turn (-1: all of them).
		lossy    []int
		wantErr  string // "" for success
		channels int
		// held is whether the grant is still there afterwards.
		held bool
	}{
		{"the first channel silent", []int{0, -1}, "", 2, false},
		{"every channel silent", []int{0, 0}, errNoAnswer.Error(), 2, true},
		// The agent took the request and its Reply was lost: the grant is
		// used up, and the second channel is refused rather than served
		// twice.
		{"the first reply lost", []int{1, -1}, "has not allowed", 2, false},
	}
	for _, tool := range tools {
		for _, tc := range cases {
			t.Run(tool.name+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				s, cust, _ := toolsSession(t)
				ctx := ctxT(t, 60*time.Second)
				tp, err := s.tools(ctx)
				must(t, err)
				// Short enough for a test that waits it out, long enough
				// for a channel that works under load.
				tp.handshake = 3 * time.Second
				var opened []string
				tp.open = func(label string) (dcconn.Channel, error) {
					pass := -1
					if len(opened) < len(tc.lossy) {
						pass = tc.lossy[len(opened)]
					}
					opened = append(opened, label)
					ch, err := tp.peer.OpenChannel(label)
					if err != nil || pass < 0 {
						return ch, err
					}
					return lossyChannel{ch, pass}, nil
				}

				cust.Answer(consent.AllowOnce)
				start := time.Now()
				err = tool.use(ctx, s)
				switch {
				case tc.wantErr == "" && err != nil:
					t.Fatalf("failed: %v", err)
				case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
					t.Fatalf("error %v, want one saying %q", err, tc.wantErr)
				}
				if len(opened) != tc.channels || opened[0] == opened[len(opened)-1] || !strings.HasPrefix(opened[0], tool.prefix) {
					t.Fatalf("channels opened: %q, want %d with ids of their own", opened, tc.channels)
				}
				// Two silent steps at most, each bounded.
				if d := time.Since(start); d > 2*tp.handshake+10*time.Second {
					t.Fatalf("took %v", d)
				}

				// Whether the grant is still there is what a channel of the
				// same tool is told when it opens.
				tp.open = func(label string) (dcconn.Channel, error) { return tp.peer.OpenChannel(label) }
				conn, _, err := tp.channel(ctx, tool.prefix+"check")
				if conn != nil {
					conn.Close()
				}
				switch {
				case tc.held && err != nil:
					t.Fatalf("the grant was used up by a request that never arrived: %v", err)
				case !tc.held && (err == nil || err.Error() != tool.denied):
					t.Fatalf("after the request, a channel is told %v, want %q", err, tool.denied)
				}
			})
		}
	}
}
