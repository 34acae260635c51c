package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestSmallRun runs the benchmark's core against the real server binary
// with a handful of sessions and checks that every session got ready and
// that the figures are sane.
func TestSmallRun(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the server")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cfg := config{
		Sessions: 20, PerCSR: 4, Accounts: 2, Workers: 4,
		Hold: time.Second, Settle: 200 * time.Millisecond, PingInterval: 200 * time.Millisecond,
		TempDir: t.TempDir(),
	}
	if testing.Verbose() {
		cfg.Log = os.Stderr
	}
	res, err := run(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Problems) > 0 {
		t.Fatalf("problems:\n%s", strings.Join(res.Problems, "\n"))
	}
	if res.Ready != 20 || len(res.JoinToReady) != 20 {
		t.Fatalf("%d of 20 sessions ready", res.Ready)
	}
	if res.CSRConns != 5 || res.Conns != 25 || res.AliveAfter != 25 {
		t.Errorf("CSR connections %d, connections %d, alive after the hold %d; want 5, 25, 25", res.CSRConns, res.Conns, res.AliveAfter)
	}
	if m := res.Metrics; m["lifeline_live_sessions"] != 20 || m["lifeline_websocket_connections"] != 25 || m["lifeline_participants"] != 40 {
		t.Errorf("server metrics: %v", m)
	}
	if res.BaseMem.RSS < 1024 || res.HoldMem.RSS < 1024 || res.HoldMem.RSS > 1<<20 || res.EndMem.HWM < res.HoldMem.RSS {
		t.Errorf("implausible server memory: baseline %+v, hold %+v, end %+v (KiB)", res.BaseMem, res.HoldMem, res.EndMem)
	}
	if res.HoldCPU < 0 || res.HoldCPU > 200 {
		t.Errorf("hold CPU %.2f%%", res.HoldCPU)
	}
	// Pings every 200 ms over a 1 s hold: each connection got some bytes.
	if res.PingBytesIn < 20 || res.PingBytesOut < 20 {
		t.Errorf("keep-alive traffic %.0f B in, %.0f B out per connection; the pings did not flow", res.PingBytesIn, res.PingBytesOut)
	}
	med := percentile(res.JoinToReady, 50)
	if med <= 0 || med > 10*time.Second || res.SetupsPerS <= 0 {
		t.Errorf("join-to-ready median %s, %.1f setups/s", med, res.SetupsPerS)
	}
	if res.ShutdownErr != nil || res.GoingAway != 25 {
		t.Errorf("shutdown: %v; %d connections told going away", res.ShutdownErr, res.GoingAway)
	}

	// The report replaces only its own section.
	out := filepath.Join(t.TempDir(), "BENCHMARKS.md")
	other := "# Benchmarks\n\n<!-- codec:begin -->\ncodec figures\n<!-- codec:end -->\n"
	if err := os.WriteFile(out, []byte(other), 0o644); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		if err := writeSection(out, res.markdown("go run ./rendezvous/loadtest -sessions 20", time.Now())); err != nil {
			t.Fatal(err)
		}
	}
	b, _ := os.ReadFile(out)
	text := string(b)
	if !strings.HasPrefix(text, other) || strings.Count(text, "<!-- rendezvous:begin -->") != 1 || strings.Count(text, "<!-- rendezvous:end -->") != 1 ||
		!strings.Contains(text, "## Rendezvous server") || !strings.Contains(text, "| Sessions held") {
		t.Errorf("BENCHMARKS.md after two runs:\n%s", text)
	}
}

func TestPercentile(t *testing.T) {
	var d []time.Duration
	for i := 1; i <= 100; i++ {
		d = append(d, time.Duration(i)*time.Millisecond)
	}
	for _, c := range []struct {
		p    float64
		want time.Duration
	}{{50, 50 * time.Millisecond}, {90, 90 * time.Millisecond}, {99, 99 * time.Millisecond}, {100, 100 * time.Millisecond}} {
		if got := percentile(d, c.p); got != c.want {
			t.Errorf("p%v = %s, want %s", c.p, got, c.want)
		}
	}
	if got := percentile(nil, 50); got != 0 {
		t.Errorf("p50 of nothing = %s", got)
	}
}

func TestLimits(t *testing.T) {
	_, hard, err := fdLimit()
	if err != nil {
		t.Skip(err)
	}
	cfg := config{Sessions: int(hard), PerCSR: 4, Accounts: 1, Workers: 1}
	if err := checkLimits(&cfg); err == nil || !strings.Contains(err.Error(), "open-file limit") {
		t.Errorf("%d sessions with a limit of %d: %v", hard, hard, err)
	}
}
