package room

import (
	"context"
	"errors"
	"net/http"
	"time"

	"lifeline/rendezvous/store"
	"lifeline/shared/protocol"
)

// Reboot and rejoin. The customer granted a reboot; before it restarts the
// computer, the agent asks for a resume token (Restart). The participant
// is then "restarting": its place is kept for the restart grace instead of
// the normal grace, and the others see it so. After the reboot and the
// login, the agent trades the token for a new participant token (Resume)
// and connects with it: it has rejoined (Attach). A connection with the
// old token instead means that the computer did not restart: the restart
// is cancelled, and the token no longer works.

// Refusals of Restart and Resume.
var (
	errCustomersOnly = &Error{Status: http.StatusForbidden, Code: "customers_only",
		Msg: "Only a customer's computer can do this; support representatives cannot."}
	ErrResumeUsed = &Error{Status: http.StatusGone, Code: "resume_token_used",
		Msg: "This resume token has already been used; each one works once. Join the session again with its number."}
	ErrResumeExpired = &Error{Status: http.StatusGone, Code: "resume_token_expired",
		Msg: "This resume token no longer works: the time to rejoin after the restart is over, or the computer came back without it. Join the session again with its number."}
	ErrParticipantGone = &Error{Status: http.StatusGone, Code: "participant_gone",
		Msg: "Your place in this session was given up while the computer restarted. Join the session again with its number."}
)

// Restart marks customer id as restarting its computer, with the hash of a
// resume token for its agent to come back with. It returns when the token
// expires, which is also how long the place is kept.
func (r *Room) Restart(ctx context.Context, id string, resumeHash []byte) (time.Time, error) {
	var until time.Time
	err := r.call(ctx, func(s *state) error {
		m := s.presentMember(id)
		if m == nil {
			return errNotParticipant
		}
		if !m.isCustomer() {
			return errCustomersOnly
		}
		// The reboot was asked for with a consent request, which the
		// session's reboot feature allows; a restart without it is refused
		// alike.
		site, q, err := s.readSettings()
		if err != nil {
			return s.wrapStore("read settings", err)
		}
		if feature, ok := site.Features.Allows(protocol.ActionReboot); !ok {
			return s.switchedOff(feature, protocol.ActionReboot, q)
		}
		now := s.now()
		until = now.Add(s.r.cfg.RestartGrace)
		c := s.change()
		sid := s.sess.ID
		c.write(func(w store.Writer) error {
			return w.AddResumeToken(context.Background(), store.ResumeToken{
				Hash: resumeHash, ParticipantID: id, SessionID: sid, CreatedAt: now, ExpiresAt: until,
			})
		})
		c.write(func(w store.Writer) error { return w.SetParticipantRestart(context.Background(), id, until, false) })
		c.event("restarting", id, "", store.AudienceAll, map[string]any{"name": m.p.Name, "until": until.UTC()})
		if err := c.commit("restart"); err != nil {
			return err
		}
		m.p.RestartUntil, m.p.Resumed = until, false
		s.armRestart(m)
		if !m.connected() {
			s.startGrace(m) // the longer grace applies from now
		}
		s.broadcastState()
		return nil
	})
	return until, err
}

// Resume uses up the resume token with resumeHash for participant id after
// its reboot, and gives it newTokenHash as its participant token: the old
// token stops working, and connections made with it are closed. addr is
// where the resume came from, for the record.
func (r *Room) Resume(ctx context.Context, id string, resumeHash, newTokenHash []byte, addr string) (store.Participant, error) {
	var p store.Participant
	err := r.call(ctx, func(s *state) error {
		m := s.presentMember(id)
		if m == nil {
			return ErrParticipantGone
		}
		now := s.now()
		if !m.restarting() || !now.Before(m.p.RestartUntil) {
			return ErrResumeExpired
		}
		c := s.change()
		c.write(func(w store.Writer) error {
			err := w.UseResumeToken(context.Background(), resumeHash, now)
			if errors.Is(err, store.ErrNotFound) {
				return ErrResumeUsed // by another request a moment ago
			}
			return err
		})
		c.write(func(w store.Writer) error { return w.SetParticipantToken(context.Background(), id, newTokenHash) })
		until := m.p.RestartUntil
		c.write(func(w store.Writer) error { return w.SetParticipantRestart(context.Background(), id, until, true) })
		c.event("resumed", id, "", store.AudienceAll, map[string]string{"name": m.p.Name, "addr": addr})
		if err := c.commit("resume"); err != nil {
			return err
		}
		m.p.TokenHash, m.p.Resumed = newTokenHash, true
		// Whatever still runs with the old token is the computer before
		// its restart: it has no place here any more.
		hadConns := m.connected()
		for _, cn := range m.conns {
			cn.Detached(s.sess.ID)
		}
		m.conns = nil
		// At least the normal grace from now to connect with the new token.
		s.startGrace(m)
		if hadConns {
			s.broadcastState()
		}
		p = m.p
		return nil
	})
	return p, err
}

// armRestart starts the countdown to the end of a participant's restart.
func (s *state) armRestart(m *member) {
	s.stopRestart(m)
	id, until := m.p.ID, m.p.RestartUntil
	m.restart = time.AfterFunc(until.Sub(s.now()), func() {
		s.r.post(func(s *state) { s.restartExpired(id, until) })
	})
}

func (s *state) stopRestart(m *member) {
	if m.restart != nil {
		m.restart.Stop()
		m.restart = nil
	}
}

// restartExpired ends a restart that did not come back in time. A
// participant still connected never went away (the reboot was cancelled,
// or did not happen): it is simply not restarting any more. One that is
// away leaves when its grace ends, which is no earlier than this.
func (s *state) restartExpired(id string, until time.Time) {
	m := s.presentMember(id)
	if m == nil || !m.p.RestartUntil.Equal(until) {
		return // gone, or restarting again since
	}
	m.restart = nil
	if !m.connected() {
		return
	}
	c := s.change()
	c.write(func(w store.Writer) error {
		return w.SetParticipantRestart(context.Background(), id, time.Time{}, false)
	})
	c.event("restart_expired", id, "", store.AudienceAll, map[string]string{"name": m.p.Name})
	if err := c.commit("restart expired"); err != nil {
		s.r.cfg.Log.Warn("end of restart not recorded", "session", s.sess.ID, "participant", id, "err", err)
		return
	}
	m.p.RestartUntil, m.p.Resumed = time.Time{}, false
	s.broadcastState()
}
