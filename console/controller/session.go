package controller

import (
	"context"
	"errors"
	"slices"
	"sync"
	"sync/atomic"

	"lifeline/shared/client"
	"lifeline/shared/protocol"
	"lifeline/shared/transport"
)

// Session is one support session the console is attached to. Its methods
// are safe for concurrent use.
type Session struct {
	c       *Controller
	id      string
	joinURL string

	// seen is the highest event seq routed to this session: where a
	// resumed connection picks up (Attach.AfterSeq).
	seen atomic.Int64
	// lastInput is the SentAt of the last input event sent.
	lastInput atomic.Int64

	inbox    *mailbox[client.Message]
	calls    chan func(*loop)
	quit     chan struct{}
	quitOnce sync.Once
	exited   chan struct{}
	ended    chan struct{}

	disp display // the screen: shared with the decode goroutine, under its mutex

	pubMu sync.Mutex
	pubs  *publishing // basic file transfer, if open

	l loop // owned by run
}

// loop is the control-plane state of a session, owned by its goroutine.
type loop struct {
	st       protocol.State
	have     bool
	seq      int64         // highest event seq applied, to drop replays
	changed  chan struct{} // closed and replaced on every change
	consents map[string]chan consentResult
	stream   *stream
	tools    *toolsPeer
	// observed is the sharing this console last opened a screen
	// connection for as an observer, so a refusal is not retried on
	// every state.
	observed  string
	ended     bool
	endReason string
}

type consentResult struct {
	granted bool
	from    string
	err     error
}

func newSession(c *Controller, id, joinURL string) *Session {
	s := &Session{
		c: c, id: id, joinURL: joinURL,
		inbox:  newMailbox[client.Message](),
		calls:  make(chan func(*loop)),
		quit:   make(chan struct{}),
		exited: make(chan struct{}),
		ended:  make(chan struct{}),
		l:      loop{changed: make(chan struct{}), consents: map[string]chan consentResult{}},
	}
	s.disp.init()
	go s.run()
	return s
}

// deliver queues a message from the server; it never blocks.
func (s *Session) deliver(m client.Message) {
	if seq := m.Env.Seq; seq > s.seen.Load() {
		s.seen.Store(seq) // only the router (one at a time) stores
	}
	s.inbox.push(m)
}

func (s *Session) run() {
	defer close(s.exited)
	l := &s.l
	for {
		select {
		case <-s.inbox.notify:
			for _, m := range s.inbox.drain() {
				s.handle(l, m)
			}
		case f := <-s.calls:
			f(l)
		case <-s.quit:
			s.failConsents(l, ErrClosed)
			if l.stream != nil {
				l.stream.stop("The console was closed.")
				l.stream = nil
			}
			s.closeTools(l)
			l.wake()
			return
		}
	}
}

// call runs f on the session's goroutine and returns its error.
func (s *Session) call(ctx context.Context, f func(l *loop) error) error {
	done := make(chan error, 1)
	select {
	case s.calls <- func(l *loop) { done <- f(l) }:
	case <-s.exited:
		return ErrClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-done:
		return err
	case <-s.exited:
		return ErrClosed
	}
}

func (s *Session) shutdown() {
	s.quitOnce.Do(func() { close(s.quit) })
	<-s.exited
}

func (l *loop) wake() {
	close(l.changed)
	l.changed = make(chan struct{})
}

func (s *Session) emit(ev Event) {
	ev.Session = s.id
	s.c.emit(ev)
}

// handle applies one message from the server, in the order they came.
func (s *Session) handle(l *loop, m client.Message) {
	if seq := m.Env.Seq; seq > 0 {
		if seq <= l.seq {
			return // replayed after a reconnect, already applied
		}
		l.seq = seq
	}
	if l.ended {
		return
	}
	switch msg := m.Msg.(type) {
	case *protocol.State:
		s.onState(l, *msg)
	case *protocol.Chat:
		if m.Env.From != l.st.You { // our own lines come back too
			s.emit(Event{Kind: EventChat, From: m.Env.From, FromName: msg.FromName, To: msg.To, Text: msg.Text})
		}
	case *protocol.Notes:
		if m.Env.From != l.st.You {
			s.emit(Event{Kind: EventNotes, From: m.Env.From, Text: msg.Text})
		}
	case *protocol.ConsentAnswer:
		if msg.Granted && msg.Action == protocol.ActionControl {
			s.disp.setControl(true)
		}
		if ch, ok := l.consents[msg.RequestID]; ok {
			delete(l.consents, msg.RequestID)
			ch <- consentResult{granted: msg.Granted, from: m.Env.From}
		} else {
			s.emit(Event{Kind: EventConsent, From: m.Env.From, Action: msg.Action, Granted: msg.Granted})
		}
	case *protocol.StopSharing:
		// The server drops every pending request with the sharing.
		s.failConsents(l, ErrSharingStopped)
		s.disp.setControl(false)
		s.emit(Event{Kind: EventStopSharing, From: m.Env.From, Text: msg.Reason})
		if l.stream != nil {
			l.stream.stop(msg.Reason)
			l.stream = nil
		}
	case *protocol.Signal:
		if msg.Purpose == protocol.PurposeTools {
			tp := l.tools
			if tp == nil || tp.closed() || m.Env.From != tp.customer {
				return
			}
			if err := tp.peer.HandleSignal(transport.Signal{Kind: msg.Kind, SDP: msg.SDP, Candidate: msg.Candidate}); err != nil {
				s.c.log.Warn("console: tools signal refused", "kind", msg.Kind, "err", err)
			}
			return
		}
		st := l.stream
		if st == nil || st.isStopped() || m.Env.From != st.customer {
			s.c.log.Debug("console: signal for no screen connection", "from", m.Env.From, "kind", msg.Kind)
			return
		}
		if err := st.peer.HandleSignal(transport.Signal{Kind: msg.Kind, SDP: msg.SDP, Candidate: msg.Candidate}); err != nil {
			s.c.log.Warn("console: signal refused", "kind", msg.Kind, "err", err)
		}
	case *protocol.SessionTransferred:
		where := "the queue " + orName(msg.QueueName, msg.Queue)
		if msg.ToName != "" {
			where = msg.ToName
		}
		s.emit(Event{Kind: EventTransferred, FromName: msg.FromName, Text: where})
	case *protocol.ScriptResult:
		s.emit(Event{Kind: EventScriptResult, From: m.Env.From, FromName: msg.FromName, Script: msg})
	case *protocol.FileTransfer:
		s.emit(Event{Kind: EventFileTransfer, From: m.Env.From, FromName: msg.FromName, Transfer: msg})
	case *protocol.Recording:
		s.emit(Event{Kind: EventRecording, From: m.Env.From, FromName: msg.FromName, Recording: msg})
	case *protocol.Ended:
		s.finish(l, msg.Reason)
	case *protocol.Error:
		s.emit(Event{Kind: EventServerError, Text: msg.Error, Code: msg.Code})
	}
}

func (s *Session) onState(l *loop, st protocol.State) {
	if l.have {
		before := map[string]protocol.Participant{}
		for _, p := range l.st.Participants {
			before[p.ID] = p
		}
		for _, p := range st.Participants {
			old, known := before[p.ID]
			if known && p.LeftAt == nil && old.Role != p.Role {
				// Make primary, transfer control: for this console too.
				s.emit(Event{Kind: EventRole, Participant: &p})
			}
			if p.ID == st.You {
				continue
			}
			switch {
			case !known && p.LeftAt == nil:
				s.emit(Event{Kind: EventJoined, Participant: &p})
			case known && old.LeftAt == nil && p.LeftAt != nil:
				s.emit(Event{Kind: EventLeft, Participant: &p})
			case known && p.LeftAt == nil && (old.Connected != p.Connected || old.Restarting != p.Restarting):
				s.emit(Event{Kind: EventPresence, Participant: &p})
			}
		}
	}
	if l.have && !sameSettings(l.st.Settings, st.Settings) {
		// A setting changed while the session runs, or the session was
		// transferred to a queue of other settings: the tools to offer.
		ev := Event{Kind: EventSettings}
		if st.Settings != nil {
			copied := *st.Settings
			ev.Settings = &copied
		}
		s.emit(ev)
	}
	l.st, l.have = st, true
	s.disp.setControl(st.Controller != "" && st.Controller == st.You)
	if l.tools != nil {
		if p, ok := PrimaryCustomer(st); !ok || p.ID != l.tools.customer {
			s.closeTools(l) // the tools were for a customer who is not primary any more
		}
	}
	s.observe(l)
	l.wake()
}

// observe opens the screen connection of a CSR who did not ask for it —
// an assistant, or a former host — once a customer shares with the
// session: everyone in a session sees what is shared.
func (s *Session) observe(l *loop) {
	st := l.st
	if st.Sharing == "" || IsHost(st) {
		l.observed = ""
		return
	}
	if l.observed == st.Sharing || (l.stream != nil && !l.stream.isStopped() && l.stream.customer == st.Sharing) {
		return
	}
	l.observed = st.Sharing
	if err := s.openStream(l, st.Sharing); err != nil {
		s.c.log.Warn("console: could not observe the shared screen", "err", err)
	}
}

func (s *Session) failConsents(l *loop, err error) {
	for id, ch := range l.consents {
		delete(l.consents, id)
		ch <- consentResult{err: err}
	}
}

// finish ends the session locally: the server said so, we left, or the
// connection could not be restored.
func (s *Session) finish(l *loop, reason string) {
	if l.ended {
		return
	}
	l.ended, l.endReason = true, reason
	s.failConsents(l, ErrEnded)
	s.disp.setControl(false)
	s.emit(Event{Kind: EventEnded, Text: reason})
	if l.stream != nil {
		l.stream.stop(reason)
		l.stream = nil
	}
	s.closeTools(l)
	close(s.ended)
	l.wake()
}

func (s *Session) isEnded() bool {
	select {
	case <-s.ended:
		return true
	default:
		return false
	}
}

// ID is the session id (ses_…).
func (s *Session) ID() string { return s.id }

// JoinURL is the page for the customer, when this console started the
// session.
func (s *Session) JoinURL() string { return s.joinURL }

// Number is the 9-digit session number.
func (s *Session) Number() string { return s.State().Number }

// Ended is closed when the session is over.
func (s *Session) Ended() <-chan struct{} { return s.ended }

// EndReason says why the session ended ("" while it is live).
func (s *Session) EndReason() string {
	var r string
	_ = s.call(context.Background(), func(l *loop) error { r = l.endReason; return nil })
	return r
}

// State is the latest session state from the server.
func (s *Session) State() protocol.State {
	var st protocol.State
	_ = s.call(context.Background(), func(l *loop) error { st = cloneState(l.st); return nil })
	return st
}

func sameSettings(a, b *protocol.SessionSettings) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

func cloneState(st protocol.State) protocol.State {
	if st.Settings != nil {
		s := *st.Settings
		st.Settings = &s
	}
	st.Participants = slices.Clone(st.Participants)
	st.Viewers = slices.Clone(st.Viewers)
	st.ICEServers = slices.Clone(st.ICEServers)
	return st
}

// WaitState waits until the session's state satisfies cond and returns
// that state. It fails with ErrEnded when the session ends first.
func (s *Session) WaitState(ctx context.Context, cond func(protocol.State) bool) (protocol.State, error) {
	for {
		var (
			st          protocol.State
			have, ended bool
			changed     chan struct{}
		)
		err := s.call(ctx, func(l *loop) error {
			st, have, ended, changed = cloneState(l.st), l.have, l.ended, l.changed
			return nil
		})
		if err != nil {
			return st, err
		}
		if have && cond(st) {
			return st, nil
		}
		if ended {
			return st, ErrEnded
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return st, ctx.Err()
		}
	}
}

// PrimaryCustomer returns the customer who shares their screen, if one is
// in the session.
func PrimaryCustomer(st protocol.State) (protocol.Participant, bool) {
	for _, p := range st.Participants {
		if p.Role == protocol.RolePrimary && p.LeftAt == nil {
			return p, true
		}
	}
	return protocol.Participant{}, false
}

// WaitCustomer waits until a primary customer is connected to the session.
func (s *Session) WaitCustomer(ctx context.Context) (protocol.Participant, error) {
	st, err := s.WaitState(ctx, func(st protocol.State) bool {
		p, ok := PrimaryCustomer(st)
		return ok && p.Connected
	})
	if err != nil {
		return protocol.Participant{}, err
	}
	p, _ := PrimaryCustomer(st)
	return p, nil
}

// RequestView asks the primary customer to let the CSR see their screen.
// When granted, the screen connection opens in the background (see
// WaitFirstFrame). A refusal by the customer is (false, nil); a refusal by
// the server is an error.
func (s *Session) RequestView(ctx context.Context) (bool, error) {
	return s.RequestConsent(ctx, protocol.ActionView, "")
}

// RequestControl asks the primary customer for control of their mouse and
// keyboard, which includes viewing their screen.
func (s *Session) RequestControl(ctx context.Context) (bool, error) {
	return s.RequestConsent(ctx, protocol.ActionControl, "")
}

// RequestConsent asks the primary customer to allow action (one of
// protocol.Actions), and waits for the answer. detail is shown to the
// customer. A granted view or control opens the screen connection.
func (s *Session) RequestConsent(ctx context.Context, action, detail string) (bool, error) {
	id := newID("c")
	ch := make(chan consentResult, 1)
	var to string
	err := s.call(ctx, func(l *loop) error {
		if l.ended {
			return ErrEnded
		}
		p, ok := PrimaryCustomer(l.st)
		if !ok {
			return ErrNoCustomer
		}
		to = p.ID
		l.consents[id] = ch
		return nil
	})
	if err != nil {
		return false, err
	}
	if _, err := s.c.request(ctx, s.id, &protocol.ConsentRequest{RequestID: id, To: to, Action: action, Detail: detail}); err != nil {
		s.dropConsent(id)
		return false, err
	}
	var r consentResult
	select {
	case r = <-ch:
	case <-ctx.Done():
		s.dropConsent(id)
		select {
		case r = <-ch: // the answer won the race
		default:
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return false, errors.New("the customer did not answer in time")
			}
			return false, ctx.Err()
		}
	}
	if r.err != nil {
		return false, r.err
	}
	if !r.granted {
		return false, nil
	}
	if action == protocol.ActionView || action == protocol.ActionControl {
		octx, cancel := context.WithTimeout(context.Background(), s.c.cfg.RequestTimeout)
		defer cancel()
		if err := s.call(octx, func(l *loop) error { return s.openStream(l, r.from) }); err != nil {
			return true, err
		}
	}
	return true, nil
}

func (s *Session) dropConsent(id string) {
	_ = s.call(context.Background(), func(l *loop) error { delete(l.consents, id); return nil })
}

// Chat sends a chat line to everyone (to == "") or to one participant.
func (s *Session) Chat(ctx context.Context, to, text string) error {
	if s.isEnded() {
		return ErrEnded
	}
	_, err := s.c.request(ctx, s.id, &protocol.Chat{To: to, Text: text})
	return err
}

// SetNotes replaces the session notes (CSRs only; they go into the report).
func (s *Session) SetNotes(ctx context.Context, text string) error {
	if s.isEnded() {
		return ErrEnded
	}
	_, err := s.c.request(ctx, s.id, &protocol.Notes{Text: text})
	return err
}

// StopSharing ends viewing and control for everyone, as closing the
// sharing window does.
func (s *Session) StopSharing(ctx context.Context) error {
	if s.isEnded() {
		return ErrEnded
	}
	_, err := s.c.request(ctx, s.id, &protocol.StopSharing{})
	return err
}

// End ends the session for everyone (host CSR only). notes, when not
// empty, replace the session notes. It returns once the session is over.
// While the control connection is down it ends the session through the
// REST API.
func (s *Session) End(ctx context.Context, notes string) error {
	if s.isEnded() {
		return ErrEnded
	}
	// A recording under way is closed first, so that the session's report
	// has its stop, its length and its size.
	if _, on := s.Recording(); on {
		_, _ = s.StopRecording()
	}
	_, err := s.c.request(ctx, s.id, &protocol.End{Notes: notes})
	if errors.Is(err, ErrDisconnected) {
		if err := s.c.api.EndSession(ctx, s.id, notes); err != nil {
			return s.c.apiError("end the session", err)
		}
		s.deliver(client.Message{Env: protocol.Envelope{Type: protocol.TypeEnded, Session: s.id},
			Msg: &protocol.Ended{Reason: "The support representative ended the session."}})
	} else if err != nil {
		return err
	}
	// The server sends "ended" before the ack: it is on its way to the loop.
	select {
	case <-s.ended:
	case <-ctx.Done():
	}
	return nil
}

// Leave leaves the session for good (an assistant, or a CSR who
// transferred control; the host must end the session instead).
func (s *Session) Leave(ctx context.Context) error {
	if s.isEnded() {
		return ErrEnded
	}
	if _, on := s.Recording(); on {
		_, _ = s.StopRecording() // as End does
	}
	if _, err := s.c.request(ctx, s.id, &protocol.Leave{}); err != nil {
		return err
	}
	s.deliver(client.Message{Env: protocol.Envelope{Type: protocol.TypeEnded, Session: s.id}, Msg: &protocol.Ended{Reason: "You left the session."}})
	select {
	case <-s.ended:
	case <-s.exited:
	}
	return nil
}
