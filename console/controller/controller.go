// Package controller is the session layer of the Lifeline console, shared by
// the desktop GUI and the headless automation shell (console/headless).
//
// A Controller owns the API client and the CSR's login, and one control-plane
// connection to the rendezvous server, which it reconnects after a drop
// (resuming every session with Attach{AfterSeq}) for as long as the server's
// grace period lasts. A CSR's connection can work in several sessions at
// once: each is a *Session, with its roster, chat, notes, consent requests
// and the viewer's side of the data plane (the WebRTC peer to the customer's
// agent, frame decoding, snapshots, input and statistics).
//
// The package never prints and imports no GUI. Callers use plain Go values,
// blocking methods that take a context, and the Events channel. Errors are
// sentences a person understands (the server's refusals are *Refused).
//
// Concurrency: one goroutine owns each session's control-plane state (the
// latest protocol.State, the requests waiting for an answer, the peer's
// signalling); methods reach it by handing it closures. The screen — the
// decoded image, counters and the data channels — is shared by the decode
// goroutine and the callers under one mutex, so that snapshots and input
// never wait behind control-plane work.
package controller

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"lifeline/shared/client"
	"lifeline/shared/protocol"
)

// Config configures a Controller.
type Config struct {
	// Server is the rendezvous server's base URL, e.g. https://host:8443.
	Server string
	// TLS is how the server is trusted (tlsutil.ClientConfig); nil means
	// the system roots.
	TLS *tls.Config
	// LoopbackOnly makes WebRTC use loopback host candidates only, for
	// tests with every program on one machine.
	LoopbackOnly bool
	// Log receives diagnostics; nil discards them.
	Log *slog.Logger
	// ReadyTimeout bounds the opening of the screen connection after a
	// grant (default 30 s).
	ReadyTimeout time.Duration
	// RequestTimeout bounds a control-plane request that has no deadline
	// of its own (default 15 s).
	RequestTimeout time.Duration
}

// Errors returned by the controller. They read as the end of a sentence
// ("could not …: " + err) or, capitalised, as a sentence of their own.
var (
	ErrClosed         = errors.New("the console has been closed")
	ErrNotLoggedIn    = errors.New("not logged in")
	ErrDisconnected   = errors.New("the connection to the server is down; the console is reconnecting")
	ErrEnded          = errors.New("the session has ended")
	ErrNoCustomer     = errors.New("there is no customer in the session yet")
	ErrNotViewing     = errors.New("you are not viewing the customer's screen: request view or control first")
	ErrNoControl      = errors.New("the customer has not given you control of the mouse and keyboard: request control first")
	ErrNoFrame        = errors.New("no screen image has been received yet")
	ErrSharingStopped = errors.New("sharing was stopped before the customer answered")
)

// Refused is the server's refusal of a request: a sentence to show and a
// machine code (see docs/api.md).
type Refused struct {
	Code    string
	Message string
}

func (e *Refused) Error() string { return e.Message }

// IsCode reports whether err is a refusal by the server with this code.
func IsCode(err error, code string) bool {
	var r *Refused
	return errors.As(err, &r) && r.Code == code
}

// Controller is a logged-in console. Create it with New, then Login.
type Controller struct {
	cfg    Config
	api    *client.Client
	log    *slog.Logger
	events *eventQueue
	quit   chan struct{}
	wg     sync.WaitGroup

	mu       sync.Mutex
	user     protocol.User
	loggedIn bool
	conn     *client.Conn // nil while disconnected
	grace    time.Duration
	sessions map[string]*Session
	closed   bool
}

// New returns a controller of the server in cfg. It does nothing on the
// network until Login.
func New(cfg Config) *Controller {
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.ReadyTimeout <= 0 {
		cfg.ReadyTimeout = 30 * time.Second
	}
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = 15 * time.Second
	}
	return &Controller{
		cfg:      cfg,
		api:      client.New(cfg.Server, cfg.TLS),
		log:      cfg.Log,
		events:   newEventQueue(),
		quit:     make(chan struct{}),
		grace:    5 * time.Minute,
		sessions: map[string]*Session{},
	}
}

// API returns the REST client, logged in after Login (reports, live
// sessions, …).
func (c *Controller) API() *client.Client { return c.api }

// Events delivers what happens in every session, in order. It has one
// reader (the GUI's or the shell's event loop); events queue without limit
// until read. It is closed by Close.
func (c *Controller) Events() <-chan Event { return c.events.out }

// User is the logged-in account.
func (c *Controller) User() protocol.User {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.user
}

// Login logs the CSR in and opens the control-plane connection. A
// controller logs in once.
func (c *Controller) Login(ctx context.Context, email, password string) (protocol.User, error) {
	if c.isLoggedIn() {
		return protocol.User{}, errors.New("already logged in")
	}
	res, err := c.api.Login(ctx, email, password)
	if err != nil {
		return protocol.User{}, c.apiError("log in", err)
	}
	c.mu.Lock()
	c.user, c.loggedIn = res.User, true
	c.mu.Unlock()
	conn, err := c.api.Dial(ctx)
	if err != nil {
		return protocol.User{}, c.apiError("open the control connection", err)
	}
	if !c.adopt(conn) {
		conn.CloseNow()
		return protocol.User{}, ErrClosed
	}
	return res.User, nil
}

// Resume logs in with a token from an earlier Login (a console that
// stays logged in across restarts keeps it). A token the server no longer
// accepts (expired, logged out, account disabled) is a *Refused with code
// "invalid_token": log in with the password again.
func (c *Controller) Resume(ctx context.Context, token string) (protocol.User, error) {
	if c.isLoggedIn() {
		return protocol.User{}, errors.New("already logged in")
	}
	c.api.Token = token
	user, err := c.api.Me(ctx)
	if err != nil {
		c.api.Token = ""
		return protocol.User{}, c.apiError("log in again", err)
	}
	c.mu.Lock()
	c.user, c.loggedIn = user, true
	c.mu.Unlock()
	conn, err := c.api.Dial(ctx)
	if err != nil {
		return protocol.User{}, c.apiError("open the control connection", err)
	}
	if !c.adopt(conn) {
		conn.CloseNow()
		return protocol.User{}, ErrClosed
	}
	return user, nil
}

// Token is the login's bearer token, to keep for Resume ("" before
// Login). It is a credential: store it only where the CSR's own files are.
func (c *Controller) Token() string { return c.api.Token }

// Logout ends the login on the server. Call it after Close.
func (c *Controller) Logout(ctx context.Context) error {
	if err := c.api.Logout(ctx); err != nil {
		return c.apiError("log out", err)
	}
	return nil
}

// adopt makes conn the control connection and starts routing its messages.
func (c *Controller) adopt(conn *client.Conn) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return false
	}
	c.conn = conn
	if g := conn.Hello.GraceSeconds; g > 0 {
		c.grace = time.Duration(g) * time.Second
	}
	c.wg.Add(1)
	go c.route(conn)
	return true
}

// Close stops every stream, closes the control connection and the Events
// channel. Sessions stay live on the server (end them first if that is
// meant); the server ends a session whose host does not come back within
// the grace period.
func (c *Controller) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	conn := c.conn
	c.conn = nil
	sessions := make([]*Session, 0, len(c.sessions))
	for _, s := range c.sessions {
		sessions = append(sessions, s)
	}
	c.mu.Unlock()
	close(c.quit)
	for _, s := range sessions {
		s.shutdown()
	}
	var err error
	if conn != nil {
		err = conn.Close()
	}
	c.wg.Wait()
	c.events.close()
	return err
}

// StartSession starts a support session with the CSR as host and attaches
// to it. sessionType and trackingCode may be empty.
func (c *Controller) StartSession(ctx context.Context, sessionType, trackingCode string) (*Session, error) {
	if !c.isLoggedIn() {
		return nil, ErrNotLoggedIn
	}
	created, err := c.api.CreateSession(ctx, sessionType, trackingCode)
	if err != nil {
		return nil, c.apiError("start a session", err)
	}
	return c.attach(ctx, created.ID, created.JoinURL)
}

// Attach works in a live session the CSR is already in (one of
// API().LiveSessions), e.g. after the console was restarted. Attaching to
// a session already attached returns its Session.
func (c *Controller) Attach(ctx context.Context, id string) (*Session, error) {
	return c.attach(ctx, id, "")
}

func (c *Controller) attach(ctx context.Context, id, joinURL string) (*Session, error) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil, ErrClosed
	}
	old := c.sessions[id]
	if old != nil && !old.isEnded() {
		c.mu.Unlock()
		return old, nil
	}
	conn := c.conn
	if conn == nil {
		c.mu.Unlock()
		return nil, ErrDisconnected
	}
	s := newSession(c, id, joinURL)
	c.sessions[id] = s
	c.mu.Unlock()
	if old != nil {
		old.shutdown() // it had ended; this one replaces it
	}

	// The server answers with the state, then the ack; the state reaches
	// the session's mailbox before Request returns.
	if _, err := c.request(ctx, id, &protocol.Attach{Session: id}); err != nil {
		c.forget(s)
		s.shutdown()
		return nil, fmt.Errorf("could not attach to the session: %w", err)
	}
	if _, err := s.WaitState(ctx, func(st protocol.State) bool { return st.ID != "" }); err != nil {
		c.forget(s)
		s.shutdown()
		return nil, err
	}
	return s, nil
}

// Sessions lists the sessions attached, ended ones included until Close.
func (c *Controller) Sessions() []*Session {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]*Session, 0, len(c.sessions))
	for _, s := range c.sessions {
		out = append(out, s)
	}
	return out
}

// Session returns an attached session by id.
func (c *Controller) Session(id string) *Session {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.sessions[id]
}

func (c *Controller) forget(s *Session) {
	c.mu.Lock()
	if c.sessions[s.id] == s {
		delete(c.sessions, s.id)
	}
	c.mu.Unlock()
}

func (c *Controller) isLoggedIn() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.loggedIn
}

func (c *Controller) emit(ev Event) { c.events.box.push(ev) }

// request sends a control-plane message and waits for the server to apply
// it.
func (c *Controller) request(ctx context.Context, session string, msg protocol.Message) (protocol.Envelope, error) {
	c.mu.Lock()
	conn, closed := c.conn, c.closed
	c.mu.Unlock()
	if closed {
		return protocol.Envelope{}, ErrClosed
	}
	if conn == nil {
		return protocol.Envelope{}, ErrDisconnected
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.cfg.RequestTimeout)
		defer cancel()
	}
	env, err := conn.Request(ctx, session, msg)
	if err != nil {
		return env, wsError(err)
	}
	return env, nil
}

// wsError turns a control-plane failure into an error a person understands.
func wsError(err error) error {
	var ae *client.APIError
	switch {
	case errors.As(err, &ae):
		return &Refused{Code: ae.Code, Message: ae.Message}
	case errors.Is(err, client.ErrClosed):
		return ErrDisconnected
	case errors.Is(err, context.DeadlineExceeded):
		return errors.New("the server did not answer in time")
	}
	return err
}

// apiError explains a failed REST call or connection.
func (c *Controller) apiError(what string, err error) error {
	var ae *client.APIError
	if errors.As(err, &ae) {
		if ae.Code == "http_error" {
			return fmt.Errorf("could not %s: the server answered %q", what, ae.Message)
		}
		return &Refused{Code: ae.Code, Message: ae.Message}
	}
	return fmt.Errorf("could not %s: cannot reach the server at %s: %w", what, c.cfg.Server, err)
}

// newID returns a random request id.
func newID(prefix string) string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return prefix + hex.EncodeToString(b)
}
