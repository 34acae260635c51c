package room

import (
	"context"
	"encoding/json"
	"net/http"

	"lifeline/rendezvous/store"
	"lifeline/shared/protocol"
)

// Support queues. A customer accepted from a queue starts a session with
// the CSR and the customer present at once (OpeningEvents). The CSR in
// control may transfer the session to a queue or to another CSR and
// leave (Relinquish): the session goes on without a host, the customer
// still connected, until the next CSR takes it over (TakeOver). A session
// without a host ends when its last customer leaves: there is nobody left
// to help.

// Transfer is what Relinquish stores with the host's departure.
type Transfer struct {
	// Writes are stored in the same transaction: the queue request the
	// session now waits as, and the end of the one it was accepted as.
	Writes []func(w store.Writer) error
	// Notice is sent to everyone in the session, and stored.
	Notice protocol.SessionTransferred
	// Message is the sender's personal message to the next CSR: stored
	// for CSRs only (transfer_message), not sent.
	Message string
}

// ErrUnattended refuses to take over a session whose customers have all
// left meanwhile.
var ErrUnattended = &Error{Status: http.StatusGone, Code: "customer_left",
	Msg: "The customer has left this session; there is nobody to help any more."}

// Relinquish is the host id transferring the session and leaving it,
// without ending it. The session must have a customer to transfer.
func (r *Room) Relinquish(ctx context.Context, id string, t Transfer) error {
	return r.call(ctx, func(s *state) error {
		m := s.presentMember(id)
		if m == nil {
			return errNotParticipant
		}
		if err := s.requireHost(m, "transfer the session"); err != nil {
			return err
		}
		if s.primary() == nil {
			return refuse(http.StatusConflict, "no_customer", "There is no customer in this session to transfer; end the session instead.")
		}
		at := s.now()
		c := s.change()
		for _, f := range t.Writes {
			c.write(f)
		}
		c.write(func(w store.Writer) error { return w.SetParticipantLeft(context.Background(), id, at) })
		c.event(protocol.TypeSessionTransferred, id, "", store.AudienceAll, t.Notice)
		if t.Message != "" {
			c.event("transfer_message", id, "", store.AudienceCSR, map[string]string{"text": t.Message})
		}
		c.event("left", id, "", store.AudienceAll, map[string]string{"reason": "transferred"})
		if s.sharing != "" {
			c.event(protocol.TypeStopSharing, id, "", store.AudienceAll, protocol.StopSharing{Reason: m.p.Name + " transferred the session."})
		}
		if err := c.commit("transfer session"); err != nil {
			return err
		}
		m.p.LeftAt = at
		s.host = ""
		s.stopGrace(m)
		s.stopRestart(m)
		s.clearSharing()
		s.r.cfg.Presence(id, false)
		for _, cn := range m.conns {
			cn.Detached(s.sess.ID)
		}
		m.conns = nil
		c.deliver()
		s.broadcastState()
		return nil
	})
}

// TakeOver makes CSR p the host of a session that has none, because it
// was transferred. writes (the claim of the queue request it waited as)
// are stored in the same transaction, with a queue_accepted event whose
// data is accepted. A CSR already present (assisting) becomes the host in
// its place, with p's token, and is returned as it is in the session.
func (r *Room) TakeOver(ctx context.Context, p store.Participant, writes []func(w store.Writer) error, accepted any) (store.Participant, error) {
	err := r.call(ctx, func(s *state) error {
		if s.sess.State != store.StateLive {
			return ErrEnded
		}
		if h := s.presentMember(s.host); h != nil {
			return refuse(http.StatusConflict, "session_has_host", "%s is in control of this session already.", h.p.Name)
		}
		if s.primary() == nil {
			return ErrUnattended
		}
		var present *member
		for _, m := range s.members {
			if m.present() && p.UserID != "" && m.p.UserID == p.UserID {
				present = m
			}
		}
		c := s.change()
		for _, f := range writes {
			c.write(f)
		}
		if present != nil {
			hash := p.TokenHash
			p = present.p
			pid := p.ID
			c.write(func(w store.Writer) error { return w.SetParticipantRole(context.Background(), pid, store.RoleHost) })
			if len(hash) > 0 {
				// The token the new host is given; an assistant's was a
				// placeholder nobody holds.
				c.write(func(w store.Writer) error { return w.SetParticipantToken(context.Background(), pid, hash) })
				p.TokenHash = hash
			}
			c.event("role_changed", "", pid, store.AudienceAll, map[string]string{"role": store.RoleHost})
		} else {
			p.SessionID, p.Role, p.JoinedAt = s.sess.ID, store.RoleHost, s.now()
			np := p
			c.write(func(w store.Writer) error { return w.AddParticipant(context.Background(), np) })
			c.event("joined", p.ID, "", store.AudienceAll, joinedData(p))
		}
		c.event("queue_accepted", p.ID, "", store.AudienceAll, accepted)
		if err := c.commit("take over"); err != nil {
			return err
		}
		if present != nil {
			present.p.Role, present.p.TokenHash = store.RoleHost, p.TokenHash
			p.Role = store.RoleHost
		} else {
			m := &member{p: p}
			s.members = append(s.members, m)
			s.byID[p.ID] = m
			s.r.cfg.Presence(p.ID, true)
			s.startGrace(m)
		}
		s.host = p.ID
		s.broadcastState()
		return nil
	})
	return p, err
}

// OpeningEvents are the first events of a session that starts with its
// participants present at once (a customer accepted from a queue, with
// the host first): session_started, joined for each, and queue_accepted
// with data accepted, with seqs from 1, as Started and Join record them.
// Store them with the session, then Open its room with their count as
// lastSeq.
func OpeningEvents(sess store.Session, parts []store.Participant, accepted any) []store.Event {
	var out []store.Event
	add := func(typ, actor string, data any) {
		b, err := json.Marshal(data)
		if err != nil {
			b = []byte("{}")
		}
		out = append(out, store.Event{SessionID: sess.ID, Seq: int64(len(out) + 1), At: sess.CreatedAt,
			Type: typ, Actor: actor, Audience: store.AudienceAll, Data: b})
	}
	host := ""
	if len(parts) > 0 {
		host = parts[0].ID
	}
	add("session_started", host, startedData(sess))
	for _, p := range parts {
		add("joined", p.ID, joinedData(p))
	}
	add("queue_accepted", host, accepted)
	return out
}

func startedData(sess store.Session) map[string]string {
	return map[string]string{"type": sess.Type, "tracking_code": sess.TrackingCode, "number": sess.Number}
}

func joinedData(p store.Participant) map[string]string {
	return map[string]string{"name": p.Name, "email": p.Email, "role": p.Role, "addr": p.Addr}
}

// unattended ends a session without a host whose last customer has gone:
// nobody is left to help, or to be helped. Only a transferred session is
// ever without a host.
func (s *state) unattended() {
	if s.host != "" || s.primary() != nil || s.closed {
		return
	}
	if err := s.end("", "", "The customer left before a support representative took the session."); err != nil {
		s.r.cfg.Log.Error("session without a host or a customer not ended", "session", s.sess.ID, "err", err)
	}
}
