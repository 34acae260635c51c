package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"

	"lifeline/rendezvous/queue"
	"lifeline/rendezvous/ratelimit"
	"lifeline/rendezvous/room"
	"lifeline/rendezvous/store"
)

// Support queues (the guide's inbound sessions). A customer asks for help
// in a queue (the /help page, or the agent with --queue) and waits in
// line, its agent long-polling its place; a CSR who serves the queue
// accepts the next customer, which starts a session with the customer in
// it; the CSR in control may transfer a session to a queue or to another
// CSR and leave, and the session waits again, its customer still
// connected. The requests are in the database (package store); the desk
// keeps what lives only while the server runs: who is still waiting, and
// the version that wakes long polls (package queue's Board).

// Long polls wait at most this long: under the Go client's 30-second
// request timeout, and under what proxies commonly allow.
const maxPollWait = 25 * time.Second

// Customers may ask for help this many times per address (IPv6: per /64)
// in newRequestWindow: plenty for a household or an office behind one
// address, and a bound on how fast anyone can fill a queue with nobody.
const (
	newRequestsPerAddr = 20
	newRequestWindow   = 10 * time.Minute
)

// desk serves the support queues of one server.
type desk struct {
	s     *Server
	board *queue.Board
	// mu orders the changes of every queue of this server: accepts,
	// transfers, abandonments. The database keeps two CSRs from getting
	// one customer anyway (conditional updates); this keeps them from
	// racing for the same one, so that the second gets the next customer
	// at once.
	mu sync.Mutex
	// newRequests counts new requests per address.
	newRequests *ratelimit.Limiter
}

// queueRoutes serves the support queues on m, and starts keeping the
// places of the customers who were waiting when the server last stopped.
func (s *Server) queueRoutes(m *http.ServeMux) {
	d := &desk{s: s, newRequests: ratelimit.New(newRequestsPerAddr, newRequestWindow)}
	d.newRequests.Now = s.Now
	d.board = queue.NewBoard(s.Grace, d.gone)
	// Every console's board and every waiting agent is woken, not only
	// the CSR's whose session it is: the board has one version for all.
	// Sessions start and end, and settings change, far less often than
	// customers come and go, which wake them all already.
	changed := d.board.Changed
	s.boardChanged.Store(&changed)
	m.HandleFunc("GET /api/v1/queues", d.handleList)
	m.HandleFunc("POST /api/v1/queues/{name}/accept", d.handleAcceptNext)
	m.HandleFunc("POST /api/v1/queues/{name}/requests", d.handleCreateRequest)
	m.HandleFunc("GET /api/v1/queue-requests/{id}", d.handleStatus)
	m.HandleFunc("DELETE /api/v1/queue-requests/{id}", d.handleLeave)
	m.HandleFunc("POST /api/v1/queue-requests/{id}/accept", d.handleAcceptOffer)
	m.HandleFunc("POST /api/v1/sessions/{id}/transfer", d.handleTransfer)
	m.HandleFunc("GET /api/v1/transfer-targets", d.handleTransferTargets)
	m.HandleFunc("GET /api/v1/reports/queues", d.handleCallVolume)
	m.HandleFunc("GET /api/v1/reports/referrals", d.handleReferrals)
	m.HandleFunc("GET /help/{queue}", d.handleHelpPage)
	m.HandleFunc("POST /help/{queue}", d.handleHelpForm)
	m.HandleFunc("POST /help/{queue}/leave", d.handleHelpLeave)
	d.start()
}

// start picks up the customers who were waiting when the server stopped.
// A new request's agent gets the restart grace to come back: it may never
// have started (the customer filled in the help page and is still
// downloading it). A transferred session's customer is the session's: it
// is watched until someone takes it over, or it ends.
func (d *desk) start() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	waiting, err := d.s.Store.WaitingRequests(ctx, store.WaitingFilter{})
	if err != nil {
		d.s.Log.Error("the customers waiting in queues were not picked up; they are abandoned when they leave", "err", err)
	}
	for _, req := range waiting {
		if req.SessionID == "" {
			d.board.Expect(req.ID, d.firstGrace())
			continue
		}
		if rm, ok := d.s.hub.Get(req.SessionID); ok {
			d.watch(req.ID, rm)
		} else {
			d.sessionEnded(req.ID, req.SessionID)
		}
	}
	if len(waiting) > 0 {
		d.s.Log.Info("customers waiting in queues picked up", "count", len(waiting))
	}
	d.s.wg.Add(1)
	go func() {
		defer d.s.wg.Done()
		<-d.s.stop
		d.board.Stop()
	}()
}

// firstGrace is how long a new request waits for its agent's first poll:
// as long as a restarting computer is waited for, since the customer may
// have to download and start the agent first.
func (d *desk) firstGrace() time.Duration { return max(d.s.RestartGrace, d.s.Grace) }

// gone is the board telling that a waiting customer's agent has not asked
// for its place for the grace period: the customer left the line.
func (d *desk) gone(requestID string) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := d.abandon(ctx, requestID); err != nil && !errors.Is(err, store.ErrNotWaiting) {
		d.s.Log.Error("a customer who left a queue is not recorded as such", "request", requestID, "err", err)
	}
}

// abandon records that a waiting customer left the line.
func (d *desk) abandon(ctx context.Context, requestID string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.s.Store.AbandonQueueRequest(ctx, requestID, d.s.Now()); err != nil {
		return err
	}
	d.board.Forget(requestID)
	d.board.Changed()
	return nil
}

// watch waits for the end of the session a waiting request belongs to
// (its customer left, the last one); the request is then abandoned.
func (d *desk) watch(requestID string, rm *room.Room) {
	d.s.wg.Add(1)
	go func() {
		defer d.s.wg.Done()
		select {
		case <-rm.Done():
			d.sessionEnded(requestID, rm.ID)
		case <-d.s.stop:
		}
	}()
}

// sessionEnded abandons a request whose session is over. A room also
// stops when the server shuts down, with the session still live: that
// one waits on, and start watches it again.
func (d *desk) sessionEnded(requestID, sessionID string) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	sess, err := d.s.Store.SessionByID(ctx, sessionID)
	if err == nil && sess.State == store.StateLive {
		return
	}
	if err := d.abandon(ctx, requestID); err != nil && !errors.Is(err, store.ErrNotWaiting) {
		d.s.Log.Error("a transferred customer who left is not recorded as such", "request", requestID, "err", err)
	}
}

// ---- refusals ----

var (
	errNoSuchQueue = &room.Error{Status: http.StatusNotFound, Code: "no_such_queue",
		Msg: "There is no support queue of that name."}
	errNoSuchRequest = &room.Error{Status: http.StatusNotFound, Code: "no_such_request",
		Msg: "There is no such request for help, or your token is not the one it was given with."}
)

func noSuchQueue(name string) error {
	return &room.Error{Status: http.StatusNotFound, Code: errNoSuchQueue.Code,
		Msg: fmt.Sprintf("There is no support queue named %q.", name)}
}

func notAMember(q store.Queue) error {
	return &room.Error{Status: http.StatusForbidden, Code: "not_a_member",
		Msg: fmt.Sprintf("You do not serve the %s queue; an administrator can add you to it with: lifeline-rendezvous queue member add %s YOUR_EMAIL", q.DisplayName, q.Name)}
}

// queueByName finds a live queue by the name in a path.
func (d *desk) queueByName(ctx context.Context, name string) (store.Queue, error) {
	q, err := d.s.Store.QueueByName(ctx, name)
	if errors.Is(err, store.ErrNotFound) {
		return q, noSuchQueue(name)
	}
	return q, err
}

// serves refuses a CSR who is not a member of the queue; admins serve
// every queue.
func (d *desk) serves(ctx context.Context, u *store.User, q store.Queue) error {
	if u.Role == store.RoleAdmin {
		return nil
	}
	in, err := d.s.Store.IsQueueMember(ctx, q.ID, u.ID)
	if err != nil {
		return err
	}
	if !in {
		return notAMember(q)
	}
	return nil
}

// poll reads a long poll's ?after=VERSION&wait=SECONDS: wait is 0 when
// the client does not want to wait.
func poll(r *http.Request) (after int64, wait time.Duration, err error) {
	q := r.URL.Query()
	if v := q.Get("after"); v != "" {
		if after, err = strconv.ParseInt(v, 10, 64); err != nil || after < 0 {
			return 0, 0, &room.Error{Status: http.StatusBadRequest, Code: "invalid_parameter",
				Msg: "after must be a version number from an earlier answer."}
		}
	}
	if v := q.Get("wait"); v != "" {
		secs, err := strconv.Atoi(v)
		if err != nil || secs < 0 {
			return 0, 0, &room.Error{Status: http.StatusBadRequest, Code: "invalid_parameter",
				Msg: "wait must be a whole number of seconds."}
		}
		if q.Get("after") == "" {
			return 0, 0, &room.Error{Status: http.StatusBadRequest, Code: "invalid_parameter",
				Msg: "wait needs after: the version of the answer you have, to wait past."}
		}
		wait = min(time.Duration(secs)*time.Second, maxPollWait)
	}
	return after, wait, nil
}

// ---- the CSR's view ----

// entryJSON is one request as CSRs see it.
type entryJSON struct {
	ID            string    `json:"id"`
	Position      int       `json:"position,omitempty"` // in line, 1 first; absent when not waiting
	Queue         string    `json:"queue,omitempty"`
	QueueName     string    `json:"queue_name,omitempty"`
	OfferedTo     string    `json:"offered_to,omitempty"` // the CSR's email, for an offer
	State         string    `json:"state"`
	Name          string    `json:"name"`
	Email         string    `json:"email"`
	Problem       string    `json:"problem"`
	Referrer      string    `json:"referrer"`
	RequestedAt   time.Time `json:"requested_at"`
	WaitedSeconds int64     `json:"waited_seconds"`
	SessionID     string    `json:"session_id,omitempty"` // a transferred session, or the one it became
	TransferredBy string    `json:"transferred_by,omitempty"`
	Message       string    `json:"message,omitempty"`
}

func (d *desk) entry(req store.QueueRequest, position int) entryJSON {
	return entryJSON{
		ID: req.ID, Position: position, Queue: req.QueueName, QueueName: req.QueueDisplayName, OfferedTo: req.OfferedToEmail,
		State: req.State, Name: req.Name, Email: req.Email, Problem: req.Problem, Referrer: req.Referrer,
		RequestedAt: req.RequestedAt.UTC(), WaitedSeconds: int64(req.Waited(d.s.Now()) / time.Second),
		SessionID: req.SessionID, TransferredBy: req.TransferredByName, Message: req.Message,
	}
}

func (d *desk) entries(reqs []store.QueueRequest) []entryJSON {
	out := make([]entryJSON, 0, len(reqs))
	for i, req := range reqs {
		out = append(out, d.entry(req, i+1))
	}
	return out
}

type queueJSON struct {
	Name        string `json:"name"`
	DisplayName string `json:"display_name"`
	Members     int    `json:"members"`
	// TrackingCode is the queue's tracking code policy (its own, or the
	// site's it follows), which Accept Next enforces: the console asks
	// for a code as it says.
	TrackingCode string `json:"tracking_code"`
	// CanAccept says whether the caller's session limits, as they apply
	// to this queue (its session mode and maximum, the account's own laid
	// over), let Accept Next start one more session now; Limit is the
	// sentence Accept Next would refuse with when they do not. An empty
	// line is refused anyway, whatever this says.
	CanAccept bool        `json:"can_accept"`
	Limit     string      `json:"limit,omitempty"`
	Waiting   []entryJSON `json:"waiting"`
}

// hostLimit is the refusal of one more hosted session for a CSR who hosts
// hosted live sessions now, under p; nil when p allows it. It is the rule
// the store applies in the transaction that starts or takes over a
// session (a HostLimitError at hosted >= max, refused with tooMany),
// told in advance, so that a console can grey Accept Next with the
// sentence it would get.
func (p policy) hostLimit(hosted int) error {
	if hosted < p.max {
		return nil
	}
	return p.tooMany(hosted)
}

// handleList is the console's queue view: the queues the CSR serves
// (admins: every queue), each with its customers in line, and the
// sessions offered to the CSR. With ?after=VERSION&wait=SECONDS it
// answers when something changed since that version, or after the wait.
func (d *desk) handleList(w http.ResponseWriter, r *http.Request) {
	u, ok := d.s.requireUser(w, r)
	if !ok {
		return
	}
	after, wait, err := poll(r)
	if err != nil {
		d.s.writeErr(w, err)
		return
	}
	ctx := r.Context()
	if wait > 0 {
		d.board.Wait(ctx, after, wait)
	}
	version := d.board.Version()
	var qs []store.Queue
	if u.Role == store.RoleAdmin {
		qs, err = d.s.Store.Queues(ctx)
	} else {
		qs, err = d.s.Store.MemberQueues(ctx, u.ID)
	}
	if err != nil {
		d.s.writeErr(w, err)
		return
	}
	all, err := d.s.Store.WaitingRequests(ctx, store.WaitingFilter{})
	if err != nil {
		d.s.writeErr(w, err)
		return
	}
	byQueue := map[string][]store.QueueRequest{}
	var offers []store.QueueRequest
	for _, req := range all {
		switch {
		case req.QueueID != "":
			byQueue[req.QueueID] = append(byQueue[req.QueueID], req)
		case req.OfferedTo == u.ID:
			offers = append(offers, req)
		}
	}
	site, err := d.s.Store.SiteSettings(ctx)
	if err != nil {
		d.s.writeErr(w, err)
		return
	}
	hosted, err := d.s.Store.HostedSessions(ctx, u.ID)
	if err != nil {
		d.s.writeErr(w, err)
		return
	}
	out := make([]queueJSON, 0, len(qs))
	for _, q := range qs {
		own, err := d.s.Store.QueueSettings(ctx, q.Name)
		if errors.Is(err, store.ErrNotFound) {
			continue // removed a moment ago
		} else if err != nil {
			d.s.writeErr(w, err)
			return
		}
		applies, err := site.ForQueue(own)
		if err != nil {
			d.s.writeErr(w, fmt.Errorf("settings of queue %s: %w", q.Name, err))
			return
		}
		pol := limitsFor(u, applies, q, site)
		qj := queueJSON{Name: q.Name, DisplayName: q.DisplayName, Members: q.Members,
			TrackingCode: applies.TrackingCode, CanAccept: true, Waiting: d.entries(byQueue[q.ID])}
		if err := pol.hostLimit(hosted); err != nil {
			qj.CanAccept, qj.Limit = false, err.Error()
		}
		out = append(out, qj)
	}
	writeJSON(w, http.StatusOK, map[string]any{"version": version, "queues": out, "offers": d.entries(offers)})
}
