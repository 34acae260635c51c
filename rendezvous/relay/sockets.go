package relay

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/pion/logging"
	"github.com/pion/turn/v5"
)

// relayGenerator wraps pion's static or port-range generator so that every
// relay socket is recorded under the participant that owns the allocation.
// Closing a relay socket makes pion delete its allocation, which is how
// Revoke and the recheck loop cut a participant off.
type relayGenerator struct {
	inner    turn.RelayAddressGenerator
	reg      *registry
	ipv6     bool
	publicIP net.IP
}

func (g *relayGenerator) Validate() error { return g.inner.Validate() }

func (g *relayGenerator) checkFamily(network string) error {
	if strings.HasSuffix(network, "6") != g.ipv6 {
		return fmt.Errorf("relay: cannot serve a %s allocation: the relay's public address %s is of the other family", network, g.publicIP)
	}
	return nil
}

func (g *relayGenerator) AllocatePacketConn(conf turn.AllocateListenerConfig) (net.PacketConn, net.Addr, error) {
	if err := g.checkFamily(conf.Network); err != nil {
		return nil, nil, err
	}
	conn, addr, err := g.inner.AllocatePacketConn(conf)
	if err != nil {
		return nil, nil, err
	}
	rc := &relayPacketConn{PacketConn: conn}
	if rc.untrack = g.reg.add(conf.UserID, rc); rc.untrack == nil {
		conn.Close()
		return nil, nil, errShuttingDown
	}
	return rc, addr, nil
}

func (g *relayGenerator) AllocateListener(conf turn.AllocateListenerConfig) (net.Listener, net.Addr, error) {
	if err := g.checkFamily(conf.Network); err != nil {
		return nil, nil, err
	}
	ln, addr, err := g.inner.AllocateListener(conf)
	if err != nil {
		return nil, nil, err
	}
	rl := &relayListener{Listener: ln}
	if rl.untrack = g.reg.add(conf.UserID, rl); rl.untrack == nil {
		ln.Close()
		return nil, nil, errShuttingDown
	}
	return rl, addr, nil
}

func (g *relayGenerator) AllocateConn(conf turn.AllocateConnConfig) (net.Conn, error) {
	// Outgoing RFC 6062 connections belong to a relay listener; pion closes
	// them with its allocation.
	return g.inner.AllocateConn(conf)
}

// relayPacketConn is a UDP relay socket whose Close is idempotent and
// forgets it in the registry.
type relayPacketConn struct {
	net.PacketConn
	once    sync.Once
	untrack func()
}

func (c *relayPacketConn) Close() error {
	err := net.ErrClosed
	c.once.Do(func() {
		c.untrack()
		err = c.PacketConn.Close()
	})
	if errors.Is(err, net.ErrClosed) {
		// Closed by us (revocation) and then by pion's allocation cleanup.
		return nil
	}
	return err
}

// relayListener is the TCP (RFC 6062) counterpart of relayPacketConn.
type relayListener struct {
	net.Listener
	once    sync.Once
	untrack func()
}

func (l *relayListener) Close() error {
	err := net.ErrClosed
	l.once.Do(func() {
		l.untrack()
		err = l.Listener.Close()
	})
	if errors.Is(err, net.ErrClosed) {
		return nil
	}
	return err
}

// registry holds the open relay sockets by participant.
type registry struct {
	mu     sync.Mutex
	byUser map[string]map[io.Closer]struct{}
	closed bool
}

func newRegistry() *registry {
	return &registry{byUser: make(map[string]map[io.Closer]struct{})}
}

var errShuttingDown = errors.New("relay: shutting down")

// add records c under user and returns the function that forgets it, or nil
// after closeAll (the server is shutting down; the caller closes c).
func (r *registry) add(user string, c io.Closer) (untrack func()) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil
	}
	set := r.byUser[user]
	if set == nil {
		set = make(map[io.Closer]struct{})
		r.byUser[user] = set
	}
	set[c] = struct{}{}
	return func() {
		r.mu.Lock()
		defer r.mu.Unlock()
		if set := r.byUser[user]; set != nil {
			delete(set, c)
			if len(set) == 0 {
				delete(r.byUser, user)
			}
		}
	}
}

// participants returns the participants holding relay sockets.
func (r *registry) participants() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	ids := make([]string, 0, len(r.byUser))
	for id := range r.byUser {
		if id != "" {
			ids = append(ids, id)
		}
	}
	return ids
}

// closeParticipant closes user's relay sockets and returns how many.
func (r *registry) closeParticipant(user string) int {
	r.mu.Lock()
	list := make([]io.Closer, 0, len(r.byUser[user]))
	for c := range r.byUser[user] {
		list = append(list, c)
	}
	r.mu.Unlock()
	for _, c := range list {
		c.Close()
	}
	return len(list)
}

func (r *registry) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, set := range r.byUser {
		n += len(set)
	}
	return n
}

func (r *registry) closeAll() {
	r.mu.Lock()
	r.closed = true
	var list []io.Closer
	for _, set := range r.byUser {
		for c := range set {
			list = append(list, c)
		}
	}
	r.mu.Unlock()
	for _, c := range list {
		c.Close()
	}
}

// trackingListener is the TURN-over-TCP listener handed to pion. It records
// accepted connections so that Close can end them (pion only closes the
// listener), and it rides out temporary Accept errors such as running out of
// file descriptors (pion stops accepting for good on any error).
type trackingListener struct {
	net.Listener
	conns *connSet
	log   *slog.Logger
}

func (l *trackingListener) Accept() (net.Conn, error) {
	var delay time.Duration
	for {
		c, err := l.Listener.Accept()
		if err == nil {
			return l.conns.add(c), nil
		}
		var te interface{ Temporary() bool }
		if errors.Is(err, net.ErrClosed) || !errors.As(err, &te) || !te.Temporary() {
			return nil, err
		}
		if delay == 0 {
			delay = 5 * time.Millisecond
		} else if delay = 2 * delay; delay > time.Second {
			delay = time.Second
		}
		l.log.Warn("relay: TCP accept failed; retrying", "err", err, "delay", delay)
		time.Sleep(delay)
	}
}

// connSet holds the accepted TURN-over-TCP connections.
type connSet struct {
	mu     sync.Mutex
	conns  map[*trackedConn]struct{}
	closed bool
	log    *slog.Logger
}

func newConnSet(log *slog.Logger) *connSet {
	return &connSet{conns: make(map[*trackedConn]struct{}), log: log}
}

type trackedConn struct {
	net.Conn
	set  *connSet
	once sync.Once
}

func (c *trackedConn) Close() error {
	err := net.ErrClosed
	c.once.Do(func() {
		c.set.mu.Lock()
		delete(c.set.conns, c)
		c.set.mu.Unlock()
		err = c.Conn.Close()
	})
	return err
}

func (s *connSet) add(c net.Conn) net.Conn {
	tc := &trackedConn{Conn: c, set: s}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		c.Close()
		return tc
	}
	s.conns[tc] = struct{}{}
	return tc
}

func (s *connSet) closeAll() {
	s.mu.Lock()
	s.closed = true
	list := make([]*trackedConn, 0, len(s.conns))
	for c := range s.conns {
		list = append(list, c)
	}
	s.mu.Unlock()
	for _, c := range list {
		c.Close()
	}
}

// pionLoggerFactory sends pion/turn's log to slog. pion logs at Info for
// every datagram a relay socket drops for want of a permission, so its Info
// becomes Debug; Trace becomes a level below Debug.
type pionLoggerFactory struct{ log *slog.Logger }

func (f pionLoggerFactory) NewLogger(scope string) logging.LeveledLogger {
	return pionLogger{f.log.With("pion", scope)}
}

const levelTrace = slog.LevelDebug - 4

type pionLogger struct{ l *slog.Logger }

func (p pionLogger) logf(level slog.Level, format string, args ...any) {
	ctx := context.Background()
	if !p.l.Enabled(ctx, level) {
		return // spare the Sprintf: pion logs per packet at Debug
	}
	p.l.Log(ctx, level, fmt.Sprintf(format, args...))
}

func (p pionLogger) Trace(msg string)                  { p.logf(levelTrace, "%s", msg) }
func (p pionLogger) Tracef(format string, args ...any) { p.logf(levelTrace, format, args...) }
func (p pionLogger) Debug(msg string)                  { p.logf(slog.LevelDebug, "%s", msg) }
func (p pionLogger) Debugf(format string, args ...any) { p.logf(slog.LevelDebug, format, args...) }
func (p pionLogger) Info(msg string)                   { p.logf(slog.LevelDebug, "%s", msg) }
func (p pionLogger) Infof(format string, args ...any)  { p.logf(slog.LevelDebug, format, args...) }
func (p pionLogger) Warn(msg string)                   { p.logf(slog.LevelWarn, "%s", msg) }
func (p pionLogger) Warnf(format string, args ...any)  { p.logf(slog.LevelWarn, format, args...) }
func (p pionLogger) Error(msg string)                  { p.logf(slog.LevelError, "%s", msg) }
func (p pionLogger) Errorf(format string, args ...any) { p.logf(slog.LevelError, format, args...) }
