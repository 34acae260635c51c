package room

import (
	"context"
	"net/http"
	"slices"
	"time"

	"lifeline/rendezvous/store"
	"lifeline/shared/protocol"
)

// Join adds a customer. The first customer present is primary; the others
// are secondary, as the user guide says. p carries everything but the role.
func (r *Room) Join(ctx context.Context, p store.Participant) (store.Participant, error) {
	err := r.call(ctx, func(s *state) error {
		p.Role = store.RoleSecondary
		if s.primary() == nil {
			p.Role = store.RolePrimary
		}
		return s.add(p)
	})
	return p, err
}

// Assist adds a logged-in CSR as an assistant. A CSR who is already present
// gets their existing place back instead.
func (r *Room) Assist(ctx context.Context, p store.Participant) (store.Participant, error) {
	err := r.call(ctx, func(s *state) error {
		for _, m := range s.members {
			if m.present() && m.p.UserID == p.UserID {
				p = m.p
				return nil
			}
		}
		p.Role = store.RoleAssistant
		return s.add(p)
	})
	return p, err
}

func (s *state) add(p store.Participant) error {
	if s.sess.State != store.StateLive {
		return ErrEnded
	}
	p.SessionID = s.sess.ID
	p.JoinedAt = s.now()
	c := s.change()
	c.write(func(w store.Writer) error { return w.AddParticipant(context.Background(), p) })
	c.event("joined", p.ID, "", store.AudienceAll, joinedData(p))
	if err := c.commit("join"); err != nil {
		return err
	}
	m := &member{p: p}
	s.members = append(s.members, m)
	s.byID[p.ID] = m
	s.r.cfg.Presence(p.ID, true)
	s.startGrace(m)
	s.broadcastState()
	return nil
}

// Stop ends the room's goroutine without ending the session, for a server
// that shuts down: the session stays live in the store and is reopened at
// the next start. Nothing is recorded after Stop.
func (r *Room) Stop() {
	_ = r.call(context.Background(), func(s *state) error {
		for _, m := range s.members {
			s.stopGrace(m)
			s.stopRestart(m)
		}
		s.closed = true
		return nil
	})
}

// Started records the start of a new session and its host's arrival, the
// first entries of the Session Details report.
func (r *Room) Started(ctx context.Context) error {
	return r.call(ctx, func(s *state) error {
		h := s.byID[s.host]
		if h == nil || s.seq != 0 {
			return nil
		}
		c := s.change()
		c.event("session_started", h.p.ID, "", store.AudienceAll, startedData(s.sess))
		c.event("joined", h.p.ID, "", store.AudienceAll, joinedData(h.p))
		return c.commit("start")
	})
}

// UserParticipant returns the present participant of a CSR's account.
func (r *Room) UserParticipant(ctx context.Context, userID string) (string, error) {
	var id string
	err := r.call(ctx, func(s *state) error {
		for _, m := range s.members {
			if m.present() && m.p.UserID == userID && userID != "" {
				id = m.p.ID
				return nil
			}
		}
		return refuse(http.StatusForbidden, "not_a_participant", "You are not a participant of this session.")
	})
	return id, err
}

// Snapshot returns the session as participant forID sees it ("" for an
// outside reader such as an admin).
func (r *Room) Snapshot(ctx context.Context, forID string) (protocol.State, error) {
	var st protocol.State
	err := r.call(ctx, func(s *state) error {
		s.refreshSite()
		st = s.snapshot(forID, false) // REST readers get no relay credentials
		return nil
	})
	return st, err
}

// Role returns a present participant's role.
func (r *Room) Role(ctx context.Context, id string) (string, error) {
	var role string
	err := r.call(ctx, func(s *state) error {
		m := s.presentMember(id)
		if m == nil {
			return errNotParticipant
		}
		role = m.p.Role
		return nil
	})
	return role, err
}

// Attach delivers the session's traffic for participant id on conn: the
// State, then the events after afterSeq it may see. A participant who was
// disconnected is back.
func (r *Room) Attach(ctx context.Context, conn Conn, id string, afterSeq int64) error {
	return r.call(ctx, func(s *state) error {
		m := s.presentMember(id)
		if m == nil {
			return errNotParticipant
		}
		var missed []store.Event
		if afterSeq > 0 {
			var err error
			if missed, err = s.r.cfg.Store.Events(ctx, s.sess.ID, afterSeq); err != nil {
				return s.wrapStore("replay", err)
			}
		}
		wasConnected := m.connected()
		// A restarting customer that connects is back: after a resume, the
		// agent after its reboot; with the old token, the computer did not
		// restart after all (an agent whose reboot failed reconnects to say
		// so). Any new connection counts, even one that comes before the
		// old one is seen to be gone.
		back := m.restarting() && !slices.Contains(m.conns, conn)
		switch {
		case back:
			typ := "restart_cancelled"
			if m.p.Resumed {
				typ = "rejoined"
			}
			c := s.change()
			c.write(func(w store.Writer) error {
				return w.SetParticipantRestart(context.Background(), id, time.Time{}, false)
			})
			c.event(protocol.Type(typ), id, "", store.AudienceAll, map[string]string{"name": m.p.Name})
			if err := c.commit(typ); err != nil {
				return err
			}
			m.p.RestartUntil, m.p.Resumed = time.Time{}, false
			s.stopRestart(m)
		case !wasConnected && afterSeq > 0:
			c := s.change()
			c.event("reconnected", id, "", store.AudienceAll, struct{}{})
			if err := c.commit("reconnect"); err != nil {
				return err
			}
		}
		if !slices.Contains(m.conns, conn) {
			m.conns = append(m.conns, conn)
		}
		s.stopGrace(m)
		s.refreshSite()
		st := s.snapshot(id, true)
		conn.Send(encode(protocol.Envelope{Session: s.sess.ID}, &st))
		for i := range missed {
			e := &missed[i]
			if replayable[e.Type] && s.visible(e, m) {
				conn.Send(eventMessage(e))
			}
		}
		if !wasConnected || back {
			s.broadcastState()
		}
		return nil
	})
}

// Detach is called when conn is gone. A participant left with no
// connection keeps its place for the grace period.
func (r *Room) Detach(conn Conn, id string) {
	r.post(func(s *state) {
		m := s.presentMember(id)
		if m == nil {
			return
		}
		i := slices.Index(m.conns, conn)
		if i < 0 {
			return
		}
		m.conns = slices.Delete(m.conns, i, i+1)
		if m.connected() {
			return
		}
		c := s.change()
		c.event("disconnected", id, "", store.AudienceAll, struct{}{})
		if err := c.commit("disconnect"); err != nil {
			s.r.cfg.Log.Warn("disconnect not recorded", "session", s.sess.ID, "participant", id, "err", err)
		}
		s.startGrace(m)
		s.broadcastState()
	})
}

func (s *state) graceExpired(id string) {
	m := s.presentMember(id)
	if m == nil || m.connected() {
		return
	}
	if id != s.host {
		if err := s.leave(m, "timed_out"); err != nil {
			s.r.cfg.Log.Error("participant not removed after grace", "session", s.sess.ID, "participant", id, "err", err)
			s.startGrace(m) // try again later rather than keep a ghost forever
		}
		return
	}
	// The CSR in control is gone for good: hand control to an assistant
	// who is still here, or end the session.
	for _, a := range s.members {
		if a.present() && a.connected() && a.p.Role == store.RoleAssistant {
			if err := s.transferControl(m, a, "The CSR in control lost connection."); err == nil {
				if err := s.leave(m, "timed_out"); err == nil {
					return
				}
			}
			break
		}
	}
	if err := s.end(m.p.ID, "", "The support representative lost connection."); err != nil {
		s.r.cfg.Log.Error("session not ended after host grace", "session", s.sess.ID, "err", err)
		s.startGrace(m)
	}
}

// Leave removes a participant for good. The CSR in control must end the
// session or transfer control first.
func (r *Room) Leave(ctx context.Context, id string) error {
	return r.call(ctx, func(s *state) error {
		m := s.presentMember(id)
		if m == nil {
			return errNotParticipant
		}
		return s.requestLeave(m)
	})
}

func (s *state) requestLeave(m *member) error {
	if m.p.ID == s.host {
		return refuse(http.StatusConflict, "host_cannot_leave", "You are in control of this session: end it, or transfer control to an assistant before you leave.")
	}
	return s.leave(m, "left")
}

func (s *state) leave(m *member, reason string) error {
	at := s.now()
	c := s.change()
	id := m.p.ID
	c.write(func(w store.Writer) error { return w.SetParticipantLeft(context.Background(), id, at) })
	c.event("left", id, "", store.AudienceAll, map[string]string{"reason": reason})
	// Sharing stops when the sharing customer leaves or its last viewer does.
	stop := s.sharing != "" && (s.sharing == id || len(slices.DeleteFunc(slices.Clone(s.viewers), func(v string) bool { return v == id })) == 0 && s.involvedInSharing(id))
	if stop {
		c.event(protocol.TypeStopSharing, "", "", store.AudienceAll, protocol.StopSharing{Reason: m.p.Name + " left the session."})
	}
	// A session whose primary customer leaves keeps someone who can share:
	// the longest-present secondary customer becomes primary.
	var promote *member
	if m.p.Role == store.RolePrimary {
		for _, o := range s.members {
			if o.present() && o.p.Role == store.RoleSecondary {
				promote = o
				break
			}
		}
	}
	if promote != nil {
		pid := promote.p.ID
		c.write(func(w store.Writer) error { return w.SetParticipantRole(context.Background(), pid, store.RolePrimary) })
		c.event("role_changed", "", pid, store.AudienceAll, map[string]string{"role": store.RolePrimary})
	}
	if err := c.commit("leave"); err != nil {
		return err
	}
	m.p.LeftAt = at
	s.stopGrace(m)
	s.stopRestart(m)
	if stop {
		s.clearSharing()
	} else {
		s.viewers = slices.DeleteFunc(s.viewers, func(v string) bool { return v == id })
		if s.controller == id {
			s.controller = ""
		}
	}
	if promote != nil {
		promote.p.Role = store.RolePrimary
	}
	s.r.cfg.Presence(id, false)
	for _, cn := range m.conns {
		cn.Detached(s.sess.ID)
	}
	m.conns = nil
	c.deliver()
	s.broadcastState()
	s.unattended() // a transferred session's last customer
	return nil
}

// End ends the session. Only the CSR in control may; notes, when not empty,
// replace the session notes.
func (r *Room) End(ctx context.Context, id, notes string) error {
	return r.call(ctx, func(s *state) error {
		m := s.presentMember(id)
		if m == nil {
			return errNotParticipant
		}
		return s.requestEnd(m, notes)
	})
}

func (s *state) requestEnd(m *member, notes string) error {
	if m.p.ID != s.host {
		if m.isCSR() {
			return refuse(http.StatusForbidden, "not_in_control", "Only the support representative in control can end this session; you can leave it.")
		}
		return refuse(http.StatusForbidden, "customers_cannot_end", "Only the support representative can end the session; you can leave it.")
	}
	return s.end(m.p.ID, notes, "The support representative ended the session.")
}

// requireHost refuses what only the CSR in control may do.
func (s *state) requireHost(m *member, what string) error {
	if m.p.ID != s.host {
		return refuse(http.StatusForbidden, "not_in_control", "Only the support representative in control can %s.", what)
	}
	return nil
}

func (s *state) end(actor, notes, reason string) error {
	at := s.now()
	c := s.change()
	sid := s.sess.ID
	if notes != "" {
		c.write(func(w store.Writer) error { return w.SetNotes(context.Background(), sid, notes) })
	}
	for _, m := range s.members {
		if m.present() {
			pid := m.p.ID
			c.write(func(w store.Writer) error { return w.SetParticipantLeft(context.Background(), pid, at) })
		}
	}
	c.write(func(w store.Writer) error { return w.EndSession(context.Background(), sid, at, reason) })
	ev := c.event(protocol.TypeEnded, actor, "", store.AudienceAll, protocol.Ended{Reason: reason})
	if err := c.commit("end"); err != nil {
		return err
	}
	msg := eventMessage(ev)
	s.sess.State, s.sess.EndedAt, s.sess.EndReason = store.StateEnded, at, reason
	if notes != "" {
		s.sess.Notes = notes
	}
	for _, m := range s.members {
		if !m.present() {
			continue
		}
		m.send(msg)
		for _, cn := range m.conns {
			cn.Detached(sid)
		}
		m.conns = nil
		m.p.LeftAt = at
		s.stopGrace(m)
		s.stopRestart(m)
		s.r.cfg.Presence(m.p.ID, false)
	}
	s.closed = true
	return nil
}

func (s *state) involvedInSharing(id string) bool {
	return id != "" && (s.sharing == id || s.controller == id || slices.Contains(s.viewers, id))
}

func (s *state) clearSharing() {
	s.sharing, s.viewers, s.controller = "", nil, ""
	clear(s.consent)
}

// transferControl makes assistant a the host; from becomes an assistant.
// Every support activity ends.
func (s *state) transferControl(from, a *member, reason string) error {
	c := s.change()
	fid, aid := from.p.ID, a.p.ID
	c.write(func(w store.Writer) error { return w.SetParticipantRole(context.Background(), aid, store.RoleHost) })
	c.write(func(w store.Writer) error {
		return w.SetParticipantRole(context.Background(), fid, store.RoleAssistant)
	})
	c.event("transfer_control", fid, aid, store.AudienceAll, map[string]string{"from": from.p.Name, "to": a.p.Name, "reason": reason})
	if s.sharing != "" {
		c.event(protocol.TypeStopSharing, fid, "", store.AudienceAll, protocol.StopSharing{Reason: a.p.Name + " now controls the session."})
	}
	if err := c.commit("transfer control"); err != nil {
		return err
	}
	a.p.Role, from.p.Role = store.RoleHost, store.RoleAssistant
	s.host = aid
	s.clearSharing()
	c.deliver()
	s.broadcastState()
	return nil
}
