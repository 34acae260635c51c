package session

import (
	"context"
	"encoding/json"
	"image"
	"image/color"
	"sync"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"

	"lifeline/agent/consent"
	"lifeline/agent/stream"
	"lifeline/agent/stream/streamtest"
	"lifeline/shared/client"
	"lifeline/shared/codec"
	"lifeline/shared/protocol"
	"lifeline/shared/rendezvoustest"
	"lifeline/shared/transport"
)

// scriptUI answers requests from a script and records what it shows.
type scriptUI struct {
	mu      sync.Mutex
	answers []consent.Answer
	asked   []Request
	events  []Event
}

func (u *scriptUI) Ask(ctx context.Context, r Request) consent.Answer {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.asked = append(u.asked, r)
	if len(u.answers) == 0 {
		return consent.Deny
	}
	a := u.answers[0]
	u.answers = u.answers[1:]
	return a
}

func (u *scriptUI) Show(e Event) {
	u.mu.Lock()
	u.events = append(u.events, e)
	u.mu.Unlock()
}

func (u *scriptUI) askedCount() int {
	u.mu.Lock()
	defer u.mu.Unlock()
	return len(u.asked)
}

// recorder is an Injector that records events.
type recorder struct {
	mu     sync.Mutex
	events []transport.Input
}

func (r *recorder) Apply(ev transport.Input) error {
	r.mu.Lock()
	r.events = append(r.events, ev)
	r.mu.Unlock()
	return nil
}
func (r *recorder) SetRegion(image.Rectangle) {}
func (r *recorder) Close() error              { return nil }
func (r *recorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.events)
}

type fixture struct {
	t      *testing.T
	ts     *rendezvoustest.Server
	csr    *client.Conn
	sid    string
	cust   string // the customer's participant id
	ui     *scriptUI
	screen *streamtest.Screen
	inj    *recorder
	agent  *Agent
	done   chan error
}

func start(t *testing.T, answers []consent.Answer, withScreen bool) *fixture {
	ts := rendezvoustest.New(t, rendezvoustest.Options{})
	csrAPI := ts.CSR(t, "carol@example.com", "Carol")
	ctx := context.Background()
	created, err := csrAPI.CreateSession(ctx, "", "")
	if err != nil {
		t.Fatal(err)
	}
	conn, err := csrAPI.Dial(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.CloseNow() })
	if _, err := conn.Request(ctx, created.ID, &protocol.Attach{}); err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, ts: ts, csr: conn, sid: created.ID, ui: &scriptUI{answers: answers}, screen: streamtest.New(200, 130), inj: &recorder{}, done: make(chan error, 1)}
	cfg := Config{API: ts.Client(), Number: created.Number, Name: "Ann", LoopbackOnly: true, Codec: codec.Options{}}
	if withScreen {
		cfg.Screen = &Screen{
			Open:   func(int) (stream.Source, error) { return f.screen, nil },
			Region: func(int) image.Rectangle { return f.screen.Bounds() },
			Input:  func() (Injector, error) { return f.inj, nil },
		}
	}
	f.agent = New(cfg, f.ui)
	actx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	go func() { f.done <- f.agent.Run(actx) }()
	// Wait for the customer.
	for {
		m := f.recv(protocol.TypeState)
		for _, p := range m.Msg.(*protocol.State).Participants {
			if p.Role == protocol.RolePrimary && p.Connected {
				f.cust = p.ID
			}
		}
		if f.cust != "" {
			return f
		}
	}
}

func (f *fixture) recv(typ protocol.Type) client.Message {
	f.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for {
		m, err := f.csr.Recv(ctx)
		if err != nil {
			f.t.Fatalf("waiting for %s: %v", typ, err)
		}
		if m.Env.Type == typ {
			return m
		}
	}
}

func (f *fixture) ask(action string) bool {
	f.t.Helper()
	id := "req-" + action + time.Now().Format("150405.000000")
	if _, err := f.csr.Request(context.Background(), f.sid, &protocol.ConsentRequest{RequestID: id, To: f.cust, Action: action}); err != nil {
		f.t.Fatal(err)
	}
	return f.recv(protocol.TypeConsentAnswer).Msg.(*protocol.ConsentAnswer).Granted
}

// viewer connects to the agent as the console does.
type viewer struct {
	peer    *transport.Peer
	mu      sync.Mutex
	dec     *codec.Decoder
	frames  int
	control []transport.Control
}

func (f *fixture) view(wantReady bool) *viewer {
	f.t.Helper()
	v := &viewer{dec: codec.NewDecoder()}
	p, err := transport.Dial(transport.Options{LoopbackOnly: true}, func(s transport.Signal) error {
		return f.csr.Send(context.Background(), f.sid, &protocol.Signal{To: f.cust, Kind: s.Kind, SDP: s.SDP, Candidate: s.Candidate})
	})
	if err != nil {
		f.t.Fatal(err)
	}
	f.t.Cleanup(func() { p.Close() })
	v.peer = p
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	go func() {
		for {
			m, err := f.csr.Recv(ctx)
			if err != nil {
				return
			}
			if s, ok := m.Msg.(*protocol.Signal); ok {
				_ = p.HandleSignal(transport.Signal{Kind: s.Kind, SDP: s.SDP, Candidate: s.Candidate})
			}
		}
	}()
	err = p.Ready(ctx)
	if !wantReady {
		if err == nil {
			f.t.Fatal("a viewer connected without the customer's consent")
		}
		return nil
	}
	if err != nil {
		f.t.Fatalf("viewer: %v", err)
	}
	var fr *transport.FrameReceiver
	fr = transport.NewFrameReceiver(p.Channel(transport.LabelScreen), func(id uint32, b []byte) {
		v.mu.Lock()
		_, err := v.dec.Decode(b)
		if err == nil {
			v.frames++
		}
		v.mu.Unlock()
		_ = fr.Ack(id)
	}, func(err error) { f.t.Errorf("frame: %v", err) })
	p.Channel(transport.LabelControl).OnMessage(func(m webrtc.DataChannelMessage) {
		c, _ := transport.ParseControl(m.Data)
		v.mu.Lock()
		v.control = append(v.control, c)
		v.mu.Unlock()
	})
	return v
}

func (v *viewer) image() *image.RGBA {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.dec.Image() == nil {
		return nil
	}
	c := *v.dec.Image()
	c.Pix = append([]byte(nil), c.Pix...)
	return &c
}

func (v *viewer) sendInput(t *testing.T, in transport.Input) {
	b, _ := json.Marshal(in)
	if err := v.peer.Channel(transport.LabelInput).Send(b); err != nil {
		t.Fatal(err)
	}
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out: %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func equalImages(a, b *image.RGBA) bool {
	if a == nil || b == nil || a.Rect != b.Rect {
		return false
	}
	return string(a.Pix) == string(b.Pix)
}

func TestDeniedViewGivesNoConnection(t *testing.T) {
	f := start(t, []consent.Answer{consent.Deny}, true)
	if f.ask(protocol.ActionView) {
		t.Fatal("granted")
	}
	f.view(false) // a console that dials anyway gets nowhere
	select {
	case <-f.screen.Closed():
		t.Fatal("the screen was opened")
	default:
	}
}

func TestViewControlAndStop(t *testing.T) {
	f := start(t, []consent.Answer{consent.AllowOnce, consent.AllowOnce}, true)
	if !f.ask(protocol.ActionView) {
		t.Fatal("view denied")
	}
	v := f.view(true)
	eventually(t, "the decoded screen equals the customer's", func() bool { return equalImages(v.image(), f.screen.Snapshot()) })
	f.screen.Paint(image.Rect(10, 10, 90, 40), color.RGBA{200, 30, 30, 255})
	eventually(t, "a change arrives", func() bool { return equalImages(v.image(), f.screen.Snapshot()) })

	// Input without a control grant is refused by the agent.
	v.sendInput(t, transport.Input{Kind: transport.InputClick, X: 5, Y: 5, Button: "left"})
	eventually(t, "input_denied", func() bool {
		v.mu.Lock()
		defer v.mu.Unlock()
		for _, c := range v.control {
			if c.Type == transport.ControlInputDenied {
				return true
			}
		}
		return false
	})
	if f.inj.count() != 0 {
		t.Fatal("input applied without control")
	}
	if !f.ask(protocol.ActionControl) {
		t.Fatal("control denied")
	}
	v.sendInput(t, transport.Input{Kind: transport.InputKey, Key: "a", Mods: []string{"ctrl"}, SentAt: 42})
	eventually(t, "input applied", func() bool { return f.inj.count() == 1 })

	// Stop: capture ends within 100 ms and every grant is gone.
	t0 := time.Now()
	f.agent.Stop()
	select {
	case <-f.screen.Closed():
	case <-time.After(time.Second):
		t.Fatal("capture still running a second after Stop")
	}
	if d := time.Since(t0); d > 100*time.Millisecond {
		t.Errorf("capture stopped %v after Stop, want ≤ 100 ms", d)
	}
	m := f.recv(protocol.TypeStopSharing)
	if m.Env.From != f.cust {
		t.Fatalf("stop_sharing from %s", m.Env.From)
	}
	// The agent closed the connection; whatever still arrives is refused.
	b, _ := json.Marshal(transport.Input{Kind: transport.InputKey, Key: "b"})
	_ = v.peer.Channel(transport.LabelInput).Send(b)
	time.Sleep(100 * time.Millisecond)
	if f.inj.count() != 1 {
		t.Fatal("input applied after Stop")
	}
}

func TestAllowAllAsksOnce(t *testing.T) {
	f := start(t, []consent.Answer{consent.AllowAll}, true)
	if !f.ask(protocol.ActionView) || !f.ask(protocol.ActionControl) {
		t.Fatal("denied")
	}
	if n := f.ui.askedCount(); n != 1 {
		t.Fatalf("asked %d times", n)
	}
	f.agent.Stop()
	f.recv(protocol.TypeStopSharing)
	// After Stop, the customer is asked again.
	f.ui.mu.Lock()
	f.ui.answers = []consent.Answer{consent.Deny}
	f.ui.mu.Unlock()
	if f.ask(protocol.ActionView) {
		t.Fatal("allow-all survived Stop")
	}
}

func TestNoDisplayStillChats(t *testing.T) {
	f := start(t, nil, false)
	if f.ask(protocol.ActionView) {
		t.Fatal("view granted without a display")
	}
	m := f.recv(protocol.TypeChat)
	if m.Msg.(*protocol.Chat).Text == "" || f.ui.askedCount() != 0 {
		t.Fatal("no explanation, or the customer was asked for the impossible")
	}
	f.agent.Chat("hello from a server without a screen")
	if got := f.recv(protocol.TypeChat).Msg.(*protocol.Chat).Text; got != "hello from a server without a screen" {
		t.Fatalf("chat = %q", got)
	}
	f.agent.Leave()
	select {
	case err := <-f.done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after Leave")
	}
}
