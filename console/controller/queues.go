package controller

import (
	"context"
	"strings"
	"time"

	"lifeline/shared/client"
	"lifeline/shared/protocol"
)

// Support queues (the guide's inbound sessions): customers wait in a queue
// the CSR serves; Accept Next gives the longest-waiting one a session with
// this CSR as host, the customer already in it. A session a colleague
// transferred to this CSR is an offer, taken with AcceptOffer.

// Queues returns the queues this CSR serves (an admin: all), each with its
// waiting customers in order, and the sessions offered to this CSR.
func (c *Controller) Queues(ctx context.Context) (client.QueueBoard, error) {
	b, err := c.api.Queues(ctx)
	if err != nil {
		return b, c.apiError("read the queues", err)
	}
	return b, nil
}

// WaitQueues is Queues, answered once something changed since version
// after, or after wait (at most client.MaxPollWait): a queue view calls it
// in a loop to stay live.
func (c *Controller) WaitQueues(ctx context.Context, after int64, wait time.Duration) (client.QueueBoard, error) {
	b, err := c.api.WaitQueues(ctx, after, wait)
	if err != nil {
		return b, c.apiError("read the queues", err)
	}
	return b, nil
}

// AcceptNext is Accept Next in a queue: the session starts with the
// customer in attendance, and this console attaches to it as host.
func (c *Controller) AcceptNext(ctx context.Context, queue, sessionType, trackingCode string) (*Session, client.QueueRequest, error) {
	if !c.isLoggedIn() {
		return nil, client.QueueRequest{}, ErrNotLoggedIn
	}
	a, err := c.api.AcceptNext(ctx, queue, sessionType, trackingCode)
	if err != nil {
		return nil, client.QueueRequest{}, c.apiError("accept the next customer", err)
	}
	s, err := c.attach(ctx, a.ID, a.JoinURL)
	return s, a.Request, err
}

// AcceptOffer takes over a session a colleague transferred to this CSR.
func (c *Controller) AcceptOffer(ctx context.Context, requestID string) (*Session, client.QueueRequest, error) {
	if !c.isLoggedIn() {
		return nil, client.QueueRequest{}, ErrNotLoggedIn
	}
	a, err := c.api.AcceptOffer(ctx, requestID)
	if err != nil {
		return nil, client.QueueRequest{}, c.apiError("take the session", err)
	}
	s, err := c.attach(ctx, a.ID, a.JoinURL)
	return s, a.Request, err
}

// TransferTargets lists where Transfer Session can send a session: every
// live queue (customers waiting, members and how many of them are online)
// and every colleague who can take one (online or not). It is a help for
// choosing: TransferSession accepts any queue name or email, and the
// server checks it then.
func (c *Controller) TransferTargets(ctx context.Context) (client.TransferTargets, error) {
	t, err := c.api.TransferTargets(ctx)
	if err != nil {
		return t, c.apiError("read where sessions can be transferred to", err)
	}
	return t, nil
}

// MaxTransferMessage is the longest message for the next CSR, in
// characters (the guide's limit).
const MaxTransferMessage = 345

// TransferSession is Transfer Session: the session goes to a support
// queue, or to a CSR (to is an email address), with a message for whoever
// takes it; the customer stays connected and is told, and this console
// leaves the session.
func (s *Session) TransferSession(ctx context.Context, to, message string) (client.QueueRequest, error) {
	if s.isEnded() {
		return client.QueueRequest{}, ErrEnded
	}
	t := client.Transfer{Message: message}
	if strings.Contains(to, "@") {
		t.CSREmail = to
	} else {
		t.Queue = to
	}
	r, err := s.c.api.TransferSession(ctx, s.id, t)
	if err != nil {
		return r, s.c.apiError("transfer the session", err)
	}
	where := "the queue " + orName(r.QueueName, r.Queue)
	if t.CSREmail != "" {
		where = t.CSREmail
	}
	s.deliver(client.Message{Env: protocol.Envelope{Type: protocol.TypeEnded, Session: s.id},
		Msg: &protocol.Ended{Reason: "You transferred the session to " + where + "."}})
	select {
	case <-s.ended:
	case <-ctx.Done():
	}
	return r, nil
}

func orName(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
