package controller

import (
	"context"
	"errors"
	"time"

	"lifeline/shared/client"
	"lifeline/shared/protocol"
)

// route hands every message of one control connection to its session, in
// order, without ever blocking (sessions have unbounded mailboxes). When
// the connection drops, it starts the reconnection.
func (c *Controller) route(conn *client.Conn) {
	defer c.wg.Done()
	for m := range conn.Messages() {
		c.mu.Lock()
		s := c.sessions[m.Env.Session]
		c.mu.Unlock()
		if s == nil {
			c.log.Debug("console: message for no attached session", "type", m.Env.Type, "session", m.Env.Session)
			continue
		}
		s.deliver(m)
	}
	c.mu.Lock()
	current := c.conn == conn
	if current {
		c.conn = nil
	}
	closed := c.closed
	c.mu.Unlock()
	if closed || !current {
		return
	}
	reason := "The connection to the server dropped; reconnecting."
	if err := conn.Err(); err != nil {
		c.log.Info("console: control connection lost", "err", err)
	}
	c.emit(Event{Kind: EventDisconnected, Text: reason})
	c.wg.Add(1)
	go c.reconnect()
}

// reconnect dials again with growing pauses until the grace period is over,
// then resumes every session after the last event it saw.
func (c *Controller) reconnect() {
	defer c.wg.Done()
	c.mu.Lock()
	deadline := time.Now().Add(c.grace)
	c.mu.Unlock()
	delay := 100 * time.Millisecond
	for {
		select {
		case <-c.quit:
			return
		case <-time.After(delay):
		}
		delay = min(2*delay, 5*time.Second)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		conn, err := c.api.Dial(ctx)
		cancel()
		if err != nil {
			var ae *client.APIError
			auth := errors.As(err, &ae) && ae.Status == 401
			if auth || time.Now().After(deadline) {
				c.giveUp("The connection to the server was lost and could not be restored.")
				return
			}
			c.log.Debug("console: reconnect failed", "err", err)
			continue
		}
		if !c.adopt(conn) {
			conn.CloseNow()
			return
		}
		for _, s := range c.Sessions() {
			if s.isEnded() {
				continue
			}
			ctx, cancel := context.WithTimeout(context.Background(), c.cfg.RequestTimeout)
			_, err := conn.Request(ctx, s.id, &protocol.Attach{Session: s.id, AfterSeq: s.seen.Load()})
			cancel()
			var ae *client.APIError
			if errors.As(err, &ae) {
				// The session ended or we were dropped from it meanwhile.
				s.deliver(client.Message{
					Env: protocol.Envelope{Type: protocol.TypeEnded, Session: s.id},
					Msg: &protocol.Ended{Reason: ae.Message},
				})
			} else if err != nil {
				// The new connection failed too; its router starts over.
				c.log.Info("console: resume failed", "session", s.id, "err", err)
				return
			}
		}
		c.emit(Event{Kind: EventReconnected})
		return
	}
}

// giveUp ends every session locally once reconnecting is hopeless.
func (c *Controller) giveUp(reason string) {
	for _, s := range c.Sessions() {
		s.deliver(client.Message{
			Env: protocol.Envelope{Type: protocol.TypeEnded, Session: s.id},
			Msg: &protocol.Ended{Reason: reason},
		})
	}
}
