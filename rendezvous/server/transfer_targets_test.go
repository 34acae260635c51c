package server_test

import (
	"context"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"lifeline/rendezvous/store"
	"lifeline/shared/client"
	"lifeline/shared/rendezvoustest"
)

// targetsSite is a site with three live queues and a removed one, and
// colleagues in every state a target can be in. Carol and Erin have a
// console connected; Dave and Adam are logged in without one; Off was
// connected when an administrator disabled the account.
type targetsSite struct {
	ts                           *rendezvoustest.Server
	carol, dave, erin, adam, off *client.Client
	// The tokens of a customer in a session and of one waiting in line.
	customerToken, waitingToken string
}

func newTargetsSite(t *testing.T) *targetsSite {
	t.Helper()
	ts := rendezvoustest.New(t, rendezvoustest.Options{})
	s := &targetsSite{ts: ts}
	s.carol = ts.CSR(t, "carol@example.com", "Carol")
	s.dave = ts.CSR(t, "dave@example.com", "Dave")
	s.erin = ts.CSR(t, "erin@example.com", "erin Example") // names sort in any case
	ts.AddUser(t, "adam@example.com", "Adam Admin", store.RoleAdmin, "adam-password-1")
	s.adam = ts.Client()
	_, err := s.adam.Login(ctxT(t), "adam@example.com", "adam-password-1")
	must(t, err)
	s.off = ts.CSR(t, "off@example.com", "Off")
	dial(t, s.carol)
	dial(t, s.erin)
	dial(t, s.off)
	must(t, ts.Store.SetUserDisabled(ctxT(t), "off@example.com", true))

	ts.AddQueue(t, "billing", "Billing", "carol@example.com", "dave@example.com", "off@example.com")
	ts.AddQueue(t, "tier-2", "Second level", "dave@example.com")
	ts.AddQueue(t, "empty", "Empty")
	ts.AddQueue(t, "old", "Old queue", "carol@example.com")
	must(t, ts.Store.RemoveQueue(ctxT(t), "old", time.Now()))

	s.waitingToken = enterQueue(t, ts, "billing", "Paula").ticket.Token
	enterQueue(t, ts, "billing", "Quinn")
	enterQueue(t, ts, "tier-2", "Ruth")

	// A session offered to Dave waits for him, in no queue's line.
	created, err := s.erin.CreateSession(ctxT(t), "", "")
	must(t, err)
	cust := customer(t, ts, created.Number, "Sam")
	s.customerToken = cust.api.Token
	_, err = s.erin.TransferSession(ctxT(t), created.ID, client.Transfer{CSREmail: "dave@example.com", Message: "Yours."})
	must(t, err)
	return s
}

// Every live queue and every colleague who can take a session, as each
// caller sees them: the caller is never among the colleagues, disabled
// accounts never are, and online means a console connected now.
func TestTransferTargets(t *testing.T) {
	s := newTargetsSite(t)
	queues := func(youServe map[string]bool) []client.TargetQueue {
		return []client.TargetQueue{
			// Off is disabled: not counted, though connected and a member.
			{Name: "billing", DisplayName: "Billing", Waiting: 2, Members: 2, MembersOnline: 1, YouServe: youServe["billing"]},
			{Name: "empty", DisplayName: "Empty"},
			{Name: "tier-2", DisplayName: "Second level", Waiting: 1, Members: 1, YouServe: youServe["tier-2"]},
		}
	}
	var (
		carol = client.TargetCSR{Email: "carol@example.com", Name: "Carol", Online: true}
		dave  = client.TargetCSR{Email: "dave@example.com", Name: "Dave"}
		erin  = client.TargetCSR{Email: "erin@example.com", Name: "erin Example", Online: true}
		adam  = client.TargetCSR{Email: "adam@example.com", Name: "Adam Admin"}
	)
	for _, tc := range []struct {
		name string
		api  *client.Client
		want client.TransferTargets
	}{
		{"a CSR who serves billing, online", s.carol, client.TransferTargets{
			Queues: queues(map[string]bool{"billing": true}),
			CSRs:   []client.TargetCSR{erin, adam, dave}}},
		{"a CSR who serves two queues, offline", s.dave, client.TransferTargets{
			Queues: queues(map[string]bool{"billing": true, "tier-2": true}),
			CSRs:   []client.TargetCSR{carol, erin, adam}}},
		{"a manager who serves none", s.erin, client.TransferTargets{
			Queues: queues(nil),
			CSRs:   []client.TargetCSR{carol, adam, dave}}},
		{"an admin, not a member: admins serve every queue uncounted", s.adam, client.TransferTargets{
			Queues: queues(nil),
			CSRs:   []client.TargetCSR{carol, erin, dave}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.api.TransferTargets(ctxT(t))
			must(t, err)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("targets:\n got %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

// Only a logged-in account may list the targets: a customer, in a
// session or waiting in line, is refused, as is anyone without a valid
// login.
func TestTransferTargetsRefused(t *testing.T) {
	s := newTargetsSite(t)
	loggedOut := s.ts.CSR(t, "gone@example.com", "Gone")
	must(t, loggedOut.Logout(ctxT(t)))
	for _, tc := range []struct {
		name   string
		token  string
		status int
		code   string
	}{
		{"a customer in a session", s.customerToken, http.StatusForbidden, "csr_only"},
		{"a customer waiting in line", s.waitingToken, http.StatusUnauthorized, "invalid_token"},
		{"a disabled account", s.off.Token, http.StatusForbidden, "account_disabled"},
		{"a login that ended", loggedOut.Token, http.StatusUnauthorized, "invalid_token"},
		{"no login", "", http.StatusUnauthorized, "unauthenticated"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.ts.Client().WithToken(tc.token).TransferTargets(ctxT(t))
			if ae := apiErr(err); ae == nil || ae.Status != tc.status || ae.Code != tc.code || !strings.HasSuffix(ae.Message, ".") {
				t.Fatalf("TransferTargets = %v; want %d %s with a sentence", err, tc.status, tc.code)
			}
		})
	}
}

// Online follows the console's control connection: it counts from the
// moment the console connects, and stops when the connection closes.
func TestTransferTargetsOnline(t *testing.T) {
	s := newTargetsSite(t)
	daveOnline := func() (csr bool, billingOnline int) {
		t.Helper()
		got, err := s.carol.TransferTargets(ctxT(t))
		must(t, err)
		for _, c := range got.CSRs {
			if c.Email == "dave@example.com" {
				csr = c.Online
			}
		}
		return csr, got.Queues[0].MembersOnline
	}
	if on, n := daveOnline(); on || n != 1 {
		t.Fatalf("Dave without a console: online %v, billing's members online %d", on, n)
	}
	// Two consoles of one account count once.
	conn1, conn2 := dial(t, s.dave), dial(t, s.dave)
	if on, n := daveOnline(); !on || n != 2 {
		t.Fatalf("Dave with two consoles: online %v, billing's members online %d", on, n)
	}
	must(t, conn1.CloseNow())
	if on, n := daveOnline(); !on || n != 2 {
		t.Fatalf("Dave with one console left: online %v, billing's members online %d", on, n)
	}
	must(t, conn2.CloseNow())
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for {
		if on, n := daveOnline(); !on && n == 1 {
			break
		}
		if ctx.Err() != nil {
			t.Fatal("Dave is still online after his consoles closed")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// The list is a help for choosing: a transfer checks its target again
// when it is posted, and refuses one that went away since, with a
// sentence; any name or address may be typed instead of one listed.
func TestTransferTargetGoneSinceListed(t *testing.T) {
	s := newTargetsSite(t)
	listed, err := s.carol.TransferTargets(ctxT(t))
	must(t, err)
	if len(listed.Queues) != 3 || listed.Queues[1].Name != "empty" || listed.CSRs[2].Email != "dave@example.com" {
		t.Fatalf("listed: %+v", listed)
	}
	must(t, s.ts.Store.RemoveQueue(ctxT(t), "empty", time.Now()))
	must(t, s.ts.Store.SetUserDisabled(ctxT(t), "dave@example.com", true))

	created, err := s.carol.CreateSession(ctxT(t), "", "")
	must(t, err)
	customer(t, s.ts, created.Number, "Tom")
	for _, tc := range []struct {
		name   string
		to     client.Transfer
		status int
		code   string
		msg    string
	}{
		{"a queue removed since", client.Transfer{Queue: "empty"}, 404, "no_such_queue", `There is no support queue named "empty".`},
		{"an account disabled since", client.Transfer{CSREmail: "dave@example.com"}, 409, "csr_disabled", "Dave's account is disabled; transfer the session to someone else."},
		{"a queue never listed", client.Transfer{Queue: "sales"}, 404, "no_such_queue", `There is no support queue named "sales".`},
		{"an address never listed", client.Transfer{CSREmail: "zoe@example.com"}, 404, "no_such_csr", "There is no support representative with the email address zoe@example.com."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.carol.TransferSession(ctxT(t), created.ID, tc.to)
			if ae := apiErr(err); ae == nil || ae.Status != tc.status || ae.Code != tc.code || !strings.Contains(ae.Message, tc.msg) {
				t.Fatalf("TransferSession = %v; want %d %s %q", err, tc.status, tc.code, tc.msg)
			}
		})
	}
	// Gone from the list too; a listed colleague still takes the session.
	now, err := s.carol.TransferTargets(ctxT(t))
	must(t, err)
	if len(now.Queues) != 2 || len(now.CSRs) != 2 {
		t.Fatalf("the list after the changes: %+v", now)
	}
	if _, err := s.carol.TransferSession(ctxT(t), created.ID, client.Transfer{CSREmail: now.CSRs[0].Email}); err != nil {
		t.Fatalf("transfer to %s: %v", now.CSRs[0].Email, err)
	}
}
