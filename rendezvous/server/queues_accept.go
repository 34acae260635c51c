package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"lifeline/rendezvous/auth"
	"lifeline/rendezvous/queue"
	"lifeline/rendezvous/room"
	"lifeline/rendezvous/settings"
	"lifeline/rendezvous/store"
	"lifeline/shared/protocol"
)

// Accept Next and Transfer Session: the CSR's side of a queue.

var errTaken = errors.New("taken or given up meanwhile")

// acceptBody is the optional body of an accept: the session's type and
// tracking code, as for POST /sessions, checked by the site's settings.
// A transferred session keeps its own.
type acceptBody struct {
	Type         string `json:"type"`
	TrackingCode string `json:"tracking_code"`
}

// acceptedJSON answers an accept like POST /sessions answers a start,
// with the customer's request.
type acceptedJSON struct {
	ID            string    `json:"id"`
	Number        string    `json:"number"`
	JoinURL       string    `json:"join_url"`
	ParticipantID string    `json:"participant_id"`
	Token         string    `json:"token"`
	Request       entryJSON `json:"request"`
}

// handleAcceptNext is Accept Next: the customer who has waited longest in
// the queue gets a session with the CSR, the customer in it.
func (d *desk) handleAcceptNext(w http.ResponseWriter, r *http.Request) {
	u, ok := d.s.requireUser(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	q, err := d.queueByName(ctx, r.PathValue("name"))
	if err == nil {
		err = d.serves(ctx, u, q)
	}
	if err != nil {
		d.s.writeErr(w, err)
		return
	}
	// The queue's own settings beat the site's for the sessions accepted
	// from it: its session mode and maximum, and its tracking code policy.
	site, err := d.s.Store.QueueSiteSettings(ctx, q.Name)
	if err != nil {
		d.s.writeErr(w, err)
		return
	}
	pol, body, ok := d.acceptPolicy(w, r, u, site, q)
	if !ok {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	// Usually the first is the one; one taken or given up meanwhile (by
	// another server on the same database, or its customer just left) is
	// passed over for the next.
	for attempt := 0; attempt < 20; attempt++ {
		line, err := d.s.Store.WaitingRequests(ctx, store.WaitingFilter{QueueID: q.ID})
		if err != nil {
			d.s.writeErr(w, err)
			return
		}
		if len(line) == 0 {
			writeError(w, http.StatusConflict, "queue_empty", fmt.Sprintf("Nobody is waiting in the %s queue.", q.DisplayName))
			return
		}
		status, out, err := d.accept(r, u, pol, body, line[0])
		if errors.Is(err, errTaken) {
			continue
		}
		if err != nil {
			d.s.writeErr(w, err)
			return
		}
		writeJSON(w, status, out)
		return
	}
	d.s.writeErr(w, fmt.Errorf("accept next in queue %s: the customers kept leaving", q.Name))
}

// handleAcceptOffer accepts a session that was transferred to this CSR.
func (d *desk) handleAcceptOffer(w http.ResponseWriter, r *http.Request) {
	u, ok := d.s.requireUser(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	req, err := d.s.Store.QueueRequestByID(ctx, r.PathValue("id"))
	if errors.Is(err, store.ErrNotFound) || (err == nil && req.OfferedTo != u.ID) {
		writeError(w, http.StatusNotFound, "no_such_offer", "No session with this id was transferred to you.")
		return
	} else if err != nil {
		d.s.writeErr(w, err)
		return
	}
	// An offer is a session transferred to this CSR: the settings of the
	// queue it came through, if any, apply to it and to who accepts it.
	site, q, err := d.s.Store.SessionSettings(ctx, req.SessionID)
	if err != nil {
		d.s.writeErr(w, err)
		return
	}
	pol, body, ok := d.acceptPolicy(w, r, u, site, q)
	if !ok {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if req, err = d.s.Store.QueueRequestByID(ctx, req.ID); err != nil {
		d.s.writeErr(w, err)
		return
	}
	status, out, err := http.StatusOK, acceptedJSON{}, errTaken
	if req.State == store.RequestWaiting {
		status, out, err = d.accept(r, u, pol, body, req)
	}
	if errors.Is(err, errTaken) {
		writeError(w, http.StatusGone, "offer_gone", "This session is no longer waiting for you: its customer left.")
		return
	}
	if err != nil {
		d.s.writeErr(w, err)
		return
	}
	writeJSON(w, status, out)
}

// acceptPolicy reads the optional body of an accept and the policy for
// CSR u accepting a customer under site, the settings of queue q (the
// site's with q's own laid over); u's own limits are laid over both.
func (d *desk) acceptPolicy(w http.ResponseWriter, r *http.Request, u *store.User, site settings.Site, q store.Queue) (policy, acceptBody, bool) {
	var body acceptBody
	if r.ContentLength != 0 && !readJSON(w, r, &body) {
		return policy{}, body, false
	}
	if len(body.Type) > 100 || len(body.TrackingCode) > 200 {
		writeError(w, http.StatusBadRequest, "field_too_long", "The session type or tracking code is too long.")
		return policy{}, body, false
	}
	plain, err := d.s.Store.SiteSettings(r.Context())
	if err == nil {
		var pol policy
		if pol, err = d.s.policyFor(r.Context(), u, site, q, plain); err == nil {
			return pol, body, true
		}
	}
	d.s.writeErr(w, fmt.Errorf("load settings: %w", err))
	return policy{}, body, false
}

// accept gives the customer of req to CSR u: a new session for a new
// request, the transferred session for one that has it. errTaken when the
// request is not waiting any more. d.mu is held.
func (d *desk) accept(r *http.Request, u *store.User, pol policy, body acceptBody, req store.QueueRequest) (int, acceptedJSON, error) {
	ctx := r.Context()
	now := d.s.Now()
	tok, hash, err := auth.NewToken(auth.ParticipantTokenPrefix)
	if err != nil {
		return 0, acceptedJSON{}, err
	}
	host := store.Participant{ID: store.NewID("par_"), UserID: u.ID, Name: u.Name, Email: u.Email, Role: store.RoleHost,
		TokenHash: hash, Addr: r.RemoteAddr, JoinedAt: now}
	data := map[string]any{"request": req.ID, "queue": req.QueueName, "queue_name": req.QueueDisplayName,
		"by": u.Name, "waited_ms": now.Sub(req.RequestedAt).Milliseconds(), "transferred_from": req.TransferredFrom}

	var sess store.Session
	status := http.StatusCreated
	if req.SessionID == "" {
		if sess, err = d.startSession(ctx, u, pol, body, req, host, data); err != nil {
			return 0, acceptedJSON{}, err
		}
	} else {
		status = http.StatusOK
		if sess, host, err = d.takeOver(ctx, u, pol, req, host, data); err != nil {
			return 0, acceptedJSON{}, err
		}
	}
	d.board.Forget(req.ID)
	d.board.Changed()
	d.s.Log.Info("customer accepted from queue", "queue", req.QueueName, "request", req.ID, "session", sess.ID, "csr", u.Email)
	if req, err = d.s.Store.QueueRequestByID(ctx, req.ID); err != nil {
		return 0, acceptedJSON{}, err
	}
	return status, acceptedJSON{
		ID: sess.ID, Number: sess.Number, JoinURL: d.s.baseURL(r) + "/join/" + sess.Number,
		ParticipantID: host.ID, Token: tok, Request: d.entry(req, 0),
	}, nil
}

// startSession turns a new customer's request into a live session hosted
// by u, with the customer as its primary customer: the request's token is
// the customer's participant token, so its agent connects with the token
// it has.
func (d *desk) startSession(ctx context.Context, u *store.User, pol policy, body acceptBody, req store.QueueRequest, host store.Participant, data map[string]any) (store.Session, error) {
	typ, err := pol.sessionType(body.Type)
	if err != nil {
		return store.Session{}, err
	}
	code, err := pol.trackingCode(body.TrackingCode)
	if err != nil {
		return store.Session{}, err
	}
	cust := store.Participant{ID: store.NewID("par_"), Name: req.Name, Email: req.Email, Role: store.RolePrimary,
		Addr: req.Addr, JoinedAt: host.JoinedAt}
	for attempt := 0; ; attempt++ {
		number, err := newNumber()
		if err != nil {
			return store.Session{}, err
		}
		sess := store.Session{ID: store.NewID("ses_"), Number: number, Type: typ, TrackingCode: code,
			State: store.StateLive, OwnerUserID: u.ID, CreatedAt: host.JoinedAt}
		host.SessionID, cust.SessionID = sess.ID, sess.ID
		parts := []store.Participant{host, cust}
		events := room.OpeningEvents(sess, parts, data)
		err = d.s.Store.AcceptQueueRequest(ctx, store.QueueAcceptance{RequestID: req.ID, UserID: u.ID, At: host.JoinedAt,
			MaxHosted: pol.max, Session: sess, Participants: parts, Events: events})
		var hle *store.HostLimitError
		switch {
		case err == nil:
			// The stored participants: the customer's token is the request's.
			stored, err := d.s.Store.Participants(ctx, sess.ID)
			if err != nil {
				return sess, fmt.Errorf("accept: read back session %s: %w", sess.ID, err)
			}
			d.s.openRoom(sess, stored, int64(len(events)))
			d.s.Metrics.SessionsStarted.Inc()
			return sess, nil
		case errors.As(err, &hle):
			return sess, pol.tooMany(hle.Hosted)
		case errors.Is(err, store.ErrNotWaiting):
			return sess, errTaken
		case errors.Is(err, store.ErrNumberTaken) && attempt < 10:
			continue // a clash with a live number: draw again
		default:
			return sess, fmt.Errorf("accept request %s: %w", req.ID, err)
		}
	}
}

// takeOver gives a transferred session to u as its new host, in the
// transaction that claims its request.
func (d *desk) takeOver(ctx context.Context, u *store.User, pol policy, req store.QueueRequest, host store.Participant, data map[string]any) (store.Session, store.Participant, error) {
	rm, ok := d.s.hub.Get(req.SessionID)
	if !ok {
		if err := d.s.Store.AbandonQueueRequest(ctx, req.ID, d.s.Now()); err != nil && !errors.Is(err, store.ErrNotWaiting) {
			return store.Session{}, host, err
		}
		d.board.Changed()
		return store.Session{}, host, errTaken
	}
	at, max := host.JoinedAt, pol.max
	writes := []func(store.Writer) error{
		func(w store.Writer) error {
			var hle *store.HostLimitError
			if err := w.CheckHostLimit(context.Background(), u.ID, max); errors.As(err, &hle) {
				return pol.tooMany(hle.Hosted)
			} else if err != nil {
				return err
			}
			return nil
		},
		func(w store.Writer) error {
			err := w.ClaimQueueRequest(context.Background(), req.ID, u.ID, at, req.SessionID, req.ParticipantID)
			if errors.Is(err, store.ErrNotWaiting) {
				return errTakenRefusal
			}
			return err
		},
	}
	p, err := rm.TakeOver(ctx, host, writes, data)
	switch {
	case errors.Is(err, errTakenRefusal):
		return store.Session{}, host, errTaken
	case errors.Is(err, room.ErrEnded) || errors.Is(err, room.ErrUnattended):
		// The customer left just now; the watcher records it too.
		if err := d.s.Store.AbandonQueueRequest(ctx, req.ID, d.s.Now()); err != nil && !errors.Is(err, store.ErrNotWaiting) {
			return store.Session{}, host, err
		}
		d.board.Changed()
		return store.Session{}, host, errTaken
	case err != nil:
		return store.Session{}, host, err
	}
	sess, err := d.s.Store.SessionByID(ctx, req.SessionID)
	return sess, p, err
}

// errTakenRefusal carries ErrNotWaiting out of a room's transaction, which
// passes only its own refusals through as they are.
var errTakenRefusal = &room.Error{Status: http.StatusConflict, Code: "request_taken",
	Msg: "Another support representative accepted this customer a moment ago."}

// ---- Transfer Session ----

// handleTransfer is Transfer Session: the host CSR sends the session,
// with a message of at most 345 characters, to a queue or to another CSR,
// and leaves it. The customer stays connected, is told, and waits there
// for the next CSR, who sees the message.
func (d *desk) handleTransfer(w http.ResponseWriter, r *http.Request) {
	u, ok := d.s.requireUser(w, r)
	if !ok {
		return
	}
	var body struct {
		ToQueue    string `json:"to_queue"`
		ToCSREmail string `json:"to_csr_email"`
		Message    string `json:"message"`
	}
	if !readJSON(w, r, &body) {
		return
	}
	ctx := r.Context()
	body.ToQueue, body.ToCSREmail = strings.TrimSpace(body.ToQueue), strings.TrimSpace(body.ToCSREmail)
	if (body.ToQueue == "") == (body.ToCSREmail == "") {
		writeError(w, http.StatusBadRequest, "invalid_target", "Transfer the session to a queue (to_queue) or to a support representative (to_csr_email): one of them.")
		return
	}
	msg, err := queue.CheckMessage(body.Message)
	if err != nil {
		var fe *queue.FieldError
		errors.As(err, &fe)
		writeError(w, http.StatusBadRequest, "invalid_message", fe.Msg)
		return
	}
	rm, pid, err := d.s.actor(ctx, principal{user: u}, r.PathValue("id"))
	if err != nil {
		d.s.writeErr(w, err)
		return
	}
	now := d.s.Now()
	next := store.QueueRequest{ID: store.NewID("qrq_"), SessionID: rm.ID, RequestedAt: now, TransferredBy: u.ID, Message: msg}
	notice := protocol.SessionTransferred{FromName: u.Name, Request: next.ID}
	if body.ToQueue != "" {
		q, err := d.queueByName(ctx, body.ToQueue)
		if err != nil {
			d.s.writeErr(w, err)
			return
		}
		next.QueueID, notice.Queue, notice.QueueName = q.ID, q.Name, q.DisplayName
	} else {
		to, err := d.s.Store.UserByEmail(ctx, body.ToCSREmail)
		switch {
		case errors.Is(err, store.ErrNotFound):
			writeError(w, http.StatusNotFound, "no_such_csr", fmt.Sprintf("There is no support representative with the email address %s.", body.ToCSREmail))
			return
		case err != nil:
			d.s.writeErr(w, err)
			return
		case to.Disabled:
			writeError(w, http.StatusConflict, "csr_disabled", fmt.Sprintf("%s's account is disabled; transfer the session to someone else.", to.Name))
			return
		case to.ID == u.ID:
			writeError(w, http.StatusBadRequest, "transfer_to_self", "You cannot transfer a session to yourself.")
			return
		}
		next.OfferedTo, notice.ToName = to.ID, to.Name
	}
	// The customer waits under the name it has in the session; the problem
	// and the page it came from carry over from the request it was
	// accepted as, if it came from a queue.
	st, err := rm.Snapshot(ctx, pid)
	if err != nil {
		d.s.writeErr(w, err)
		return
	}
	for _, p := range st.Participants {
		if p.Role == protocol.RolePrimary && p.LeftAt == nil {
			next.ParticipantID, next.Name, next.Email = p.ID, p.Name, p.Email
		}
	}
	if next.ParticipantID == "" {
		writeError(w, http.StatusConflict, "no_customer", "There is no customer in this session to transfer; end the session instead.")
		return
	}
	earlier, err := d.s.Store.QueueRequestsOfSession(ctx, rm.ID)
	if err != nil {
		d.s.writeErr(w, err)
		return
	}
	var prev *store.QueueRequest
	for i := range earlier {
		if earlier[i].State == store.RequestAccepted {
			prev = &earlier[i]
		}
	}
	writes := []func(store.Writer) error{}
	if prev != nil {
		next.TransferredFrom, next.Problem, next.Referrer = prev.ID, prev.Problem, prev.Referrer
		pid := prev.ID
		writes = append(writes, func(w store.Writer) error { return w.SetQueueRequestTransferred(context.Background(), pid, now) })
	}
	writes = append(writes, func(w store.Writer) error { return w.AddQueueRequest(context.Background(), next) })

	d.mu.Lock()
	err = rm.Relinquish(ctx, pid, room.Transfer{Writes: writes, Notice: notice, Message: msg})
	d.mu.Unlock()
	if err != nil {
		d.s.writeErr(w, err)
		return
	}
	d.watch(next.ID, rm)
	d.board.Changed()
	d.s.Log.Info("session transferred", "session", rm.ID, "request", next.ID, "queue", notice.Queue, "to", body.ToCSREmail, "by", u.Email)
	stored, err := d.s.Store.QueueRequestByID(ctx, next.ID)
	if err != nil {
		d.s.writeErr(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"ok": true, "request": d.entry(stored, 0)})
}
