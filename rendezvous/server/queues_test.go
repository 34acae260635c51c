package server_test

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"lifeline/rendezvous/store"
	"lifeline/shared/client"
	"lifeline/shared/protocol"
	"lifeline/shared/rendezvoustest"
)

// waiter is a customer in line: its ticket, and an API client with its
// token, as the agent holds it.
type waiter struct {
	name   string
	ticket client.QueueTicket
	api    *client.Client
}

func enterQueue(t testing.TB, ts *rendezvoustest.Server, queue, name string) *waiter {
	t.Helper()
	tk, err := ts.Client().EnterQueue(ctxT(t), queue, client.QueueEntry{Name: name, Email: strings.ToLower(name) + "@example.com",
		Problem: name + "'s printer is offline.", Referrer: "https://shop.example.com/printers"})
	if err != nil {
		t.Fatalf("%s enters %s: %v", name, queue, err)
	}
	return &waiter{name: name, ticket: tk, api: ts.Client().WithToken(tk.Token)}
}

func (w *waiter) status(t testing.TB) client.QueueStatus {
	t.Helper()
	st, err := w.api.QueueStatus(ctxT(t), w.ticket.ID)
	if err != nil {
		t.Fatalf("%s's status: %v", w.name, err)
	}
	return st
}

// attach connects an accepted customer's agent with the token it has, as
// a participant of the session it was accepted into.
func (w *waiter) attach(t testing.TB) *party {
	t.Helper()
	st := w.status(t)
	j, ok := st.Joined(w.ticket.Token)
	if !ok {
		t.Fatalf("%s is not accepted: %+v", w.name, st)
	}
	p := &party{t: t, name: w.name, api: w.api, conn: dial(t, w.api), pid: j.ParticipantID, session: j.SessionID}
	p.attach(0)
	return p
}

func requestState(t testing.TB, ts *rendezvoustest.Server, id string) store.QueueRequest {
	t.Helper()
	r, err := ts.Store.QueueRequestByID(ctxT(t), id)
	if err != nil {
		t.Fatalf("request %s: %v", id, err)
	}
	return r
}

func apiErr(err error) *client.APIError {
	var ae *client.APIError
	errors.As(err, &ae)
	return ae
}

// The customer's side refuses every detail a person could get wrong, with
// a sentence saying what to do.
func TestEnterQueueRefusals(t *testing.T) {
	ts := rendezvoustest.New(t, rendezvoustest.Options{})
	ts.AddQueue(t, "billing", "Billing")
	good := client.QueueEntry{Name: "Paula", Email: "paula@example.com", Problem: "Printer offline", Referrer: "https://example.com/help"}
	with := func(f func(*client.QueueEntry)) client.QueueEntry { e := good; f(&e); return e }
	for _, tc := range []struct {
		name, queue string
		entry       client.QueueEntry
		status      int
		code, msg   string
	}{
		{"an unknown queue", "sales", good, 404, "no_such_queue", `There is no support queue named "sales".`},
		{"no name", "billing", with(func(e *client.QueueEntry) { e.Name = "" }), 400, "invalid_name", "Please enter your name (at most 100 characters)."},
		{"no email", "billing", with(func(e *client.QueueEntry) { e.Email = "" }), 400, "invalid_email", "Please enter your email address"},
		{"a bad email", "billing", with(func(e *client.QueueEntry) { e.Email = "paula at example" }), 400, "invalid_email", "like name@example.com"},
		{"a problem of 501 characters", "billing", with(func(e *client.QueueEntry) { e.Problem = strings.Repeat("p", 501) }), 400, "invalid_problem",
			"Please describe the problem in at most 500 characters; this description has 501."},
		{"a referrer that is no web address", "billing", with(func(e *client.QueueEntry) { e.Referrer = "file:///etc/passwd" }), 400, "invalid_referrer", "http or https address"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ts.Client().EnterQueue(ctxT(t), tc.queue, tc.entry)
			ae := apiErr(err)
			if ae == nil || ae.Status != tc.status || ae.Code != tc.code || !strings.Contains(ae.Message, tc.msg) {
				t.Fatalf("EnterQueue = %v; want %d %s with %q", err, tc.status, tc.code, tc.msg)
			}
		})
	}
	if w, err := ts.Store.WaitingRequests(ctxT(t), store.WaitingFilter{}); err != nil || len(w) != 0 {
		t.Errorf("refused requests were stored: %+v, %v", w, err)
	}

	// A request is followed with its own token only.
	w := enterQueue(t, ts, "billing", "Paula")
	other := enterQueue(t, ts, "billing", "Oscar")
	for _, tc := range []struct {
		name   string
		api    *client.Client
		id     string
		status int
		code   string
	}{
		{"no token", ts.Client(), w.ticket.ID, 401, "unauthenticated"},
		{"another customer's token", other.api, w.ticket.ID, 404, "no_such_request"},
		{"an unknown request", w.api, "qrq_nope", 404, "no_such_request"},
		{"a CSR's login", ts.CSR(t, "carol@example.com", "Carol"), w.ticket.ID, 404, "no_such_request"},
	} {
		t.Run("status with "+tc.name, func(t *testing.T) {
			_, err := tc.api.QueueStatus(ctxT(t), tc.id)
			if ae := apiErr(err); ae == nil || ae.Status != tc.status || ae.Code != tc.code {
				t.Fatalf("QueueStatus = %v; want %d %s", err, tc.status, tc.code)
			}
			if err := tc.api.LeaveQueue(ctxT(t), tc.id); !client.IsCode(err, tc.code) {
				t.Fatalf("LeaveQueue = %v; want %s", err, tc.code)
			}
		})
	}
	if st := w.status(t); st.State != client.QueueWaiting || st.Position != 1 {
		t.Errorf("Paula after the refusals: %+v", st)
	}
}

// The CSR's side: only the queue's members (and admins) accept from it,
// a transfer message is at most 345 characters, and so on.
func TestQueueCSRRefusals(t *testing.T) {
	ts := rendezvoustest.New(t, rendezvoustest.Options{})
	ts.AddQueue(t, "billing", "Billing")
	ts.AddQueue(t, "empty", "Empty")
	carol := ts.CSR(t, "carol@example.com", "Carol")
	dave := ts.CSR(t, "dave@example.com", "Dave")
	must(t, ts.Store.AddQueueMember(ctxT(t), "billing", "carol@example.com", time.Now()))
	must(t, ts.Store.AddQueueMember(ctxT(t), "empty", "carol@example.com", time.Now()))
	ts.AddUser(t, "off@example.com", "Off", store.RoleCSR, "pw")
	must(t, ts.Store.SetUserDisabled(ctxT(t), "off@example.com", true))
	paula := enterQueue(t, ts, "billing", "Paula")

	for _, tc := range []struct {
		name   string
		api    *client.Client
		queue  string
		status int
		code   string
		msg    string
	}{
		{"not a member", dave, "billing", 403, "not_a_member", "You do not serve the Billing queue; an administrator can add you to it with: lifeline-rendezvous queue member add billing YOUR_EMAIL"},
		{"an unknown queue", carol, "sales", 404, "no_such_queue", `There is no support queue named "sales".`},
		{"an empty queue", carol, "empty", 409, "queue_empty", "Nobody is waiting in the Empty queue."},
		{"a customer's token", paula.api, "billing", 401, "invalid_token", ""},
		{"no login", ts.Client(), "billing", 401, "unauthenticated", ""},
	} {
		t.Run("accept next: "+tc.name, func(t *testing.T) {
			_, err := tc.api.AcceptNext(ctxT(t), tc.queue, "", "")
			if ae := apiErr(err); ae == nil || ae.Status != tc.status || ae.Code != tc.code || !strings.Contains(ae.Message, tc.msg) {
				t.Fatalf("AcceptNext = %v; want %d %s %q", err, tc.status, tc.code, tc.msg)
			}
		})
	}
	// Dave serves no queue: he sees none, and no customer.
	if b, err := dave.Queues(ctxT(t)); err != nil || len(b.Queues) != 0 || len(b.Offers) != 0 {
		t.Errorf("dave's queues = %+v, %v", b, err)
	}
	if _, err := dave.AcceptOffer(ctxT(t), paula.ticket.ID); !client.IsCode(err, "no_such_offer") {
		t.Errorf("accept a request that is not an offer: %v", err)
	}
	if _, err := dave.Queues(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"?after=x", "?wait=5", "?after=1&wait=-1"} {
		_, err := rawGet(t, ts, carol.Token, "/api/v1/queues"+q)
		if !client.IsCode(err, "invalid_parameter") {
			t.Errorf("GET /queues%s: %v", q, err)
		}
	}

	// Transfer Session refusals, on a session Carol accepted from the queue.
	acc, err := carol.AcceptNext(ctxT(t), "billing", "", "")
	must(t, err)
	// Dave assists: in the session, not in control.
	dv := &party{t: t, name: "Dave", api: dave, conn: dial(t, dave)}
	if _, err := dv.conn.Request(ctxT(t), "", &protocol.Assist{Number: acc.Number}); err != nil {
		t.Fatal(err)
	}
	msg345, msg346 := strings.Repeat("é", 345), strings.Repeat("é", 346)
	for _, tc := range []struct {
		name    string
		api     *client.Client
		session string
		to      client.Transfer
		status  int
		code    string
		msg     string
	}{
		{"a message of 346 characters", carol, acc.ID, client.Transfer{Queue: "empty", Message: msg346}, 400, "invalid_message",
			"The message to the next support representative can be at most 345 characters long; this one has 346."},
		{"a message with control characters", carol, acc.ID, client.Transfer{Queue: "empty", Message: "\x1b[31m"}, 400, "invalid_message", "without control characters"},
		{"nowhere", carol, acc.ID, client.Transfer{Message: "x"}, 400, "invalid_target", "one of them"},
		{"both a queue and a CSR", carol, acc.ID, client.Transfer{Queue: "empty", CSREmail: "dave@example.com"}, 400, "invalid_target", ""},
		{"an unknown queue", carol, acc.ID, client.Transfer{Queue: "sales", Message: msg345}, 404, "no_such_queue", ""},
		{"an unknown CSR", carol, acc.ID, client.Transfer{CSREmail: "eve@example.com"}, 404, "no_such_csr", "eve@example.com"},
		{"a disabled CSR", carol, acc.ID, client.Transfer{CSREmail: "off@example.com"}, 409, "csr_disabled", "Off's account is disabled"},
		{"to oneself", carol, acc.ID, client.Transfer{CSREmail: "Carol@example.com"}, 400, "transfer_to_self", ""},
		{"an assistant", dave, acc.ID, client.Transfer{Queue: "empty"}, 403, "not_in_control", "Only the support representative in control can transfer the session."},
		{"the customer", paula.api, acc.ID, client.Transfer{Queue: "empty"}, 403, "csr_only", ""},
		{"a session one is not in", ts.CSR(t, "erin@example.com", "Erin"), acc.ID, client.Transfer{Queue: "empty"}, 403, "not_a_participant", ""},
		{"an unknown session", carol, "ses_nope", client.Transfer{Queue: "empty"}, 404, "no_such_session", ""},
	} {
		t.Run("transfer: "+tc.name, func(t *testing.T) {
			_, err := tc.api.TransferSession(ctxT(t), tc.session, tc.to)
			if ae := apiErr(err); ae == nil || ae.Status != tc.status || ae.Code != tc.code || !strings.Contains(ae.Message, tc.msg) {
				t.Fatalf("TransferSession = %v; want %d %s %q", err, tc.status, tc.code, tc.msg)
			}
		})
	}
	// After all that, the session is still Carol's.
	if st, err := carol.Session(ctxT(t), acc.ID); err != nil || st.HostID != acc.ParticipantID {
		t.Errorf("the session after refused transfers: host %q, %v", st.HostID, err)
	}

	// A session without a customer has nobody to transfer.
	solo, err := carol.CreateSession(ctxT(t), "", "")
	must(t, err)
	if _, err := carol.TransferSession(ctxT(t), solo.ID, client.Transfer{Queue: "empty"}); !client.IsCode(err, "no_customer") {
		t.Errorf("transfer a session without a customer: %v", err)
	}

	// Leaving a request that was accepted: leave the session instead.
	err = paula.api.LeaveQueue(ctxT(t), paula.ticket.ID)
	if ae := apiErr(err); ae == nil || ae.Code != "already_accepted" || !strings.Contains(ae.Message, spaced(acc.Number)) {
		t.Errorf("leave an accepted request: %v", err)
	}
}

func spaced(n string) string { return n[:3] + " " + n[3:6] + " " + n[6:] }

// rawGet is a GET with a token, for what the Go client does not send;
// an error answer comes back as the client's *APIError.
func rawGet(t testing.TB, ts *rendezvoustest.Server, token, path string) ([]byte, error) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctxT(t), "GET", ts.URL+path, nil)
	must(t, err)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := ts.Client().HTTP.Do(req)
	must(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	must(t, err)
	if resp.StatusCode >= 300 {
		var e struct{ Error, Code string }
		_ = json.Unmarshal(b, &e)
		return b, &client.APIError{Status: resp.StatusCode, Code: e.Code, Message: e.Error}
	}
	return b, nil
}

// Three customers in line are accepted in the order they came, each into
// a session with the customer in it; the others move up, and the estimate
// follows the waits.
func TestAcceptNextInOrder(t *testing.T) {
	db := t.TempDir() + "/lifeline.db"
	ts := rendezvoustest.New(t, rendezvoustest.Options{DatabaseURL: db})
	carol := ts.CSR(t, "carol@example.com", "Carol CSR")
	ts.AddQueue(t, "billing", "Billing and invoices", "carol@example.com")

	ann := enterQueue(t, ts, "billing", "Ann")
	bob := enterQueue(t, ts, "billing", "Bob")
	cid := enterQueue(t, ts, "billing", "Cid")
	for i, w := range []*waiter{ann, bob, cid} {
		st := w.status(t)
		if st.State != client.QueueWaiting || st.Position != i+1 || st.Waiting != 3 || st.QueueName != "Billing and invoices" ||
			st.Queue != "billing" || st.Session != nil || st.EstimatedWaitSeconds != nil {
			t.Fatalf("%s waiting: %+v", w.name, st)
		}
	}
	if !strings.HasPrefix(ann.ticket.Token, "llp_") || ann.ticket.Ticket != ann.ticket.ID+"."+ann.ticket.Token {
		t.Fatalf("ticket = %+v", ann.ticket)
	}

	board, err := carol.Queues(ctxT(t))
	must(t, err)
	if len(board.Queues) != 1 || board.Queues[0].Name != "billing" || board.Queues[0].Members != 1 {
		t.Fatalf("carol's queues = %+v", board)
	}
	var names []string
	for i, r := range board.Queues[0].Waiting {
		names = append(names, r.Name)
		if r.Position != i+1 || r.Problem != r.Name+"'s printer is offline." || r.Referrer != "https://shop.example.com/printers" ||
			r.Email != strings.ToLower(r.Name)+"@example.com" || r.RequestedAt.IsZero() || r.State != "waiting" {
			t.Errorf("waiting entry %d = %+v", i, r)
		}
	}
	if !slices.Equal(names, []string{"Ann", "Bob", "Cid"}) {
		t.Fatalf("the line = %v", names)
	}

	first, err := carol.AcceptNext(ctxT(t), "billing", "", "")
	must(t, err)
	if first.Request.Name != "Ann" || first.Request.State != "accepted" || len(first.Number) != 9 || !strings.HasPrefix(first.Token, "llp_") ||
		!strings.HasSuffix(first.JoinURL, "/join/"+first.Number) || first.Request.SessionID != first.ID {
		t.Fatalf("first accept = %+v", first)
	}
	// Ann's agent learns where she is, and connects with the token it has:
	// the session starts with her in it, as its primary customer.
	st := ann.status(t)
	if st.State != client.QueueAccepted || st.Session == nil || st.Session.SessionID != first.ID || st.Session.Number != first.Number ||
		st.Session.Role != protocol.RolePrimary || st.Session.Name != "Ann" {
		t.Fatalf("Ann accepted: %+v", st)
	}
	annP := ann.attach(t)
	if annP.last.HostID != first.ParticipantID || annP.roleOf(annP.pid) != protocol.RolePrimary {
		t.Fatalf("Ann's session: %+v", annP.last)
	}
	host := &party{t: t, name: "Carol", api: carol, conn: dial(t, carol), pid: first.ParticipantID, session: first.ID}
	host.attach(0)
	host.waitState("Ann connected", func(s protocol.State) bool { return find(s, annP.pid).Connected })
	if find(host.last, annP.pid).Email != "ann@example.com" {
		t.Errorf("Ann in Carol's state: %+v", find(host.last, annP.pid))
	}

	// Bob and Cid moved up; the estimate now has Ann's wait to go by. She
	// waited a moment; as if it had been 3 minutes:
	raw, err := sql.Open("sqlite", db)
	must(t, err)
	defer raw.Close()
	_, err = raw.ExecContext(ctxT(t), `UPDATE queue_requests SET requested_at = accepted_at - 180000 WHERE id = ?`, ann.ticket.ID)
	must(t, err)
	for i, w := range []*waiter{bob, cid} {
		st := w.status(t)
		est, ok := st.EstimatedWait()
		if st.Position != i+1 || st.Waiting != 2 || !ok || est != time.Duration(3*(i+1))*time.Minute {
			t.Errorf("%s after Ann: position %d of %d, estimate %v %v", w.name, st.Position, st.Waiting, est, ok)
		}
	}

	// Carol may host more than one session (4 by default): Bob, then Cid.
	for _, want := range []string{"Bob", "Cid"} {
		acc, err := carol.AcceptNext(ctxT(t), "billing", "", "")
		if err != nil || acc.Request.Name != want {
			t.Fatalf("next = %+v, %v; want %s", acc.Request, err, want)
		}
	}
	if _, err := carol.AcceptNext(ctxT(t), "billing", "", ""); !client.IsCode(err, client.CodeQueueEmpty) {
		t.Fatalf("accept from the emptied queue: %v", err)
	}
	// The wait is recorded, and the Session Details report says where the
	// session came from.
	r := requestState(t, ts, ann.ticket.ID)
	if r.State != store.RequestAccepted || r.AcceptedByName != "Carol CSR" || r.AcceptedAt.Before(r.RequestedAt) || r.SessionID != first.ID {
		t.Errorf("Ann's request = %+v", r)
	}
	rep, err := carol.Report(ctxT(t), first.ID)
	must(t, err)
	var types []string
	for _, e := range rep.Events {
		types = append(types, e.Type)
	}
	if !slices.Equal(types[:4], []string{"session_started", "joined", "joined", "queue_accepted"}) {
		t.Errorf("report events = %v", types)
	}
}

// However many CSRs press Accept Next at once, no customer goes to two of
// them, and nobody waiting is left behind.
func TestConcurrentAcceptNext(t *testing.T) {
	ts := rendezvoustest.New(t, rendezvoustest.Options{})
	const csrs, customers = 5, 3
	ts.AddQueue(t, "billing", "")
	var apis []*client.Client
	for i := range csrs {
		email := fmt.Sprintf("csr%d@example.com", i)
		apis = append(apis, ts.CSR(t, email, fmt.Sprintf("CSR %d", i)))
		must(t, ts.Store.AddQueueMember(ctxT(t), "billing", email, time.Now()))
	}
	for i := range customers {
		enterQueue(t, ts, "billing", fmt.Sprintf("Customer%d", i))
	}
	var wg sync.WaitGroup
	got := make([]client.Accepted, csrs)
	errs := make([]error, csrs)
	for i := range csrs {
		wg.Go(func() { got[i], errs[i] = apis[i].AcceptNext(ctxT(t), "billing", "", "") })
	}
	wg.Wait()
	seen := map[string]int{}
	empty := 0
	for i := range csrs {
		switch {
		case errs[i] == nil:
			if j, dup := seen[got[i].Request.ID]; dup {
				t.Errorf("CSR %d and CSR %d both got %s", j, i, got[i].Request.Name)
			}
			seen[got[i].Request.ID] = i
		case client.IsCode(errs[i], client.CodeQueueEmpty):
			empty++
		default:
			t.Errorf("CSR %d: %v", i, errs[i])
		}
	}
	if len(seen) != customers || empty != csrs-customers {
		t.Fatalf("%d customers accepted, %d told the queue is empty; want %d and %d", len(seen), empty, customers, csrs-customers)
	}
}

// A customer who leaves the line, or whose agent stops asking for the
// grace period, is recorded as abandoned, with the wait; the CSRs' long
// poll wakes for it.
func TestAbandonment(t *testing.T) {
	const grace = time.Second
	ts := rendezvoustest.New(t, rendezvoustest.Options{Grace: grace})
	carol := ts.CSR(t, "carol@example.com", "Carol")
	ts.AddQueue(t, "billing", "", "carol@example.com")

	leaver := enterQueue(t, ts, "billing", "Lea")
	idle := enterQueue(t, ts, "billing", "Ian")
	stays := enterQueue(t, ts, "billing", "Sue")

	board, err := carol.Queues(ctxT(t))
	must(t, err)
	// Lea leaves: Carol's waiting view is answered at once.
	done := make(chan client.QueueBoard, 1)
	go func() {
		b, err := carol.WaitQueues(ctxT(t), board.Version, 20*time.Second)
		if err != nil {
			t.Error(err)
		}
		done <- b
	}()
	time.Sleep(50 * time.Millisecond)
	left := time.Now()
	must(t, leaver.api.LeaveQueue(ctxT(t), leaver.ticket.ID))
	select {
	case b := <-done:
		if time.Since(left) > 3*time.Second || b.Version <= board.Version || len(b.Queues[0].Waiting) != 2 {
			t.Fatalf("the long poll answered after %v with %+v", time.Since(left), b)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the long poll did not wake when a customer left")
	}
	must(t, leaver.api.LeaveQueue(ctxT(t), leaver.ticket.ID)) // twice is harmless
	if r := requestState(t, ts, leaver.ticket.ID); r.State != store.RequestAbandoned || r.EndedAt.IsZero() || r.Waited(time.Time{}) < 0 {
		t.Errorf("Lea's request = %+v", r)
	}

	// Ian's agent polled once and stopped; Sue's keeps a long poll open.
	idle.status(t)
	suePoll := make(chan struct{})
	go func() {
		defer close(suePoll)
		v := int64(0)
		for i := 0; i < 8; i++ {
			st, err := stays.api.WaitQueueStatus(ctxT(t), stays.ticket.ID, v, time.Second)
			if err != nil {
				t.Error(err)
				return
			}
			v = st.Version
		}
	}()
	deadline := time.Now().Add(5 * time.Second)
	for requestState(t, ts, idle.ticket.ID).State == store.RequestWaiting && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	<-suePoll
	if r := requestState(t, ts, idle.ticket.ID); r.State != store.RequestAbandoned {
		t.Errorf("Ian stopped asking for longer than the grace: %s", r.State)
	}
	if st := stays.status(t); st.State != client.QueueWaiting || st.Position != 1 || st.Waiting != 1 {
		t.Errorf("Sue kept asking: %+v", st)
	}
	// The abandoned are not accepted.
	acc, err := carol.AcceptNext(ctxT(t), "billing", "", "")
	if err != nil || acc.Request.Name != "Sue" {
		t.Errorf("accept next = %+v, %v; want Sue", acc.Request, err)
	}
}

// A session transferred to another queue waits there with its customer
// connected; the next CSR of that queue sees the message and takes it
// over; the sender is out.
func TestTransferToQueue(t *testing.T) {
	ts := rendezvoustest.New(t, rendezvoustest.Options{})
	ts.AddQueue(t, "billing", "Billing")
	ts.AddQueue(t, "tier-2", "Second level")
	carol := ts.CSR(t, "carol@example.com", "Carol")
	dave := ts.CSR(t, "dave@example.com", "Dave")
	must(t, ts.Store.AddQueueMember(ctxT(t), "billing", "carol@example.com", time.Now()))
	must(t, ts.Store.AddQueueMember(ctxT(t), "tier-2", "dave@example.com", time.Now()))

	paula := enterQueue(t, ts, "billing", "Paula")
	acc, err := carol.AcceptNext(ctxT(t), "billing", "", "")
	must(t, err)
	cust := paula.attach(t)
	host := &party{t: t, name: "Carol", api: carol, conn: dial(t, carol), pid: acc.ParticipantID, session: acc.ID}
	host.attach(0)

	msg := "Needs a new driver; tier 2 please. " + strings.Repeat("x", 300)
	moved, err := carol.TransferSession(ctxT(t), acc.ID, client.Transfer{Queue: "Tier-2", Message: msg})
	must(t, err)
	if moved.State != "waiting" || moved.Queue != "tier-2" || moved.SessionID != acc.ID || moved.Message != msg ||
		moved.TransferredBy != "Carol" || moved.Name != "Paula" || moved.Problem != "Paula's printer is offline." {
		t.Fatalf("transferred = %+v", moved)
	}
	// Paula is told, and stays connected in a session without a host.
	m := cust.expect(protocol.TypeSessionTransferred, nil)
	if n := m.Msg.(*protocol.SessionTransferred); n.FromName != "Carol" || n.Queue != "tier-2" || n.QueueName != "Second level" || n.Request != moved.ID {
		t.Fatalf("notice = %+v", n)
	}
	st := cust.waitState("no host", func(s protocol.State) bool { return s.HostID == "" })
	if find(st, acc.ParticipantID).LeftAt == nil {
		t.Errorf("Carol is still in the session: %+v", st)
	}
	// Her agent follows her new place with her participant token.
	ps, err := paula.api.QueueStatus(ctxT(t), moved.ID)
	if err != nil || ps.State != client.QueueWaiting || ps.Position != 1 || ps.QueueName != "Second level" || ps.Session == nil || ps.Session.SessionID != acc.ID {
		t.Fatalf("Paula's place after the transfer: %+v, %v", ps, err)
	}
	if r := requestState(t, ts, paula.ticket.ID); r.State != store.RequestTransferred || r.EndedAt.IsZero() {
		t.Errorf("the first request = %+v", r)
	}
	if live, _ := carol.LiveSessions(ctxT(t)); len(live) != 0 {
		t.Errorf("Carol still has %d sessions", len(live))
	}
	// Carol is gone: she cannot transfer or end it any more.
	if _, err := carol.TransferSession(ctxT(t), acc.ID, client.Transfer{Queue: "billing"}); !client.IsCode(err, "not_a_participant") {
		t.Errorf("transfer again: %v", err)
	}

	// Dave sees it in his queue, with the message, and takes it over.
	board, err := dave.Queues(ctxT(t))
	must(t, err)
	if w := board.Queues[0].Waiting; len(w) != 1 || w[0].Message != msg || w[0].SessionID != acc.ID || w[0].TransferredBy != "Carol" {
		t.Fatalf("Dave's queue = %+v", board.Queues)
	}
	took, err := dave.AcceptNext(ctxT(t), "tier-2", "", "")
	must(t, err)
	if took.ID != acc.ID || took.Number != acc.Number || took.Request.Message != msg || took.ParticipantID == "" {
		t.Fatalf("Dave's accept = %+v", took)
	}
	st = cust.waitState("Dave in control", func(s protocol.State) bool { return s.HostID == took.ParticipantID })
	if find(st, took.ParticipantID).Role != protocol.RoleCSR {
		t.Errorf("Dave in the session: %+v", find(st, took.ParticipantID))
	}
	dv := &party{t: t, name: "Dave", api: dave, conn: dial(t, dave), pid: took.ParticipantID, session: took.ID}
	dv.attach(0)
	must(t, errCode(dv.do(&protocol.Chat{Text: "Hello Paula, Dave here."})))
	cust.expect(protocol.TypeChat, nil)
	// The session ends as any does; the report has the transfer, with the
	// message for CSRs.
	must(t, dave.EndSession(ctxT(t), took.ID, ""))
	rep, err := dave.Report(ctxT(t), took.ID)
	must(t, err)
	var types []string
	for _, e := range rep.Events {
		types = append(types, e.Type)
	}
	joined := strings.Join(types, " ")
	if !strings.Contains(joined, "session_transferred transfer_message left") || !strings.Contains(joined, "queue_accepted") {
		t.Errorf("report events = %v", types)
	}
}

// A session transferred to one CSR is offered to that CSR only.
func TestTransferToCSR(t *testing.T) {
	ts := rendezvoustest.New(t, rendezvoustest.Options{})
	carol := ts.CSR(t, "carol@example.com", "Carol")
	dave := ts.CSR(t, "dave@example.com", "Dave")
	erin := ts.CSR(t, "erin@example.com", "Erin")
	// An outbound session, the customer joined by number.
	created, err := carol.CreateSession(ctxT(t), "", "")
	must(t, err)
	cust := customer(t, ts, created.Number, "Paula")

	moved, err := carol.TransferSession(ctxT(t), created.ID, client.Transfer{CSREmail: "DAVE@example.com", Message: "Your area, Dave."})
	must(t, err)
	if moved.OfferedTo != "dave@example.com" || moved.Queue != "" || moved.Problem != "" {
		t.Fatalf("offer = %+v", moved)
	}
	n := cust.expect(protocol.TypeSessionTransferred, nil).Msg.(*protocol.SessionTransferred)
	if n.ToName != "Dave" || n.Queue != "" {
		t.Fatalf("notice = %+v", n)
	}
	ps, err := cust.api.QueueStatus(ctxT(t), moved.ID)
	if err != nil || ps.OfferedTo != "Dave" || ps.Position != 1 || ps.EstimatedWaitSeconds != nil {
		t.Fatalf("Paula's status: %+v, %v", ps, err)
	}
	if b, _ := erin.Queues(ctxT(t)); len(b.Offers) != 0 {
		t.Errorf("Erin sees offers: %+v", b.Offers)
	}
	if _, err := erin.AcceptOffer(ctxT(t), moved.ID); !client.IsCode(err, client.CodeNoSuchOffer) {
		t.Errorf("Erin accepts Dave's offer: %v", err)
	}
	b, err := dave.Queues(ctxT(t))
	if err != nil || len(b.Offers) != 1 || b.Offers[0].Message != "Your area, Dave." || b.Offers[0].Name != "Paula" {
		t.Fatalf("Dave's offers = %+v, %v", b.Offers, err)
	}
	took, err := dave.AcceptOffer(ctxT(t), moved.ID)
	must(t, err)
	if took.ID != created.ID {
		t.Fatalf("accepted = %+v", took)
	}
	cust.waitState("Dave in control", func(s protocol.State) bool { return s.HostID == took.ParticipantID })
	if _, err := dave.AcceptOffer(ctxT(t), moved.ID); !client.IsCode(err, client.CodeOfferGone) {
		t.Errorf("accept twice: %v", err)
	}
	// Dave hosts it now; Carol's host token (from the start) no longer
	// reaches it.
	if _, err := carol.Session(ctxT(t), created.ID); !client.IsCode(err, "not_a_participant") {
		t.Errorf("Carol reads the session: %v", err)
	}
}

// A transferred customer who leaves while waiting ends the session, and
// the request is abandoned.
func TestTransferredCustomerLeaves(t *testing.T) {
	ts := rendezvoustest.New(t, rendezvoustest.Options{})
	ts.AddQueue(t, "billing", "")
	carol := ts.CSR(t, "carol@example.com", "Carol")
	created, err := carol.CreateSession(ctxT(t), "", "")
	must(t, err)
	cust := customer(t, ts, created.Number, "Paula")
	moved, err := carol.TransferSession(ctxT(t), created.ID, client.Transfer{Queue: "billing"})
	must(t, err)
	cust.expect(protocol.TypeSessionTransferred, nil)
	must(t, cust.api.LeaveQueue(ctxT(t), moved.ID)) // leaves the session
	deadline := time.Now().Add(5 * time.Second)
	for requestState(t, ts, moved.ID).State == store.RequestWaiting && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if r := requestState(t, ts, moved.ID); r.State != store.RequestAbandoned {
		t.Fatalf("the request after the customer left: %s", r.State)
	}
	sess, err := ts.Store.SessionByID(ctxT(t), created.ID)
	if err != nil || sess.State != store.StateEnded || !strings.Contains(sess.EndReason, "customer left") {
		t.Errorf("the session = %+v, %v", sess, err)
	}
}

// Customers waiting when the server stops are still in line after it
// starts again, their agents coming back within the grace period.
func TestQueueSurvivesRestart(t *testing.T) {
	db := t.TempDir() + "/lifeline.db"
	ts := rendezvoustest.New(t, rendezvoustest.Options{DatabaseURL: db})
	ts.AddQueue(t, "billing", "")
	w := enterQueue(t, ts, "billing", "Paula")
	created, err := ts.CSR(t, "carol@example.com", "Carol").CreateSession(ctxT(t), "", "")
	must(t, err)
	customer(t, ts, created.Number, "Tom")
	must(t, ts.Store.AddQueueMember(ctxT(t), "billing", "carol@example.com", time.Now()))
	carol := ts.Client()
	if _, err := carol.Login(ctxT(t), "carol@example.com", "rendezvoustest-password"); err != nil {
		t.Fatal(err)
	}
	if _, err := carol.TransferSession(ctxT(t), created.ID, client.Transfer{Queue: "billing"}); err != nil {
		t.Fatal(err)
	}
	must(t, ts.Server.Shutdown(ctxT(t)))
	ts.HTTP.Close()

	again := rendezvoustest.New(t, rendezvoustest.Options{DatabaseURL: db})
	api := again.Client().WithToken(w.ticket.Token)
	st, err := api.QueueStatus(ctxT(t), w.ticket.ID)
	if err != nil || st.State != client.QueueWaiting || st.Position != 1 || st.Waiting != 2 {
		t.Fatalf("after the restart: %+v, %v", st, err)
	}
	carol2 := again.Client()
	if _, err := carol2.Login(ctxT(t), "carol@example.com", "rendezvoustest-password"); err != nil {
		t.Fatal(err)
	}
	first, err := carol2.AcceptNext(ctxT(t), "billing", "", "")
	if err != nil || first.Request.Name != "Paula" {
		t.Fatalf("accept after the restart = %+v, %v", first, err)
	}
	second, err := carol2.AcceptNext(ctxT(t), "billing", "", "")
	if err != nil || second.ID != created.ID || second.Request.Name != "Tom" {
		t.Fatalf("the transferred session after the restart = %+v, %v", second, err)
	}
}

// The waiting customer's long poll answers when its place changes.
func TestWaitQueueStatus(t *testing.T) {
	ts := rendezvoustest.New(t, rendezvoustest.Options{})
	carol := ts.CSR(t, "carol@example.com", "Carol")
	ts.AddQueue(t, "billing", "", "carol@example.com")
	enterQueue(t, ts, "billing", "Ann")
	bob := enterQueue(t, ts, "billing", "Bob")
	st := bob.status(t)
	if st.Position != 2 {
		t.Fatalf("Bob: %+v", st)
	}
	// Nothing changes: the poll comes back after its wait, unchanged.
	start := time.Now()
	same, err := bob.api.WaitQueueStatus(ctxT(t), bob.ticket.ID, st.Version, time.Second)
	if err != nil || same.Position != 2 || time.Since(start) < 900*time.Millisecond {
		t.Fatalf("an idle poll: %+v, %v after %v", same, err, time.Since(start))
	}
	got := make(chan client.QueueStatus, 1)
	go func() {
		st, err := bob.api.WaitQueueStatus(ctxT(t), bob.ticket.ID, st.Version, 20*time.Second)
		if err != nil {
			t.Error(err)
		}
		got <- st
	}()
	time.Sleep(50 * time.Millisecond)
	start = time.Now()
	_, err = carol.AcceptNext(ctxT(t), "billing", "", "")
	must(t, err)
	select {
	case st := <-got:
		if st.Position != 1 || time.Since(start) > 3*time.Second {
			t.Fatalf("Bob's poll after Ann was accepted: %+v after %v", st, time.Since(start))
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Bob's poll did not wake")
	}
}

// One address cannot fill a queue: after 20 requests in 10 minutes it is
// told to wait.
func TestEnterQueueRateLimit(t *testing.T) {
	ts := rendezvoustest.New(t, rendezvoustest.Options{})
	ts.AddQueue(t, "billing", "")
	for i := range 20 {
		enterQueue(t, ts, "billing", fmt.Sprintf("C%d", i))
	}
	_, err := ts.Client().EnterQueue(ctxT(t), "billing", client.QueueEntry{Name: "One more", Email: "x@example.com"})
	if ae := apiErr(err); ae == nil || ae.Code != client.CodeTooManyRequests || ae.Status != http.StatusTooManyRequests || ae.RetryAfter < 9*time.Minute {
		t.Fatalf("the 21st request: %+v", err)
	}
}

// A CSR who assisted in the session and accepts it from the queue becomes
// its host in place, not a second participant; the token the accept gives
// is then that place's.
func TestAssistantTakesOverFromQueue(t *testing.T) {
	ts := rendezvoustest.New(t, rendezvoustest.Options{})
	ts.AddQueue(t, "tier-2", "")
	carol := ts.CSR(t, "carol@example.com", "Carol")
	dave := ts.CSR(t, "dave@example.com", "Dave")
	must(t, ts.Store.AddQueueMember(ctxT(t), "tier-2", "dave@example.com", time.Now()))
	created, err := carol.CreateSession(ctxT(t), "", "")
	must(t, err)
	cust := customer(t, ts, created.Number, "Paula")
	dv := &party{t: t, name: "Dave", api: dave, conn: dial(t, dave)}
	ack, err := dv.conn.Request(ctxT(t), "", &protocol.Assist{Number: created.Number})
	must(t, err)
	dv.session = ack.Session
	dv.pid = dv.expect(protocol.TypeState, nil).Msg.(*protocol.State).You

	_, err = carol.TransferSession(ctxT(t), created.ID, client.Transfer{Queue: "tier-2", Message: "Dave, it is yours."})
	must(t, err)
	took, err := dave.AcceptNext(ctxT(t), "tier-2", "", "")
	must(t, err)
	if took.ParticipantID != dv.pid {
		t.Fatalf("Dave took over as %s, not in his place %s", took.ParticipantID, dv.pid)
	}
	st := cust.waitState("Dave in control", func(s protocol.State) bool { return s.HostID == dv.pid })
	n := 0
	for _, p := range st.Participants {
		if p.Name == "Dave" {
			n++
		}
	}
	if n != 1 || find(st, dv.pid).Role != protocol.RoleCSR {
		t.Errorf("Dave in the session: %d places, %+v", n, find(st, dv.pid))
	}
	// The accept's token now reaches the session as Dave.
	if s, err := ts.Client().WithToken(took.Token).Session(ctxT(t), created.ID); err != nil || s.You != dv.pid {
		t.Errorf("the session with the accept's token: you %q, %v", s.You, err)
	}
}

// The queue reports count what happened: accepted, abandoned and waiting
// requests with their waits and session times, per queue a CSR serves (an
// admin: all), and the pages customers came from.
func TestQueueReports(t *testing.T) {
	ts := rendezvoustest.New(t, rendezvoustest.Options{})
	carol := ts.CSR(t, "carol@example.com", "Carol")
	ts.AddQueue(t, "billing", "Billing", "carol@example.com")
	ts.AddQueue(t, "tier-2", "Second level")
	ts.AddUser(t, "admin@example.com", "Ada", store.RoleAdmin, "admin password")
	admin := ts.Client()
	if _, err := admin.Login(ctxT(t), "admin@example.com", "admin password"); err != nil {
		t.Fatal(err)
	}

	enterQueue(t, ts, "billing", "Ann")
	bob := enterQueue(t, ts, "billing", "Bob")
	enterQueue(t, ts, "billing", "Cid")
	enterQueue(t, ts, "tier-2", "Dan")
	acc, err := carol.AcceptNext(ctxT(t), "billing", "", "")
	must(t, err)
	must(t, carol.EndSession(ctxT(t), acc.ID, ""))
	must(t, bob.api.LeaveQueue(ctxT(t), bob.ticket.ID))

	vol, err := carol.CallVolume(ctxT(t), time.Time{}, time.Time{})
	must(t, err)
	if len(vol) != 1 {
		t.Fatalf("Carol's call volume = %+v", vol)
	}
	if v := vol[0]; v.Queue != "billing" || v.QueueName != "Billing" || v.Requests != 3 || v.Successful != 1 || v.Abandoned != 1 ||
		v.Waiting != 1 || v.Wait.Count != 1 || v.AbandonedWait.Count != 1 || v.Session.Count != 1 {
		t.Errorf("billing = %+v", v)
	}
	vol, err = admin.CallVolume(ctxT(t), time.Time{}, time.Time{})
	if err != nil || len(vol) != 2 || vol[1].Queue != "tier-2" || vol[1].Waiting != 1 {
		t.Errorf("the admin's call volume = %+v, %v", vol, err)
	}
	// A period before anything happened holds nothing.
	if vol, err := admin.CallVolume(ctxT(t), time.Now().Add(-48*time.Hour), time.Now().Add(-24*time.Hour)); err != nil || len(vol) != 0 {
		t.Errorf("an empty period = %+v, %v", vol, err)
	}
	refs, err := admin.Referrals(ctxT(t), time.Time{}, time.Time{})
	if err != nil || len(refs) != 1 || refs[0] != (client.Referral{URL: "https://shop.example.com/printers", Requests: 4, Successful: 1}) {
		t.Errorf("referrals = %+v, %v", refs, err)
	}
	b, err := admin.CallVolumeCSV(ctxT(t), time.Time{}, time.Time{})
	must(t, err)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "queue,queue_name,requests,successful,abandoned,waiting,min_wait_s") ||
		!strings.HasPrefix(lines[1], "billing,Billing,3,1,1,1,") || !strings.HasPrefix(lines[2], "tier-2,Second level,1,0,0,1,,,,,,,,,") {
		t.Errorf("call volume CSV:\n%s", b)
	}
	b, err = carol.ReferralsCSV(ctxT(t), time.Time{}, time.Time{})
	if err != nil || string(b) != "url,requests,successful\nhttps://shop.example.com/printers,3,1\n" {
		t.Errorf("Carol's referral CSV = %q, %v", b, err)
	}
	if _, err := rawGet(t, ts, carol.Token, "/api/v1/reports/queues?from=yesterday"); !client.IsCode(err, "invalid_date") {
		t.Errorf("a bad date: %v", err)
	}
}
