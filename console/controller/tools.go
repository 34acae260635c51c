package controller

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"lifeline/shared/filetransfer/dcconn"
	"lifeline/shared/protocol"
	"lifeline/shared/toolwire"
	"lifeline/shared/transport"
)

// ErrDenied means the customer answered no.
var ErrDenied = errors.New("the customer did not allow it")

// toolsPeer is the console's second peer connection to the primary
// customer's agent: file transfer, system information and scripts, each
// on a channel of its own. It opens on the first tool used after a grant
// and lives until the customer or the session goes; stopping the screen
// sharing does not close it.
type toolsPeer struct {
	s        *Session
	customer string
	peer     *transport.Peer
	sig      signaller
	ctx      context.Context
	cancel   context.CancelFunc
	ready    chan struct{} // closed once the peer is up or failed
	err      error         // why it failed, once ready is closed
	once     sync.Once

	// open opens a channel on the peer (tests lose what one carries), and
	// handshake bounds each step of a request's handshake (see request).
	open      func(label string) (dcconn.Channel, error)
	handshake time.Duration
}

func (tp *toolsPeer) close() {
	tp.once.Do(func() {
		tp.cancel()
		if tp.peer != nil {
			_ = tp.peer.Close()
		}
	})
}

func (tp *toolsPeer) closed() bool { return tp.ctx.Err() != nil }

// tools returns the tools peer to the primary customer, opening it if
// needed, once it is up.
func (s *Session) tools(ctx context.Context) (*toolsPeer, error) {
	var tp *toolsPeer
	err := s.call(ctx, func(l *loop) error {
		if l.ended {
			return ErrEnded
		}
		p, ok := PrimaryCustomer(l.st)
		if !ok {
			return ErrNoCustomer
		}
		if l.tools != nil && !l.tools.closed() && l.tools.customer == p.ID {
			tp = l.tools
			return nil
		}
		if l.tools != nil {
			l.tools.close()
		}
		t, err := s.openTools(l, p.ID)
		tp = t
		return err
	})
	if err != nil {
		return nil, err
	}
	select {
	case <-tp.ready:
		return tp, tp.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// openTools dials the customer's agent with purpose "tools". It runs on
// the session's goroutine, so that the agent's signals find the peer.
func (s *Session) openTools(l *loop, customer string) (*toolsPeer, error) {
	ctx, cancel := context.WithCancel(context.Background())
	tp := &toolsPeer{s: s, customer: customer, ctx: ctx, cancel: cancel, ready: make(chan struct{}), handshake: handshake}
	tp.open = func(label string) (dcconn.Channel, error) { return tp.peer.OpenChannel(label) }
	tp.sig = signaller{stopped: tp.closed, send: func(sig transport.Signal) error {
		_, err := s.c.request(ctx, s.id, &protocol.Signal{To: customer, Kind: sig.Kind, SDP: sig.SDP, Candidate: sig.Candidate, Purpose: protocol.PurposeTools})
		return err
	}}
	opts := transport.Options{ICEServers: iceServers(l.st.ICEServers), LoopbackOnly: s.c.cfg.LoopbackOnly, Log: s.c.log}
	peer, err := transport.Dial(opts, tp.sig.relay)
	if err != nil {
		cancel()
		return nil, fmt.Errorf("could not open the connection for tools: %w", err)
	}
	tp.peer = peer
	l.tools = tp
	s.c.wg.Add(1)
	go func() {
		defer s.c.wg.Done()
		rctx, rcancel := context.WithTimeout(ctx, s.c.cfg.ReadyTimeout)
		err := peer.Ready(rctx)
		rcancel()
		if err != nil {
			tp.err = fmt.Errorf("the customer's agent did not open the connection for tools: %w", err)
			close(tp.ready)
			tp.close()
			return
		}
		close(tp.ready)
		select {
		case <-peer.Done():
		case <-ctx.Done():
		}
		tp.close()
	}()
	return tp, nil
}

// channel opens a tool channel and reads the agent's Status. A refusal by
// the agent is an error in its words.
func (tp *toolsPeer) channel(ctx context.Context, label string) (*dcconn.Conn, toolwire.Status, error) {
	ch, err := tp.open(label)
	if err != nil {
		return nil, toolwire.Status{}, fmt.Errorf("could not open a channel to the customer's agent: %w", err)
	}
	conn := dcconn.New(ch)
	var st toolwire.Status
	if err := toolwire.RecvJSON(ctx, conn, &st); err != nil {
		conn.Close()
		if errors.Is(err, dcconn.ErrClosed) {
			return nil, st, errors.New("the customer's agent refused the request")
		}
		return nil, st, fmt.Errorf("the customer's agent did not answer: %w", err)
	}
	if st.Error != "" {
		conn.Close()
		return nil, st, errors.New(st.Error)
	}
	return conn, st, nil
}

// handshake bounds each step of a request's handshake: the agent's
// answer on the new channel, and its Reply once the request arrived.
const handshake = 15 * time.Second

// errNoAnswer is a request's channel that stayed silent.
var errNoAnswer = errors.New("the customer's computer did not answer")

// request makes a request of the agent on a new channel labelled
// prefix+id: it waits for the agent's Status, sends the request (send,
// given the channel and the id), then waits for the agent's Reply that it
// took it, each step bounded by tp.handshake. A channel opened right after
// others closed has been seen to lose its first messages under load, so a
// silent channel is given up and the request made once more on a new one,
// under a new id: the agent uses a one-off grant up only for a request
// that arrived, so the grant still holds. On success the channel carries
// what the request brings and is the caller's to close.
func (s *Session) request(ctx context.Context, tp *toolsPeer, prefix, idPrefix string, send func(conn *dcconn.Conn, id string) error) (*dcconn.Conn, error) {
	for attempt := 1; ; attempt++ {
		conn, err := tp.handshakeOn(ctx, prefix, newID(idPrefix), send)
		if err == nil || attempt == 2 || !errors.Is(err, errNoAnswer) || ctx.Err() != nil {
			return conn, err
		}
		s.c.log.Warn("console: a tool channel did not answer; trying another", "label", prefix, "err", err)
	}
}

// handshakeOn is one attempt of request.
func (tp *toolsPeer) handshakeOn(ctx context.Context, prefix, id string, send func(conn *dcconn.Conn, id string) error) (*dcconn.Conn, error) {
	hctx, cancel := context.WithTimeout(ctx, tp.handshake)
	defer cancel()
	silent := func() bool { return hctx.Err() != nil && ctx.Err() == nil }
	conn, _, err := tp.channel(hctx, prefix+id)
	if err != nil {
		if silent() {
			return nil, fmt.Errorf("%w within %v", errNoAnswer, tp.handshake)
		}
		return nil, err
	}
	fail := func(err error) (*dcconn.Conn, error) {
		conn.Close()
		return nil, err
	}
	if err := send(conn, id); err != nil {
		return fail(err)
	}
	var r toolwire.Reply
	if err := toolwire.RecvJSON(hctx, conn, &r); err != nil {
		if silent() {
			return fail(fmt.Errorf("%w within %v", errNoAnswer, tp.handshake))
		}
		return fail(fmt.Errorf("the connection to the customer's computer ended: %w", err))
	}
	switch {
	case r.Error != "":
		return fail(errors.New(r.Error))
	case !r.Started:
		return fail(fmt.Errorf("%w: the customer's agent answered out of order", toolwire.ErrProtocol))
	}
	return conn, nil
}

// grant asks the customer for action unless denied; a refusal is ErrDenied.
func (s *Session) grant(ctx context.Context, action, detail string) error {
	ok, err := s.RequestConsent(ctx, action, detail)
	if err != nil {
		return err
	}
	if !ok {
		return ErrDenied
	}
	return nil
}

// signaller sends a peer's signals through the server, holding back the
// candidates gathered before the offer went out so the agent always sees
// the offer first.
type signaller struct {
	stopped func() bool
	send    func(transport.Signal) error

	mu        sync.Mutex
	offerSent bool
	early     []transport.Signal
}

func (g *signaller) relay(sig transport.Signal) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.stopped() {
		return errors.New("the connection is closed")
	}
	if sig.Kind == protocol.SignalCandidate && !g.offerSent {
		g.early = append(g.early, sig)
		return nil
	}
	if err := g.send(sig); err != nil {
		return err
	}
	if sig.Kind == protocol.SignalOffer {
		g.offerSent = true
		for _, c := range g.early {
			if err := g.send(c); err != nil {
				return fmt.Errorf("candidate not sent: %w", err)
			}
		}
		g.early = nil
	}
	return nil
}

// closeTools closes the tools peer and what runs on it (on the session's
// goroutine).
func (s *Session) closeTools(l *loop) {
	// Basic file transfer ends with the peer (its goroutine sees it).
	if l.tools != nil {
		l.tools.close()
		l.tools = nil
	}
}
