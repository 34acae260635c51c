package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/coder/websocket"

	"lifeline/shared/protocol"
)

// Conn is a control-plane WebSocket. A reader goroutine routes acks and
// errors to the request that is waiting for them and queues every other
// message for Recv, in order.
type Conn struct {
	ws    *websocket.Conn
	Hello protocol.Hello

	nextID  atomic.Int64
	mu      sync.Mutex
	waiting map[string]chan reply
	err     error

	in   chan Message
	done chan struct{}
}

// Message is one message from the server.
type Message struct {
	Env protocol.Envelope
	Msg protocol.Message
}

type reply struct {
	env protocol.Envelope
	err error
}

// ErrClosed is returned once the connection is gone.
var ErrClosed = errors.New("connection closed")

// Dial opens the control plane with the client's token and waits for the
// server's hello.
func (c *Client) Dial(ctx context.Context) (*Conn, error) {
	u := "ws" + strings.TrimPrefix(c.BaseURL, "http") + "/api/v1/ws"
	h := http.Header{}
	h.Set("Authorization", "Bearer "+c.Token)
	ws, resp, err := websocket.Dial(ctx, u, &websocket.DialOptions{HTTPClient: c.HTTP, HTTPHeader: h, CompressionMode: websocket.CompressionDisabled})
	if err != nil {
		if resp != nil && resp.StatusCode >= 300 {
			ae := &APIError{Status: resp.StatusCode, Code: "http_error", Message: resp.Status}
			var e struct{ Error, Code string }
			if resp.Body != nil && json.NewDecoder(resp.Body).Decode(&e) == nil && e.Code != "" {
				ae.Code, ae.Message = e.Code, e.Error
			}
			return nil, ae
		}
		return nil, fmt.Errorf("connect to %s: %w", u, err)
	}
	ws.SetReadLimit(1 << 20)
	conn := &Conn{ws: ws, waiting: map[string]chan reply{}, in: make(chan Message, 256), done: make(chan struct{})}
	// The hello comes first, before the reader starts routing.
	_, b, err := ws.Read(ctx)
	if err != nil {
		ws.CloseNow()
		return nil, fmt.Errorf("read hello: %w", err)
	}
	env, msg, err := protocol.Decode(b)
	if err != nil || env.Type != protocol.TypeHello {
		ws.CloseNow()
		return nil, fmt.Errorf("expected hello, got %s: %v", env.Type, err)
	}
	conn.Hello = *msg.(*protocol.Hello)
	go conn.read()
	return conn, nil
}

func (c *Conn) read() {
	defer close(c.done)
	defer close(c.in)
	for {
		_, b, err := c.ws.Read(context.Background())
		if err != nil {
			c.fail(err)
			return
		}
		env, msg, err := protocol.Decode(b)
		if err != nil {
			continue // a newer server's message we don't know; skip it
		}
		if env.ID != "" && (env.Type == protocol.TypeAck || env.Type == protocol.TypeError) {
			c.mu.Lock()
			ch := c.waiting[env.ID]
			delete(c.waiting, env.ID)
			c.mu.Unlock()
			if ch != nil {
				var rerr error
				if e, ok := msg.(*protocol.Error); ok {
					rerr = &APIError{Code: e.Code, Message: e.Error}
				}
				ch <- reply{env: env, err: rerr}
				continue
			}
		}
		c.in <- Message{Env: env, Msg: msg}
	}
}

func (c *Conn) fail(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err == nil {
		c.err = fmt.Errorf("%w: %v", ErrClosed, err)
	}
	for id, ch := range c.waiting {
		ch <- reply{err: c.err}
		delete(c.waiting, id)
	}
}

// Send sends a message without waiting for its ack.
func (c *Conn) Send(ctx context.Context, session string, msg protocol.Message) error {
	return c.write(ctx, protocol.Envelope{Session: session}, msg)
}

func (c *Conn) write(ctx context.Context, env protocol.Envelope, msg protocol.Message) error {
	b, err := protocol.Encode(env, msg)
	if err != nil {
		return err
	}
	if err := c.ws.Write(ctx, websocket.MessageText, b); err != nil {
		return fmt.Errorf("send %s: %w", msg.Type(), err)
	}
	return nil
}

// Request sends a message and waits for the server to apply it. The
// returned envelope is the ack (its Seq is the stored event's). A refusal
// is an *APIError with the server's code and message.
func (c *Conn) Request(ctx context.Context, session string, msg protocol.Message) (protocol.Envelope, error) {
	id := "r" + strconv.FormatInt(c.nextID.Add(1), 10)
	ch := make(chan reply, 1)
	c.mu.Lock()
	if c.err != nil {
		c.mu.Unlock()
		return protocol.Envelope{}, c.err
	}
	c.waiting[id] = ch
	c.mu.Unlock()
	if err := c.write(ctx, protocol.Envelope{ID: id, Session: session}, msg); err != nil {
		c.mu.Lock()
		delete(c.waiting, id)
		c.mu.Unlock()
		return protocol.Envelope{}, err
	}
	select {
	case r := <-ch:
		return r.env, r.err
	case <-ctx.Done():
		c.mu.Lock()
		delete(c.waiting, id)
		c.mu.Unlock()
		return protocol.Envelope{}, ctx.Err()
	}
}

// Recv returns the next message that is not a reply to a Request.
func (c *Conn) Recv(ctx context.Context) (Message, error) {
	select {
	case m, ok := <-c.in:
		if !ok {
			c.mu.Lock()
			defer c.mu.Unlock()
			return Message{}, c.err
		}
		return m, nil
	case <-ctx.Done():
		return Message{}, ctx.Err()
	}
}

// Messages is the channel Recv reads from, for select loops. It is closed
// when the connection ends.
func (c *Conn) Messages() <-chan Message { return c.in }

// Done is closed when the connection has ended.
func (c *Conn) Done() <-chan struct{} { return c.done }

// Err is why the connection ended.
func (c *Conn) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// Close closes the connection normally.
func (c *Conn) Close() error {
	return c.ws.Close(websocket.StatusNormalClosure, "")
}

// CloseNow drops the connection without a closing handshake, as a network
// failure would.
func (c *Conn) CloseNow() error { return c.ws.CloseNow() }
