package headless

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"

	"lifeline/console/controller"
	"lifeline/console/internal/fakeagent"
	"lifeline/shared/rendezvoustest"
	"lifeline/shared/transport"
)

// harness drives a shell through pipes, as a script would.
type harness struct {
	t       *testing.T
	in      *io.PipeWriter
	replies chan map[string]any
	done    chan error

	mu      sync.Mutex
	events  []map[string]any
	changed chan struct{}
}

func startShell(t *testing.T, ctrl *controller.Controller) *harness {
	t.Helper()
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	h := &harness{t: t, in: inW, replies: make(chan map[string]any, 16), done: make(chan error, 1), changed: make(chan struct{})}
	go func() {
		err := Run(context.Background(), ctrl, inR, outW, Options{CustomerTimeout: 20 * time.Second, AnswerTimeout: 20 * time.Second})
		outW.Close()
		h.done <- err
	}()
	go func() {
		sc := bufio.NewScanner(outR)
		for sc.Scan() {
			var m map[string]any
			if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
				t.Errorf("output line is not JSON: %q", sc.Text())
				continue
			}
			_, isReply := m["ok"]
			_, isEvent := m["event"]
			if isReply == isEvent {
				t.Errorf("a line must be a reply (ok) or an event: %q", sc.Text())
				continue
			}
			if isEvent {
				h.mu.Lock()
				h.events = append(h.events, m)
				close(h.changed)
				h.changed = make(chan struct{})
				h.mu.Unlock()
				continue
			}
			if m["ok"] == false {
				msg, _ := m["error"].(string)
				r := []rune(msg)
				if len(r) == 0 || unicode.IsLower(r[0]) || !strings.HasSuffix(msg, ".") {
					t.Errorf("error is not a sentence: %q", msg)
				}
			}
			h.replies <- m
		}
		close(h.replies)
	}()
	t.Cleanup(func() { inW.Close() })
	return h
}

func (h *harness) do(line string) map[string]any {
	h.t.Helper()
	if _, err := io.WriteString(h.in, line+"\n"); err != nil {
		h.t.Fatalf("write %q: %v", line, err)
	}
	select {
	case r, ok := <-h.replies:
		if !ok {
			h.t.Fatalf("%s: the shell stopped", line)
		}
		return r
	case <-time.After(60 * time.Second):
		h.t.Fatalf("%s: no reply", line)
	}
	return nil
}

func (h *harness) ok(line string) map[string]any {
	h.t.Helper()
	r := h.do(line)
	if r["ok"] != true {
		h.t.Fatalf("%s: %v", line, r)
	}
	return r
}

func (h *harness) fail(line, says string) map[string]any {
	h.t.Helper()
	r := h.do(line)
	if r["ok"] != false || !strings.Contains(strings.ToLower(r["error"].(string)), strings.ToLower(says)) {
		h.t.Fatalf("%s: %v, want an error saying %q", line, r, says)
	}
	return r
}

func (h *harness) event(name string, ok func(map[string]any) bool) map[string]any {
	h.t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		h.mu.Lock()
		i := slices.IndexFunc(h.events, func(m map[string]any) bool { return m["event"] == name && (ok == nil || ok(m)) })
		var m map[string]any
		if i >= 0 {
			m = h.events[i]
		}
		ch := h.changed
		h.mu.Unlock()
		if m != nil {
			return m
		}
		select {
		case <-ch:
		case <-deadline:
			h.t.Fatalf("no %s event", name)
		}
	}
}

func num(m map[string]any, k string) float64 {
	f, _ := m[k].(float64)
	return f
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func readPNG(t *testing.T, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// samePixels compares colours exactly (Standard mode is lossless).
func samePixels(t *testing.T, got image.Image, want *image.RGBA) {
	t.Helper()
	if got.Bounds() != want.Rect {
		t.Fatalf("snapshot is %v, the agent's screen %v", got.Bounds(), want.Rect)
	}
	for y := want.Rect.Min.Y; y < want.Rect.Max.Y; y++ {
		for x := want.Rect.Min.X; x < want.Rect.Max.X; x++ {
			r, g, b, _ := got.At(x, y).RGBA()
			w := want.RGBAAt(x, y)
			if uint8(r>>8) != w.R || uint8(g>>8) != w.G || uint8(b>>8) != w.B {
				t.Fatalf("pixel %d,%d is %d,%d,%d; the agent shows %d,%d,%d", x, y, r>>8, g>>8, b>>8, w.R, w.G, w.B)
			}
		}
	}
}

// The whole support session through the shell: start, a customer joins,
// view, an exact snapshot, control and input, statistics, options, chat,
// the customer stops sharing, a denied request, and the end with notes.
func TestHeadlessSession(t *testing.T) {
	ts := rendezvoustest.New(t, rendezvoustest.Options{})
	ts.AddUser(t, "carol@example.com", "Carol CSR", "csr", "carol-password-1")
	ctrl := loggedIn(t, ts, "carol@example.com", "carol-password-1")
	h := startShell(t, ctrl)
	h.event("ready", func(m map[string]any) bool { return m["user"] == "carol@example.com" })
	dir := t.TempDir()

	h.fail("request view", "no session")
	r := h.ok("start")
	number, sessionID := r["number"].(string), r["session_id"].(string)
	if len(number) != 9 || !strings.HasPrefix(sessionID, "ses_") {
		t.Fatalf("start = %v", r)
	}
	h.fail("start", "still running")
	h.fail("request view", "no customer")
	h.fail("wait-customer 0.2", "no customer joined within 0.2 s")

	agent := fakeagent.Join(t, ts, number, fakeagent.Options{Name: "Ann", Grant: true, Width: 320, Height: 200})
	r = h.ok("wait-customer 20")
	if r["participant_id"] != agent.ID || r["name"] != "Ann" {
		t.Fatalf("wait-customer = %v", r)
	}

	// View: the reply comes with the first frame; once the agent is idle
	// the snapshot is its screen, pixel for pixel.
	r = h.ok("request view")
	if r["granted"] != true || num(r, "width") != 320 || num(r, "height") != 200 {
		t.Fatalf("request view = %v", r)
	}
	h.event("stream_started", nil)
	h.event("screen", func(m map[string]any) bool { return num(m, "width") == 320 && num(m, "height") == 200 })
	sent, last, err := agent.WaitIdle(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	h.ok(fmt.Sprintf("wait-frames %d 20", sent))
	shot := filepath.Join(dir, "view.png")
	r = h.ok("snapshot " + shot)
	if num(r, "width") != 320 || num(r, "height") != 200 {
		t.Fatalf("snapshot = %v", r)
	}
	samePixels(t, readPNG(t, shot), last)

	// Input needs control.
	h.fail("click 10 20", "request control first")
	r = h.ok("request control")
	if r["granted"] != true {
		t.Fatalf("request control = %v", r)
	}
	h.ok("click 10 20")
	h.ok("key ctrl+a")
	h.ok("key shift+Tab")
	h.ok("type hello world")
	h.ok("scroll -2")
	h.fail("click 400 20", "outside the customer's screen")
	inputs, err := agent.WaitInputs(ctxT(t), 5)
	if err != nil {
		t.Fatal(err)
	}
	want := []transport.Input{
		{Kind: "click", X: 10, Y: 20, Button: "left"},
		{Kind: "key", Key: "a", Mods: []string{"ctrl"}},
		{Kind: "key", Key: "Tab", Mods: []string{"shift"}},
		{Kind: "text", Text: "hello world"},
		{Kind: "wheel", DY: -2},
	}
	for i, w := range want {
		got := inputs[i]
		if got.SentAt <= 0 {
			t.Errorf("input %d has no SentAt", i)
		}
		got.SentAt = 0
		if got.Kind != w.Kind || got.X != w.X || got.Y != w.Y || got.Button != w.Button || got.Key != w.Key ||
			!slices.Equal(got.Mods, w.Mods) || got.Text != w.Text || got.DY != w.DY {
			t.Errorf("input %d = %+v, want %+v", i, got, w)
		}
	}

	// A click changes the picture; a fresh snapshot shows it.
	h.ok("click 100 50 right")
	shot2 := filepath.Join(dir, "after-click.png")
	h.ok("snapshot " + shot2 + " --fresh")
	if _, last, err = agent.WaitIdle(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	if red := last.RGBAAt(100, 50); red.R != 255 || red.G != 0 {
		t.Fatalf("the agent did not draw the click: %v", red)
	}
	// The fresh snapshot may predate a keyframe of the same picture, never
	// a different picture: compare it with the agent's last.
	samePixels(t, readPNG(t, shot2), last)

	r = h.ok("stats")
	if num(r, "frames") < float64(sent) || num(r, "bytes") <= 0 || r["live"] != true || r["control"] != true ||
		num(r, "width") != 320 || num(r, "fps") < 0 || num(r, "kbps") < 0 {
		t.Fatalf("stats = %v", r)
	}
	if lat, ok := r["latency_ms"].(float64); !ok || lat < 0 || lat > 10000 {
		t.Fatalf("latency_ms = %v, want a measured latency", r["latency_ms"])
	}

	// Options reach the agent on the control channel.
	h.ok("mode sampling")
	h.ok("colors 256")
	h.ok("monitor 0")
	h.fail("mode fast", "standard or sampling")
	for what, ok := range map[string]func(transport.Control) bool{
		"mode":    func(c transport.Control) bool { return c.Type == "options" && c.Mode == "sampling" },
		"colors":  func(c transport.Control) bool { return c.Type == "options" && c.Colors == "256" },
		"monitor": func(c transport.Control) bool { return c.Type == "options" && c.Monitor != nil && *c.Monitor == 0 },
	} {
		if err := agent.WaitControl(ctxT(t), ok); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}

	// Chat both ways; the customer's line is an event.
	h.ok("chat Hello Ann, I can see your screen.")
	if err := agent.WaitChat(ctxT(t), "Hello Ann, I can see your screen."); err != nil {
		t.Fatal(err)
	}
	if err := agent.Chat("Thanks!"); err != nil {
		t.Fatal(err)
	}
	h.event("chat", func(m map[string]any) bool { return m["from"] == "Ann" && m["text"] == "Thanks!" })

	// Unknown commands and wrong arguments do not stop the shell.
	h.fail("teleport", "unknown command")
	h.fail("click 1", "needs more arguments")
	// A session started directly has the site's features, every one here.
	if st := h.ok("status"); st["queue"] != "" || fmt.Sprint(st["features"]) != "[file_transfer scripts system_info reboot recording]" {
		t.Fatalf("status: queue %v, features %v", st["queue"], st["features"])
	}

	// The customer stops sharing: the stream is over.
	if err := agent.StopSharing(); err != nil {
		t.Fatal(err)
	}
	h.ok("wait-stopped 20")
	h.event("stop_sharing", nil)
	h.event("stream_stopped", nil)
	r = h.ok("stats")
	if r["live"] != false || r["control"] != false {
		t.Fatalf("stats after stop = %v", r)
	}
	frames := num(r, "frames")
	h.fail("click 10 20", "not viewing")

	// A denied request: granted false, and no frame comes.
	agent.SetGrant(false)
	r = h.ok("request view")
	if r["granted"] != false {
		t.Fatalf("denied request = %v", r)
	}
	h.fail(fmt.Sprintf("wait-frames %d 1", int(frames)+1), "stopped")
	if r = h.ok("stats"); num(r, "frames") != frames || r["live"] != false {
		t.Fatalf("stats after a denied request = %v", r)
	}
	if agent.Streams() != 1 {
		t.Fatalf("the agent saw %d screen connections, want 1", agent.Streams())
	}

	// End with notes; the report has them.
	h.ok("end Reinstalled the printer driver.")
	h.event("ended", nil)
	h.fail("chat still there?", "ended")
	api := ts.Client()
	if _, err := api.Login(ctxT(t), "carol@example.com", "carol-password-1"); err != nil {
		t.Fatal(err)
	}
	rep, err := api.Report(ctxT(t), sessionID)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Notes != "Reinstalled the printer driver." || rep.Session.State != "ended" {
		t.Fatalf("report notes %q state %q", rep.Notes, rep.Session.State)
	}
	var answers []bool
	for _, e := range rep.Events {
		if e.Type == "consent_answer" {
			var d struct{ Granted bool }
			_ = json.Unmarshal(e.Data, &d)
			answers = append(answers, d.Granted)
		}
	}
	if !slices.Equal(answers, []bool{true, true, false}) {
		t.Fatalf("consent answers in the report = %v", answers)
	}

	h.ok("quit")
	if err := <-h.done; err != nil {
		t.Fatalf("Run = %v", err)
	}
	if errs := agent.Errors(); len(errs) > 0 {
		t.Fatalf("agent: %v", errs)
	}
}

// Without a session most commands explain what to do; help lists every
// command; the end of input ends the shell without error.
func TestShellWithoutSession(t *testing.T) {
	ctrl := controller.New(controller.Config{Server: "https://127.0.0.1:1"})
	defer ctrl.Close()
	h := startShell(t, ctrl)
	for _, line := range []string{"stats", "wait-customer 1", "click 1 2", "snapshot /tmp/x.png", "end"} {
		h.fail(line, "send start first")
	}
	r := h.ok("help")
	if cmds, _ := r["commands"].([]any); len(cmds) != len(commandNames) {
		t.Fatalf("help = %v", r)
	}
	h.fail("start", "not logged in")
	io.WriteString(h.in, "# comments and blank lines get no reply\n\n")
	h.ok("help")
	h.in.Close()
	select {
	case err := <-h.done:
		if err != nil {
			t.Fatalf("Run at end of input = %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the shell did not stop at the end of input")
	}
}
