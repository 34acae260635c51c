package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/coder/websocket"

	"lifeline/shared/tlsutil"
)

// The peer is the yardstick: a bare TLS WebSocket server with the same
// library, certificate type, read loop and keep-alive as the rendezvous
// server, and nothing else. It runs as this program started again with
// -peer-server, so that its memory is measured alone.

const (
	peerFingerprintLine = "peer fingerprint:"
	peerListeningLine   = "peer listening on"
	peerMemLine         = "peer memstats:"
)

// peerServe runs the peer until SIGTERM, SIGINT or the end of stdin.
func peerServe(dir string, pingInterval time.Duration, stdout io.Writer) error {
	cert, fp, _, err := tlsutil.LoadOrCreate(dir, nil)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	var conns sync.Map // *websocket.Conn → struct{}
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, &websocket.AcceptOptions{CompressionMode: websocket.CompressionDisabled})
		if err != nil {
			return
		}
		c.SetReadLimit(1 << 20)
		conns.Store(c, struct{}{})
		defer conns.Delete(c)
		defer c.CloseNow()
		for {
			if _, _, err := c.Read(context.Background()); err != nil {
				return
			}
		}
	})
	hs := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second}
	stop := make(chan struct{})
	go func() {
		t := time.NewTicker(pingInterval)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				conns.Range(func(k, _ any) bool {
					c := k.(*websocket.Conn)
					go func() {
						ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
						defer cancel()
						if c.Ping(ctx) != nil {
							c.CloseNow()
						}
					}()
					return true
				})
			}
		}
	}()
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(tls.NewListener(ln, tlsutil.ServerConfig(cert))) }()
	fmt.Fprintln(stdout, peerFingerprintLine, fp)
	fmt.Fprintln(stdout, peerListeningLine, ln.Addr())

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT, syscall.SIGUSR1)
	eof := make(chan struct{})
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		close(eof)
	}()
wait:
	for {
		select {
		case err := <-errc:
			return err
		case s := <-sig:
			if s != syscall.SIGUSR1 {
				break wait
			}
			// The same figures the rendezvous server's /metrics shows.
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			fmt.Fprintln(stdout, peerMemLine, runtime.NumGoroutine(), ms.HeapInuse, ms.StackInuse, ms.Sys)
		case <-eof:
			break wait
		}
	}
	close(stop)
	ln.Close()
	var wg sync.WaitGroup
	conns.Range(func(k, _ any) bool {
		wg.Go(func() { _ = k.(*websocket.Conn).Close(websocket.StatusGoingAway, "peer shutting down") })
		return true
	})
	wg.Wait()
	return nil
}

// peerResult is what the peer measured.
type peerResult struct {
	Conns, AliveAfter         int
	BaseMem, HoldMem, EndMem  memInfo
	Goroutines                int
	HeapInuse, StackInuse     float64 // bytes, before the hold
	HoldCPU                   float64
	PingBytesIn, PingBytesOut float64
	DialDur                   time.Duration
	ShutdownDur               time.Duration
	Problems                  []string
}

// runPeer starts the peer, holds as many connections as the rendezvous
// server held, with the same keep-alive, and measures it the same way.
func runPeer(ctx context.Context, cfg *config) (*peerResult, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	dir := filepath.Join(cfg.TempDir, "peer")
	// The peer exits when this end of its stdin closes, even if this tool
	// is killed.
	stdinR, stdinW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	defer stdinW.Close()
	proc, err := startChild(ctx, "peer", filepath.Join(cfg.TempDir, "peer.log"), stdinR, self,
		"-peer-server", dir, "-ping-interval", cfg.PingInterval.String())
	stdinR.Close()
	if err != nil {
		return nil, err
	}
	defer proc.kill()
	fp, err := proc.waitLine(ctx, peerFingerprintLine, 30*time.Second)
	if err != nil {
		return nil, err
	}
	addr, err := proc.waitLine(ctx, peerListeningLine, 30*time.Second)
	if err != nil {
		return nil, err
	}
	tlsConf, err := tlsutil.ClientConfig(tlsutil.ClientOptions{Fingerprint: fp})
	if err != nil {
		return nil, err
	}
	bc := &byteCounter{}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = tlsConf
	tuneTransport(&http.Client{Transport: tr}, cfg.Workers, bc)
	hc := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	pid := proc.pid()

	pr := &peerResult{}
	time.Sleep(cfg.Settle)
	if pr.BaseMem, err = readMem(pid); err != nil {
		return nil, err
	}
	n := cfg.conns()
	cfg.logf("peer pid %d: opening %d bare WebSocket connections", pid, n)
	type peerConn struct {
		c    *websocket.Conn
		done context.Context
	}
	var (
		mu     sync.Mutex
		conns  = make([]peerConn, 0, n)
		failed atomic.Int64
		sample atomic.Value
	)
	start := time.Now()
	_ = parallel(ctx, n, cfg.Workers, func(int) error {
		dctx, cancel := context.WithTimeout(ctx, opTimeout)
		defer cancel()
		c, _, err := websocket.Dial(dctx, "wss://"+addr+"/", &websocket.DialOptions{HTTPClient: hc, CompressionMode: websocket.CompressionDisabled})
		if err != nil {
			failed.Add(1)
			sample.CompareAndSwap(nil, err.Error())
			return nil
		}
		done := c.CloseRead(context.Background()) // answers pings, like a client's reader
		mu.Lock()
		conns = append(conns, peerConn{c, done})
		mu.Unlock()
		return nil
	})
	pr.DialDur = time.Since(start)
	defer func() {
		for _, pc := range conns {
			pc.c.CloseNow()
		}
	}()
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	if f := failed.Load(); f > 0 {
		pr.Problems = append(pr.Problems, fmt.Sprintf("peer: %d of %d connections failed, e.g. %v", f, n, sample.Load()))
	}
	alive := func() int {
		k := 0
		for _, pc := range conns {
			if pc.done.Err() == nil {
				k++
			}
		}
		return k
	}
	tr.CloseIdleConnections()
	time.Sleep(cfg.Settle)
	pr.Conns = alive()
	if err := proc.cmd.Process.Signal(syscall.SIGUSR1); err == nil {
		if l, err := proc.waitLine(ctx, peerMemLine, 10*time.Second); err == nil {
			var sys float64
			fmt.Sscan(l, &pr.Goroutines, &pr.HeapInuse, &pr.StackInuse, &sys)
		}
	}
	cfg.logf("peer: holding %d connections for %s (%d goroutines, heap in use %.1f MiB, stacks %.1f MiB)",
		pr.Conns, cfg.Hold, pr.Goroutines, pr.HeapInuse/(1<<20), pr.StackInuse/(1<<20))
	hs, err := hold(ctx, pid, cfg.Hold, bc)
	if err != nil {
		return nil, err
	}
	pr.HoldMem, pr.HoldCPU = hs.mem, hs.cpu
	if pr.Conns > 0 {
		pr.PingBytesIn = float64(hs.in) / float64(pr.Conns)
		pr.PingBytesOut = float64(hs.out) / float64(pr.Conns)
	}
	pr.AliveAfter = alive()
	if pr.AliveAfter != pr.Conns {
		pr.Problems = append(pr.Problems, fmt.Sprintf("peer: %d of %d connections closed during the hold", pr.Conns-pr.AliveAfter, pr.Conns))
	}
	if pr.EndMem, err = readMem(pid); err != nil {
		return nil, err
	}
	cfg.logf("peer hold: RSS %.1f MiB (median; samples %s MiB), baseline %.1f MiB, CPU %.2f%%; connections opened in %s",
		pr.HoldMem.rssMiB(), mibList(hs.samples), pr.BaseMem.rssMiB(), pr.HoldCPU, pr.DialDur.Round(time.Millisecond))
	pr.ShutdownDur, err = proc.stop(30 * time.Second)
	if err != nil && !errors.Is(err, context.Canceled) {
		pr.Problems = append(pr.Problems, "peer shutdown: "+strings.TrimSpace(err.Error()))
	}
	cfg.logf("peer exited after %s", pr.ShutdownDur.Round(time.Millisecond))
	return pr, nil
}
