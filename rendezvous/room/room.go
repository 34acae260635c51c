// Package room is the live state of support sessions. Each session is
// owned by one goroutine (a Room) that applies every rule of the user
// guide in order: who may end, leave, promote, transfer control, chat to
// whom, ask for consent, and who sees which event. A rule's effects are
// stored in one transaction before anything is sent, so a crash loses
// nothing that was acknowledged and nothing is ever half-applied.
package room

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"lifeline/rendezvous/settings"
	"lifeline/rendezvous/store"
	"lifeline/shared/protocol"
)

// Conn is what a room needs of a client connection. Send must never block
// (a connection that cannot keep up closes itself), and neither method may
// call back into the room.
type Conn interface {
	Send(msg []byte)
	// Detached tells the connection that the room will send nothing more
	// for this session: the participant left or the session ended.
	Detached(sessionID string)
}

// Config is shared by every room of a server.
type Config struct {
	Store store.Store
	Log   *slog.Logger
	// Grace is how long a participant whose connection dropped keeps its
	// place before it is counted as having left.
	Grace time.Duration
	// RestartGrace is how long a customer whose computer restarts keeps its
	// place, and how long its resume token is valid, from the restart.
	RestartGrace time.Duration
	Now          func() time.Time
	// ICE returns the relay servers and fresh credentials for a participant.
	ICE func(participantID string) []protocol.ICEServer
	// Presence is told when a participant starts or stops being present in
	// a live session (for the relay's credential check and for metrics).
	Presence func(participantID string, present bool)
	// Closed is told when a room has ended and its goroutine is gone.
	Closed func(sessionID string)
}

// Error is a refusal with an HTTP status, a machine code and a sentence a
// person understands.
type Error struct {
	Status int
	Code   string
	Msg    string
}

func (e *Error) Error() string { return e.Msg }

func refuse(status int, code, format string, args ...any) *Error {
	return &Error{Status: status, Code: code, Msg: fmt.Sprintf(format, args...)}
}

// ErrEnded is returned for anything asked of a session that is over.
var ErrEnded = &Error{Status: http.StatusGone, Code: "session_ended", Msg: "This support session has ended."}

// Room is one live session. Its methods may be called from any goroutine;
// they run on the room's own goroutine, one at a time.
type Room struct {
	ID     string
	Number string // the session number, fixed for the session's life
	cfg    *Config
	ops    chan func()
	done   chan struct{}
	st     *state
}

// Open starts the goroutine of a live session. parts are the session's
// participants in join order, as stored; lastSeq is the last stored event.
// Every present participant starts disconnected, with its grace period
// running, until a connection attaches for it.
func Open(cfg *Config, sess store.Session, parts []store.Participant, lastSeq int64) *Room {
	r := &Room{ID: sess.ID, Number: sess.Number, cfg: cfg, ops: make(chan func(), 64), done: make(chan struct{})}
	s := &state{r: r, sess: sess, byID: map[string]*member{}, seq: lastSeq, consent: map[string]pendingConsent{}}
	for _, p := range parts {
		m := &member{p: p}
		s.members = append(s.members, m)
		s.byID[p.ID] = m
		if m.present() {
			if p.Role == store.RoleHost {
				s.host = p.ID
			}
			cfg.Presence(p.ID, true)
			s.startGrace(m)
			if m.restarting() {
				s.armRestart(m)
			}
		}
	}
	// Until the first State reads the session's own (see refreshSite).
	s.keepSettings(settings.Defaults(), store.Queue{})
	r.st = s
	go r.loop()
	return r
}

func (r *Room) loop() {
	defer close(r.done)
	for op := range r.ops {
		op()
		if r.st.closed {
			r.cfg.Closed(r.ID)
			return
		}
	}
}

// Done is closed when the session has ended and the room is gone.
func (r *Room) Done() <-chan struct{} { return r.done }

// call runs f on the room's goroutine and returns its error.
func (r *Room) call(ctx context.Context, f func(s *state) error) error {
	errc := make(chan error, 1)
	select {
	case r.ops <- func() { errc <- f(r.st) }:
	case <-r.done:
		return ErrEnded
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-errc:
		return err
	case <-r.done:
		select {
		case err := <-errc:
			return err
		default:
			return ErrEnded
		}
	}
}

// post queues f without waiting; used by timers.
func (r *Room) post(f func(s *state)) {
	select {
	case r.ops <- func() { f(r.st) }:
	case <-r.done:
	}
}

// storeCtx bounds every database write of a rule.
func storeCtx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), 10*time.Second)
}

var errNotParticipant = &Error{Status: http.StatusForbidden, Code: "not_a_participant", Msg: "You are no longer a participant of this session."}

var errStore = &Error{Status: http.StatusServiceUnavailable, Code: "store_unavailable", Msg: "The server could not save this change; nothing was applied. Please try again."}

// wrapStore logs a database failure and returns the refusal sent to clients.
func (s *state) wrapStore(what string, err error) error {
	var e *Error
	if errors.As(err, &e) {
		return err
	}
	s.r.cfg.Log.Error("store write failed", "session", s.sess.ID, "what", what, "err", err)
	return errStore
}

// FollowSettings has the room read its session's settings again and send
// a State if they changed (see followSettings). It does not wait.
func (r *Room) FollowSettings() { r.post((*state).followSettings) }
