// Package relay is the rendezvous server's TURN relay (RFC 8656), built on
// pion/turn. It carries a session's media and data when the CSR console and
// the customer agent find no direct path.
//
// Clients authenticate with short-lived credentials in the TURN REST API form
// (see Credentials) that the rendezvous hands only to participants of a live
// session. On every authenticated TURN request, and periodically for
// allocations that already exist, the relay asks the rendezvous (through
// Server.Allowed) whether the participant is still present; once it is not,
// its requests are refused and its relay sockets are closed.
package relay

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/pion/turn/v5"
)

// DefaultRealm is used when Server.Realm is empty.
const DefaultRealm = "lifeline"

// DefaultRecheckInterval is used when Server.RecheckInterval is 0.
const DefaultRecheckInterval = 10 * time.Second

// Server is a TURN relay. Set the exported fields, then call Start; the
// fields must not be changed afterwards.
type Server struct {
	// ListenUDP and ListenTCP are the addresses to listen on for TURN over
	// UDP and TURN over TCP, e.g. ":3478". Empty means not listening on that
	// transport; at least one is needed. Relay sockets are bound to the same
	// IP as the listener (all interfaces when it listens on all interfaces).
	ListenUDP, ListenTCP string

	// PublicIP is the address put in relayed candidates: the one peers can
	// reach the relay sockets at. It decides the address family of
	// allocations (an IPv4 PublicIP serves IPv4 allocations only). It may be
	// nil only when the listeners are bound to one specific IP, which is then
	// used.
	PublicIP net.IP

	// Realm is the TURN realm; DefaultRealm when empty.
	Realm string

	// Secret is the HMAC key of the credentials (see Credentials). Required.
	Secret []byte

	// Allowed reports whether participantID may use the relay now (still
	// present in a live session). Required. It is called from several
	// goroutines, on every authenticated TURN request and every
	// RecheckInterval for each participant holding an allocation. pion/turn
	// asks for the key before it checks the message's integrity, so Allowed
	// also runs for requests that turn out to be forged: keep it a cheap
	// in-memory lookup.
	Allowed func(participantID string) bool

	// Logger receives the relay's log; slog.Default() when nil. pion/turn's
	// own messages are logged at Debug (its Info is per-packet chatter),
	// Warn and Error.
	Logger *slog.Logger

	// RelayMinPort and RelayMaxPort, when both set, confine relay sockets to
	// that range (inclusive), e.g. to match a firewall rule. 0 = any port.
	RelayMinPort, RelayMaxPort uint16

	// RecheckInterval is how often participants holding allocations are
	// checked against Allowed; those no longer allowed have their relay
	// sockets closed. 0 means DefaultRecheckInterval, negative never (then
	// an allocation lives on until it is not refreshed, at most its
	// lifetime, unless Revoke is called).
	RecheckInterval time.Duration

	// PeerAllowed reports whether clients may relay to peer; nil means
	// DefaultPeerAllowed.
	PeerAllowed func(peer net.IP) bool

	mu      sync.Mutex
	started bool
	closed  bool
	log     *slog.Logger
	realm   string
	turn    *turn.Server
	udp     net.PacketConn
	tcp     net.Listener
	relays  *registry
	conns   *connSet
	stop    chan struct{}
	wg      sync.WaitGroup
}

// DefaultPeerAllowed refuses to relay to addresses that are never a remote
// peer but could reach services on the relay host or its network:
// loopback, unspecified and "this network" (0.0.0.0/8), link-local (which
// includes cloud metadata services such as 169.254.169.254), multicast and
// the IPv4 broadcast address. Private (RFC 1918, ULA) addresses are allowed,
// so that a relay inside a LAN can serve it.
func DefaultPeerAllowed(peer net.IP) bool {
	if ip4 := peer.To4(); ip4 != nil {
		if ip4[0] == 0 || ip4.Equal(net.IPv4bcast) {
			return false
		}
		peer = ip4
	}
	return !(peer.IsLoopback() || peer.IsUnspecified() || peer.IsLinkLocalUnicast() ||
		peer.IsMulticast() || peer.IsLinkLocalMulticast() || peer.IsInterfaceLocalMulticast())
}

// Start validates the configuration, binds the listeners and starts serving.
func (s *Server) Start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.closed:
		return errors.New("relay: server closed")
	case s.started:
		return errors.New("relay: already started")
	}
	if err := s.validate(); err != nil {
		return err
	}

	s.log = s.Logger
	if s.log == nil {
		s.log = slog.Default()
	}
	s.log = s.log.With("component", "relay")
	s.realm = s.Realm
	if s.realm == "" {
		s.realm = DefaultRealm
	}
	s.relays = newRegistry()
	s.conns = newConnSet(s.log)
	peerAllowed := s.PeerAllowed
	if peerAllowed == nil {
		peerAllowed = DefaultPeerAllowed
	}
	permission := func(client net.Addr, peer net.IP) bool {
		if peerAllowed(peer) {
			return true
		}
		s.log.Info("relay: refused permission to peer", "client", client.String(), "peer", peer.String())
		return false
	}

	var (
		cfg      turn.ServerConfig
		udp      net.PacketConn
		tcp      net.Listener
		publicIP = normalizeIP(s.PublicIP)
		cleanup  = func() {
			if udp != nil {
				udp.Close()
			}
			if tcp != nil {
				tcp.Close()
			}
		}
	)
	if s.ListenUDP != "" {
		var err error
		if udp, err = net.ListenPacket("udp", s.ListenUDP); err != nil {
			return fmt.Errorf("relay: TURN over UDP: %w", err)
		}
		gen, err := s.relayGenerator(udp.LocalAddr(), publicIP)
		if err != nil {
			cleanup()
			return err
		}
		cfg.PacketConnConfigs = []turn.PacketConnConfig{{
			PacketConn:            udp,
			RelayAddressGenerator: gen,
			PermissionHandler:     permission,
		}}
	}
	if s.ListenTCP != "" {
		ln, err := net.Listen("tcp", s.ListenTCP)
		if err != nil {
			cleanup()
			return fmt.Errorf("relay: TURN over TCP: %w", err)
		}
		tcp = &trackingListener{Listener: ln, conns: s.conns, log: s.log}
		gen, err := s.relayGenerator(ln.Addr(), publicIP)
		if err != nil {
			cleanup()
			return err
		}
		cfg.ListenerConfigs = []turn.ListenerConfig{{
			Listener:              tcp,
			RelayAddressGenerator: gen,
			PermissionHandler:     permission,
		}}
	}

	cfg.Realm = s.realm
	cfg.AuthHandler = s.authenticate
	cfg.LoggerFactory = pionLoggerFactory{s.log}
	cfg.EventHandler = s.eventHandler()
	// With an IPv4 public address, a request without REQUESTED-ADDRESS-FAMILY
	// gets IPv4 (RFC 6156) even when it arrived over IPv6; pion's default
	// would follow the family the request arrived in, which we could not
	// serve. Without PublicIP the listeners are on one specific IP each, and
	// following it is right.
	cfg.StrictAddressFamily = publicIP != nil && publicIP.To4() != nil

	ts, err := turn.NewServer(cfg)
	if err != nil {
		cleanup()
		return fmt.Errorf("relay: start TURN server: %w", err)
	}

	s.turn, s.udp, s.tcp = ts, udp, tcp
	s.started = true
	s.stop = make(chan struct{})
	interval := s.RecheckInterval
	if interval == 0 {
		interval = DefaultRecheckInterval
	}
	if interval > 0 {
		s.wg.Add(1)
		go s.recheckLoop(interval)
	}

	attrs := []any{"realm", s.realm}
	if udp != nil {
		attrs = append(attrs, "udp", udp.LocalAddr().String())
	}
	if tcp != nil {
		attrs = append(attrs, "tcp", tcp.Addr().String())
	}
	if publicIP != nil {
		attrs = append(attrs, "public_ip", publicIP.String())
	}
	s.log.Info("relay: listening", attrs...)
	return nil
}

func (s *Server) validate() error {
	switch {
	case len(s.Secret) == 0:
		return errors.New("relay: Secret is required")
	case s.Allowed == nil:
		return errors.New("relay: Allowed is required")
	case s.ListenUDP == "" && s.ListenTCP == "":
		return errors.New("relay: nothing to listen on (set ListenUDP and/or ListenTCP)")
	case (s.RelayMinPort == 0) != (s.RelayMaxPort == 0):
		return errors.New("relay: set both RelayMinPort and RelayMaxPort, or neither")
	case s.RelayMinPort > s.RelayMaxPort:
		return fmt.Errorf("relay: RelayMinPort %d is above RelayMaxPort %d", s.RelayMinPort, s.RelayMaxPort)
	case s.PublicIP != nil && (s.PublicIP.To16() == nil || s.PublicIP.IsUnspecified()):
		return fmt.Errorf("relay: PublicIP %v is not a usable address", s.PublicIP)
	}
	if s.PublicIP == nil {
		for _, addr := range []string{s.ListenUDP, s.ListenTCP} {
			if addr == "" {
				continue
			}
			host, _, err := net.SplitHostPort(addr)
			if ip := net.ParseIP(host); err != nil || ip == nil || ip.IsUnspecified() {
				return fmt.Errorf("relay: PublicIP is required unless listening on one specific IP address (listening on %q)", addr)
			}
		}
	}
	return nil
}

func normalizeIP(ip net.IP) net.IP {
	if ip4 := ip.To4(); ip4 != nil {
		return ip4
	}
	return ip
}

// relayGenerator returns the generator of relay sockets for a listener bound
// to local: sockets are bound to the listener's IP (or all interfaces of
// publicIP's family when the listener is on all interfaces) and advertised
// as publicIP (or the listener's IP when publicIP is nil).
func (s *Server) relayGenerator(local net.Addr, publicIP net.IP) (turn.RelayAddressGenerator, error) {
	var bindIP net.IP
	switch a := local.(type) {
	case *net.UDPAddr:
		bindIP = a.IP
	case *net.TCPAddr:
		bindIP = a.IP
	}
	bindIP = normalizeIP(bindIP)
	if publicIP == nil {
		if bindIP == nil || bindIP.IsUnspecified() {
			return nil, fmt.Errorf("relay: PublicIP is required (listening on %s)", local)
		}
		publicIP = bindIP
	}
	ipv6 := publicIP.To4() == nil
	if bindIP == nil || bindIP.IsUnspecified() || (bindIP.To4() == nil) != ipv6 {
		if ipv6 {
			bindIP = net.IPv6unspecified
		} else {
			bindIP = net.IPv4zero.To4()
		}
	}

	var inner turn.RelayAddressGenerator
	if s.RelayMinPort != 0 {
		inner = &turn.RelayAddressGeneratorPortRange{
			RelayAddress: publicIP,
			Address:      bindIP.String(),
			MinPort:      s.RelayMinPort,
			MaxPort:      s.RelayMaxPort,
		}
	} else {
		inner = &turn.RelayAddressGeneratorStatic{
			RelayAddress: publicIP,
			Address:      bindIP.String(),
		}
	}
	return &relayGenerator{inner: inner, reg: s.relays, ipv6: ipv6, publicIP: publicIP}, nil
}

// Addrs returns the addresses the listeners are bound to (nil for a
// transport not listened on, or before Start).
func (s *Server) Addrs() (udp, tcp net.Addr) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.udp != nil {
		udp = s.udp.LocalAddr()
	}
	if s.tcp != nil {
		tcp = s.tcp.Addr()
	}
	return udp, tcp
}

// Revoke closes every relay allocation held by participantID now, without
// waiting for the next recheck, and returns how many there were. Call it when
// a participant leaves or is removed; Allowed must already report false for
// it, or the client may simply allocate again.
func (s *Server) Revoke(participantID string) int {
	s.mu.Lock()
	reg := s.relays
	s.mu.Unlock()
	if reg == nil {
		return 0
	}
	n := reg.closeParticipant(participantID)
	if n > 0 {
		s.log.Info("relay: revoked allocations", "participant", participantID, "allocations", n)
	}
	return n
}

// Close stops listening, closes every allocation and TURN-over-TCP
// connection, and stops the recheck loop. It is safe to call more than once.
func (s *Server) Close() error {
	s.mu.Lock()
	if !s.started || s.closed {
		s.closed = true
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	ts := s.turn
	s.mu.Unlock()

	close(s.stop)
	s.wg.Wait()
	// pion closes the listeners we gave it, but neither the TCP connections
	// already accepted nor (synchronously) the allocations' relay sockets.
	err := ts.Close()
	s.conns.closeAll()
	s.relays.closeAll()
	s.log.Info("relay: closed")
	if err != nil {
		return fmt.Errorf("relay: close: %w", err)
	}
	return nil
}

// authenticate is the pion/turn AuthHandler. pion calls it for every request
// that carries MESSAGE-INTEGRITY (Allocate, Refresh, CreatePermission,
// ChannelBind; also TCP Connect/ConnectionBind) with the USERNAME and REALM
// of the request, before checking the integrity; it returns the user ID that
// pion associates with the allocation and the long-term key
// MD5(username:realm:password) the integrity must match.
func (s *Server) authenticate(ra *turn.RequestAttributes) (userID string, key []byte, ok bool) {
	expires, participant, ok := parseUsername(ra.Username)
	if !ok {
		s.log.Info("relay: refused malformed username", "username", ra.Username, "client", addrString(ra.SrcAddr), "method", ra.Method.String())
		return "", nil, false
	}
	if !time.Now().Before(expires) {
		s.log.Info("relay: refused expired credentials", "participant", participant,
			"expired", expires.UTC().Format(time.RFC3339), "client", addrString(ra.SrcAddr), "method", ra.Method.String())
		return "", nil, false
	}
	if !s.Allowed(participant) {
		s.log.Info("relay: refused participant not in a live session", "participant", participant,
			"client", addrString(ra.SrcAddr), "method", ra.Method.String())
		return "", nil, false
	}
	return participant, turn.GenerateAuthKey(ra.Username, s.realm, credentialPassword(s.Secret, ra.Username)), true
}

func (s *Server) eventHandler() turn.EventHandler {
	return turn.EventHandler{
		OnAuth: func(src, dst net.Addr, _, username, _, method string, verdict bool) {
			if !verdict {
				// The username and expiry were fine but the password was not.
				s.log.Info("relay: refused wrong password", "username", username,
					"client", addrString(src), "transport", addrNetwork(dst), "method", method)
			}
		},
		OnAllocationCreated: func(src, dst net.Addr, _, userID, _ string, relayAddr net.Addr, _ int) {
			s.log.Info("relay: allocation created", "participant", userID,
				"client", addrString(src), "transport", addrNetwork(dst), "relay", addrString(relayAddr))
		},
		OnAllocationDeleted: func(src, dst net.Addr, _, userID, _ string) {
			s.log.Info("relay: allocation deleted", "participant", userID,
				"client", addrString(src), "transport", addrNetwork(dst))
		},
	}
}

func addrString(a net.Addr) string {
	if a == nil {
		return ""
	}
	return a.String()
}

// addrNetwork tells TURN over UDP from TURN over TCP by the server-side
// address (pion reports "UDP" as the protocol of both).
func addrNetwork(a net.Addr) string {
	if a == nil {
		return ""
	}
	return strings.ToLower(a.Network())
}

func (s *Server) recheckLoop(interval time.Duration) {
	defer s.wg.Done()
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
		}
		for _, id := range s.relays.participants() {
			if s.Allowed(id) {
				continue
			}
			if n := s.relays.closeParticipant(id); n > 0 {
				s.log.Info("relay: participant left; closed its allocations", "participant", id, "allocations", n)
			}
		}
	}
}
