package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"lifeline/rendezvous/settings"
	"lifeline/shared/client"
	"lifeline/shared/protocol"
	"lifeline/shared/tlsutil"
)

// config is one benchmark run.
type config struct {
	Sessions     int           // sessions to set up and hold
	PerCSR       int           // sessions attached to each CSR console connection
	Accounts     int           // CSR accounts the console connections are spread over
	Workers      int           // concurrent session setups
	Hold         time.Duration // how long the sessions are held idle
	Settle       time.Duration // pause before each memory measurement
	PingInterval time.Duration // the server's --ping-interval (and the peer's)
	Peer         bool          // also measure the bare WebSocket peer
	ServerBin    string        // a built lifeline-rendezvous; empty: build one
	TempDir      string        // scratch folder: the server's data, logs
	Log          io.Writer     // progress
	start        time.Time
}

// opTimeout bounds each request and dial of a session setup.
const opTimeout = 60 * time.Second

// result is what a run measured.
type result struct {
	Machine machine
	Config  config

	Target, Ready int                // sessions asked for, sessions whose customer got its state
	CSRConns      int                // CSR console connections opened
	Conns         int                // WebSocket connections held at the start of the hold
	AliveAfter    int                // ... and still open at its end
	ServerFDs     int                // the server's open files during the hold
	Metrics       map[string]float64 // the server's, before the hold
	MetricsAfter  map[string]float64 // ... and after it

	// Server memory: the baseline (idle, before any login or session),
	// after the logins, holding (median), after the hold.
	BaseMem, LoginMem, HoldMem, EndMem memInfo
	HoldSamples                        []int64
	HoldCPU                            float64 // % of one core during the hold
	HoldFor                            time.Duration
	PingBytesIn, PingBytesOut          float64 // client bytes per connection during the hold

	RampDur     time.Duration
	SetupsPerS  float64
	RampCPU     float64         // server, % of one core during the ramp-up
	RampToolCPU float64         // this tool (all clients), % of one core
	JoinToReady []time.Duration // sorted

	ShutdownDur time.Duration
	ShutdownErr error
	GoingAway   int // client connections that were told "going away" at shutdown

	Peer *peerResult

	Failures  *failures
	Problems  []string
	ServerLog []string // warnings and errors the server logged
}

// failures counts failed setup steps, with a few samples of each.
type failures struct {
	mu      sync.Mutex
	byStage map[string]int
	samples map[string][]string
	total   int
}

func (f *failures) add(stage string, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.byStage == nil {
		f.byStage = map[string]int{}
		f.samples = map[string][]string{}
	}
	f.byStage[stage]++
	f.total++
	if len(f.samples[stage]) < 3 {
		f.samples[stage] = append(f.samples[stage], err.Error())
	}
}

func (f *failures) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.total
}

func (f *failures) String() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var b strings.Builder
	stages := make([]string, 0, len(f.byStage))
	for s := range f.byStage {
		stages = append(stages, s)
	}
	slices.Sort(stages)
	for _, s := range stages {
		fmt.Fprintf(&b, "%s: %d failed, e.g. %s\n", s, f.byStage[s], strings.Join(f.samples[s], " | "))
	}
	return b.String()
}

func (r *result) problem(format string, args ...any) {
	r.Problems = append(r.Problems, fmt.Sprintf(format, args...))
}

func (c *config) logf(format string, args ...any) {
	if c.Log != nil {
		if c.start.IsZero() {
			c.start = time.Now()
		}
		el := time.Since(c.start).Round(time.Second)
		fmt.Fprintf(c.Log, "loadtest [%d:%02d]: "+format+"\n", append([]any{int(el.Minutes()), int(el.Seconds()) % 60}, args...)...)
	}
}

// groups is how many CSR console connections carry the sessions.
func (c *config) groups() int { return (c.Sessions + c.PerCSR - 1) / c.PerCSR }

// minAccounts is the fewest CSR accounts that carry the sessions without
// any one hosting more than the server allows: the run raises the site's
// maximum to settings.MaxCustomers, and console connections go to the
// accounts in turn.
func (c *config) minAccounts() int {
	perAccount := settings.MaxCustomers / c.PerCSR // console connections
	return (c.groups() + perAccount - 1) / perAccount
}

// conns is how many WebSocket connections the server (and the peer) hold.
func (c *config) conns() int { return c.groups() + c.Sessions }

// checkLimits refuses a run that cannot fit in this machine's open-file
// limit or local port range.
func checkLimits(c *config) error {
	if c.Sessions < 1 || c.PerCSR < 1 || c.Workers < 1 || c.Accounts < 1 {
		return errors.New("-sessions, -sessions-per-csr, -workers and -csr-accounts must be at least 1")
	}
	if c.PerCSR > settings.MaxCustomers {
		return fmt.Errorf("-sessions-per-csr can be at most %d, the most sessions the server lets one CSR host", settings.MaxCustomers)
	}
	_, hard, err := fdLimit()
	if err != nil {
		return fmt.Errorf("read the open-file limit: %w", err)
	}
	// The client holds every connection plus its pool of REST connections;
	// the server holds every connection plus its database and listener.
	const margin = 100
	needClient := c.conns() + c.Workers + margin
	needServer := c.conns() + margin
	if need := max(needClient, needServer); uint64(need) > hard {
		return fmt.Errorf("%d sessions with %d per CSR connection need %d WebSocket connections, about %d open files in this tool and %d in the server, "+
			"but the open-file limit (ulimit -n, hard) is %d: lower -sessions or raise -sessions-per-csr",
			c.Sessions, c.PerCSR, c.conns(), needClient, needServer, hard)
	}
	if p := ephemeralPorts(); p > 0 && c.conns()+c.Workers+margin > p {
		return fmt.Errorf("%d connections from 127.0.0.1 need more local ports than the %d of net.ipv4.ip_local_port_range", c.conns(), p)
	}
	return nil
}

// byteCounter counts the bytes that cross the client's sockets, to show
// that keep-alives flow.
type byteCounter struct{ in, out atomic.Int64 }

type countingConn struct {
	net.Conn
	c *byteCounter
}

func (c *countingConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	c.c.in.Add(int64(n))
	return n, err
}

func (c *countingConn) Write(b []byte) (int, error) {
	n, err := c.Conn.Write(b)
	c.c.out.Add(int64(n))
	return n, err
}

func (bc *byteCounter) dialer() func(ctx context.Context, network, addr string) (net.Conn, error) {
	d := &net.Dialer{Timeout: 30 * time.Second}
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := d.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return &countingConn{Conn: c, c: bc}, nil
	}
}

// tuneTransport keeps enough idle connections for every worker, so that
// REST calls reuse them, and counts bytes.
func tuneTransport(hc *http.Client, workers int, bc *byteCounter) *http.Transport {
	tr := hc.Transport.(*http.Transport)
	tr.MaxIdleConns = workers + 8
	tr.MaxIdleConnsPerHost = workers + 8
	tr.DialContext = bc.dialer()
	return tr
}

// moduleRoot is the folder of the go.mod of the module this tool is in.
func moduleRoot(ctx context.Context, goBin string) (string, error) {
	out, err := exec.CommandContext(ctx, goBin, "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", errors.New("not inside the lifeline module: run from its folder")
	}
	return filepath.Dir(mod), nil
}

// buildServer builds lifeline-rendezvous into dir.
func buildServer(ctx context.Context, dir string) (string, error) {
	goBin, err := goCmd()
	if err != nil {
		return "", err
	}
	root, err := moduleRoot(ctx, goBin)
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "lifeline-rendezvous")
	cmd := exec.CommandContext(ctx, goBin, "build", "-o", bin, "./rendezvous")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./rendezvous: %w\n%s", err, out)
	}
	return bin, nil
}

func randomPassword() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return "loadtest-" + hex.EncodeToString(b)
}

func accountEmail(i int) string { return fmt.Sprintf("csr%03d@loadtest.invalid", i) }

// addAccounts creates the CSR accounts with the server's own command line.
func addAccounts(ctx context.Context, bin, data string, n int, password string) error {
	add := func(i int) error {
		cmd := exec.CommandContext(ctx, bin, "user", "add", "--data", data,
			"--email", accountEmail(i), "--name", fmt.Sprintf("Load CSR %d", i), "--password-stdin")
		cmd.Stdin = strings.NewReader(password + "\n")
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("lifeline-rendezvous user add %s: %w\n%s", accountEmail(i), err, out)
		}
		return nil
	}
	// The first creates the database; the rest may run side by side.
	if err := add(0); err != nil {
		return err
	}
	return parallel(ctx, n-1, 4, func(i int) error { return add(i + 1) })
}

// raiseSessionLimit lets each CSR host as many sessions as the server ever
// allows, so that the run needs as few accounts (and logins) as it can.
func raiseSessionLimit(ctx context.Context, bin, data string) error {
	cmd := exec.CommandContext(ctx, bin, "settings", "set", "max-customers", strconv.Itoa(settings.MaxCustomers), "--data", data)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("lifeline-rendezvous settings set max-customers: %w\n%s", err, out)
	}
	return nil
}

// parallel runs f(0..n-1) on at most width goroutines and returns the
// first error.
func parallel(ctx context.Context, n, width int, f func(i int) error) error {
	var (
		next  atomic.Int64
		once  sync.Once
		first error
		wg    sync.WaitGroup
	)
	for w := 0; w < min(width, n); w++ {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= n || ctx.Err() != nil {
					return
				}
				if err := f(i); err != nil {
					once.Do(func() { first = err })
					return
				}
			}
		})
	}
	wg.Wait()
	if first == nil {
		first = ctx.Err()
	}
	return first
}

// rendezvous is the running server and a client that trusts it.
type rendezvous struct {
	proc *child
	api  *client.Client
	tr   *http.Transport
	bc   *byteCounter
	// csrConns counts the CSR console connections opened.
	csrConns atomic.Int64
}

func startServer(ctx context.Context, cfg *config, bin, data string) (*rendezvous, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := ln.Addr().String()
	ln.Close()
	proc, err := startChild(ctx, "lifeline-rendezvous", filepath.Join(cfg.TempDir, "server.log"), nil, bin,
		"serve", "--data", data, "--listen", addr, "--turn-listen", "off", "--ping-interval", cfg.PingInterval.String())
	if err != nil {
		return nil, err
	}
	fp, err := proc.waitLine(ctx, "TLS certificate SHA-256 fingerprint:", 60*time.Second)
	if err == nil {
		var u string
		u, err = proc.waitLine(ctx, "Lifeline rendezvous listening on https://", 30*time.Second)
		if err == nil {
			if _, port, _ := strings.Cut(u, ":"); port != "" {
				addr = "127.0.0.1:" + port
			}
		}
	}
	if err != nil {
		proc.kill()
		return nil, err
	}
	tlsConf, err := tlsutil.ClientConfig(tlsutil.ClientOptions{Fingerprint: fp})
	if err != nil {
		proc.kill()
		return nil, err
	}
	rv := &rendezvous{proc: proc, api: client.New("https://"+addr, tlsConf), bc: &byteCounter{}}
	rv.tr = tuneTransport(rv.api.HTTP, cfg.Workers, rv.bc)
	return rv, nil
}

// metrics scrapes a few of the server's Prometheus metrics.
func (rv *rendezvous) metrics(ctx context.Context) (map[string]float64, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "GET", rv.api.BaseURL+"/metrics", nil)
	if err != nil {
		return nil, err
	}
	resp, err := rv.api.HTTP.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	want := []string{"lifeline_websocket_connections", "lifeline_live_sessions", "lifeline_participants",
		"go_goroutines", "go_memstats_heap_inuse_bytes", "go_memstats_stack_inuse_bytes", "go_memstats_sys_bytes",
		"go_memstats_next_gc_bytes", "go_gc_duration_seconds_count", "lifeline_sessions_started_total", "lifeline_joins_total"}
	out := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		name, v, ok := strings.Cut(sc.Text(), " ")
		if !ok || !slices.Contains(want, name) {
			continue
		}
		if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil {
			out[name] = f
		}
	}
	return out, sc.Err()
}

// holder keeps the client connections of the run.
type holder struct {
	mu    sync.Mutex
	conns []*client.Conn
}

func (h *holder) add(c *client.Conn) {
	h.mu.Lock()
	h.conns = append(h.conns, c)
	h.mu.Unlock()
}

func (h *holder) all() []*client.Conn {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.conns)
}

// alive counts open connections and samples why others ended.
func (h *holder) alive() (int, []string) {
	n := 0
	seen := map[string]bool{}
	var why []string
	for _, c := range h.all() {
		select {
		case <-c.Done():
			if e := fmt.Sprint(c.Err()); !seen[e] && len(why) < 5 {
				seen[e] = true
				why = append(why, e)
			}
		default:
			n++
		}
	}
	return n, why
}

// run is the benchmark: the Lifeline server, then (optionally) the peer.
func run(ctx context.Context, cfg config) (*result, error) {
	if err := checkLimits(&cfg); err != nil {
		return nil, err
	}
	if need := cfg.minAccounts(); cfg.Accounts < need {
		cfg.logf("using %d CSR accounts rather than %d: one CSR may host at most %d sessions", need, cfg.Accounts, settings.MaxCustomers)
		cfg.Accounts = need
	}
	cfg.Accounts = min(cfg.Accounts, cfg.groups())
	cfg.start = time.Now()
	res := &result{Machine: describeMachine(), Config: cfg, Target: cfg.Sessions, Failures: &failures{}}

	bin := cfg.ServerBin
	if bin == "" {
		cfg.logf("building lifeline-rendezvous")
		var err error
		if bin, err = buildServer(ctx, cfg.TempDir); err != nil {
			return nil, err
		}
	}
	data := filepath.Join(cfg.TempDir, "data")
	password := randomPassword()
	t0 := time.Now()
	if err := addAccounts(ctx, bin, data, cfg.Accounts, password); err != nil {
		return nil, err
	}
	cfg.logf("created %d CSR accounts in %s", cfg.Accounts, time.Since(t0).Round(time.Millisecond))
	if err := raiseSessionLimit(ctx, bin, data); err != nil {
		return nil, err
	}
	rv, err := startServer(ctx, &cfg, bin, data)
	if err != nil {
		return nil, err
	}
	defer rv.proc.kill()
	pid := rv.proc.pid()
	cfg.logf("server pid %d on %s", pid, rv.api.BaseURL)

	time.Sleep(cfg.Settle)
	// The baseline is taken before the logins: each login's argon2id hash
	// leaves 19 MiB of garbage that the Go runtime keeps until its next
	// collection, which would make the baseline too high.
	if res.BaseMem, err = readMem(pid); err != nil {
		return nil, err
	}

	// Each account logs in once; its token is shared by many connections,
	// as one CSR's console windows would share it.
	tokens := make([]string, cfg.Accounts)
	err = parallel(ctx, cfg.Accounts, 2, func(i int) error {
		c := rv.api.WithToken("")
		lctx, cancel := context.WithTimeout(ctx, opTimeout)
		defer cancel()
		r, err := c.Login(lctx, accountEmail(i), password)
		if err != nil {
			return fmt.Errorf("log in %s: %w", accountEmail(i), err)
		}
		tokens[i] = r.Token
		return nil
	})
	if err != nil {
		return nil, err
	}
	rv.tr.CloseIdleConnections()
	time.Sleep(cfg.Settle)
	if res.LoginMem, err = readMem(pid); err != nil {
		return nil, err
	}
	cfg.logf("baseline RSS %.1f MiB (%.1f MiB after %d logins); setting up %d sessions on %d CSR connections with %d workers",
		res.BaseMem.rssMiB(), res.LoginMem.rssMiB(), cfg.Accounts, cfg.Sessions, cfg.groups(), cfg.Workers)

	h := &holder{}
	srv0, _ := readCPU(pid)
	tool0, _ := readCPU(os.Getpid())
	lat := rampUp(ctx, &cfg, rv, tokens, h, res)
	srv1, _ := readCPU(pid)
	tool1, _ := readCPU(os.Getpid())
	if s := res.RampDur.Seconds(); s > 0 {
		res.RampCPU = 100 * (srv1 - srv0).Seconds() / s
		res.RampToolCPU = 100 * (tool1 - tool0).Seconds() / s
	}
	if ctx.Err() != nil {
		return nil, fmt.Errorf("stopped during the ramp-up: %w", ctx.Err())
	}
	slices.Sort(lat)
	res.JoinToReady = lat
	res.Ready = len(lat)
	if res.RampDur > 0 {
		res.SetupsPerS = float64(res.Ready) / res.RampDur.Seconds()
	}
	if n := res.Failures.count(); n > 0 {
		res.problem("%d session setup steps failed:\n%s", n, res.Failures)
	}
	cfg.logf("%d of %d sessions ready in %s (%.0f setups/s); CPU of a core: server %.0f%%, this tool %.0f%%",
		res.Ready, cfg.Sessions, res.RampDur.Round(time.Millisecond), res.SetupsPerS, res.RampCPU, res.RampToolCPU)

	// The hold: nothing but keep-alives.
	rv.tr.CloseIdleConnections()
	time.Sleep(cfg.Settle)
	if m, err := rv.metrics(ctx); err == nil {
		res.Metrics = m
	} else {
		res.problem("scraping /metrics before the hold failed: %v", err)
	}
	rv.tr.CloseIdleConnections()
	res.Conns, _ = h.alive()
	cfg.logf("holding %d connections for %s", res.Conns, cfg.Hold)
	hs, err := hold(ctx, pid, cfg.Hold, rv.bc)
	if err != nil {
		return nil, err
	}
	res.HoldMem, res.HoldSamples, res.HoldCPU, res.HoldFor = hs.mem, hs.samples, hs.cpu, hs.dur
	res.ServerFDs = hs.fds
	if res.Conns > 0 {
		res.PingBytesIn = float64(hs.in) / float64(res.Conns)
		res.PingBytesOut = float64(hs.out) / float64(res.Conns)
	}
	var why []string
	res.AliveAfter, why = h.alive()
	if res.AliveAfter != res.Conns {
		res.problem("%d of %d connections closed during the idle hold; e.g. %s", res.Conns-res.AliveAfter, res.Conns, strings.Join(why, " | "))
	}
	if m, err := rv.metrics(ctx); err == nil {
		res.MetricsAfter = m
		cfg.logf("after the hold: %.0f goroutines, heap in use %.1f MiB, next GC at %.1f MiB, stacks %.1f MiB, Go sys %.1f MiB, %.0f GCs during the hold",
			m["go_goroutines"], m["go_memstats_heap_inuse_bytes"]/(1<<20), m["go_memstats_next_gc_bytes"]/(1<<20), m["go_memstats_stack_inuse_bytes"]/(1<<20),
			m["go_memstats_sys_bytes"]/(1<<20), m["go_gc_duration_seconds_count"]-res.Metrics["go_gc_duration_seconds_count"])
		wantConns := float64(res.Conns)
		if got := m["lifeline_websocket_connections"]; got != wantConns {
			res.problem("after the hold the server counts %.0f WebSocket connections; the client holds %d", got, res.AliveAfter)
		}
		if got := m["lifeline_live_sessions"]; got != float64(cfg.Sessions) && res.Failures.count() == 0 {
			res.problem("after the hold the server counts %.0f live sessions, not %d", got, cfg.Sessions)
		}
	}
	rv.tr.CloseIdleConnections()
	if res.EndMem, err = readMem(pid); err != nil {
		return nil, err
	}
	cfg.logf("hold: RSS %.1f MiB (median; samples %s MiB), VmHWM %.1f MiB, CPU %.2f%% of a core, %d server fds",
		res.HoldMem.rssMiB(), mibList(res.HoldSamples), res.EndMem.hwmMiB(), res.HoldCPU, res.ServerFDs)

	// Graceful shutdown with every connection still open.
	cfg.logf("stopping the server with SIGTERM")
	res.ShutdownDur, res.ShutdownErr = rv.proc.stop(30 * time.Second)
	if res.ShutdownErr != nil {
		res.problem("graceful shutdown: %v", res.ShutdownErr)
	}
	cfg.logf("server exited after %s (%v)", res.ShutdownDur.Round(time.Millisecond), res.ShutdownErr)
	res.GoingAway = closeAll(h)
	res.ServerLog, _ = rv.proc.logLines(20, "level=WARN", "level=ERROR", "panic", "fatal error")
	if lines, n := rv.proc.logLines(5, "level=ERROR", "panic", "fatal error"); n > 0 {
		res.problem("the server logged %d errors, e.g.:\n%s", n, strings.Join(lines, "\n"))
	}

	if cfg.Peer {
		if res.Peer, err = runPeer(ctx, &cfg); err != nil {
			return nil, fmt.Errorf("bare WebSocket peer: %w", err)
		}
		if res.Peer.Problems != nil {
			res.Problems = append(res.Problems, res.Peer.Problems...)
		}
	}
	return res, nil
}

// closeAll waits for the server's goodbye on every connection, then drops
// them all. It returns how many were told the server was going away.
func closeAll(h *holder) int {
	conns := h.all()
	deadline := time.After(15 * time.Second)
	goingAway := 0
	for _, c := range conns {
		select {
		case <-c.Done():
			if strings.Contains(fmt.Sprint(c.Err()), "StatusGoingAway") {
				goingAway++
			}
		case <-deadline:
		}
	}
	for _, c := range conns {
		c.CloseNow()
	}
	return goingAway
}

// rampUp sets up the sessions and returns the join-to-ready time of each
// session that got ready.
func rampUp(ctx context.Context, cfg *config, rv *rendezvous, tokens []string, h *holder, res *result) []time.Duration {
	var (
		mu      sync.Mutex
		lat     = make([]time.Duration, 0, cfg.Sessions)
		ready   atomic.Int64
		stopped atomic.Bool
	)
	// Give up on the ramp-up when failures are not isolated.
	limit := max(20, cfg.Sessions/100)
	groups := cfg.groups()
	next := atomic.Int64{}
	start := time.Now()
	progress := time.NewTicker(5 * time.Second)
	defer progress.Stop()
	done := make(chan struct{})
	go func() {
		for {
			select {
			case <-done:
				return
			case <-progress.C:
				cfg.logf("  %d sessions ready (%.0f/s), %d failures", ready.Load(), float64(ready.Load())/time.Since(start).Seconds(), res.Failures.count())
			}
		}
	}()
	var wg sync.WaitGroup
	for w := 0; w < min(cfg.Workers, groups); w++ {
		wg.Go(func() {
			for {
				g := int(next.Add(1) - 1)
				if g >= groups || ctx.Err() != nil || stopped.Load() {
					return
				}
				first := g * cfg.PerCSR
				n := min(cfg.PerCSR, cfg.Sessions-first)
				d := setupGroup(ctx, rv, tokens[g%len(tokens)], first, n, h, res.Failures)
				mu.Lock()
				lat = append(lat, d...)
				mu.Unlock()
				ready.Add(int64(len(d)))
				if res.Failures.count() > limit && !stopped.Swap(true) {
					res.problem("the ramp-up was stopped after %d failures", res.Failures.count())
				}
			}
		})
	}
	wg.Wait()
	close(done)
	res.RampDur = time.Since(start)
	res.CSRConns = int(rv.csrConns.Load())
	return lat
}

// setupGroup is one CSR console connection carrying n sessions, each
// with one customer.
func setupGroup(ctx context.Context, rv *rendezvous, token string, first, n int, h *holder, fail *failures) []time.Duration {
	api := rv.api.WithToken(token)
	dctx, cancel := context.WithTimeout(ctx, opTimeout)
	conn, err := api.Dial(dctx)
	cancel()
	if err != nil {
		for range n {
			fail.add("CSR dial", err)
		}
		return nil
	}
	h.add(conn)
	rv.csrConns.Add(1)
	var out []time.Duration
	for i := first; i < first+n; i++ {
		d, err := setupSession(ctx, rv, api, conn, i, h, fail)
		if err == nil {
			out = append(out, d)
		}
	}
	return out
}

type stageError struct {
	stage string
	err   error
}

func (e stageError) Error() string { return e.stage + ": " + e.err.Error() }

func setupSession(ctx context.Context, rv *rendezvous, api *client.Client, conn *client.Conn, i int, h *holder, fail *failures) (time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	failed := func(stage string, err error) (time.Duration, error) {
		fail.add(stage, err)
		return 0, stageError{stage, err}
	}
	created, err := api.CreateSession(ctx, "loadtest", "lt-"+strconv.Itoa(i))
	if err != nil {
		return failed("POST /sessions", err)
	}
	if _, err := conn.Request(ctx, created.ID, &protocol.Attach{Session: created.ID}); err != nil {
		return failed("CSR attach", err)
	}

	// The customer: join by number, connect, attach, get the state.
	t0 := time.Now()
	j, err := rv.api.Join(ctx, created.Number, fmt.Sprintf("Customer %d", i), fmt.Sprintf("customer%d@loadtest.invalid", i))
	if err != nil {
		return failed("POST /join", err)
	}
	cc, err := rv.api.WithToken(j.Token).Dial(ctx)
	if err != nil {
		return failed("customer dial", err)
	}
	h.add(cc)
	if err := cc.Send(ctx, "", &protocol.Attach{}); err != nil {
		return failed("customer attach", err)
	}
	var ready time.Duration
	for {
		m, err := cc.Recv(ctx)
		if err != nil {
			return failed("customer attach", err)
		}
		switch msg := m.Msg.(type) {
		case *protocol.State:
			if ready == 0 {
				if msg.ID != j.SessionID || msg.You != j.ParticipantID || msg.State != protocol.StateLive {
					return failed("customer state", fmt.Errorf("state of %s for %s (%s), expected %s for %s", msg.ID, msg.You, msg.State, j.SessionID, j.ParticipantID))
				}
				ready = time.Since(t0)
			}
		case *protocol.Error:
			return failed("customer attach", fmt.Errorf("%s: %s", msg.Code, msg.Error))
		case *protocol.Ack:
			if ready == 0 {
				return failed("customer attach", errors.New("ack before state"))
			}
			return ready, nil
		}
	}
}

// holdStats is what the idle hold measured.
type holdStats struct {
	mem     memInfo // median RSS of the samples; HWM at the end
	samples []int64
	cpu     float64
	dur     time.Duration
	fds     int
	in, out int64
}

// hold waits, sampling the process's memory every second, and measures
// its CPU use and the client's traffic over the whole wait.
func hold(ctx context.Context, pid int, d time.Duration, bc *byteCounter) (holdStats, error) {
	var hs holdStats
	cpu0, err := readCPU(pid)
	if err != nil {
		return hs, err
	}
	in0, out0 := bc.in.Load(), bc.out.Load()
	t0 := time.Now()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	end := time.NewTimer(d)
	defer end.Stop()
	sample := func() error {
		m, err := readMem(pid)
		if err != nil {
			return err
		}
		hs.samples = append(hs.samples, m.RSS)
		hs.mem.HWM = m.HWM
		return nil
	}
loop:
	for {
		select {
		case <-ctx.Done():
			return hs, ctx.Err()
		case <-tick.C:
			if err := sample(); err != nil {
				return hs, err
			}
			if len(hs.samples) == 1 {
				hs.fds = countFDs(pid)
			}
		case <-end.C:
			break loop
		}
	}
	cpu1, err := readCPU(pid)
	if err != nil {
		return hs, err
	}
	hs.dur = time.Since(t0)
	hs.in, hs.out = bc.in.Load()-in0, bc.out.Load()-out0
	if err := sample(); err != nil {
		return hs, err
	}
	if hs.fds == 0 {
		hs.fds = countFDs(pid)
	}
	hs.cpu = 100 * (cpu1 - cpu0).Seconds() / hs.dur.Seconds()
	s := slices.Clone(hs.samples)
	slices.Sort(s)
	hs.mem.RSS = s[len(s)/2]
	return hs, nil
}

func mibList(kib []int64) string {
	var b strings.Builder
	for i, k := range kib {
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%.0f", float64(k)/1024)
	}
	return b.String()
}

// percentile of sorted durations, nearest rank.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(p/100*float64(len(sorted))+0.999999) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}
