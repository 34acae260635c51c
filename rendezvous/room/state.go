package room

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"time"

	"lifeline/rendezvous/settings"
	"lifeline/rendezvous/store"
	"lifeline/shared/protocol"
)

// member is one participant and the connections attached for it.
type member struct {
	p     store.Participant
	conns []Conn
	grace *time.Timer // running while present and not connected
	// restart runs while the participant is restarting, until its
	// RestartUntil.
	restart *time.Timer
}

func (m *member) present() bool    { return m.p.LeftAt.IsZero() }
func (m *member) restarting() bool { return !m.p.RestartUntil.IsZero() }
func (m *member) isCustomer() bool {
	return m.p.Role == store.RolePrimary || m.p.Role == store.RoleSecondary
}
func (m *member) connected() bool { return len(m.conns) > 0 }
func (m *member) isCSR() bool {
	return m.p.Role == store.RoleHost || m.p.Role == store.RoleAssistant
}

type pendingConsent struct {
	from, to, action string
}

// state is owned by the room's goroutine; nothing else touches it.
type state struct {
	r       *Room
	sess    store.Session
	members []*member // join order, including those who left
	byID    map[string]*member
	host    string // participant id of the CSR in control
	seq     int64  // last stored event

	sharing    string   // the customer whose screen is shared
	viewers    []string // who was granted a view
	controller string   // who was granted control

	consent map[string]pendingConsent // by request id
	closed  bool

	// maxTransfer (max_transfer_mb in bytes) and settings are the
	// session's settings as last read (see refreshSite).
	maxTransfer int64
	settings    protocol.SessionSettings
}

func (s *state) now() time.Time { return s.r.cfg.Now() }

// presentMember returns the participant if it is still in the session.
func (s *state) presentMember(id string) *member {
	m := s.byID[id]
	if m == nil || !m.present() {
		return nil
	}
	return m
}

func (s *state) primary() *member {
	for _, m := range s.members {
		if m.present() && m.p.Role == store.RolePrimary {
			return m
		}
	}
	return nil
}

// change collects the writes and events of one rule, to be stored in one
// transaction.
type change struct {
	s      *state
	writes []func(w store.Writer) error
	events []store.Event
}

func (s *state) change() *change { return &change{s: s} }

func (c *change) write(f func(w store.Writer) error) { c.writes = append(c.writes, f) }

// event adds an event; its data is JSON-encoded and its seq assigned.
func (c *change) event(typ protocol.Type, actor, target, audience string, data any) *store.Event {
	b, err := json.Marshal(data)
	if err != nil {
		b = []byte("{}")
	}
	c.events = append(c.events, store.Event{
		SessionID: c.s.sess.ID, Seq: c.s.seq + int64(len(c.events)) + 1, At: c.s.now(),
		Type: string(typ), Actor: actor, Target: target, Audience: audience, Data: b,
	})
	return &c.events[len(c.events)-1]
}

// commit stores everything in one transaction; only then does the state
// move on. On error nothing was stored and the caller must not apply the
// rule's effects.
func (c *change) commit(what string) error {
	ctx, cancel := storeCtx()
	defer cancel()
	err := c.s.r.cfg.Store.Tx(ctx, func(w store.Writer) error {
		for _, f := range c.writes {
			if err := f(w); err != nil {
				return err
			}
		}
		for _, e := range c.events {
			if err := w.AppendEvent(ctx, e); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return c.s.wrapStore(what, err)
	}
	c.s.seq += int64(len(c.events))
	return nil
}

// replayable events are sent to clients as messages of the same type, live
// and again after a reconnect; the others exist for the report only, and
// clients learn of them through the State snapshot.
var replayable = map[string]bool{
	string(protocol.TypeChat):           true,
	string(protocol.TypeNotes):          true,
	string(protocol.TypeConsentRequest): true,
	string(protocol.TypeConsentAnswer):  true,
	string(protocol.TypeStopSharing):    true,
	string(protocol.TypeScriptResult):   true,
	string(protocol.TypeFileTransfer):   true,
	// A customer who reconnects while recorded is told again.
	string(protocol.TypeRecording): true,
	// A customer told of a transfer while reconnecting learns it too.
	string(protocol.TypeSessionTransferred): true,
}

func (s *state) visible(e *store.Event, m *member) bool {
	switch e.Audience {
	case store.AudiencePrivate:
		return m.p.ID == e.Actor || m.p.ID == e.Target
	case store.AudienceCSR:
		return m.isCSR()
	default:
		return true
	}
}

func eventMessage(e *store.Event) []byte {
	at := e.At.UTC()
	b, _ := json.Marshal(protocol.Envelope{
		V: protocol.Version, Type: protocol.Type(e.Type), Session: e.SessionID,
		Seq: e.Seq, From: e.Actor, At: &at, Data: e.Data,
	})
	return b
}

// deliver sends the replayable events of a committed change to everyone
// who may see them.
func (c *change) deliver() {
	for i := range c.events {
		e := &c.events[i]
		if !replayable[e.Type] {
			continue
		}
		msg := eventMessage(e)
		for _, m := range c.s.members {
			if m.present() && m.connected() && c.s.visible(e, m) {
				m.send(msg)
			}
		}
	}
}

func (m *member) send(msg []byte) {
	for _, c := range m.conns {
		c.Send(msg)
	}
}

// snapshot is the session as one participant sees it, with that
// participant's relay credentials when ice is set.
func (s *state) snapshot(forID string, ice bool) protocol.State {
	sessSettings := s.settings
	st := protocol.State{
		ID: s.sess.ID, Number: s.sess.Number, State: s.sess.State, SessionType: s.sess.Type,
		TrackingCode: s.sess.TrackingCode, HostID: s.host, You: forID, LastSeq: s.seq,
		Sharing: s.sharing, Viewers: slices.Clone(s.viewers), Controller: s.controller,
		MaxTransferBytes: s.maxTransfer, Settings: &sessSettings,
		Participants: make([]protocol.Participant, 0, len(s.members)),
	}
	for _, m := range s.members {
		p := protocol.Participant{
			ID: m.p.ID, Name: m.p.Name, Role: m.p.Role, Connected: m.connected(), JoinedAt: m.p.JoinedAt.UTC(),
			Restarting: m.present() && m.restarting(),
		}
		if !m.p.LeftAt.IsZero() {
			t := m.p.LeftAt.UTC()
			p.LeftAt = &t
		}
		// Customers' email addresses are for the support team only.
		if viewer := s.byID[forID]; viewer == nil || viewer.isCSR() || m.p.ID == forID {
			p.Email = m.p.Email
		}
		st.Participants = append(st.Participants, p)
	}
	if ice && forID != "" && s.r.cfg.ICE != nil && s.sess.State == store.StateLive {
		st.ICEServers = s.r.cfg.ICE(forID)
	}
	return st
}

func encode(env protocol.Envelope, msg protocol.Message) []byte {
	b, _ := protocol.Encode(env, msg)
	return b
}

// readSettings reads what applies in this session now: the site's
// settings with the own values of the queue it came through laid over
// (store.SessionSettings). Read afresh for every decision, like every
// setting, so that a change made while the session runs applies at once.
func (s *state) readSettings() (settings.Site, store.Queue, error) {
	ctx, cancel := storeCtx()
	defer cancel()
	site, q, err := s.r.cfg.Store.SessionSettings(ctx, s.sess.ID)
	if err != nil {
		return site, q, fmt.Errorf("settings of session %s: %w", s.sess.ID, err)
	}
	return site, q, nil
}

// keepSettings records the settings every State carries; it says whether
// they differ from those the last State carried.
func (s *state) keepSettings(site settings.Site, q store.Queue) bool {
	next := protocol.SessionSettings{
		Queue: q.Name, Features: protocol.Features(site.Features),
		DefaultMode: site.DefaultMode, DefaultColors: site.DefaultColors,
	}
	changed := next != s.settings || site.MaxTransferBytes() != s.maxTransfer
	s.settings, s.maxTransfer = next, site.MaxTransferBytes()
	return changed
}

// refreshSite reads the session's settings that every State carries, so
// that a change made while the session runs (with the command line or the
// admin page, or a transfer to another queue) is in the next State. When
// the database cannot be read, the last values stay.
func (s *state) refreshSite() {
	site, q, err := s.readSettings()
	if err != nil {
		s.r.cfg.Log.Warn("session settings not read; the State keeps the last ones", "session", s.sess.ID, "err", err)
		return
	}
	s.keepSettings(site, q)
}

// switchedOff is the refusal of a feature the session's settings switch
// off, naming whose setting did: the queue's own, or the site's, which a
// queue that leaves the feature alone follows.
func (s *state) switchedOff(feature, action string, q store.Queue) error {
	where := "this site"
	if q.ID != "" {
		ctx, cancel := storeCtx()
		defer cancel()
		site, err := s.r.cfg.Store.SiteSettings(ctx)
		if _, siteAllows := site.Features.Allows(action); err == nil && siteAllows {
			where = "the " + q.DisplayName + " queue"
		}
	}
	return refuse(http.StatusForbidden, "feature_disabled", "%s is switched off for %s.", feature, where)
}

// broadcastState sends each connected participant its own snapshot.
func (s *state) broadcastState() {
	s.refreshSite()
	s.sendStates()
}

// sendStates sends each connected participant its own snapshot with the
// settings as last kept, for a caller that has just read them.
func (s *state) sendStates() {
	for _, m := range s.members {
		if m.present() && m.connected() {
			st := s.snapshot(m.p.ID, true)
			m.send(encode(protocol.Envelope{Session: s.sess.ID}, &st))
		}
	}
}

// startGrace starts the countdown after which a participant with no
// connection is counted as having left.
func (s *state) startGrace(m *member) {
	if m.grace != nil {
		m.grace.Stop()
	}
	id := m.p.ID
	d := s.r.cfg.Grace
	// A restarting customer's place is kept until its restart is due,
	// however long the reboot and the login take within that.
	if left := m.p.RestartUntil.Sub(s.now()); m.restarting() && left > d {
		d = left
	}
	m.grace = time.AfterFunc(d, func() {
		s.r.post(func(s *state) { s.graceExpired(id) })
	})
}

func (s *state) stopGrace(m *member) {
	if m.grace != nil {
		m.grace.Stop()
		m.grace = nil
	}
}

// followSettings reads the session's settings and, when they changed
// since the last State, sends everyone a new one, so that a feature an
// admin switched off disappears from the consoles without waiting for
// the next change in the session.
func (s *state) followSettings() {
	site, q, err := s.readSettings()
	if err != nil {
		s.r.cfg.Log.Warn("session settings not read", "session", s.sess.ID, "err", err)
		return
	}
	if s.keepSettings(site, q) {
		s.sendStates()
	}
}
