package headless

import (
	"context"
	"fmt"

	"lifeline/console/controller"
	"lifeline/shared/client"
)

// queue runs queue list, queue accept and queue take.
func (sh *shell) queue(ctx context.Context, cmd command) (*obj, error) {
	if cmd.sub == "list" {
		b, err := sh.ctrl.Queues(ctx)
		if err != nil {
			return nil, err
		}
		queues := make([]any, 0, len(b.Queues))
		for _, q := range b.Queues {
			o := newObj().set("queue", q.Name).set("name", q.DisplayName).set("members", q.Members).set("tracking_code", q.TrackingCode)
			// Whether Accept Next would start a session now, as the server
			// says for this queue (left out when it does not say).
			if q.CanAccept != nil {
				o.set("can_accept", *q.CanAccept)
				if q.Limit != "" {
					o.set("limit", q.Limit)
				}
			}
			queues = append(queues, o.set("waiting", requests(q.Waiting)))
		}
		return success().set("queues", queues).set("offers", requests(b.Offers)), nil
	}
	if s := sh.sess; s != nil && !ended(s) {
		return nil, fmt.Errorf("session %s is still running: end or leave it before taking another", s.Number())
	}
	var (
		s   *controller.Session
		r   client.QueueRequest
		err error
	)
	if cmd.sub == "accept" {
		s, r, err = sh.ctrl.AcceptNext(ctx, cmd.text, cmd.sessionType, cmd.trackingCode)
	} else {
		s, r, err = sh.ctrl.AcceptOffer(ctx, cmd.text)
	}
	if err != nil {
		return nil, err
	}
	sh.sess = s
	o := success().set("number", s.Number()).set("session_id", s.ID()).set("join_url", s.JoinURL()).
		set("customer", r.Name).set("email", r.Email).set("problem", r.Problem).set("waited_seconds", r.WaitedSeconds)
	if r.Message != "" {
		o.set("message", r.Message).set("transferred_by", r.TransferredBy)
	}
	return o, nil
}

// transferTargets lists where transfer-session can send a session: each
// queue with its line and who serves it, then each colleague, online or
// not. No session is needed: a script may look before it takes one.
func (sh *shell) transferTargets(ctx context.Context) (*obj, error) {
	t, err := sh.ctrl.TransferTargets(ctx)
	if err != nil {
		return nil, err
	}
	queues := make([]any, 0, len(t.Queues))
	for _, q := range t.Queues {
		queues = append(queues, newObj().set("queue", q.Name).set("name", q.DisplayName).set("waiting", q.Waiting).
			set("members", q.Members).set("members_online", q.MembersOnline).set("you_serve", q.YouServe))
	}
	csrs := make([]any, 0, len(t.CSRs))
	for _, c := range t.CSRs {
		csrs = append(csrs, newObj().set("email", c.Email).set("name", c.Name).set("online", c.Online))
	}
	return success().set("queues", queues).set("csrs", csrs), nil
}

// requests lists queue requests in order.
func requests(rs []client.QueueRequest) []any {
	out := make([]any, 0, len(rs))
	for _, r := range rs {
		o := newObj().set("request_id", r.ID).set("position", r.Position).set("name", r.Name).set("email", r.Email).
			set("problem", r.Problem).set("waited_seconds", r.WaitedSeconds).set("referrer", r.Referrer)
		if r.SessionID != "" {
			o.set("session_id", r.SessionID).set("transferred_by", r.TransferredBy).set("message", r.Message)
		}
		out = append(out, o)
	}
	return out
}
