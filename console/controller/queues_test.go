package controller

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"lifeline/agent/session"
	"lifeline/console/internal/testcustomer"
	"lifeline/shared/client"
	"lifeline/shared/protocol"
	"lifeline/shared/rendezvoustest"
)

// twoQueues is Carol's console logged in to a site where she serves the
// Printer help queue and Dave (dave-password-1) the Network help queue.
func twoQueues(t *testing.T) (*Controller, *rendezvoustest.Server) {
	t.Helper()
	carol, ts, _ := loggedIn(t, rendezvoustest.Options{})
	ts.AddUser(t, "dave@example.com", "Dave CSR", "csr", "dave-password-1")
	ts.AddQueue(t, "printers", "Printer help", "carol@example.com")
	ts.AddQueue(t, "network", "Network help", "dave@example.com")
	return carol, ts
}

// Three customers wait in a queue and are taken in order with Accept
// Next, each session starting with the customer in it; one leaves the
// line; a session is transferred to another queue with a message and
// taken there; the customers are told at every step.
func TestQueueAcceptAndTransfer(t *testing.T) {
	carol, ts := twoQueues(t)
	ctx := ctxT(t, 90*time.Second)

	ann, annJoined := testcustomer.JoinQueue(t, ts, "printers", "Ann")
	ann.WaitShown(t, "her place", func(e session.Event) bool { return strings.Contains(e.Text, "next in line for Printer help") })
	bob, bobJoined := testcustomer.JoinQueue(t, ts, "printers", "Bob")
	bob.WaitShown(t, "his place", func(e session.Event) bool { return strings.Contains(e.Text, "number 2 in line for Printer help") })
	cid, _ := testcustomer.JoinQueue(t, ts, "printers", "Cid")
	cid.WaitShown(t, "his place", func(e session.Event) bool { return strings.Contains(e.Text, "number 3 in line") })

	b, err := carol.Queues(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Queues) != 1 || len(b.Queues[0].Waiting) != 3 || b.Queues[0].Waiting[0].Name != "Ann" || b.Queues[0].Waiting[2].Name != "Cid" {
		t.Fatalf("carol's queues: %+v", b.Queues)
	}
	// Cid leaves the line.
	cid.Agent.Leave()
	cid.WaitShown(t, "left", func(e session.Event) bool { return e.Kind == session.EventEnded && e.Text == "You left the line." })

	// Accept Next takes Ann, then Bob: each session starts with the customer in it.
	for _, want := range []struct {
		name   string
		joined <-chan error
	}{{"Ann", annJoined}, {"Bob", bobJoined}} {
		s, r, err := carol.AcceptNext(ctx, "printers", "", "")
		if err != nil {
			t.Fatalf("accept next: %v", err)
		}
		if r.Name != want.name || r.Problem != "The printer is offline" {
			t.Fatalf("accepted %+v, want %s", r, want.name)
		}
		if err := <-want.joined; err != nil {
			t.Fatalf("%s did not join: %v", want.name, err)
		}
		p, err := s.WaitCustomer(ctx)
		if err != nil || p.Name != want.name {
			t.Fatalf("customer of the session: %+v, %v", p, err)
		}
		if want.name == "Ann" {
			// Ann's session goes to the network queue, with a message.
			if _, err := s.TransferSession(ctx, "network", strings.Repeat("x", MaxTransferMessage+1)); !IsCode(err, client.CodeInvalidMessage) {
				t.Fatalf("a message of 346 characters: %v", err)
			}
			if _, err := s.TransferSession(ctx, "network", "Printer fine; the VPN drops."); err != nil {
				t.Fatal(err)
			}
			if !s.isEnded() {
				t.Fatal("the sender is still in the session")
			}
			ann.WaitShown(t, "the transfer", func(e session.Event) bool {
				return strings.Contains(e.Text, "transferred your session to Network help")
			})
		}
	}
	if _, _, err := carol.AcceptNext(ctx, "printers", "", ""); !IsCode(err, client.CodeQueueEmpty) {
		t.Fatalf("accept on an empty queue: %v", err)
	}

	// Dave, in the network queue, takes Ann's session over with the message.
	dave := New(Config{Server: ts.URL, TLS: ts.TLS, LoopbackOnly: true})
	t.Cleanup(func() { dave.Close() })
	if _, err := dave.Login(ctx, "dave@example.com", "dave-password-1"); err != nil {
		t.Fatal(err)
	}
	ds, r, err := dave.AcceptNext(ctx, "network", "", "")
	if err != nil {
		t.Fatal(err)
	}
	if r.Name != "Ann" || r.Message != "Printer fine; the VPN drops." {
		t.Fatalf("taken over: %+v", r)
	}
	if st, err := ds.WaitState(ctx, IsHost); err != nil || st.State != protocol.StateLive {
		t.Fatalf("dave is not the host: %v", err)
	}
	if _, err := ds.WaitCustomer(ctx); err != nil {
		t.Fatal(err)
	}
	if _, _, err := carol.AcceptNext(ctx, "network", "", ""); !IsCode(err, client.CodeNotAMember) && !errors.Is(err, ErrNotLoggedIn) {
		t.Fatalf("accept in a queue carol does not serve: %v", err)
	}
}

// The Transfer Session dialog's list: every queue and every colleague;
// a colleague is online while a console of theirs is logged in, and not
// after it closed.
func TestTransferTargets(t *testing.T) {
	carol, ts := twoQueues(t)
	ctx := ctxT(t, 30*time.Second)
	daveIs := func(online bool) {
		t.Helper()
		daveOnline := 0
		if online {
			daveOnline = 1
		}
		deadline := time.Now().Add(5 * time.Second)
		for {
			got, err := carol.TransferTargets(ctx)
			if err != nil {
				t.Fatal(err)
			}
			want := client.TransferTargets{
				Queues: []client.TargetQueue{
					{Name: "network", DisplayName: "Network help", Members: 1, MembersOnline: daveOnline},
					{Name: "printers", DisplayName: "Printer help", Members: 1, MembersOnline: 1, YouServe: true},
				},
				CSRs: []client.TargetCSR{{Email: "dave@example.com", Name: "Dave CSR", Online: online}},
			}
			if reflect.DeepEqual(got, want) {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("targets with Dave online=%v:\n got %+v\nwant %+v", online, got, want)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	daveIs(false)
	dave := New(Config{Server: ts.URL, TLS: ts.TLS, LoopbackOnly: true})
	if _, err := dave.Login(ctx, "dave@example.com", "dave-password-1"); err != nil {
		t.Fatal(err)
	}
	daveIs(true)
	dave.Close()
	daveIs(false)

	// A refusal keeps the server's code.
	out := New(Config{Server: ts.URL, TLS: ts.TLS})
	defer out.Close()
	if _, err := out.TransferTargets(ctx); !IsCode(err, "unauthenticated") {
		t.Fatalf("without a login: %v", err)
	}
}
