package server

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/coder/websocket"

	"lifeline/rendezvous/auth"
	"lifeline/rendezvous/room"
	"lifeline/rendezvous/store"
	"lifeline/shared/protocol"
)

const (
	websocketGoingAway = websocket.StatusGoingAway
	// readLimit is the largest frame read at all; frames between
	// protocol.MaxMessageSize and this get a clear error message back,
	// larger ones close the connection.
	readLimit = 1 << 20
	// maxQueued messages waiting for a slow client before it is dropped;
	// it reconnects and resumes from its last seq.
	maxQueued    = 1024
	writeTimeout = 10 * time.Second
)

// wsConn is one client's control-plane connection. The reader goroutine
// decodes and dispatches messages in order; a writer goroutine exists only
// while there is something to send, so an idle connection costs one
// goroutine.
type wsConn struct {
	s    *Server
	c    *websocket.Conn
	user *store.User        // CSR connection: may attach to several sessions
	part *store.Participant // participant connection: one session
	// tokenHash is the login or participant token the connection was
	// opened with: logging out closes the connections of that login.
	tokenHash []byte
	ctx       context.Context
	cancel    context.CancelFunc

	mu      sync.Mutex
	queue   [][]byte // a nil entry is a ping
	writing bool
	closing bool // close once the queue is flushed
	// dispatching is set while the reader applies a message, so that a
	// Detached caused by that message waits for its ack to be queued.
	dispatching bool
	closed      bool
	attached    map[string]attachment
}

type attachment struct {
	room *room.Room
	pid  string
}

func (s *Server) handleWS(w http.ResponseWriter, r *http.Request) {
	p, err := s.authenticate(r.Context(), r)
	if err != nil {
		s.writeErr(w, err)
		return
	}
	c, err := websocket.Accept(w, r, &websocket.AcceptOptions{CompressionMode: websocket.CompressionDisabled})
	if err != nil {
		return // Accept has answered the client
	}
	c.SetReadLimit(readLimit)
	ctx, cancel := context.WithCancel(context.Background())
	conn := &wsConn{s: s, c: c, user: p.user, part: p.part, tokenHash: p.tokenHash, ctx: ctx, cancel: cancel, attached: map[string]attachment{}}
	s.conns.Store(conn, struct{}{})
	s.Metrics.Connections.Inc()
	s.wg.Add(1)
	defer func() {
		s.conns.Delete(conn)
		s.Metrics.Connections.Dec()
		conn.closeNow(websocket.StatusNormalClosure, "")
		conn.mu.Lock()
		att := conn.attached
		conn.attached = nil
		conn.mu.Unlock()
		for _, a := range att {
			a.room.Detach(conn, a.pid)
		}
		s.wg.Done()
	}()

	hello := &protocol.Hello{Protocol: protocol.Version, PingIntervalMS: int(s.PingInterval / time.Millisecond), GraceSeconds: int(s.Grace / time.Second)}
	if p.user != nil {
		hello.User = &protocol.User{ID: p.user.ID, Email: p.user.Email, Name: p.user.Name, Role: p.user.Role}
	} else {
		hello.Session = p.part.SessionID
		hello.Participant = &protocol.Participant{ID: p.part.ID, Name: p.part.Name, Email: p.part.Email, Role: p.part.Role, JoinedAt: p.part.JoinedAt.UTC()}
	}
	conn.reply(protocol.Envelope{}, hello)
	conn.readLoop()
}

func (c *wsConn) readLoop() {
	for {
		typ, b, err := c.c.Read(c.ctx)
		if err != nil {
			return
		}
		if typ != websocket.MessageText {
			c.refuse(protocol.Envelope{}, "binary_message", "Control messages are JSON text; binary messages are not accepted.")
			continue
		}
		env, msg, err := protocol.Decode(b)
		if err != nil {
			c.s.Metrics.MessageErrors.WithLabelValues(protocol.Code(err)).Inc()
			c.refuse(env, protocol.Code(err), "The message was refused: "+err.Error())
			continue
		}
		c.s.Metrics.Messages.WithLabelValues(string(env.Type)).Inc()
		c.setDispatching(true)
		err = c.dispatch(env, msg)
		c.setDispatching(false)
		if err != nil {
			var re *room.Error
			if !errors.As(err, &re) {
				if c.ctx.Err() != nil {
					return
				}
				c.s.Log.Error("message failed", "type", env.Type, "err", err)
				re = &room.Error{Code: "internal_error", Msg: "The server could not apply this message; nothing was changed."}
			}
			c.s.Metrics.MessageErrors.WithLabelValues(re.Code).Inc()
			c.refuse(env, re.Code, re.Msg)
		}
	}
}

var errNotAttached = &room.Error{Status: http.StatusForbidden, Code: "not_attached", Msg: "Attach to the session before sending messages for it."}

func (c *wsConn) dispatch(env protocol.Envelope, msg protocol.Message) error {
	switch m := msg.(type) {
	case *protocol.Attach:
		sid := m.Session
		if sid == "" {
			sid = env.Session
		}
		if c.part != nil {
			if sid != "" && sid != c.part.SessionID {
				return &room.Error{Status: http.StatusForbidden, Code: "other_session", Msg: "Your token belongs to another session."}
			}
			sid = c.part.SessionID
		}
		rm, ok := c.s.hub.Get(sid)
		if !ok {
			return c.s.missingSession(c.ctx, sid)
		}
		pid := ""
		if c.part != nil {
			pid = c.part.ID
		} else {
			var err error
			if pid, err = rm.UserParticipant(c.ctx, c.user.ID); err != nil {
				return err
			}
		}
		return c.attach(env, rm, pid, m.AfterSeq)
	case *protocol.Assist:
		return c.assist(env, m)
	case *protocol.Hello, *protocol.State, *protocol.Ack, *protocol.Error, *protocol.Ended:
		return &room.Error{Status: http.StatusBadRequest, Code: "not_for_server", Msg: "The server does not accept " + string(msg.Type()) + " messages from clients."}
	}
	sid := env.Session
	if sid == "" && c.part != nil {
		sid = c.part.SessionID
	}
	c.mu.Lock()
	a, ok := c.attached[sid]
	c.mu.Unlock()
	if !ok {
		return errNotAttached
	}
	seq, err := a.room.Handle(c.ctx, a.pid, env, msg)
	if err != nil {
		return err
	}
	if env.ID != "" {
		c.reply(protocol.Envelope{ID: env.ID, Session: sid, Seq: seq}, &protocol.Ack{})
	}
	return nil
}

func (c *wsConn) attach(env protocol.Envelope, rm *room.Room, pid string, afterSeq int64) error {
	c.mu.Lock()
	if c.attached == nil {
		c.mu.Unlock()
		return context.Canceled
	}
	c.attached[rm.ID] = attachment{room: rm, pid: pid}
	c.mu.Unlock()
	if err := rm.Attach(c.ctx, c, pid, afterSeq); err != nil {
		c.mu.Lock()
		delete(c.attached, rm.ID)
		c.mu.Unlock()
		return err
	}
	c.reply(protocol.Envelope{ID: env.ID, Session: rm.ID}, &protocol.Ack{})
	return nil
}

// assist makes a logged-in CSR an assistant of the session with the number.
func (c *wsConn) assist(env protocol.Envelope, m *protocol.Assist) error {
	if c.user == nil {
		return errCSROnly
	}
	key := "user:" + c.user.ID
	if blocked, _ := c.s.JoinLimiter.Blocked(key); blocked {
		return &room.Error{Status: http.StatusTooManyRequests, Code: "too_many_attempts", Msg: "Too many wrong session numbers; please wait a few minutes and check the number."}
	}
	number := normalizeNumber(m.Number)
	sess, err := c.s.Store.LiveSessionByNumber(c.ctx, number)
	if errors.Is(err, store.ErrNotFound) || len(number) != 9 {
		c.s.JoinLimiter.Fail(key)
		return errUnknownNumber
	} else if err != nil {
		return err
	}
	rm, ok := c.s.hub.Get(sess.ID)
	if !ok {
		return errUnknownNumber
	}
	// Assistants use their login on this connection; the participant token
	// is only a unique, unusable placeholder that is never handed out.
	_, hash, err := auth.NewToken(auth.ParticipantTokenPrefix)
	if err != nil {
		return err
	}
	p, err := rm.Assist(c.ctx, store.Participant{ID: store.NewID("par_"), UserID: c.user.ID, Name: c.user.Name, Email: c.user.Email, TokenHash: hash})
	if err != nil {
		return err
	}
	return c.attach(env, rm, p.ID, 0)
}

func (c *wsConn) reply(env protocol.Envelope, msg protocol.Message) {
	b, err := protocol.Encode(env, msg)
	if err != nil {
		c.s.Log.Error("encode reply", "err", err)
		return
	}
	c.Send(b)
}

func (c *wsConn) refuse(env protocol.Envelope, code, msg string) {
	c.reply(protocol.Envelope{ID: env.ID, Session: env.Session}, &protocol.Error{Error: msg, Code: code})
}

// Send queues a message; it never blocks.
func (c *wsConn) Send(msg []byte) { c.enqueue(msg) }

func (c *wsConn) enqueue(msg []byte) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	if len(c.queue) >= maxQueued {
		c.mu.Unlock()
		c.closeNow(websocket.StatusPolicyViolation, "too slow to receive; reconnect and resume")
		return
	}
	c.queue = append(c.queue, msg)
	start := !c.writing
	c.writing = true
	c.mu.Unlock()
	if start {
		go c.writeLoop()
	}
}

func (c *wsConn) ping() { c.enqueue(nil) }

// Detached is called by a room when this connection will get nothing more
// from that session. A participant connection has nothing else to do, so
// it closes once its last messages are sent.
func (c *wsConn) Detached(sessionID string) {
	c.mu.Lock()
	delete(c.attached, sessionID)
	if c.part == nil || c.closed {
		c.mu.Unlock()
		return
	}
	c.closing = true
	if c.dispatching {
		c.mu.Unlock()
		return // setDispatching(false) flushes and closes
	}
	start := !c.writing
	c.writing = true
	c.mu.Unlock()
	if start {
		go c.writeLoop()
	}
}

func (c *wsConn) setDispatching(on bool) {
	c.mu.Lock()
	c.dispatching = on
	if on || !c.closing || c.writing || c.closed {
		c.mu.Unlock()
		return
	}
	c.writing = true
	c.mu.Unlock()
	go c.writeLoop()
}

func (c *wsConn) writeLoop() {
	for {
		c.mu.Lock()
		if len(c.queue) == 0 || c.closed {
			c.writing = false
			c.queue = nil
			closing := c.closing && !c.closed
			c.mu.Unlock()
			if closing {
				c.closeNow(websocket.StatusNormalClosure, "left the session")
			}
			return
		}
		msg := c.queue[0]
		c.queue[0] = nil
		c.queue = c.queue[1:]
		c.mu.Unlock()
		ctx, cancel := context.WithTimeout(c.ctx, writeTimeout)
		var err error
		if msg == nil {
			err = c.c.Ping(ctx)
		} else {
			err = c.c.Write(ctx, websocket.MessageText, msg)
		}
		cancel()
		if err != nil {
			c.closeNow(websocket.StatusGoingAway, "write failed")
			return
		}
	}
}

func (c *wsConn) closeNow(code websocket.StatusCode, reason string) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	c.closed = true
	c.mu.Unlock()
	// Close waits for the peer's close frame; don't hold anyone up for it.
	go func() {
		_ = c.c.Close(code, reason)
		c.cancel()
	}()
}

// keepAlive pings every connection each PingInterval; a connection whose
// pong does not come back within the write timeout is closed.
func (s *Server) keepAlive() {
	defer s.wg.Done()
	t := time.NewTicker(s.PingInterval)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			s.conns.Range(func(k, _ any) bool {
				k.(*wsConn).ping()
				return true
			})
		}
	}
}

// closeLogin closes the connections opened with a login token that has
// just been deleted: what a logged-out token opened must not outlive it.
func (s *Server) closeLogin(tokenHash []byte) {
	s.conns.Range(func(k, _ any) bool {
		if c := k.(*wsConn); c.user != nil && bytes.Equal(c.tokenHash, tokenHash) {
			c.closeNow(websocket.StatusPolicyViolation, "logged out")
		}
		return true
	})
}
