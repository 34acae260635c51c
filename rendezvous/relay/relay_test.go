package relay

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha1" //nolint:gosec
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pion/logging"
	"github.com/pion/stun/v4"
	"github.com/pion/turn/v5"
)

var testSecret = []byte("0123456789abcdef-test-secret")

func TestCredentials(t *testing.T) {
	now := time.Unix(1_700_000_000, 600_000_000)
	user, pass, exp := Credentials(testSecret, "p-42", 90*time.Second, now)
	if want := "1700000090:p-42"; user != want {
		t.Fatalf("username %q, want %q", user, want)
	}
	if !exp.Equal(time.Unix(1_700_000_090, 0)) {
		t.Fatalf("expires %v", exp)
	}
	mac := hmac.New(sha1.New, testSecret)
	mac.Write([]byte(user))
	if want := base64.StdEncoding.EncodeToString(mac.Sum(nil)); pass != want {
		t.Fatalf("password %q, want %q", pass, want)
	}

	// pion's own TURN REST handler derives the same key from our username,
	// so any TURN REST server (coturn's use-auth-secret too) accepts them.
	user, pass, _ = Credentials(testSecret, "p:with:colons", time.Hour, time.Now())
	pionAuth := turn.LongTermTURNRESTAuthHandler(string(testSecret), logging.NewDefaultLoggerFactory().NewLogger("test"))
	_, pionKey, ok := pionAuth(&turn.RequestAttributes{Username: user, Realm: DefaultRealm})
	if !ok || !bytes.Equal(pionKey, turn.GenerateAuthKey(user, DefaultRealm, pass)) {
		t.Fatal("pion's TURN REST auth handler disagrees with Credentials")
	}
}

func TestParseUsername(t *testing.T) {
	tests := []struct {
		in   string
		id   string
		exp  int64
		okay bool
	}{
		{"1700000000:abc", "abc", 1700000000, true},
		{"1700000000:a:b:c", "a:b:c", 1700000000, true},
		{"1700000000:", "", 0, false},
		{"1700000000", "", 0, false},
		{":abc", "", 0, false},
		{"x:abc", "", 0, false},
		{"-5:abc", "", 0, false},
		{"0:abc", "", 0, false},
		{"", "", 0, false},
	}
	for _, tc := range tests {
		exp, id, ok := parseUsername(tc.in)
		if ok != tc.okay || id != tc.id || (ok && exp.Unix() != tc.exp) {
			t.Errorf("parseUsername(%q) = %v, %q, %v", tc.in, exp, id, ok)
		}
	}
}

func TestICEServers(t *testing.T) {
	tests := []struct {
		host     string
		udp, tcp int
		want     []string
	}{
		{"relay.example.com", 3478, 3478, []string{"turn:relay.example.com:3478?transport=udp", "turn:relay.example.com:3478?transport=tcp"}},
		{"192.0.2.1", 3478, 443, []string{"turn:192.0.2.1:3478?transport=udp", "turn:192.0.2.1:443?transport=tcp"}},
		{"2001:db8::1", 3478, 0, []string{"turn:[2001:db8::1]:3478?transport=udp"}},
		{"[2001:db8::1]", 0, 3478, []string{"turn:[2001:db8::1]:3478?transport=tcp"}},
		{"relay.example.com", 0, 0, nil},
	}
	for _, tc := range tests {
		got := ICEServers(tc.host, tc.udp, tc.tcp, "u", "p")
		if tc.want == nil {
			if got != nil {
				t.Errorf("ICEServers(%q, 0, 0) = %v, want nil", tc.host, got)
			}
			continue
		}
		if len(got) != 1 || strings.Join(got[0].URLs, " ") != strings.Join(tc.want, " ") ||
			got[0].Username != "u" || got[0].Credential != "p" {
			t.Errorf("ICEServers(%q, %d, %d) = %+v, want URLs %v", tc.host, tc.udp, tc.tcp, got, tc.want)
		}
	}

	b, err := json.Marshal(ICEServers("192.0.2.1", 3478, 0, "u", "p"))
	if err != nil {
		t.Fatal(err)
	}
	if want := `[{"urls":["turn:192.0.2.1:3478?transport=udp"],"username":"u","credential":"p"}]`; string(b) != want {
		t.Fatalf("JSON %s, want %s", b, want)
	}
	b, _ = json.Marshal(ICEServer{URLs: []string{"stun:x:3478"}})
	if want := `{"urls":["stun:x:3478"]}`; string(b) != want {
		t.Fatalf("JSON %s, want %s", b, want)
	}
}

func TestDefaultPeerAllowed(t *testing.T) {
	tests := map[string]bool{
		"203.0.113.9":      true,
		"10.1.2.3":         true,
		"192.168.1.20":     true,
		"2001:db8::5":      true,
		"fd00::1":          true,
		"127.0.0.1":        false,
		"127.9.9.9":        false,
		"::1":              false,
		"::ffff:127.0.0.1": false,
		"0.0.0.0":          false,
		"0.1.2.3":          false,
		"::":               false,
		"169.254.169.254":  false,
		"fe80::1":          false,
		"224.0.0.251":      false,
		"ff02::1":          false,
		"255.255.255.255":  false,
	}
	for ip, want := range tests {
		if got := DefaultPeerAllowed(net.ParseIP(ip)); got != want {
			t.Errorf("DefaultPeerAllowed(%s) = %v, want %v", ip, got, want)
		}
	}
}

func TestStartErrors(t *testing.T) {
	busy, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	allowed := func(string) bool { return true }
	lo := net.IPv4(127, 0, 0, 1)

	tests := []struct {
		name    string
		s       *Server
		wantErr string
	}{
		{"no secret", &Server{ListenUDP: "127.0.0.1:0", PublicIP: lo, Allowed: allowed}, "Secret is required"},
		{"no Allowed", &Server{ListenUDP: "127.0.0.1:0", PublicIP: lo, Secret: testSecret}, "Allowed is required"},
		{"no listener", &Server{PublicIP: lo, Secret: testSecret, Allowed: allowed}, "nothing to listen on"},
		{"half range", &Server{ListenUDP: "127.0.0.1:0", PublicIP: lo, Secret: testSecret, Allowed: allowed, RelayMinPort: 50000}, "both RelayMinPort and RelayMaxPort"},
		{"inverted range", &Server{ListenUDP: "127.0.0.1:0", PublicIP: lo, Secret: testSecret, Allowed: allowed, RelayMinPort: 50010, RelayMaxPort: 50000}, "above RelayMaxPort"},
		{"no public IP on all interfaces", &Server{ListenUDP: ":0", Secret: testSecret, Allowed: allowed}, "PublicIP is required"},
		{"unspecified public IP", &Server{ListenUDP: "127.0.0.1:0", PublicIP: net.IPv4zero, Secret: testSecret, Allowed: allowed}, "not a usable address"},
		{"UDP port in use", &Server{ListenUDP: busy.LocalAddr().String(), PublicIP: lo, Secret: testSecret, Allowed: allowed}, "relay: TURN over UDP: listen udp " + busy.LocalAddr().String()},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.s.Start()
			if err == nil {
				tc.s.Close()
				t.Fatal("Start succeeded")
			}
			if !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("err = %v, want one containing %q", err, tc.wantErr)
			}
		})
	}

	// A failed TCP listen releases the UDP socket already bound.
	tcpBusy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer tcpBusy.Close()
	s := &Server{ListenUDP: "127.0.0.1:0", ListenTCP: tcpBusy.Addr().String(), PublicIP: lo, Secret: testSecret, Allowed: allowed}
	if err := s.Start(); err == nil || !strings.Contains(err.Error(), "relay: TURN over TCP: listen tcp") {
		t.Fatalf("err = %v", err)
	}
	if u, tc := s.Addrs(); u != nil || tc != nil {
		t.Fatalf("Addrs after failed Start = %v, %v", u, tc)
	}
}

func TestStartTwiceAndClose(t *testing.T) {
	s := &Server{ListenUDP: "127.0.0.1:0", Secret: testSecret, Allowed: func(string) bool { return true },
		Logger: testLogger(t)} // PublicIP defaults to the listener's IP
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err == nil {
		t.Fatal("second Start succeeded")
	}
	u, tc := s.Addrs()
	if ua, ok := u.(*net.UDPAddr); !ok || ua.Port == 0 || !ua.IP.Equal(net.IPv4(127, 0, 0, 1)) || tc != nil {
		t.Fatalf("Addrs = %v, %v", u, tc)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err == nil {
		t.Fatal("Start after Close succeeded")
	}
}

func TestAuthenticate(t *testing.T) {
	var allowed sync.Map
	allowed.Store("in", true)
	s := &Server{Secret: testSecret, Allowed: func(id string) bool { _, ok := allowed.Load(id); return ok },
		Logger: testLogger(t), realm: DefaultRealm}
	s.log = s.Logger

	now := time.Now()
	good, goodPass, _ := Credentials(testSecret, "in", time.Minute, now)
	expired, _, _ := Credentials(testSecret, "in", -time.Second, now)
	outsider, _, _ := Credentials(testSecret, "out", time.Minute, now)

	tests := []struct {
		name, username string
		ok             bool
	}{
		{"valid", good, true},
		{"expired", expired, false},
		{"not allowed", outsider, false},
		{"malformed", "in", false},
	}
	for _, tc := range tests {
		id, key, ok := s.authenticate(&turn.RequestAttributes{Username: tc.username, Realm: DefaultRealm,
			SrcAddr: &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1}, Method: stun.MethodAllocate})
		if ok != tc.ok {
			t.Errorf("%s: ok = %v", tc.name, ok)
			continue
		}
		if ok && (id != "in" || !bytes.Equal(key, turn.GenerateAuthKey(good, DefaultRealm, goodPass))) {
			t.Errorf("%s: id %q, key mismatch", tc.name, id)
		}
	}
}

// --- live tests over loopback -------------------------------------------

type env struct {
	s       *Server
	allowed sync.Map // participant ID -> struct{}
}

func newEnv(t *testing.T, configure func(*Server)) *env {
	t.Helper()
	e := &env{}
	e.s = &Server{
		ListenUDP:   "127.0.0.1:0",
		ListenTCP:   "127.0.0.1:0",
		PublicIP:    net.IPv4(127, 0, 0, 1),
		Secret:      testSecret,
		Allowed:     func(id string) bool { _, ok := e.allowed.Load(id); return ok },
		Logger:      testLogger(t),
		PeerAllowed: func(net.IP) bool { return true }, // the test peers are on loopback
	}
	if configure != nil {
		configure(e.s)
	}
	if err := e.s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := e.s.Close(); err != nil {
			t.Error(err)
		}
	})
	return e
}

// client is a pion TURN client over UDP (tcp=false) or TCP.
type client struct {
	c    *turn.Client
	conn net.PacketConn
}

func (e *env) client(t *testing.T, tcp bool, username, password string) *client {
	t.Helper()
	udpAddr, tcpAddr := e.s.Addrs()
	var (
		conn   net.PacketConn
		server string
	)
	if tcp {
		server = tcpAddr.String()
		d := net.Dialer{Timeout: 3 * time.Second}
		c, err := d.Dial("tcp", server)
		if err != nil {
			t.Fatal(err)
		}
		conn = turn.NewSTUNConn(c)
	} else {
		server = udpAddr.String()
		c, err := net.ListenPacket("udp4", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		conn = c
	}
	tc, err := turn.NewClient(&turn.ClientConfig{
		STUNServerAddr: server,
		TURNServerAddr: server,
		Conn:           conn,
		Username:       username,
		Password:       password,
		RTO:            200 * time.Millisecond,
		LoggerFactory:  pionLoggerFactory{testLogger(t)},
	})
	if err != nil {
		conn.Close()
		t.Fatal(err)
	}
	if err := tc.Listen(); err != nil {
		conn.Close()
		t.Fatal(err)
	}
	cl := &client{c: tc, conn: conn}
	t.Cleanup(func() {
		tc.Close()
		conn.Close()
	})
	return cl
}

func (cl *client) allocate(t *testing.T) (net.PacketConn, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	relayConn, err := cl.c.AllocateWithContext(ctx)
	if err == nil {
		t.Cleanup(func() { relayConn.Close() })
	}
	return relayConn, err
}

// participant is a client with valid credentials for id.
func (e *env) participant(t *testing.T, tcp bool, id string) *client {
	t.Helper()
	u, p := e.creds(id, time.Minute)
	return e.client(t, tcp, u, p)
}

func (e *env) creds(id string, ttl time.Duration) (string, string) {
	u, p, _ := Credentials(testSecret, id, ttl, time.Now())
	return u, p
}

// roundTrip relays a datagram from the relayed address to a peer socket on
// 127.0.0.1 and one back, proving that the relay relays.
func roundTrip(t *testing.T, relayConn net.PacketConn) {
	t.Helper()
	peer, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer peer.Close()

	relayed := relayConn.LocalAddr().(*net.UDPAddr)
	if !relayed.IP.Equal(net.IPv4(127, 0, 0, 1)) || relayed.Port == 0 {
		t.Fatalf("relayed address %v, want 127.0.0.1:port", relayed)
	}

	// Client -> relay -> peer. The first write also creates the permission.
	// (Payloads are longer than 4 bytes: pion's STUNConn, which frames TURN
	// over TCP, does not deliver an 8-byte ChannelData frame until more
	// bytes follow. Real traffic - STUN, DTLS, SRTP - is always longer.)
	if _, err := relayConn.WriteTo([]byte("ping from client"), peer.LocalAddr()); err != nil {
		t.Fatalf("write through relay: %v", err)
	}
	buf := make([]byte, 1500)
	_ = peer.SetReadDeadline(time.Now().Add(3 * time.Second))
	n, from, err := peer.ReadFrom(buf)
	if err != nil {
		t.Fatalf("peer did not get the relayed datagram: %v", err)
	}
	if string(buf[:n]) != "ping from client" || from.String() != relayed.String() {
		t.Fatalf("peer got %q from %v, want the client's datagram from %v", buf[:n], from, relayed)
	}

	// Peer -> relay -> client.
	if _, err := peer.WriteTo([]byte("pong from peer"), from); err != nil {
		t.Fatal(err)
	}
	_ = relayConn.SetReadDeadline(time.Now().Add(3 * time.Second))
	n, from, err = relayConn.ReadFrom(buf)
	if err != nil {
		t.Fatalf("client did not get the peer's datagram: %v", err)
	}
	if string(buf[:n]) != "pong from peer" || from.String() != peer.LocalAddr().String() {
		t.Fatalf("client got %q from %v, want the peer's datagram from %v", buf[:n], from, peer.LocalAddr())
	}
}

func wantUnauthorized(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		t.Fatal("allocation succeeded, want 401")
	}
	var te *stun.TurnError
	if !errors.As(err, &te) || te.ErrorCodeAttr.Code != stun.CodeUnauthorized {
		t.Fatalf("err = %v, want a 401 TURN error", err)
	}
}

func TestRelayUDP(t *testing.T) {
	e := newEnv(t, nil)
	e.allowed.Store("agent-1", struct{}{})
	cl := e.participant(t, false, "agent-1")
	relayConn, err := cl.allocate(t)
	if err != nil {
		t.Fatalf("allocate: %v", err)
	}
	roundTrip(t, relayConn)
	if n := e.s.turn.AllocationCount(); n != 1 {
		t.Fatalf("AllocationCount = %d, want 1", n)
	}
}

func TestRelayTCP(t *testing.T) {
	e := newEnv(t, nil)
	e.allowed.Store("console-7", struct{}{})
	cl := e.participant(t, true, "console-7")
	relayConn, err := cl.allocate(t)
	if err != nil {
		t.Fatalf("allocate over TCP: %v", err)
	}
	roundTrip(t, relayConn)
}

func TestRefused(t *testing.T) {
	e := newEnv(t, nil)
	e.allowed.Store("agent-1", struct{}{})

	tests := []struct {
		name     string
		tcp      bool
		username string
		password string
	}{
		{"expired", false, "", ""},
		{"wrong password", false, "", "wrong"},
		{"not allowed", false, "", ""},
		{"not allowed over TCP", true, "", ""},
		{"malformed username", false, "agent-1", ""},
	}
	expU, expP := e.creds("agent-1", -time.Second)
	okU, _ := e.creds("agent-1", time.Minute)
	outU, outP := e.creds("stranger", time.Minute)
	tests[0].username, tests[0].password = expU, expP
	tests[1].username = okU
	tests[2].username, tests[2].password = outU, outP
	tests[3].username, tests[3].password = outU, outP
	tests[4].password = credentialPassword(testSecret, "agent-1")

	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cl := e.client(t, tc.tcp, tc.username, tc.password)
			_, err := cl.allocate(t)
			wantUnauthorized(t, err)
		})
	}
	if n := e.s.turn.AllocationCount(); n != 0 {
		t.Fatalf("AllocationCount = %d, want 0", n)
	}
}

func TestDefaultPeerFilterRefusesLoopback(t *testing.T) {
	e := newEnv(t, func(s *Server) { s.PeerAllowed = nil })
	e.allowed.Store("agent-1", struct{}{})
	cl := e.participant(t, false, "agent-1")
	if _, err := cl.allocate(t); err != nil {
		t.Fatal(err)
	}
	err := cl.c.CreatePermission(&net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 9})
	var te *stun.TurnError
	if !errors.As(err, &te) || te.ErrorCodeAttr.Code != stun.CodeForbidden {
		t.Fatalf("CreatePermission to loopback: err = %v, want 403", err)
	}
}

// TestParticipantLeaves checks both ways an allocation ends when its
// participant leaves: the periodic recheck and Revoke.
func TestParticipantLeaves(t *testing.T) {
	for _, viaRevoke := range []bool{false, true} {
		t.Run(fmt.Sprintf("revoke=%v", viaRevoke), func(t *testing.T) {
			e := newEnv(t, func(s *Server) {
				if viaRevoke {
					s.RecheckInterval = -1
				} else {
					s.RecheckInterval = 20 * time.Millisecond
				}
			})
			e.allowed.Store("agent-1", struct{}{})
			e.allowed.Store("console-1", struct{}{})
			leaver := e.participant(t, false, "agent-1")
			stayer := e.participant(t, true, "console-1")
			leaverConn, err := leaver.allocate(t)
			if err != nil {
				t.Fatal(err)
			}
			stayerConn, err := stayer.allocate(t)
			if err != nil {
				t.Fatal(err)
			}
			roundTrip(t, leaverConn)

			e.allowed.Delete("agent-1")
			if viaRevoke {
				if n := e.s.Revoke("agent-1"); n != 1 {
					t.Fatalf("Revoke closed %d allocations, want 1", n)
				}
			}
			deadline := time.Now().Add(3 * time.Second)
			for e.s.turn.AllocationCount() != 1 || e.s.relays.count() != 1 {
				if time.Now().After(deadline) {
					t.Fatalf("allocations = %d, relay sockets = %d; want only the stayer's",
						e.s.turn.AllocationCount(), e.s.relays.count())
				}
				time.Sleep(10 * time.Millisecond)
			}

			// The leaver's relayed address no longer reaches it...
			peer, err := net.ListenPacket("udp4", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer peer.Close()
			_, _ = peer.WriteTo([]byte("anyone?"), leaverConn.LocalAddr())
			_ = leaverConn.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
			if _, _, err := leaverConn.ReadFrom(make([]byte, 100)); err == nil {
				t.Fatal("datagram relayed to a participant who left")
			}
			// ...and it cannot allocate again.
			again := e.participant(t, false, "agent-1")
			_, err = again.allocate(t)
			wantUnauthorized(t, err)

			// The other participant is unaffected.
			roundTrip(t, stayerConn)
		})
	}
}

func TestCloseEndsTCPConnections(t *testing.T) {
	e := newEnv(t, nil)
	_, tcpAddr := e.s.Addrs()
	c, err := net.DialTimeout("tcp", tcpAddr.String(), 3*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// Wait until the server has accepted it.
	deadline := time.Now().Add(3 * time.Second)
	for {
		e.s.conns.mu.Lock()
		n := len(e.s.conns.conns)
		e.s.conns.mu.Unlock()
		if n == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("connection not accepted")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := e.s.Close(); err != nil {
		t.Fatal(err)
	}
	_ = c.SetReadDeadline(time.Now().Add(3 * time.Second))
	_, err = c.Read(make([]byte, 1))
	var ne net.Error
	if err == nil || (errors.As(err, &ne) && ne.Timeout()) {
		t.Fatalf("read after Close: %v, want EOF or reset", err)
	}
}

// testLogger collects log lines and prints them only when the test fails
// (pion goroutines may log after the test returns, when t.Log would panic).
func testLogger(t *testing.T) *slog.Logger {
	w := &logBuffer{}
	t.Cleanup(func() {
		w.mu.Lock()
		defer w.mu.Unlock()
		if t.Failed() {
			t.Log("log:\n" + w.buf.String())
		}
		w.done = true
	})
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type logBuffer struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	done bool
}

func (w *logBuffer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.done && w.buf.Len() < 1<<20 {
		w.buf.Write(p)
	}
	return len(p), nil
}
