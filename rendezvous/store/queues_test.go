package store

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

func mustQueue(t *testing.T, s Store, name, display string) Queue {
	t.Helper()
	q, err := s.AddQueue(t.Context(), name, display, base)
	if err != nil {
		t.Fatalf("AddQueue(%s): %v", name, err)
	}
	return q
}

// waitingRequest is a new customer's request in queue q at requested.
func waitingRequest(id, queueID string, requested time.Time) QueueRequest {
	return QueueRequest{ID: id, QueueID: queueID, Name: "Customer " + id, Email: id + "@customer.test",
		Problem: "Problem of " + id, Referrer: "https://example.com/" + id, Addr: "198.51.100.7:6000",
		TokenHash: hashOf("tok-" + id), RequestedAt: requested}
}

func mustRequest(t *testing.T, s Store, r QueueRequest) {
	t.Helper()
	if err := s.CreateQueueRequest(t.Context(), r); err != nil {
		t.Fatalf("CreateQueueRequest(%s): %v", r.ID, err)
	}
}

func requestIDs(rs []QueueRequest) []string {
	var ids []string
	for _, r := range rs {
		ids = append(ids, r.ID)
	}
	return ids
}

func TestQueues(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s Store) {
		ctx := t.Context()
		billing := mustQueue(t, s, "Billing", "Billing and invoices")
		if billing.Name != "billing" || billing.DisplayName != "Billing and invoices" || !strings.HasPrefix(billing.ID, "que_") {
			t.Errorf("AddQueue = %+v", billing)
		}
		if q := mustQueue(t, s, "tier-2", ""); q.DisplayName != "tier-2" {
			t.Errorf("without a display name: %+v", q)
		}

		for _, tc := range []struct {
			name, display string
			want          error // nil: any error will do
		}{
			{"BILLING", "", ErrExists},
			{"", "", nil},
			{"bill ing", "", nil},
			{"ok", "two\nlines", nil},
		} {
			if _, err := s.AddQueue(ctx, tc.name, tc.display, base); err == nil || (tc.want != nil && !errors.Is(err, tc.want)) {
				t.Errorf("AddQueue(%q, %q) = %v, want %v", tc.name, tc.display, err, tc.want)
			}
		}

		qs, err := s.Queues(ctx)
		if err != nil || len(qs) != 2 || qs[0].Name != "billing" || qs[1].Name != "tier-2" {
			t.Fatalf("Queues = %+v, %v", qs, err)
		}
		if q, err := s.QueueByName(ctx, " BILLING "); err != nil || q.ID != billing.ID {
			t.Errorf("QueueByName in another case = %+v, %v", q, err)
		}
		for _, name := range []string{"sales", "bad name", ""} {
			_, err := s.QueueByName(ctx, name)
			wantErr(t, "QueueByName("+name+")", err, ErrNotFound)
		}

		// Members.
		mustUser(t, s, "u1", "carol@example.com", "Carol")
		mustUser(t, s, "u2", "dave@example.com", "Dave")
		must(t, s.AddQueueMember(ctx, "billing", "Carol@Example.com", base))
		must(t, s.AddQueueMember(ctx, "billing", "dave@example.com", base))
		must(t, s.AddQueueMember(ctx, "tier-2", "dave@example.com", base))
		wantErr(t, "member twice", s.AddQueueMember(ctx, "billing", "carol@example.com", base), ErrExists)
		wantErr(t, "member of no queue", s.AddQueueMember(ctx, "sales", "carol@example.com", base), ErrNotFound)
		wantErr(t, "no such account", s.AddQueueMember(ctx, "billing", "eve@example.com", base), ErrNotFound)

		members, err := s.QueueMembers(ctx, "billing")
		if err != nil || len(members) != 2 || members[0].Email != "carol@example.com" || members[1].Name != "Dave" {
			t.Fatalf("QueueMembers = %+v, %v", members, err)
		}
		if q, _ := s.QueueByName(ctx, "billing"); q.Members != 2 {
			t.Errorf("billing has %d members, want 2", q.Members)
		}
		if mine, err := s.MemberQueues(ctx, "u2"); err != nil || len(mine) != 2 || mine[0].Name != "billing" {
			t.Errorf("MemberQueues(dave) = %+v, %v", mine, err)
		}
		if in, err := s.IsQueueMember(ctx, billing.ID, "u1"); err != nil || !in {
			t.Errorf("IsQueueMember(carol, billing) = %v, %v", in, err)
		}
		must(t, s.RemoveQueueMember(ctx, "billing", "carol@example.com"))
		wantErr(t, "remove a member twice", s.RemoveQueueMember(ctx, "billing", "carol@example.com"), ErrNotFound)
		if in, err := s.IsQueueMember(ctx, billing.ID, "u1"); err != nil || in {
			t.Errorf("IsQueueMember after remove = %v, %v", in, err)
		}

		// A queue with customers waiting stays; without, it goes, and its
		// requests still name it.
		mustRequest(t, s, waitingRequest("r1", billing.ID, at(time.Minute)))
		err = s.RemoveQueue(ctx, "billing", at(time.Hour))
		var inUse *QueueInUseError
		if !errors.As(err, &inUse) || inUse.Waiting != 1 || !errors.Is(err, ErrInUse) {
			t.Fatalf("RemoveQueue with a customer waiting = %v", err)
		}
		must(t, s.AbandonQueueRequest(ctx, "r1", at(2*time.Minute)))
		must(t, s.RemoveQueue(ctx, "Billing", at(time.Hour)))
		wantErr(t, "remove twice", s.RemoveQueue(ctx, "billing", at(time.Hour)), ErrNotFound)
		_, err = s.QueueByName(ctx, "billing")
		wantErr(t, "QueueByName(removed)", err, ErrNotFound)
		if gone, err := s.QueueByID(ctx, billing.ID); err != nil || gone.RemovedAt.IsZero() || gone.Members != 0 {
			t.Errorf("QueueByID(removed) = %+v, %v", gone, err)
		}
		if mine, _ := s.MemberQueues(ctx, "u2"); len(mine) != 1 || mine[0].Name != "tier-2" {
			t.Errorf("MemberQueues after the removal = %+v", mine)
		}
		r1, err := s.QueueRequestByID(ctx, "r1")
		if err != nil || r1.QueueName != "billing" || r1.QueueDisplayName != "Billing and invoices" {
			t.Errorf("a request of the removed queue = %+v, %v", r1, err)
		}
		err = s.CreateQueueRequest(ctx, waitingRequest("r2", billing.ID, at(time.Hour)))
		wantErr(t, "a request in a removed queue", err, ErrNotFound)
		// The name is free again, for a new queue.
		if again := mustQueue(t, s, "billing", ""); again.ID == billing.ID {
			t.Error("the new billing queue has the removed one's id")
		}
	})
}

func TestQueueRequests(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s Store) {
		ctx := t.Context()
		mustUser(t, s, "u1", "carol@example.com", "Carol")
		mustUser(t, s, "u2", "dave@example.com", "Dave")
		q := mustQueue(t, s, "billing", "Billing")
		other := mustQueue(t, s, "network", "")

		t.Run("refused", func(t *testing.T) {
			for _, tc := range []struct {
				name string
				r    QueueRequest
				want error // nil: any error will do
			}{
				{"no queue and no CSR", func() QueueRequest { r := waitingRequest("x1", "", base); return r }(), nil},
				{"a queue and a CSR", func() QueueRequest { r := waitingRequest("x2", q.ID, base); r.OfferedTo = "u1"; return r }(), nil},
				{"an unknown queue", waitingRequest("x3", "que_nope", base), ErrNotFound},
				{"an unknown CSR", func() QueueRequest { r := waitingRequest("x4", "", base); r.OfferedTo = "u9"; return r }(), ErrNotFound},
				{"no name", func() QueueRequest { r := waitingRequest("x5", q.ID, base); r.Name = ""; return r }(), nil},
				{"a bad email", func() QueueRequest { r := waitingRequest("x6", q.ID, base); r.Email = "nobody"; return r }(), nil},
				{"a message of 346 characters", func() QueueRequest {
					r := waitingRequest("x7", q.ID, base)
					r.Message = strings.Repeat("m", 346)
					return r
				}(), nil},
				{"no time", waitingRequest("x8", q.ID, time.Time{}), nil},
			} {
				err := s.CreateQueueRequest(ctx, tc.r)
				if err == nil || (tc.want != nil && !errors.Is(err, tc.want)) {
					t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
				}
			}
			mustRequest(t, s, waitingRequest("dup", q.ID, base))
			wantErr(t, "the same id again", s.CreateQueueRequest(ctx, waitingRequest("dup", q.ID, base)), ErrExists)
			dupTok := waitingRequest("dup2", q.ID, base)
			dupTok.TokenHash = hashOf("tok-dup")
			wantErr(t, "the same token again", s.CreateQueueRequest(ctx, dupTok), ErrExists)
			must(t, s.AbandonQueueRequest(ctx, "dup", at(time.Second)))
		})

		// The line is in the order of arrival, per queue.
		for i, id := range []string{"a", "b", "c"} {
			mustRequest(t, s, waitingRequest(id, q.ID, at(time.Duration(10+i)*time.Minute)))
		}
		mustRequest(t, s, waitingRequest("n1", other.ID, at(5*time.Minute)))
		w, err := s.WaitingRequests(ctx, WaitingFilter{QueueID: q.ID})
		if err != nil || !slices.Equal(requestIDs(w), []string{"a", "b", "c"}) {
			t.Fatalf("WaitingRequests(billing) = %v, %v", requestIDs(w), err)
		}
		if got := w[0]; got.QueueName != "billing" || got.QueueDisplayName != "Billing" || got.Name != "Customer a" ||
			got.Email != "a@customer.test" || got.Referrer != "https://example.com/a" || got.State != RequestWaiting ||
			!got.RequestedAt.Equal(at(10*time.Minute)) || got.Addr != "198.51.100.7:6000" {
			t.Errorf("waiting request = %+v", got)
		}
		all, err := s.WaitingRequests(ctx, WaitingFilter{})
		if err != nil || !slices.Equal(requestIDs(all), []string{"a", "b", "c", "n1"}) {
			t.Errorf("WaitingRequests(all) = %v, %v", requestIDs(all), err)
		}
		if r, err := s.QueueRequestByTokenHash(ctx, hashOf("tok-b")); err != nil || r.ID != "b" {
			t.Errorf("QueueRequestByTokenHash = %+v, %v", r, err)
		}
		_, err = s.QueueRequestByTokenHash(ctx, hashOf("tok-none"))
		wantErr(t, "an unknown token", err, ErrNotFound)
		_, err = s.QueueRequestByTokenHash(ctx, nil)
		wantErr(t, "no token", err, ErrNotFound)

		// Accepting "a": the session, its host and its customer, whose token
		// is the request's, and its events, with the claim.
		sess := Session{ID: "s1", Number: "111111111", OwnerUserID: "u1", CreatedAt: at(20 * time.Minute)}
		host := Participant{ID: "s1-host", UserID: "u1", Name: "Carol", Role: RoleHost, TokenHash: hashOf("s1-host"), JoinedAt: sess.CreatedAt}
		cust := Participant{ID: "s1-cust", Name: "Customer a", Role: RolePrimary, JoinedAt: sess.CreatedAt}
		acc := QueueAcceptance{RequestID: "a", UserID: "u1", At: sess.CreatedAt, MaxHosted: 1, Session: sess,
			Participants: []Participant{host, cust},
			Events:       []Event{{SessionID: "s1", Seq: 1, At: sess.CreatedAt, Type: "session_started", Audience: AudienceAll}}}
		must(t, s.AcceptQueueRequest(ctx, acc))
		a, err := s.QueueRequestByID(ctx, "a")
		if err != nil || a.State != RequestAccepted || a.AcceptedBy != "u1" || a.AcceptedByName != "Carol" ||
			a.SessionID != "s1" || a.ParticipantID != "s1-cust" || a.Waited(time.Time{}) != 10*time.Minute {
			t.Fatalf("accepted request = %+v, %v", a, err)
		}
		if p, err := s.ParticipantByTokenHash(ctx, hashOf("tok-a")); err != nil || p.ID != "s1-cust" || p.SessionID != "s1" {
			t.Errorf("the customer by the request's token = %+v, %v", p, err)
		}
		if n, _ := s.LastSeq(ctx, "s1"); n != 1 {
			t.Errorf("LastSeq = %d, want the one event", n)
		}

		// Accepting it again, or beyond the CSR's limit, changes nothing.
		again := acc
		again.Session.ID, again.Session.Number = "s2", "222222222"
		again.Participants = []Participant{{ID: "s2-host", UserID: "u2", Role: RoleHost, JoinedAt: base}, {ID: "s2-cust", Role: RolePrimary, Name: "x", JoinedAt: base}}
		again.Events = nil
		again.UserID = "u2"
		wantErr(t, "accept an accepted request", s.AcceptQueueRequest(ctx, again), ErrNotWaiting)
		overLimit := acc
		overLimit.RequestID = "b"
		overLimit.Session.ID, overLimit.Session.Number = "s3", "333333333"
		overLimit.Participants = []Participant{{ID: "s3-host", UserID: "u1", Role: RoleHost, JoinedAt: base}, {ID: "s3-cust", Role: RolePrimary, Name: "x", JoinedAt: base}}
		overLimit.Events = nil
		wantErr(t, "accept beyond the limit", s.AcceptQueueRequest(ctx, overLimit), ErrHostLimit)
		if _, err := s.SessionByID(ctx, "s3"); !errors.Is(err, ErrNotFound) {
			t.Errorf("the refused session exists: %v", err)
		}
		if b, _ := s.QueueRequestByID(ctx, "b"); b.State != RequestWaiting {
			t.Errorf("b after a refused accept: %s", b.State)
		}

		// Abandonment, once.
		must(t, s.AbandonQueueRequest(ctx, "c", at(15*time.Minute)))
		wantErr(t, "abandon twice", s.AbandonQueueRequest(ctx, "c", at(16*time.Minute)), ErrNotWaiting)
		wantErr(t, "abandon an accepted request", s.AbandonQueueRequest(ctx, "a", at(16*time.Minute)), ErrNotWaiting)
		c, _ := s.QueueRequestByID(ctx, "c")
		if c.State != RequestAbandoned || !c.EndedAt.Equal(at(15*time.Minute)) || c.Waited(time.Time{}) != 3*time.Minute {
			t.Errorf("abandoned request = %+v", c)
		}

		// The session is transferred to Dave: the accepted request ends,
		// and one offered to Dave carries it on, in one transaction.
		must(t, s.Tx(ctx, func(w Writer) error {
			if err := w.SetQueueRequestTransferred(ctx, "a", at(30*time.Minute)); err != nil {
				return err
			}
			return w.AddQueueRequest(ctx, QueueRequest{ID: "a2", OfferedTo: "u2", Name: a.Name, Email: a.Email, Problem: a.Problem,
				SessionID: "s1", ParticipantID: "s1-cust", RequestedAt: at(30 * time.Minute),
				TransferredFrom: "a", TransferredBy: "u1", Message: strings.Repeat("m", 345)})
		}))
		wantErr(t, "transfer a request that is not accepted", s.SetQueueRequestTransferred(ctx, "c", at(time.Hour)), ErrNotFound)
		offers, err := s.WaitingRequests(ctx, WaitingFilter{OfferedTo: "u2"})
		if err != nil || len(offers) != 1 {
			t.Fatalf("offers to dave = %+v, %v", offers, err)
		}
		if o := offers[0]; o.OfferedToName != "Dave" || o.OfferedToEmail != "dave@example.com" || o.TransferredByName != "Carol" ||
			o.TransferredFrom != "a" || len(o.Message) != 345 || o.QueueID != "" || o.TokenHash != nil || o.SessionID != "s1" {
			t.Errorf("offer = %+v", o)
		}
		if a, _ := s.QueueRequestByID(ctx, "a"); a.State != RequestTransferred || !a.EndedAt.Equal(at(30*time.Minute)) {
			t.Errorf("the transferred request = %+v", a)
		}
		// Dave takes it over.
		must(t, s.Tx(ctx, func(w Writer) error {
			if err := w.CheckHostLimit(ctx, "u2", 1); err != nil {
				return err
			}
			return w.ClaimQueueRequest(ctx, "a2", "u2", at(40*time.Minute), "s1", "s1-cust")
		}))
		wantErr(t, "claim twice", s.ClaimQueueRequest(ctx, "a2", "u1", at(41*time.Minute), "s1", ""), ErrNotWaiting)
		wantErr(t, "Carol at her limit", s.CheckHostLimit(ctx, "u1", 1), ErrHostLimit)

		of, err := s.QueueRequestsOfSession(ctx, "s1")
		if err != nil || !slices.Equal(requestIDs(of), []string{"a", "a2"}) {
			t.Errorf("QueueRequestsOfSession = %v, %v", requestIDs(of), err)
		}

		// The latest accepted requests' waits, the latest first.
		waits, err := s.RecentWaits(ctx, q.ID, 5)
		if err != nil || !slices.Equal(waits, []time.Duration{10 * time.Minute}) {
			t.Errorf("RecentWaits(billing) = %v, %v", waits, err)
		}
		if waits, err := s.RecentWaits(ctx, other.ID, 5); err != nil || len(waits) != 0 {
			t.Errorf("RecentWaits(network) = %v, %v", waits, err)
		}

		// What the reports count: the session's end comes with the request.
		must(t, s.EndSession(ctx, "s1", at(50*time.Minute), "done"))
		a2, err := s.QueueRequestByID(ctx, "a2")
		if err != nil || !a2.SessionEndedAt.Equal(at(50*time.Minute)) {
			t.Fatalf("a2 after the end = %+v, %v", a2, err)
		}
		if o := a2.Outcome(at(time.Hour)); o.Queue != "" || !o.Transfer || o.State != RequestAccepted || o.Waited != 10*time.Minute ||
			o.Session != 10*time.Minute || !o.SessionOver {
			t.Errorf("a2's outcome = %+v", o)
		}
		a, _ = s.QueueRequestByID(ctx, "a")
		if o := a.Outcome(at(time.Hour)); o.Queue != "billing" || o.Transfer || o.State != RequestTransferred ||
			o.Session != 10*time.Minute || !o.SessionOver || o.Referrer != "https://example.com/a" {
			t.Errorf("a's outcome = %+v", o)
		}
		if o := w[1].Outcome(at(20 * time.Minute)); o.State != RequestWaiting || o.Waited != 9*time.Minute || o.SessionOver {
			t.Errorf("b's outcome while waiting = %+v", o)
		}

		// For the reports: every request of a period.
		list, err := s.ListQueueRequests(ctx, QueueRequestFilter{From: at(10 * time.Minute), To: at(31 * time.Minute)})
		if err != nil || !slices.Equal(requestIDs(list), []string{"a", "b", "c", "a2"}) {
			t.Errorf("ListQueueRequests(period) = %v, %v", requestIDs(list), err)
		}
		list, err = s.ListQueueRequests(ctx, QueueRequestFilter{QueueID: other.ID})
		if err != nil || !slices.Equal(requestIDs(list), []string{"n1"}) {
			t.Errorf("ListQueueRequests(network) = %v, %v", requestIDs(list), err)
		}

		// For the session reports: the requests of the sessions of a
		// period, by when the session began, not the request.
		for _, tc := range []struct {
			name     string
			from, to time.Time
			want     []string
		}{
			{"s1's period", at(20 * time.Minute), at(21 * time.Minute), []string{"a", "a2"}},
			{"no limits", time.Time{}, time.Time{}, []string{"a", "a2"}},
			{"before s1", time.Time{}, at(20 * time.Minute), nil},
			{"after s1", at(20*time.Minute + time.Millisecond), time.Time{}, nil},
		} {
			got, err := s.QueueRequestsOfSessions(ctx, tc.from, tc.to)
			if err != nil || !slices.Equal(requestIDs(got), tc.want) {
				t.Errorf("QueueRequestsOfSessions(%s) = %v, %v; want %v", tc.name, requestIDs(got), err, tc.want)
			}
		}
	})
}

func TestRecentWaitsOrder(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s Store) {
		ctx := t.Context()
		mustUser(t, s, "u1", "carol@example.com", "Carol")
		q := mustQueue(t, s, "billing", "")
		for i := range 4 {
			id := fmt.Sprintf("r%d", i)
			mustRequest(t, s, waitingRequest(id, q.ID, at(time.Duration(i)*time.Minute)))
			// Each waited i+1 minutes; accepted in order.
			must(t, s.ClaimQueueRequest(ctx, id, "u1", at(time.Duration(2*i+1)*time.Minute), mustSessionID(t, s, i), ""))
		}
		waits, err := s.RecentWaits(ctx, q.ID, 3)
		want := []time.Duration{4 * time.Minute, 3 * time.Minute, 2 * time.Minute}
		if err != nil || !slices.Equal(waits, want) {
			t.Errorf("RecentWaits = %v, %v; want %v", waits, err, want)
		}
	})
}

func mustSessionID(t *testing.T, s Store, i int) string {
	t.Helper()
	id := fmt.Sprintf("s%d", i)
	mustSession(t, s, id, fmt.Sprintf("%09d", 100000000+i), "u1", base)
	return id
}

// Two CSRs accepting the same customer at the same moment: exactly one
// gets the customer, the other is told it is taken, and nothing of the
// other's session is left behind.
func TestConcurrentAccepts(t *testing.T) {
	const csrs = 8
	forEachBackend(t, func(t *testing.T, s Store) {
		ctx := t.Context()
		q := mustQueue(t, s, "billing", "")
		for i := range csrs {
			mustUser(t, s, fmt.Sprintf("u%d", i), fmt.Sprintf("csr%d@example.com", i), "CSR")
		}
		mustRequest(t, s, waitingRequest("r", q.ID, base))
		var wg sync.WaitGroup
		errs := make([]error, csrs)
		for i := range csrs {
			wg.Go(func() {
				sid := fmt.Sprintf("s%d", i)
				errs[i] = s.AcceptQueueRequest(ctx, QueueAcceptance{RequestID: "r", UserID: fmt.Sprintf("u%d", i), At: at(time.Minute), MaxHosted: 4,
					Session: Session{ID: sid, Number: fmt.Sprintf("%09d", 500000000+i), OwnerUserID: fmt.Sprintf("u%d", i), CreatedAt: base},
					Participants: []Participant{
						{ID: sid + "-host", UserID: fmt.Sprintf("u%d", i), Role: RoleHost, JoinedAt: base},
						{ID: sid + "-cust", Name: "Customer", Role: RolePrimary, JoinedAt: base},
					}})
			})
		}
		wg.Wait()
		won := -1
		for i, err := range errs {
			switch {
			case err == nil && won >= 0:
				t.Errorf("both CSR %d and CSR %d got the customer", won, i)
			case err == nil:
				won = i
			case !errors.Is(err, ErrNotWaiting):
				t.Errorf("CSR %d: %v, want ErrNotWaiting", i, err)
			}
		}
		if won < 0 {
			t.Fatal("nobody got the customer")
		}
		live, err := s.LiveSessions(ctx)
		if err != nil || len(live) != 1 || live[0].ID != fmt.Sprintf("s%d", won) {
			t.Errorf("live sessions = %+v, %v; want only the winner's", live, err)
		}
		if r, _ := s.QueueRequestByID(ctx, "r"); r.AcceptedBy != fmt.Sprintf("u%d", won) {
			t.Errorf("accepted by %s, want u%d", r.AcceptedBy, won)
		}
	})
}

// A customer arriving while the queue is removed either gets in before
// the removal, which then refuses, or is refused: never both through.
func TestRemoveQueueWhileCustomersArrive(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s Store) {
		ctx := t.Context()
		for round := range 5 {
			name := fmt.Sprintf("q%d", round)
			q := mustQueue(t, s, name, "")
			var wg sync.WaitGroup
			var reqErr, remErr error
			wg.Go(func() { reqErr = s.CreateQueueRequest(ctx, waitingRequest("r"+name, q.ID, base)) })
			wg.Go(func() { remErr = s.RemoveQueue(ctx, name, base) })
			wg.Wait()
			if (reqErr == nil) == (remErr == nil) {
				t.Fatalf("round %d: request %v, removal %v; want exactly one through", round, reqErr, remErr)
			}
		}
	})
}
