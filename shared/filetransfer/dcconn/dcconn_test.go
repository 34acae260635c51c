package dcconn

import (
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/webrtc/v4"

	"lifeline/shared/filetransfer"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// channels connects two peer connections on loopback and returns the two
// ends of one "files" data channel, wrapped before they open.
func channels(t testing.TB) (console, agent *Conn) {
	t.Helper()
	var se webrtc.SettingEngine
	se.SetIncludeLoopbackCandidate(true)
	se.SetInterfaceFilter(func(name string) bool { return name == "lo" })
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	api := webrtc.NewAPI(webrtc.WithSettingEngine(se))
	offerer, err := api.NewPeerConnection(webrtc.Configuration{})
	must(t, err)
	answerer, err := api.NewPeerConnection(webrtc.Configuration{})
	must(t, err)
	t.Cleanup(func() { offerer.Close(); answerer.Close() })

	opened := make(chan struct{}, 2)
	agentConn := make(chan *Conn, 1)
	answerer.OnDataChannel(func(dc *webrtc.DataChannel) {
		agentConn <- New(dc)
		dc.OnOpen(func() { opened <- struct{}{} })
	})
	dc, err := offerer.CreateDataChannel("files/1", nil)
	must(t, err)
	console = New(dc)
	dc.OnOpen(func() { opened <- struct{}{} })

	offer, err := offerer.CreateOffer(nil)
	must(t, err)
	gathered := webrtc.GatheringCompletePromise(offerer)
	must(t, offerer.SetLocalDescription(offer))
	<-gathered
	must(t, answerer.SetRemoteDescription(*offerer.LocalDescription()))
	answer, err := answerer.CreateAnswer(nil)
	must(t, err)
	gathered = webrtc.GatheringCompletePromise(answerer)
	must(t, answerer.SetLocalDescription(answer))
	<-gathered
	must(t, offerer.SetRemoteDescription(*answerer.LocalDescription()))
	for range 2 {
		select {
		case <-opened:
		case <-time.After(10 * time.Second):
			t.Fatal("the data channel did not open on loopback")
		}
	}
	return console, <-agentConn
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func writeRandom(t testing.TB, p string, n int) [32]byte {
	t.Helper()
	b := make([]byte, n)
	rand.NewChaCha8([32]byte{1}).Read(b)
	must(t, os.MkdirAll(filepath.Dir(p), 0o755))
	must(t, os.WriteFile(p, b, 0o644))
	return sha256.Sum256(b)
}

func fileSum(t testing.TB, p string) [32]byte {
	t.Helper()
	b, err := os.ReadFile(p)
	must(t, err)
	return sha256.Sum256(b)
}

// The two-pane window over a real data channel: the agent serves the
// folder the customer allowed, the console lists, uploads and downloads.
func TestOverDataChannel(t *testing.T) {
	consoleConn, agentConn := channels(t)
	allowed, local := t.TempDir(), t.TempDir()
	want := writeRandom(t, filepath.Join(local, "upload.bin"), 20<<20)

	root, err := os.OpenRoot(allowed)
	must(t, err)
	defer root.Close()
	srv := &filetransfer.Server{Root: root, Log: quiet}
	ctx, cancel := context.WithCancel(t.Context())
	var wg sync.WaitGroup
	wg.Go(func() { srv.Serve(ctx, agentConn) })
	defer func() {
		cancel()
		wg.Wait()
	}()
	c := &filetransfer.Client{Conn: consoleConn, Sender: filetransfer.Sender{Log: quiet}, Receiver: filetransfer.Receiver{Log: quiet}}

	plan, err := filetransfer.PlanPaths([]string{filepath.Join(local, "upload.bin")}, filetransfer.Limits{})
	must(t, err)
	defer plan.Close()
	start := time.Now()
	res, err := c.Put(t.Context(), plan, "")
	must(t, err)
	t.Logf("20 MB up in %v (%.0f MB/s)", time.Since(start), float64(res.Bytes)/time.Since(start).Seconds()/1e6)
	if fileSum(t, filepath.Join(allowed, "upload.bin")) != want {
		t.Fatal("upload differs")
	}
	l, err := c.List(t.Context(), "")
	if err != nil || len(l.Entries) != 1 || l.Entries[0].Size != 20<<20 {
		t.Fatalf("list: %+v, %v", l, err)
	}
	must(t, c.Rename(t.Context(), "upload.bin", "back.bin"))
	into := t.TempDir()
	if _, err := c.Get(t.Context(), []string{"back.bin"}, into); err != nil {
		t.Fatal(err)
	}
	if fileSum(t, filepath.Join(into, "back.bin")) != want {
		t.Fatal("download differs")
	}
}

// A channel that closes mid-transfer is ErrInterrupted on both sides, and
// a new channel resumes.
func TestChannelClosesMidTransfer(t *testing.T) {
	src, dst := t.TempDir(), t.TempDir()
	want := writeRandom(t, filepath.Join(src, "f.bin"), 8<<20)
	plan, err := filetransfer.PlanPaths([]string{filepath.Join(src, "f.bin")}, filetransfer.Limits{})
	must(t, err)
	defer plan.Close()

	a, b := channels(t)
	var once sync.Once
	s := &filetransfer.Sender{Log: quiet}
	s.Progress = func(p filetransfer.Progress) {
		if p.Done > 3<<20 {
			once.Do(func() { a.Close() })
		}
	}
	var wg sync.WaitGroup
	var recErr error
	wg.Go(func() { _, recErr = (&filetransfer.Receiver{Log: quiet}).Receive(t.Context(), b, dst) })
	_, sendErr := s.Send(t.Context(), a, plan, "")
	wg.Wait()
	if !errors.Is(sendErr, filetransfer.ErrInterrupted) || !errors.Is(recErr, filetransfer.ErrInterrupted) {
		t.Fatalf("send: %v, receive: %v", sendErr, recErr)
	}

	a, b = channels(t)
	wg.Go(func() { _, recErr = (&filetransfer.Receiver{Log: quiet}).Receive(t.Context(), b, dst) })
	res, sendErr := (&filetransfer.Sender{Log: quiet}).Send(t.Context(), a, plan, "")
	wg.Wait()
	if sendErr != nil || recErr != nil {
		t.Fatalf("resume: send %v, receive %v", sendErr, recErr)
	}
	if res.Resumed < 3<<20 || fileSum(t, filepath.Join(dst, "f.bin")) != want {
		t.Errorf("resumed %d bytes", res.Resumed)
	}
}

// BenchmarkDataChannel sends one 64 MB file over a loopback data channel
// (DTLS and SCTP included): compare with filetransfer's BenchmarkTransfer
// for the channel's own cost.
func BenchmarkDataChannel(b *testing.B) {
	const size = 64 << 20
	src := b.TempDir()
	writeRandom(b, filepath.Join(src, "big.bin"), size)
	plan, err := filetransfer.PlanPaths([]string{filepath.Join(src, "big.bin")}, filetransfer.Limits{MaxTotalBytes: size})
	must(b, err)
	defer plan.Close()
	dst := b.TempDir()
	b.SetBytes(size)
	for b.Loop() {
		b.StopTimer()
		a, c := channels(b)
		b.StartTimer()
		var wg sync.WaitGroup
		var recErr error
		wg.Go(func() {
			_, recErr = (&filetransfer.Receiver{Log: quiet, Limits: filetransfer.Limits{MaxTotalBytes: size}}).Receive(context.Background(), c, dst)
		})
		_, err := (&filetransfer.Sender{Log: quiet}).Send(context.Background(), a, plan, "")
		wg.Wait()
		if err != nil || recErr != nil {
			b.Fatalf("send: %v, receive: %v", err, recErr)
		}
		b.StopTimer()
		must(b, os.Remove(filepath.Join(dst, "big.bin")))
		b.StartTimer()
	}
}
