package room

import (
	"context"
	"net/http"
	"slices"

	"lifeline/rendezvous/store"
	"lifeline/shared/protocol"
)

// Handle applies one message from participant id. It returns the seq of
// the stored event (0 when the message is not stored, like a signal).
func (r *Room) Handle(ctx context.Context, id string, env protocol.Envelope, msg protocol.Message) (int64, error) {
	var seq int64
	err := r.call(ctx, func(s *state) error {
		m := s.presentMember(id)
		if m == nil {
			return errNotParticipant
		}
		var err error
		switch msg := msg.(type) {
		case *protocol.Chat:
			err = s.chat(m, msg)
		case *protocol.Notes:
			err = s.notes(m, msg)
		case *protocol.ConsentRequest:
			err = s.consentRequest(m, msg)
		case *protocol.ConsentAnswer:
			err = s.consentAnswer(m, msg)
		case *protocol.StopSharing:
			err = s.stopSharing(m, msg)
		case *protocol.ScriptResult:
			err = s.scriptResult(m, msg)
		case *protocol.FileTransfer:
			err = s.fileTransfer(m, msg)
		case *protocol.Recording:
			err = s.recording(m, msg)
		case *protocol.Signal:
			return s.signal(m, env, msg)
		case *protocol.MakePrimary:
			err = s.makePrimary(m, msg)
		case *protocol.TransferControl:
			err = s.transfer(m, msg)
		case *protocol.Leave:
			return s.requestLeave(m)
		case *protocol.End:
			err = s.requestEnd(m, msg.Notes)
		default:
			return refuse(http.StatusBadRequest, "not_for_server", "The server does not accept %q messages from clients.", msg.Type())
		}
		seq = s.seq
		return err
	})
	return seq, err
}

func (s *state) chat(m *member, msg *protocol.Chat) error {
	audience, target := store.AudienceAll, ""
	if msg.To != "" {
		t := s.presentMember(msg.To)
		if t == nil {
			return refuse(http.StatusNotFound, "no_such_participant", "That participant is not in the session any more.")
		}
		if t == m {
			return refuse(http.StatusBadRequest, "chat_to_self", "You cannot send a private message to yourself.")
		}
		audience, target = store.AudiencePrivate, t.p.ID
	}
	c := s.change()
	c.event(protocol.TypeChat, m.p.ID, target, audience, protocol.Chat{To: target, Text: msg.Text, FromName: m.p.Name})
	if err := c.commit("chat"); err != nil {
		return err
	}
	c.deliver()
	return nil
}

func (s *state) notes(m *member, msg *protocol.Notes) error {
	if !m.isCSR() {
		return refuse(http.StatusForbidden, "csr_only", "Only support representatives can write session notes.")
	}
	c := s.change()
	sid, text := s.sess.ID, msg.Text
	c.write(func(w store.Writer) error { return w.SetNotes(context.Background(), sid, text) })
	c.event(protocol.TypeNotes, m.p.ID, "", store.AudienceCSR, protocol.Notes{Text: text})
	if err := c.commit("notes"); err != nil {
		return err
	}
	s.sess.Notes = text
	c.deliver()
	return nil
}

func (s *state) consentRequest(m *member, msg *protocol.ConsentRequest) error {
	if err := s.requireHost(m, "ask the customer for permission"); err != nil {
		return err
	}
	t := s.presentMember(msg.To)
	if t == nil || t.p.Role != store.RolePrimary {
		return refuse(http.StatusForbidden, "not_primary_customer", "Requests can only be sent to the primary customer.")
	}
	if !t.connected() {
		return refuse(http.StatusConflict, "customer_not_connected", "%s is not connected right now.", t.p.Name)
	}
	if _, dup := s.consent[msg.RequestID]; dup {
		return refuse(http.StatusConflict, "duplicate_request", "A request with this id is already waiting for an answer.")
	}
	// Read from the database for each request, so that a feature switched
	// off (for the site, or for the queue the session came through) applies
	// to the next request at once.
	site, q, err := s.readSettings()
	if err != nil {
		return s.wrapStore("read settings", err)
	}
	if s.keepSettings(site, q) {
		// The consoles learn of the change now rather than at the next
		// change of the roster, and hide what was switched off.
		s.sendStates()
	}
	if feature, ok := site.Features.Allows(msg.Action); !ok {
		return s.switchedOff(feature, msg.Action, q)
	}
	c := s.change()
	c.event(protocol.TypeConsentRequest, m.p.ID, t.p.ID, store.AudiencePrivate, protocol.ConsentRequest{
		RequestID: msg.RequestID, To: t.p.ID, Action: msg.Action, Detail: msg.Detail, FromName: m.p.Name,
	})
	if err := c.commit("consent request"); err != nil {
		return err
	}
	s.consent[msg.RequestID] = pendingConsent{from: m.p.ID, to: t.p.ID, action: msg.Action}
	c.deliver()
	return nil
}

func (s *state) consentAnswer(m *member, msg *protocol.ConsentAnswer) error {
	req, ok := s.consent[msg.RequestID]
	if !ok || req.to != m.p.ID {
		return refuse(http.StatusNotFound, "no_such_request", "There is no request waiting for your answer with this id.")
	}
	c := s.change()
	c.event(protocol.TypeConsentAnswer, m.p.ID, req.from, store.AudiencePrivate, protocol.ConsentAnswer{
		RequestID: msg.RequestID, Granted: msg.Granted, ForSession: msg.ForSession, Action: req.action,
	})
	if err := c.commit("consent answer"); err != nil {
		return err
	}
	delete(s.consent, msg.RequestID)
	changed := false
	if msg.Granted && s.presentMember(req.from) != nil {
		switch req.action {
		case protocol.ActionView, protocol.ActionControl:
			s.sharing = m.p.ID
			if !slices.Contains(s.viewers, req.from) {
				s.viewers = append(s.viewers, req.from)
			}
			if req.action == protocol.ActionControl {
				s.controller = req.from
			}
			changed = true
		}
	}
	c.deliver()
	if changed {
		s.broadcastState()
	}
	return nil
}

func (s *state) stopSharing(m *member, msg *protocol.StopSharing) error {
	if s.sharing == "" && len(s.consent) == 0 {
		return nil // nothing to stop; saying so twice is harmless
	}
	if m.p.ID != s.sharing && m.p.ID != s.host && !s.involvedInSharing(m.p.ID) {
		return refuse(http.StatusForbidden, "not_sharing", "Only the sharing customer or the support representative can stop sharing.")
	}
	reason := msg.Reason
	if reason == "" {
		reason = m.p.Name + " stopped sharing."
	}
	c := s.change()
	c.event(protocol.TypeStopSharing, m.p.ID, "", store.AudienceAll, protocol.StopSharing{Reason: reason})
	if err := c.commit("stop sharing"); err != nil {
		return err
	}
	s.clearSharing()
	c.deliver()
	s.broadcastState()
	return nil
}

// scriptResult records how one script of a run ended on the customer's
// computer; everyone sees it in the chat panel, and the report lists it.
func (s *state) scriptResult(m *member, msg *protocol.ScriptResult) error {
	if err := s.fromCustomer(m, "report script results", msg.RequestedBy); err != nil {
		return err
	}
	rec := *msg
	rec.FromName = m.p.Name
	return s.record(m, protocol.TypeScriptResult, msg.RequestedBy, rec)
}

// fileTransfer records one file transfer that ended, either way.
func (s *state) fileTransfer(m *member, msg *protocol.FileTransfer) error {
	if err := s.fromCustomer(m, "report file transfers", msg.RequestedBy); err != nil {
		return err
	}
	rec := *msg
	rec.FromName = m.p.Name
	return s.record(m, protocol.TypeFileTransfer, msg.RequestedBy, rec)
}

// recording records that the host's console started or stopped recording
// the shared screen; everyone is told (the customer's agent shows it), and
// the report lists it. The recording itself is a file on the CSR's
// computer: the server only keeps the record.
func (s *state) recording(m *member, msg *protocol.Recording) error {
	// Only the host starts a recording; a CSR who has handed control on
	// since may still say that theirs stopped, so that the report has it.
	if msg.State != protocol.RecordingStopped || !m.isCSR() {
		if err := s.requireHost(m, "record the session"); err != nil {
			return err
		}
	}
	rec := *msg
	rec.FromName = m.p.Name
	return s.record(m, protocol.TypeRecording, "", rec)
}

// fromCustomer refuses a record that did not come from a customer's agent,
// or names as its requester someone who is not a CSR of this session.
// The requester may have left since: a transfer can end after its CSR.
func (s *state) fromCustomer(m *member, what, requestedBy string) error {
	if !m.isCustomer() {
		return refuse(http.StatusForbidden, "customers_only", "Only the customer's computer can %s; support representatives cannot.", what)
	}
	if requestedBy != "" {
		if r := s.byID[requestedBy]; r == nil || !r.isCSR() {
			return refuse(http.StatusBadRequest, "unknown_requester", "requested_by does not name a support representative of this session.")
		}
	}
	return nil
}

// record stores a customer's record for everyone and delivers it.
func (s *state) record(m *member, typ protocol.Type, target string, data any) error {
	c := s.change()
	e := c.event(typ, m.p.ID, target, store.AudienceAll, data)
	// What the server adds (from, at, seq, from_name) must not take a record
	// that came in just under the limit over it on the way out: clients
	// refuse larger messages.
	if n := len(eventMessage(e)); n > protocol.MaxMessageSize {
		return refuse(http.StatusRequestEntityTooLarge, "message_too_large",
			"This %s record is too large to pass on (%d bytes with the sender's details, the limit is %d); send fewer or shorter names.",
			typ, n, protocol.MaxMessageSize)
	}
	if err := c.commit(string(typ)); err != nil {
		return err
	}
	c.deliver()
	return nil
}

func (s *state) signal(m *member, env protocol.Envelope, msg *protocol.Signal) error {
	t := s.presentMember(msg.To)
	if t == nil || t == m {
		return refuse(http.StatusNotFound, "no_such_participant", "That participant is not in the session.")
	}
	if !t.connected() {
		return refuse(http.StatusConflict, "peer_not_connected", "%s is not connected right now.", t.p.Name)
	}
	t.send(encode(protocol.Envelope{Session: s.sess.ID, From: m.p.ID}, msg))
	return nil
}

func (s *state) makePrimary(m *member, msg *protocol.MakePrimary) error {
	if err := s.requireHost(m, "choose the primary customer"); err != nil {
		return err
	}
	t := s.presentMember(msg.Participant)
	if t == nil || t.p.Role != store.RoleSecondary {
		return refuse(http.StatusBadRequest, "not_secondary_customer", "Only a secondary customer can be made primary.")
	}
	old := s.primary()
	c := s.change()
	tid := t.p.ID
	c.write(func(w store.Writer) error { return w.SetParticipantRole(context.Background(), tid, store.RolePrimary) })
	if old != nil {
		oid := old.p.ID
		c.write(func(w store.Writer) error {
			return w.SetParticipantRole(context.Background(), oid, store.RoleSecondary)
		})
	}
	c.event("make_primary", m.p.ID, tid, store.AudienceAll, map[string]string{"name": t.p.Name})
	if s.sharing != "" {
		c.event(protocol.TypeStopSharing, m.p.ID, "", store.AudienceAll, protocol.StopSharing{Reason: t.p.Name + " is now the primary customer."})
	}
	if err := c.commit("make primary"); err != nil {
		return err
	}
	t.p.Role = store.RolePrimary
	if old != nil {
		old.p.Role = store.RoleSecondary
	}
	s.clearSharing()
	c.deliver()
	s.broadcastState()
	return nil
}

func (s *state) transfer(m *member, msg *protocol.TransferControl) error {
	if err := s.requireHost(m, "transfer control"); err != nil {
		return err
	}
	a := s.presentMember(msg.Participant)
	if a == nil || a.p.Role != store.RoleAssistant {
		return refuse(http.StatusBadRequest, "not_assistant", "Control can only be transferred to a support representative assisting in this session.")
	}
	return s.transferControl(m, a, "")
}
