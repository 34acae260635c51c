package filetransfer

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"io/fs"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// writeFile writes n pseudo-random bytes (seeded by name) to dir/rel.
func writeFile(t testing.TB, dir, rel string, n int) {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(rel))
	must(t, os.MkdirAll(filepath.Dir(p), 0o755))
	must(t, os.WriteFile(p, randomBytes(rel, n), 0o644))
}

func randomBytes(seed string, n int) []byte {
	var s [32]byte
	copy(s[:], seed)
	r := rand.NewChaCha8(s)
	b := make([]byte, n)
	r.Read(b)
	return b
}

// tree maps every file and folder under dir to its SHA-256 ("dir" for
// folders), with links and leftover partial files reported as such.
func tree(t testing.TB, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	must(t, filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == dir {
			return err
		}
		rel := filepath.ToSlash(strings.TrimPrefix(p, dir+string(filepath.Separator)))
		switch {
		case d.Type()&fs.ModeSymlink != 0:
			out[rel] = "link"
		case d.IsDir():
			out[rel] = "dir"
		default:
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			sum := sha256.Sum256(b)
			out[rel] = hex.EncodeToString(sum[:])
		}
		return nil
	}))
	return out
}

func sameTree(t testing.TB, got, want map[string]string) {
	t.Helper()
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: got %.12s, want %.12s", k, got[k], v)
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("unexpected %s", k)
		}
	}
}

func openRoot(t testing.TB, dir string) *os.Root {
	t.Helper()
	r, err := os.OpenRoot(dir)
	must(t, err)
	t.Cleanup(func() { r.Close() })
	return r
}

func planPaths(t testing.TB, paths ...string) *Plan {
	t.Helper()
	p, err := PlanPaths(paths, Limits{})
	must(t, err)
	t.Cleanup(func() { p.Close() })
	return p
}

type outcome struct {
	sent, got       Result
	sendErr, recErr error
}

// transfer runs a Sender and a Receiver against each other over conns.
func transfer(ctx context.Context, p *Plan, s *Sender, r *Receiver, dir string, sc, rc Conn) outcome {
	if s.Log == nil {
		s.Log = quiet
	}
	if r.Log == nil {
		r.Log = quiet
	}
	var o outcome
	var wg sync.WaitGroup
	wg.Go(func() { o.got, o.recErr = r.Receive(ctx, rc, dir) })
	o.sent, o.sendErr = s.Send(ctx, sc, p, "")
	wg.Wait()
	return o
}

// dropConn drops the connection as a message arrives that brings what
// came through it to more than after bytes: the receiver has exactly
// what came before.
type dropConn struct {
	*PipeConn
	after int64
	got   atomic.Int64
}

func (d *dropConn) Recv(ctx context.Context) ([]byte, error) {
	b, err := d.PipeConn.Recv(ctx)
	if err == nil && d.got.Add(int64(len(b))) > d.after {
		d.PipeConn.Close()
		return nil, ErrClosed
	}
	return b, err
}

// peer drives one side of a pipe by hand, for the receiver's tests with
// messages no honest sender writes.
type peer struct {
	t    testing.TB
	conn *PipeConn
}

func (p *peer) send(m message) {
	p.t.Helper()
	if err := p.conn.Send(encode(m)); err != nil {
		p.t.Fatalf("send: %v", err)
	}
}

func (p *peer) recv() message {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	b, err := p.conn.Recv(ctx)
	if err != nil {
		p.t.Fatalf("recv: %v", err)
	}
	m, err := decode(b)
	if err != nil {
		p.t.Fatalf("decode: %v", err)
	}
	return m
}

// receiveBy starts a Receiver into dir and returns the hand-driven
// sender and the Receiver's result.
func receiveBy(t testing.TB, r *Receiver, dir string) (*peer, <-chan error) {
	a, b := Pipe()
	t.Cleanup(func() { a.Close() })
	if r.Log == nil {
		r.Log = quiet
	}
	done := make(chan error, 1)
	go func() {
		_, err := r.Receive(context.Background(), b, dir)
		done <- err
	}()
	return &peer{t: t, conn: a}, done
}

func wait(t testing.TB, done <-chan error) error {
	t.Helper()
	select {
	case err := <-done:
		return err
	case <-time.After(10 * time.Second):
		t.Fatal("timed out")
		return nil
	}
}

func sumOf(b []byte) [32]byte { return sha256.Sum256(b) }
