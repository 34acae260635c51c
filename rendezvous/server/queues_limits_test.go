package server_test

import (
	"fmt"
	"testing"
	"time"

	"lifeline/rendezvous/server"
	"lifeline/rendezvous/settings"
	"lifeline/shared/client"
	"lifeline/shared/rendezvoustest"
)

// The queue board says, per queue, whether the CSR's limits as they apply
// to that queue let Accept Next start one more session now, with the very
// sentence Accept Next refuses with; and it answers a long poll again when
// a session of the CSR starts or ends, since that changes the answer.
func TestBoardTellsWhetherAcceptNextIsAllowed(t *testing.T) {
	ts := rendezvoustest.New(t, rendezvoustest.Options{})
	carol := ts.CSR(t, "carol@example.com", "Carol")
	// billing works on one session at a time; support allows two; sales
	// follows the site (multi, 4).
	for _, q := range [][2]string{{"billing", "Billing"}, {"sales", "Sales"}, {"support", "Support"}} {
		ts.AddQueue(t, q[0], q[1], "carol@example.com")
	}
	setQueue(t, ts, "billing", "session-mode", "single")
	setQueue(t, ts, "support", "max-customers", "2")
	// Someone waits in each, so that a refused Accept Next is refused for
	// the limit and not for an empty line.
	for _, q := range []string{"billing", "sales", "support"} {
		enterQueue(t, ts, q, "Paula")
	}

	const (
		billingSingle = "You already have a session open, and the Billing queue works on one session at a time. End it before starting another."
		billingTwo    = "You already have 2 sessions open, and the Billing queue works on one session at a time. End them before starting another."
		supportFull   = "You already have 2 sessions open, the most the Support queue allows. End one before starting another."
	)
	var sessions []string
	start := func() {
		c, err := carol.CreateSession(ctxT(t), "", "")
		must(t, err)
		sessions = append(sessions, c.ID)
	}
	end := func() {
		must(t, carol.EndSession(ctxT(t), sessions[len(sessions)-1], ""))
		sessions = sessions[:len(sessions)-1]
	}
	limits := func(l settings.UserLimits) func() {
		return func() { must(t, ts.Store.SetUserLimits(ctxT(t), "carol@example.com", l)) }
	}

	board, err := carol.Queues(ctxT(t))
	must(t, err)
	for _, step := range []struct {
		what string
		do   func()
		// wake: the change must answer a long poll at once (a session of
		// Carol's started or ended); otherwise the board is read anew.
		wake bool
		// want is each queue's limit sentence; "" when Accept Next is allowed.
		want map[string]string
	}{
		{"no session", func() {}, false, map[string]string{"billing": "", "sales": "", "support": ""}},
		{"one session", start, true, map[string]string{"billing": billingSingle, "sales": "", "support": ""}},
		{"two sessions", start, true, map[string]string{"billing": billingTwo, "sales": "", "support": supportFull}},
		{"Carol's own multi mode and maximum of 3 beat the queues'", limits(settings.UserLimits{SessionMode: settings.ModeMulti, MaxCustomers: 3}), false,
			map[string]string{"billing": "", "sales": "", "support": ""}},
		{"her own limits removed", limits(settings.UserLimits{}), false, map[string]string{"billing": billingTwo, "sales": "", "support": supportFull}},
		{"one session ended", end, true, map[string]string{"billing": billingSingle, "sales": "", "support": ""}},
		{"both ended", end, true, map[string]string{"billing": "", "sales": "", "support": ""}},
	} {
		var polled chan client.QueueBoard
		if step.wake {
			polled = make(chan client.QueueBoard, 1)
			after := board.Version
			go func() {
				b, err := carol.WaitQueues(ctxT(t), after, 20*time.Second)
				if err != nil {
					t.Errorf("%s: the long poll: %v", step.what, err)
				}
				polled <- b
			}()
			time.Sleep(100 * time.Millisecond) // the poll is waiting
		}
		step.do()
		if step.wake {
			select {
			case board = <-polled:
			case <-time.After(5 * time.Second):
				t.Fatalf("%s: the board's long poll did not answer", step.what)
			}
		} else {
			board, err = carol.Queues(ctxT(t))
			must(t, err)
		}
		if len(board.Queues) != len(step.want) {
			t.Fatalf("%s: %d queues on the board, want %d", step.what, len(board.Queues), len(step.want))
		}
		for _, q := range board.Queues {
			want := step.want[q.Name]
			if q.CanAccept == nil || *q.CanAccept != (want == "") || q.Limit != want {
				t.Errorf("%s: %s: can_accept %s, limit %q; want the limit %q", step.what, q.Name, boolOrNil(q.CanAccept), q.Limit, want)
			}
			// The sentence is Accept Next's own.
			if want != "" {
				_, err := carol.AcceptNext(ctxT(t), q.Name, "", "")
				wantRefused(t, step.what+": accept next in "+q.Name, err, 409, "too_many_sessions", want)
			}
		}
	}
}

func boolOrNil(b *bool) string {
	if b == nil {
		return "absent"
	}
	return fmt.Sprint(*b)
}

// A setting changed with the command line (straight to the database)
// answers the board's long poll once the server notices it, as it reaches
// the live sessions: a queue switched to single mode says so to the CSR
// hosting a session, without waiting for the poll to time out.
func TestBoardFollowsSettingsChanges(t *testing.T) {
	ts := rendezvoustest.New(t, rendezvoustest.Options{Configure: func(s *server.Server) {
		s.SettingsInterval = 100 * time.Millisecond
	}})
	carol := ts.CSR(t, "carol@example.com", "Carol")
	ts.AddQueue(t, "billing", "Billing", "carol@example.com")
	if _, err := carol.CreateSession(ctxT(t), "", ""); err != nil {
		t.Fatal(err)
	}
	board, err := carol.Queues(ctxT(t))
	must(t, err)
	if q := board.Queues[0]; q.CanAccept == nil || !*q.CanAccept || q.TrackingCode != "off" {
		t.Fatalf("before: %+v", q)
	}
	changed := time.Now()
	setQueue(t, ts, "billing", "session-mode", "single")
	setQueue(t, ts, "billing", "tracking-code", "required")
	for board.Queues[0].CanAccept == nil || *board.Queues[0].CanAccept || board.Queues[0].TrackingCode != "required" {
		if time.Since(changed) > 5*time.Second {
			t.Fatalf("the board did not follow the settings within 5 s: %+v", board.Queues[0])
		}
		board, err = carol.WaitQueues(ctxT(t), board.Version, 20*time.Second)
		must(t, err)
	}
	if want := "You already have a session open, and the Billing queue works on one session at a time. End it before starting another."; board.Queues[0].Limit != want {
		t.Fatalf("the limit: %q", board.Queues[0].Limit)
	}
}
