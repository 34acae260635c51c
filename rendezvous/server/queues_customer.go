package server

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"time"

	"lifeline/rendezvous/auth"
	"lifeline/rendezvous/queue"
	"lifeline/rendezvous/ratelimit"
	"lifeline/rendezvous/room"
	"lifeline/rendezvous/store"
)

// The customer's side of a queue: asking for help, following one's place
// in line, and leaving it. No account is needed: asking gives a token
// (llp_…), which is the customer's participant token once a CSR accepts
// the request, so the agent keeps one token throughout.

// handleCreateRequest puts a customer in a queue.
func (d *desk) handleCreateRequest(w http.ResponseWriter, r *http.Request) {
	if d.refuseFlood(w, r, false) {
		return
	}
	var body struct {
		Name     string `json:"name"`
		Email    string `json:"email"`
		Problem  string `json:"problem"`
		Referrer string `json:"referrer"`
	}
	if !readJSON(w, r, &body) {
		return
	}
	ctx := r.Context()
	q, err := d.queueByName(ctx, r.PathValue("name"))
	if err != nil {
		d.s.writeErr(w, err)
		return
	}
	req, tok, err := d.createRequest(ctx, r, q, queue.Customer{Name: body.Name, Email: body.Email, Problem: body.Problem, Referrer: body.Referrer})
	if err != nil {
		d.s.writeErr(w, err)
		return
	}
	st, err := d.status(ctx, req)
	if err != nil {
		d.s.writeErr(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"id": req.ID, "token": tok, "ticket": ticket(req.ID, tok), "status": st})
}

// ticket is everything an agent needs to take a customer's place in line,
// in one string: the request's id and its token, joined by a dot (neither
// has one).
func ticket(requestID, token string) string { return requestID + "." + token }

// refuseFlood answers 429 to an address that asked for help too often, in
// JSON, or as a page (html).
func (d *desk) refuseFlood(w http.ResponseWriter, r *http.Request, html bool) bool {
	blocked, wait := d.newRequests.Blocked(ratelimit.Key(r.RemoteAddr))
	if !blocked {
		return false
	}
	w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
	msg := fmt.Sprintf("Too many requests for help from your network. Please try again in %d minutes.", int(math.Ceil(wait.Minutes())))
	if html {
		helpMessage(w, http.StatusTooManyRequests, "Lifeline remote support", msg)
	} else {
		writeError(w, http.StatusTooManyRequests, "too_many_requests", msg)
	}
	return true
}

// createRequest stores a new customer's request in queue q, and returns
// it with the customer's token. A refused detail is a 400 naming the
// field (invalid_name, invalid_email, invalid_problem, invalid_referrer).
func (d *desk) createRequest(ctx context.Context, r *http.Request, q store.Queue, c queue.Customer) (store.QueueRequest, string, error) {
	c, err := queue.CheckCustomer(c)
	if err != nil {
		return store.QueueRequest{}, "", fieldRefusal(err)
	}
	tok, hash, err := auth.NewToken(auth.ParticipantTokenPrefix)
	if err != nil {
		return store.QueueRequest{}, "", err
	}
	req := store.QueueRequest{
		ID: store.NewID("qrq_"), QueueID: q.ID, QueueName: q.Name, QueueDisplayName: q.DisplayName,
		Name: c.Name, Email: c.Email, Problem: c.Problem, Referrer: c.Referrer, Addr: r.RemoteAddr,
		TokenHash: hash, State: store.RequestWaiting, RequestedAt: d.s.Now(),
	}
	if err := d.s.Store.CreateQueueRequest(ctx, req); errors.Is(err, store.ErrNotFound) {
		return req, "", noSuchQueue(q.Name) // removed a moment ago
	} else if err != nil {
		return req, "", err
	}
	d.newRequests.Fail(ratelimit.Key(r.RemoteAddr))
	d.board.Expect(req.ID, d.firstGrace())
	d.board.Changed()
	d.s.Log.Info("customer in queue", "queue", q.Name, "request", req.ID)
	return req, tok, nil
}

// fieldRefusal turns a refused value from the other side into a 400 that
// names it.
func fieldRefusal(err error) error {
	var fe *queue.FieldError
	if errors.As(err, &fe) {
		return &room.Error{Status: http.StatusBadRequest, Code: "invalid_" + fe.Field, Msg: fe.Msg}
	}
	return err
}

// statusJSON is a request as its customer sees it.
type statusJSON struct {
	ID        string `json:"id"`
	Queue     string `json:"queue,omitempty"`      // the queue's name
	QueueName string `json:"queue_name,omitempty"` // what the customer reads
	OfferedTo string `json:"offered_to,omitempty"` // the CSR's name, for a session offered to one
	State     string `json:"state"`
	// Position in line (1: next) and how many wait in it, while waiting.
	Position int `json:"position"`
	Waiting  int `json:"waiting"`
	// EstimatedWaitSeconds is queue.Estimate's; null when there is
	// nothing to go by yet, or the request is not waiting in a queue.
	EstimatedWaitSeconds *int64          `json:"estimated_wait_seconds"`
	RequestedAt          time.Time       `json:"requested_at"`
	Session              *sessionRefJSON `json:"session"`
	Version              int64           `json:"version"`
}

// sessionRefJSON is the customer's place in the session a request became
// (or, after a transfer, belongs to): what POST /join answers, but the
// token, which the customer has.
type sessionRefJSON struct {
	SessionID     string `json:"session_id"`
	Number        string `json:"number"`
	ParticipantID string `json:"participant_id"`
	Role          string `json:"role"`
	Name          string `json:"name"`
}

// status is a request as its customer sees it now.
func (d *desk) status(ctx context.Context, req store.QueueRequest) (statusJSON, error) {
	st := statusJSON{
		ID: req.ID, Queue: req.QueueName, QueueName: req.QueueDisplayName, OfferedTo: req.OfferedToName,
		State: req.State, RequestedAt: req.RequestedAt.UTC(), Version: d.board.Version(),
	}
	if req.State == store.RequestWaiting {
		line, err := d.s.Store.WaitingRequests(ctx, store.WaitingFilter{QueueID: req.QueueID, OfferedTo: req.OfferedTo})
		if err != nil {
			return st, err
		}
		st.Waiting = len(line)
		for i, x := range line {
			if x.ID == req.ID {
				st.Position = i + 1
			}
		}
		if req.QueueID != "" && st.Position > 0 {
			waits, err := d.s.Store.RecentWaits(ctx, req.QueueID, queue.EstimateSample)
			if err != nil {
				return st, err
			}
			if est, ok := queue.Estimate(waits, st.Position); ok {
				secs := int64(est / time.Second)
				st.EstimatedWaitSeconds = &secs
			}
		}
	}
	if req.SessionID != "" && req.ParticipantID != "" {
		sess, err := d.s.Store.SessionByID(ctx, req.SessionID)
		if err != nil {
			return st, err
		}
		p, err := d.s.Store.ParticipantByID(ctx, req.ParticipantID)
		if err != nil {
			return st, err
		}
		st.Session = &sessionRefJSON{SessionID: sess.ID, Number: sess.Number, ParticipantID: p.ID, Role: p.Role, Name: p.Name}
	}
	return st, nil
}

// requestFor finds the request of the path for its customer: the bearer
// token is the one it was made with, or the participant token of a
// customer in the session it belongs to (a transferred session). part is
// that participant, nil for the request's own token. Anyone else is told
// there is no such request, so that ids cannot be probed.
func (d *desk) requestFor(ctx context.Context, r *http.Request) (req store.QueueRequest, part *store.Participant, err error) {
	tok := auth.BearerToken(r.Header.Get("Authorization"))
	if tok == "" {
		return req, nil, errNoToken
	}
	req, err = d.s.Store.QueueRequestByID(ctx, r.PathValue("id"))
	if errors.Is(err, store.ErrNotFound) {
		return req, nil, errNoSuchRequest
	} else if err != nil {
		return req, nil, err
	}
	if len(req.TokenHash) > 0 && subtle.ConstantTimeCompare(auth.HashToken(tok), req.TokenHash) == 1 {
		return req, nil, nil
	}
	p, err := d.s.authenticate(ctx, r)
	if err == nil && p.part != nil && req.SessionID != "" && p.part.SessionID == req.SessionID &&
		(p.part.Role == store.RolePrimary || p.part.Role == store.RoleSecondary) {
		return req, p.part, nil
	}
	return store.QueueRequest{}, nil, errNoSuchRequest
}

// handleStatus is a customer's place in line. An agent that waits keeps
// asking, with ?after=VERSION&wait=SECONDS to be answered as soon as
// something changes; while it asks, and for the grace period after, its
// place is kept.
func (d *desk) handleStatus(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	req, _, err := d.requestFor(ctx, r)
	if err != nil {
		d.s.writeErr(w, err)
		return
	}
	release := d.board.Hold(req.ID)
	defer release()
	after, wait, err := poll(r)
	if err != nil {
		d.s.writeErr(w, err)
		return
	}
	if wait > 0 && req.State == store.RequestWaiting {
		d.board.Wait(ctx, after, wait)
		if req, err = d.s.Store.QueueRequestByID(ctx, req.ID); err != nil {
			d.s.writeErr(w, err)
			return
		}
	}
	st, err := d.status(ctx, req)
	if err != nil {
		d.s.writeErr(w, err)
		return
	}
	writeJSON(w, http.StatusOK, st)
}

// handleLeave is a customer leaving the line. The customer of a
// transferred session leaves the session.
func (d *desk) handleLeave(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	req, part, err := d.requestFor(ctx, r)
	if err != nil {
		d.s.writeErr(w, err)
		return
	}
	if part != nil {
		rm, ok := d.s.hub.Get(part.SessionID)
		if !ok {
			d.s.writeErr(w, room.ErrEnded)
			return
		}
		if err := rm.Leave(ctx, part.ID); err != nil {
			d.s.writeErr(w, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"ok": true})
		return
	}
	if req.State == store.RequestWaiting {
		err = d.abandon(ctx, req.ID)
		if errors.Is(err, store.ErrNotWaiting) { // accepted or given up a moment ago
			req, err = d.s.Store.QueueRequestByID(ctx, req.ID)
		}
		if err != nil {
			d.s.writeErr(w, err)
			return
		}
	}
	if req.State == store.RequestAccepted || req.State == store.RequestTransferred {
		number := ""
		if sess, err := d.s.Store.SessionByID(ctx, req.SessionID); err == nil {
			number = " " + spaced(sess.Number)
		}
		writeError(w, http.StatusConflict, "already_accepted", fmt.Sprintf(
			"A support representative has already accepted your request: you are in support session%s. Leave the session instead.", number))
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"ok": true})
}

// spaced writes a session number as people read it: 123 456 789.
func spaced(n string) string {
	if len(n) != 9 {
		return n
	}
	return n[:3] + " " + n[3:6] + " " + n[6:]
}
