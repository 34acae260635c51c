package transport

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"

	"lifeline/shared/filetransfer"
	"lifeline/shared/filetransfer/dcconn"
)

// *Channel is what the file transfer adapter takes.
var _ dcconn.Channel = (*Channel)(nil)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// toolPair connects a viewer and an agent whose OnChannel hands accepted
// channels to the returned chan (without blocking pion) when accept says so.
func toolPair(t *testing.T, accept func(label string) bool) (viewer, agent *Peer, got chan *Channel) {
	t.Helper()
	got = make(chan *Channel, 2*MaxToolChannels) // never blocks pion, even in TestOpenChannelChecks
	aopts := Options{LoopbackOnly: true, Log: quiet}
	if accept != nil {
		aopts.OnChannel = func(label string, ch *Channel) bool {
			if !accept(label) {
				return false
			}
			got <- ch
			return true
		}
	}
	viewer, agent = pairWith(t, Options{LoopbackOnly: true, Log: quiet}, aopts)
	return viewer, agent, got
}

func recvChannel(t *testing.T, got chan *Channel) *Channel {
	t.Helper()
	select {
	case ch := <-got:
		return ch
	case <-time.After(5 * time.Second):
		t.Fatal("the agent was not told of the tool channel")
		return nil
	}
}

// collect returns a chan of the first bytes of each message on ch.
func collect(ch *Channel) chan byte {
	out := make(chan byte, 1024)
	ch.OnMessage(func(m webrtc.DataChannelMessage) { out <- m.Data[0] })
	return out
}

func expectSeq(t *testing.T, what string, c chan byte, n int) {
	t.Helper()
	for i := 0; i < n; i++ {
		select {
		case b := <-c:
			if b != byte(i) {
				t.Fatalf("%s: message %d arrived as %d", what, i, b)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("%s: message %d lost", what, i)
		}
	}
}

func waitClosed(t *testing.T, what string, ch *Channel) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for ch.ReadyState() != webrtc.DataChannelStateClosed {
		if time.Now().After(deadline) {
			t.Fatalf("%s: still %v", what, ch.ReadyState())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// expectInput checks that the session's input channel still carries events.
func expectInput(t *testing.T, viewer, agent *Peer) {
	t.Helper()
	got := make(chan []byte, 1)
	agent.Channel(LabelInput).OnMessage(func(m webrtc.DataChannelMessage) { got <- m.Data })
	if err := viewer.Channel(LabelInput).Send([]byte(`{"k":"click","x":1,"y":2,"b":"left"}`)); err != nil {
		t.Fatalf("input send: %v", err)
	}
	select {
	case b := <-got:
		if in, err := ParseInput(b); err != nil || in.Kind != InputClick {
			t.Fatalf("input = %+v, %v", in, err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("input lost")
	}
}

// expectFrame checks that the screen channel still carries frames.
func expectFrame(t *testing.T, viewer, agent *Peer) {
	t.Helper()
	frames := make(chan []byte, 1)
	// The receiver reaches its own callback through an atomic: the race
	// detector sees no order between this goroutine and pion's reader.
	var fr atomic.Pointer[FrameReceiver]
	fr.Store(NewFrameReceiver(viewer.Channel(LabelScreen), func(id uint32, f []byte) {
		frames <- append([]byte(nil), f...)
		if r := fr.Load(); r != nil {
			_ = r.Ack(id)
		}
	}, func(err error) { t.Errorf("receiver: %v", err) }))
	s := NewFrameSender(agent.Channel(LabelScreen))
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	if err := s.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	frame := bytes.Repeat([]byte("still here "), 5000)
	if _, err := s.Send(frame); err != nil {
		t.Fatal(err)
	}
	select {
	case f := <-frames:
		if !bytes.Equal(f, frame) {
			t.Fatal("frame changed on the way")
		}
	case <-ctx.Done():
		t.Fatal("no frame")
	}
}

// Two tool channels, messages both ways in order, including everything
// sent before either end set its handler.
func TestToolChannels(t *testing.T) {
	viewer, _, got := toolPair(t, func(string) bool { return true })
	const n = 100
	labels := []string{"files/1", "tools/sysinfo-1"}
	var mine []*Channel
	for _, l := range labels {
		ch, err := viewer.OpenChannel(l)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < n; i++ {
			if err := ch.Send([]byte{byte(i), l[0]}); err != nil {
				t.Fatalf("%s: send %d: %v", l, i, err)
			}
		}
		mine = append(mine, ch)
	}
	theirs := map[string]*Channel{}
	for range labels {
		ch := recvChannel(t, got)
		theirs[ch.Label()] = ch
	}
	time.Sleep(300 * time.Millisecond) // all of them are in before the handlers
	for i, l := range labels {
		a := theirs[l]
		if a == nil {
			t.Fatalf("agent did not get %s: %v", l, theirs)
		}
		expectSeq(t, "agent "+l, collect(a), n)
		for j := 0; j < n; j++ {
			if err := a.Send([]byte{byte(j)}); err != nil {
				t.Fatal(err)
			}
		}
		time.Sleep(100 * time.Millisecond)
		expectSeq(t, "viewer "+l, collect(mine[i]), n)
	}
	if _, err := viewer.OpenChannel("files/1"); err == nil {
		t.Error("a second channel with an open label was allowed")
	}
}

// The agent decides: a prefix it does not serve, a label outside the tool
// set, and a connection without OnChannel all get a closed channel, and
// the session's channels keep working.
func TestToolChannelsRefused(t *testing.T) {
	viewer, agent, got := toolPair(t, func(label string) bool { return strings.HasPrefix(label, PrefixFiles) })
	refused, err := viewer.OpenChannel("tools/script-7")
	if err != nil {
		t.Fatal(err)
	}
	waitClosed(t, "declined prefix", refused)
	// Not through OpenChannel, which would refuse it here: what a hostile
	// viewer could open.
	raw, err := viewer.pc.CreateDataChannel("evil", nil)
	if err != nil {
		t.Fatal(err)
	}
	waitClosed(t, "unknown label", &Channel{DataChannel: raw})
	ok, err := viewer.OpenChannel("files/x")
	if err != nil {
		t.Fatal(err)
	}
	if a := recvChannel(t, got); a.Label() != "files/x" {
		t.Fatalf("agent got %s", a.Label())
	}
	if ok.ReadyState() != webrtc.DataChannelStateOpen {
		t.Fatalf("accepted channel is %v", ok.ReadyState())
	}
	expectInput(t, viewer, agent)
	expectFrame(t, viewer, agent)

	v2, _, _ := toolPair(t, nil)
	ch, err := v2.OpenChannel("files/1")
	if err != nil {
		t.Fatal(err)
	}
	waitClosed(t, "no OnChannel", ch)
}

func TestOpenChannelChecks(t *testing.T) {
	for _, l := range []string{"files/a", "tools/sysinfo.2", "files/" + strings.Repeat("x", MaxToolIDLen)} {
		if err := ValidToolLabel(l); err != nil {
			t.Errorf("%q: %v", l, err)
		}
	}
	for _, l := range []string{"", "files/", "files", "control", "screen", "Files/a", "tools/a/b", "tools/a b", "files/é", "files/\x00", "files/" + strings.Repeat("x", MaxToolIDLen+1)} {
		if err := ValidToolLabel(l); !errors.Is(err, ErrBadLabel) {
			t.Errorf("%q: %v", l, err)
		}
	}
	p, err := Dial(Options{LoopbackOnly: true, Log: quiet}, func(Signal) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if _, err := p.OpenChannel("files/1"); !errors.Is(err, ErrNotReady) {
		t.Errorf("before ready: %v", err)
	}
	viewer, _, _ := toolPair(t, func(string) bool { return true })
	if _, err := viewer.OpenChannel("input"); !errors.Is(err, ErrBadLabel) {
		t.Errorf("a session label: %v", err)
	}
	for i := 0; i < MaxToolChannels; i++ {
		if _, err := viewer.OpenChannel("tools/" + string(rune('a'+i%26)) + string(rune('a'+i/26))); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := viewer.OpenChannel("tools/one-too-many"); err == nil {
		t.Error("more than MaxToolChannels opened")
	}
}

// Closing a tool channel closes it on both ends and nothing else; closing
// the peer closes the tool channels too.
func TestToolChannelClose(t *testing.T) {
	viewer, agent, got := toolPair(t, func(string) bool { return true })
	a, err := viewer.OpenChannel("files/1")
	if err != nil {
		t.Fatal(err)
	}
	b, err := viewer.OpenChannel("files/2")
	if err != nil {
		t.Fatal(err)
	}
	theirs := map[string]*Channel{}
	for range 2 {
		ch := recvChannel(t, got)
		theirs[ch.Label()] = ch
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	waitClosed(t, "agent's files/1", theirs["files/1"])
	expectInput(t, viewer, agent)
	expectFrame(t, viewer, agent)
	seq := collect(theirs["files/2"])
	for i := 0; i < 3; i++ {
		if err := b.Send([]byte{byte(i)}); err != nil {
			t.Fatal(err)
		}
	}
	expectSeq(t, "files/2 after files/1 closed", seq, 3)
	// The label is free again once its channel has closed.
	again, err := viewer.OpenChannel("files/1")
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	recvChannel(t, got)

	viewer.Close()
	waitClosed(t, "agent's files/2 after the peer closed", theirs["files/2"])
	waitClosed(t, "viewer's reopened files/1 after the peer closed", again)
}

// The file transfer engine over a tool channel, next to a live session:
// a folder goes up to the agent's allowed folder and comes back.
func TestFileTransferOverToolChannel(t *testing.T) {
	allowed, local := t.TempDir(), t.TempDir()
	root, err := os.OpenRoot(allowed)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	ctx, cancel := context.WithCancel(t.Context())
	var wg sync.WaitGroup
	defer func() {
		cancel()
		wg.Wait()
	}()
	srv := &filetransfer.Server{Root: root, Log: quiet}
	viewer, agent := pairWith(t, Options{LoopbackOnly: true, Log: quiet}, Options{LoopbackOnly: true, Log: quiet,
		OnChannel: func(label string, ch *Channel) bool {
			if !strings.HasPrefix(label, PrefixFiles) {
				return false
			}
			conn := dcconn.New(ch)
			wg.Go(func() { srv.Serve(ctx, conn) })
			return true
		}})

	want := map[string][]byte{
		"folder/a.txt":        []byte("hello"),
		"folder/sub/b.bin":    bytes.Repeat([]byte{0, 1, 2, 3}, 300_000),
		"folder/sub/deeper/c": {},
	}
	for name, b := range want {
		p := filepath.Join(local, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ch, err := viewer.OpenChannel("files/session-1")
	if err != nil {
		t.Fatal(err)
	}
	c := &filetransfer.Client{Conn: dcconn.New(ch), Sender: filetransfer.Sender{Log: quiet}, Receiver: filetransfer.Receiver{Log: quiet}}
	plan, err := filetransfer.PlanPaths([]string{filepath.Join(local, "folder")}, filetransfer.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	defer plan.Close()
	if _, err := c.Put(t.Context(), plan, ""); err != nil {
		t.Fatalf("put: %v", err)
	}
	into := t.TempDir()
	if _, err := c.Get(t.Context(), []string{"folder"}, into); err != nil {
		t.Fatalf("get: %v", err)
	}
	for name, b := range want {
		back, err := os.ReadFile(filepath.Join(into, filepath.FromSlash(name)))
		if err != nil || !bytes.Equal(back, b) {
			t.Errorf("%s: %d bytes back of %d, %v", name, len(back), len(b), err)
		}
	}
	expectInput(t, viewer, agent)
	expectFrame(t, viewer, agent)
}
