// Package testcustomer is a customer for the console's tests: a real
// agent session (agent/session) with every tool, whose customer answers
// consent requests from a list and whose window is a record of what it
// was shown. Its files live in a temporary home; its reboot only records
// the resume token.
package testcustomer

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"lifeline/agent/consent"
	"lifeline/agent/scriptrun"
	"lifeline/agent/session"
	"lifeline/agent/stream"
	"lifeline/agent/stream/streamtest"
	"lifeline/agent/sysinfo"
	"lifeline/shared/client"
	"lifeline/shared/rendezvoustest"
	"lifeline/shared/sysreport"
	"lifeline/shared/transport"
)

// Customer is a real agent session whose customer answers from a list
// and whose window is a record of what it was shown.
type Customer struct {
	mu      sync.Mutex
	answers []consent.Answer
	asked   []session.Request
	events  []session.Event
	changed chan struct{}
	Agent   *session.Agent
	Home    string
	reboots []string // resume tokens the agent rebooted with
}

func (c *Customer) Ask(_ context.Context, r session.Request) consent.Answer {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.asked = append(c.asked, r)
	if len(c.answers) == 0 {
		return consent.Deny
	}
	a := c.answers[0]
	c.answers = c.answers[1:]
	return a
}

func (c *Customer) Show(e session.Event) {
	c.mu.Lock()
	c.events = append(c.events, e)
	close(c.changed)
	c.changed = make(chan struct{})
	c.mu.Unlock()
}

func (c *Customer) Answer(a ...consent.Answer) {
	c.mu.Lock()
	c.answers = append(c.answers, a...)
	c.mu.Unlock()
}

func (c *Customer) LastAsked() session.Request {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.asked) == 0 {
		return session.Request{}
	}
	return c.asked[len(c.asked)-1]
}

// waitShown waits for an event the customer was shown.
func (c *Customer) WaitShown(t *testing.T, what string, ok func(session.Event) bool) session.Event {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		c.mu.Lock()
		for _, e := range c.events {
			if ok(e) {
				c.mu.Unlock()
				return e
			}
		}
		ch := c.changed
		c.mu.Unlock()
		select {
		case <-ch:
		case <-deadline:
			t.Fatalf("the customer was not shown %s", what)
		}
	}
}

// Join starts a real agent with every tool, its files in a
// temporary home.
func Join(t *testing.T, ts *rendezvoustest.Server, number string) *Customer {
	t.Helper()
	return JoinWithScreen(t, ts, number, nil)
}

// JoinWithScreen is Join with a screen to share (nil: none).
func JoinWithScreen(t *testing.T, ts *rendezvoustest.Server, number string, scr *streamtest.Screen) *Customer {
	t.Helper()
	c := &Customer{changed: make(chan struct{}), Home: t.TempDir()}
	tools := session.Tools{
		FilesRoot: c.Home,
		Sysinfo: func(ctx context.Context) sysreport.Report {
			return sysinfo.Collect(ctx, sysinfo.Options{Categories: []string{sysinfo.CatOS, sysinfo.CatMemory}})
		},
		Scripts: &scriptrun.Runner{TempDir: t.TempDir()},
		Reboot: func(_ context.Context, t session.RebootTicket) error {
			c.mu.Lock()
			defer c.mu.Unlock()
			c.reboots = append(c.reboots, t.ResumeToken)
			return nil
		},
	}
	cfg := session.Config{API: client.New(ts.URL, ts.TLS), Number: number, Name: "Ann", LoopbackOnly: true, Tools: tools}
	if scr != nil {
		cfg.Screen = &session.Screen{
			Monitors: []transport.Monitor{{Width: scr.Size().X, Height: scr.Size().Y, Primary: true}},
			Open:     func(int) (stream.Source, error) { return scr, nil },
		}
	}
	c.Agent = session.New(cfg, c)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = c.Agent.Run(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	if err := <-c.Agent.Joined(); err != nil {
		t.Fatalf("customer join: %v", err)
	}
	return c
}

// Reboots are the resume tokens the agent rebooted with.
func (c *Customer) Reboots() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.reboots)
}

// New is a customer's window without an agent, for an agent the test
// starts itself (a rejoin).
func New() *Customer { return &Customer{changed: make(chan struct{})} }

// JoinQueue starts a real agent that waits in a support queue as name;
// its Joined channel says when a CSR took it.
func JoinQueue(t *testing.T, ts *rendezvoustest.Server, queue, name string) (*Customer, <-chan error) {
	t.Helper()
	c := New()
	c.Agent = session.New(session.Config{API: client.New(ts.URL, ts.TLS), Name: name, Email: strings.ToLower(name) + "@example.com",
		LoopbackOnly: true, Queue: &session.Queue{Name: queue, Problem: "The printer is offline"}}, c)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Agent.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	return c, c.Agent.Joined()
}
