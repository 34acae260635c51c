// Package rendezvoustest runs a real rendezvous server inside a test
// process: HTTPS on a loopback port from httptest, the embedded SQLite
// database in a temporary folder, and optionally the TURN relay. Tests of
// the console, the agent and the server itself use it instead of starting
// processes.
package rendezvoustest

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"log/slog"
	"net"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"lifeline/rendezvous/auth"
	"lifeline/rendezvous/relay"
	"lifeline/rendezvous/server"
	"lifeline/rendezvous/store"
	"lifeline/shared/client"
)

// Options changes the defaults of New.
type Options struct {
	// Grace is the reconnect grace period (default 5 minutes).
	Grace time.Duration
	// PingInterval (default the server's).
	PingInterval time.Duration
	// Relay starts the TURN relay on 127.0.0.1.
	Relay bool
	// DatabaseURL overrides the SQLite file in a temporary folder.
	DatabaseURL string
	// Configure, when set, changes the server before it starts.
	Configure func(*server.Server)
	// Log receives the server's log (default: discarded unless
	// LIFELINE_TEST_LOG is set).
	Log *slog.Logger
}

// Server is a running in-process rendezvous server.
type Server struct {
	URL    string
	Server *server.Server
	Store  store.Store
	Relay  *relay.Server
	HTTP   *httptest.Server
	// TLS trusts exactly this server's certificate.
	TLS *tls.Config
}

// New starts a server that stops when the test ends.
func New(t testing.TB, opts Options) *Server {
	t.Helper()
	ctx := context.Background()
	dbURL := opts.DatabaseURL
	if dbURL == "" {
		dbURL = filepath.Join(t.TempDir(), "lifeline.db")
	}
	st, err := store.Open(ctx, dbURL)
	if err != nil {
		t.Fatalf("rendezvoustest: open store: %v", err)
	}
	log := opts.Log
	if log == nil {
		var w io.Writer = io.Discard
		if os.Getenv("LIFELINE_TEST_LOG") != "" {
			w = os.Stderr
		}
		log = slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	srv := &server.Server{Store: st, Log: log, Grace: opts.Grace, PingInterval: opts.PingInterval, PublicHost: "127.0.0.1"}
	ts := &Server{Server: srv, Store: st}
	if opts.Relay {
		secret := make([]byte, 32)
		copy(secret, "rendezvoustest relay secret 0123")
		ts.Relay = &relay.Server{
			ListenUDP: "127.0.0.1:0", ListenTCP: "127.0.0.1:0", PublicIP: net.IPv4(127, 0, 0, 1),
			Secret: secret, Logger: log,
			Allowed:     func(id string) bool { return srv.Hub().Present(id) },
			PeerAllowed: func(net.IP) bool { return true }, // peers are on loopback in tests
		}
		if err := ts.Relay.Start(); err != nil {
			t.Fatalf("rendezvoustest: start relay: %v", err)
		}
		udp, tcp := ts.Relay.Addrs()
		srv.Relay = &server.Relay{UDPPort: udp.(*net.UDPAddr).Port, TCPPort: tcp.(*net.TCPAddr).Port, Secret: secret}
	}
	if opts.Configure != nil {
		opts.Configure(srv)
	}
	if err := srv.Start(ctx); err != nil {
		t.Fatalf("rendezvoustest: start server: %v", err)
	}
	ts.HTTP = httptest.NewTLSServer(srv.Handler())
	ts.URL = ts.HTTP.URL
	pool := x509.NewCertPool()
	pool.AddCert(ts.HTTP.Certificate())
	ts.TLS = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	t.Cleanup(func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
		ts.HTTP.Close()
		if ts.Relay != nil {
			_ = ts.Relay.Close()
		}
		_ = st.Close()
	})
	return ts
}

// Client returns an API client that trusts this server, with no token.
func (s *Server) Client() *client.Client { return client.New(s.URL, s.TLS) }

// AddUser creates an account directly in the store.
func (s *Server) AddUser(t testing.TB, email, name, role, password string) store.User {
	t.Helper()
	hash, err := auth.HashPassword(password)
	if err != nil {
		t.Fatal(err)
	}
	u := store.User{ID: store.NewID("usr_"), Email: email, Name: name, Role: role, PasswordHash: hash, CreatedAt: time.Now()}
	if err := s.Store.CreateUser(context.Background(), u); err != nil {
		t.Fatalf("rendezvoustest: add user %s: %v", email, err)
	}
	return u
}

// CSR creates a CSR account and returns a client logged in to it.
func (s *Server) CSR(t testing.TB, email, name string) *client.Client {
	t.Helper()
	const pw = "rendezvoustest-password"
	s.AddUser(t, email, name, store.RoleCSR, pw)
	c := s.Client()
	if _, err := c.Login(context.Background(), email, pw); err != nil {
		t.Fatalf("rendezvoustest: login %s: %v", email, err)
	}
	return c
}

// AddQueue creates a support queue served by the CSRs with these emails.
func (s *Server) AddQueue(t testing.TB, name, displayName string, members ...string) {
	t.Helper()
	ctx := context.Background()
	if _, err := s.Store.AddQueue(ctx, name, displayName, time.Now()); err != nil {
		t.Fatalf("rendezvoustest: add queue %s: %v", name, err)
	}
	for _, m := range members {
		if err := s.Store.AddQueueMember(ctx, name, m, time.Now()); err != nil {
			t.Fatalf("rendezvoustest: add %s to queue %s: %v", m, name, err)
		}
	}
}

// EnterQueue has a customer ask for help in a queue from the page
// referrer ("" for none), with an email made of the name, and returns the
// ticket that lets them wait or leave.
func (s *Server) EnterQueue(t testing.TB, queue, name, referrer string) client.QueueTicket {
	t.Helper()
	tk, err := s.Client().EnterQueue(context.Background(), queue, client.QueueEntry{Name: name, Email: strings.ToLower(name) + "@example.com",
		Problem: "Help, please.", Referrer: referrer})
	if err != nil {
		t.Fatalf("rendezvoustest: %s asks for help in %s: %v", name, queue, err)
	}
	return tk
}

// Serve has csr accept the next customer of a queue, who must be want,
// and end the session at once with a note; it returns the session's
// number.
func (s *Server) Serve(t testing.TB, csr *client.Client, queue, want string) string {
	t.Helper()
	ctx := context.Background()
	a, err := csr.AcceptNext(ctx, queue, "", "")
	if err != nil || a.Request.Name != want {
		t.Fatalf("rendezvoustest: accept next in %s: %+v, %v; want %s", queue, a.Request, err, want)
	}
	if err := csr.EndSession(ctx, a.ID, "Helped "+want+"."); err != nil {
		t.Fatalf("rendezvoustest: end %s's session: %v", want, err)
	}
	return a.Number
}
