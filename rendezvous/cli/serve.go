package cli

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"lifeline/rendezvous/auth"
	"lifeline/rendezvous/relay"
	"lifeline/rendezvous/server"
	"lifeline/rendezvous/store"
	"lifeline/shared/tlsutil"
)

// DemoEmail is the CSR account that serve --demo creates.
const DemoEmail = "demo@lifeline.local"

type serveFlags struct {
	storeFlags
	listen, tlsCert, tlsKey, turnListen, publicHost string
	publicURL, trustedProxies                       string
	agentDir                                        string
	insecureHTTP, demo                              bool
	grace, restartGrace, pingInterval               time.Duration
	logLevel                                        string
}

func serve(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	var f serveFlags
	f.register(fs)
	fs.StringVar(&f.listen, "listen", ":8443", "HTTPS `address` to listen on")
	fs.StringVar(&f.tlsCert, "tls-cert", "", "certificate `file` (PEM); default: a self-signed one kept in the data folder")
	fs.StringVar(&f.tlsKey, "tls-key", "", "private key `file` (PEM) of --tls-cert")
	fs.StringVar(&f.turnListen, "turn-listen", ":3478", "TURN relay `address` (UDP and TCP), or \"off\"")
	fs.StringVar(&f.publicHost, "public-host", "", "`host` name or address clients use to reach this server (join links, relay)")
	fs.StringVar(&f.publicURL, "public-url", "", "`URL` clients use to reach this server when it differs from what it listens on, such as https://support.example.com for a reverse proxy that terminates TLS (join links, downloaded agents)")
	fs.StringVar(&f.trustedProxies, "trusted-proxy", "", "`addresses` or networks of reverse proxies, comma-separated, whose X-Forwarded-For and X-Forwarded-Proto headers are believed")
	fs.StringVar(&f.agentDir, "agent-dir", "", "`folder` of agent programs the join page offers for download (lifeline-agent-linux-amd64, lifeline-agent-windows-amd64.exe, …, as make agents builds them)")
	fs.BoolVar(&f.insecureHTTP, "insecure-http", false, "serve plain HTTP instead of HTTPS; only allowed on a loopback address, for development")
	fs.BoolVar(&f.demo, "demo", false, "create (or reset) the demo CSR account "+DemoEmail+" and print its password")
	fs.DurationVar(&f.grace, "grace", server.DefaultGrace, "how long a dropped participant keeps its place")
	fs.DurationVar(&f.restartGrace, "restart-grace", server.DefaultRestartGrace, "how long a customer whose computer restarts keeps its place, and its resume token works")
	fs.DurationVar(&f.pingInterval, "ping-interval", server.DefaultPingInterval, "how often every connection is pinged to keep it alive")
	fs.StringVar(&f.logLevel, "log-level", "info", "debug, info, warn or error")
	if pos, err := parse(fs, args); err != nil {
		return err
	} else if len(pos) > 0 {
		return usagef("serve: unexpected argument %q", pos[0])
	}
	if f.grace <= 0 || f.restartGrace <= 0 || f.pingInterval <= 0 {
		return usagef("serve: --grace, --restart-grace and --ping-interval must be positive durations, like 5m or 20s")
	}
	if (f.tlsCert == "") != (f.tlsKey == "") {
		return usagef("serve: give both --tls-cert and --tls-key, or neither")
	}
	if f.insecureHTTP && !loopbackAddr(f.listen) {
		return usagef("serve: --insecure-http is only allowed on a loopback address (e.g. --listen 127.0.0.1:8080), never on %q", f.listen)
	}
	publicURL, proxies, err := f.proxySettings()
	if err != nil {
		return err
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(f.logLevel)); err != nil {
		return usagef("serve: --log-level: %v", err)
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))

	st, err := f.open(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	if f.demo {
		pw, err := ensureDemoAccount(ctx, st)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "Demo CSR account: %s  password: %s\n", DemoEmail, pw)
	}

	srv := &server.Server{Store: st, Log: log, PublicHost: f.publicHost, PublicURL: publicURL, TrustedProxies: proxies,
		Grace: f.grace, RestartGrace: f.restartGrace, PingInterval: f.pingInterval}
	if err := offerAgents(f.agentDir, &srv.Agents, stdout, log); err != nil {
		return err
	}
	var rl *relay.Server
	if f.turnListen != "off" {
		if rl, srv.Relay, err = startRelay(f, srv, log); err != nil {
			return err
		}
		defer rl.Close()
		udp, tcp := rl.Addrs()
		fmt.Fprintf(stdout, "TURN relay on %s/udp and %s/tcp, relaying as %s\n", udp, tcp, rl.PublicIP)
	}
	if err := srv.Start(ctx); err != nil {
		return err
	}

	hs := &http.Server{Addr: f.listen, Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	ln, err := net.Listen("tcp", f.listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", f.listen, err)
	}
	scheme := "http"
	if !f.insecureHTTP {
		scheme = "https"
		cert, fp, err := loadCert(f, stdout)
		if err != nil {
			ln.Close()
			return err
		}
		hs.TLSConfig = tlsutil.ServerConfig(cert)
		ln = tls.NewListener(ln, hs.TLSConfig)
		fmt.Fprintf(stdout, "TLS certificate SHA-256 fingerprint: %s\n", fp)
		if selfSigned(cert) && len(proxies) == 0 {
			// Downloaded agents pin it, as the console does on first use.
			// Behind a proxy they meet the proxy's certificate instead,
			// which must then be one their system trusts.
			srv.Agents.Fingerprint = fp
		}
	}
	fmt.Fprintf(stdout, "Lifeline rendezvous listening on %s://%s\n", scheme, displayAddr(ln.Addr(), f.publicHost))
	if publicURL != "" {
		fmt.Fprintf(stdout, "Clients reach it at %s\n", publicURL)
	}

	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	_ = srv.Shutdown(sctx) // clients are told to go away and will reconnect
	if err := hs.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

// offerAgents checks the agent folder and says which downloads the join
// page will offer. The folder is read again on every request, so an empty
// one is a warning, not an error: `make agents` may fill it later.
func offerAgents(dir string, a *server.AgentDownloads, stdout io.Writer, log *slog.Logger) error {
	if dir == "" {
		fmt.Fprintln(stdout, "No --agent-dir: the join page tells customers to get the agent from their support representative")
		return nil
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return fmt.Errorf("serve: --agent-dir %s: %w", dir, err)
	}
	if fi, err := os.Stat(abs); err != nil || !fi.IsDir() {
		return usagef("serve: --agent-dir %s is not a folder; build the agents into it with make agents, or leave the flag out", dir)
	}
	a.Dir = abs
	keys, problems := a.Offered()
	for _, err := range problems {
		log.Warn("agent program cannot be offered", "err", err)
	}
	if len(keys) == 0 {
		fmt.Fprintf(stdout, "Agent downloads: none yet in %s (make agents builds them)\n", abs)
		return nil
	}
	fmt.Fprintf(stdout, "Agent downloads: %s from %s\n", strings.Join(keys, ", "), abs)
	return nil
}

// selfSigned reports whether cert's leaf signs itself: a certificate the
// customer's computer would not trust by itself, so the agent must be told
// its fingerprint.
func selfSigned(cert tls.Certificate) bool {
	leaf := cert.Leaf
	if leaf == nil {
		var err error
		if leaf, err = x509.ParseCertificate(cert.Certificate[0]); err != nil {
			return false
		}
	}
	return bytes.Equal(leaf.RawIssuer, leaf.RawSubject) &&
		leaf.CheckSignature(leaf.SignatureAlgorithm, leaf.RawTBSCertificate, leaf.Signature) == nil
}

func loopbackAddr(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func displayAddr(a net.Addr, publicHost string) string {
	_, port, _ := net.SplitHostPort(a.String())
	host := publicHost
	if host == "" {
		host = "localhost"
	}
	return net.JoinHostPort(host, port)
}

func loadCert(f serveFlags, stdout io.Writer) (tls.Certificate, string, error) {
	if f.tlsCert != "" {
		cert, err := tls.LoadX509KeyPair(f.tlsCert, f.tlsKey)
		if err != nil {
			return cert, "", fmt.Errorf("load TLS certificate: %w", err)
		}
		return cert, tlsutil.Fingerprint(cert.Certificate[0]), nil
	}
	var hosts []string
	if f.publicHost != "" {
		hosts = append(hosts, f.publicHost)
	}
	cert, fp, created, err := tlsutil.LoadOrCreate(f.data, hosts)
	if err != nil {
		return cert, "", fmt.Errorf("self-signed certificate: %w", err)
	}
	if created {
		fmt.Fprintf(stdout, "Created a self-signed certificate in %s\n", filepath.Join(f.data, tlsutil.SubDir))
	}
	return cert, fp, nil
}

// startRelay starts the TURN relay with a secret kept in the data folder,
// so credentials handed out before a restart keep working after it.
func startRelay(f serveFlags, srv *server.Server, log *slog.Logger) (*relay.Server, *server.Relay, error) {
	secret, err := loadOrCreateSecret(filepath.Join(f.data, "turn-secret"))
	if err != nil {
		return nil, nil, err
	}
	pub, err := relayIP(f.publicHost)
	if err != nil {
		return nil, nil, err
	}
	rl := &relay.Server{
		ListenUDP: f.turnListen, ListenTCP: f.turnListen, PublicIP: pub, Secret: secret, Logger: log,
		Allowed: func(id string) bool { return srv.Hub() != nil && srv.Hub().Present(id) },
	}
	if err := rl.Start(); err != nil {
		return nil, nil, fmt.Errorf("start TURN relay: %w (use --turn-listen to choose another address, or off)", err)
	}
	udp, tcp := rl.Addrs()
	return rl, &server.Relay{UDPPort: udp.(*net.UDPAddr).Port, TCPPort: tcp.(*net.TCPAddr).Port, Secret: secret}, nil
}

// proxySettings checks --public-url and --trusted-proxy. Without
// --public-host, the public URL's host is also the relay's.
func (f *serveFlags) proxySettings() (string, []netip.Prefix, error) {
	var publicURL string
	if f.publicURL != "" {
		u, err := server.CheckPublicURL(f.publicURL)
		if err != nil {
			return "", nil, usagef("serve: --public-url: %v", err)
		}
		publicURL = u
		if f.publicHost == "" {
			pu, _ := url.Parse(u)
			f.publicHost = pu.Hostname()
		}
	}
	proxies, err := server.ParseTrustedProxies(f.trustedProxies)
	if err != nil {
		return "", nil, usagef("serve: --trusted-proxy: %v", err)
	}
	return publicURL, proxies, nil
}

// relayIP is the address put in relayed candidates: the public host, or
// this machine's first non-loopback IPv4 address.
func relayIP(publicHost string) (net.IP, error) {
	if publicHost != "" {
		if ip := net.ParseIP(publicHost); ip != nil {
			return ip, nil
		}
		ips, err := net.LookupIP(publicHost)
		if err != nil || len(ips) == 0 {
			return nil, fmt.Errorf("resolve --public-host %s for the relay: %v", publicHost, err)
		}
		return ips[0], nil
	}
	addrs, _ := net.InterfaceAddrs()
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && !n.IP.IsLoopback() && n.IP.To4() != nil && !n.IP.IsLinkLocalUnicast() {
			return n.IP, nil
		}
	}
	return net.IPv4(127, 0, 0, 1), nil
}

func loadOrCreateSecret(path string) ([]byte, error) {
	if b, err := os.ReadFile(path); err == nil {
		s, err := hex.DecodeString(strings.TrimSpace(string(b)))
		if err != nil || len(s) < 16 {
			return nil, fmt.Errorf("relay secret %s is damaged; delete it to make a new one", path)
		}
		return s, nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("read relay secret: %w", err)
	}
	s := make([]byte, 32)
	if _, err := rand.Read(s); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	if err := os.WriteFile(path, []byte(hex.EncodeToString(s)+"\n"), 0o600); err != nil {
		return nil, fmt.Errorf("write relay secret: %w", err)
	}
	return s, nil
}

// ensureDemoAccount creates the demo CSR, or gives it a new password, and
// returns the password.
func ensureDemoAccount(ctx context.Context, st store.Store) (string, error) {
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	pw := base64.RawURLEncoding.EncodeToString(b)
	hash, err := auth.HashPassword(pw)
	if err != nil {
		return "", err
	}
	err = st.CreateUser(ctx, store.User{ID: store.NewID("usr_"), Email: DemoEmail, Name: "Demo CSR", Role: store.RoleCSR, PasswordHash: hash, CreatedAt: time.Now()})
	if errors.Is(err, store.ErrExists) {
		err = st.SetPasswordHash(ctx, DemoEmail, hash)
	}
	if err != nil {
		return "", fmt.Errorf("demo account: %w", err)
	}
	return pw, nil
}
