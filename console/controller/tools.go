package controller

import (
	"context"
	"errors"
	"fmt"
	"sync"

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
	tp := &toolsPeer{s: s, customer: customer, ctx: ctx, cancel: cancel, ready: make(chan struct{})}
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
	ch, err := tp.peer.OpenChannel(label)
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
