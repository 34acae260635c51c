// Package headless is the console's automation shell, modelled on
// MeshCentral's meshctrl: it reads one command per line and writes one JSON
// object per line. Every reply has "ok" (and "error", a sentence, when ok is
// false); lines with an "event" field instead are things that happened in
// the session (chat, joins, the end of sharing, …) and may come at any
// time between replies. docs/automation.md describes every command.
package headless

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image/png"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"lifeline/console/controller"
	"lifeline/shared/protocol"
)

// Options are the shell's default timeouts; zero fields take the defaults.
type Options struct {
	CustomerTimeout time.Duration // wait-customer: 60 s
	AnswerTimeout   time.Duration // request: the customer's answer, 120 s
	FrameTimeout    time.Duration // request, snapshot --fresh, wait-frames, wait-stopped: 30 s
}

func (o *Options) defaults() {
	if o.CustomerTimeout <= 0 {
		o.CustomerTimeout = 60 * time.Second
	}
	if o.AnswerTimeout <= 0 {
		o.AnswerTimeout = 120 * time.Second
	}
	if o.FrameTimeout <= 0 {
		o.FrameTimeout = 30 * time.Second
	}
}

// maxLine is the longest command line accepted.
const maxLine = 1 << 20

type shell struct {
	ctrl *controller.Controller
	opts Options
	sess *controller.Session
	// files is the open advanced file transfer of sess, if any.
	advanced *controller.Files

	// inputPending is set by input commands until a snapshot --fresh has
	// waited for their effect.
	inputPending bool

	mu     sync.Mutex
	out    io.Writer
	outErr error
}

// Run reads commands from in until quit or the end of input, and writes
// replies and events to out. ctrl must be logged in; Run reads its Events
// while it runs, and leaves closing it to the caller. It returns nil on
// quit or end of input.
func Run(ctx context.Context, ctrl *controller.Controller, in io.Reader, out io.Writer, opts Options) error {
	opts.defaults()
	sh := &shell{ctrl: ctrl, opts: opts, out: out}

	stopEvents, eventsDone := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(eventsDone)
		for {
			select {
			case ev, ok := <-ctrl.Events():
				if !ok {
					return
				}
				sh.write(eventObject(ev))
			case <-stopEvents:
				return
			}
		}
	}()
	defer func() {
		close(stopEvents)
		<-eventsDone
	}()
	u := ctrl.User()
	sh.write(newObj().set("event", "ready").set("user", u.Email).set("name", u.Name))

	lines, readErr, stopRead := make(chan string), make(chan error, 1), make(chan struct{})
	defer close(stopRead)
	go func() {
		br := bufio.NewReaderSize(in, 64<<10)
		for {
			line, err := br.ReadString('\n')
			if line != "" {
				select {
				case lines <- line:
				case <-stopRead:
					return
				}
			}
			if err != nil {
				readErr <- err
				return
			}
		}
	}()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case err := <-readErr:
			if errors.Is(err, io.EOF) {
				return nil
			}
			return fmt.Errorf("read commands: %w", err)
		case line := <-lines:
			if sh.handle(ctx, line) {
				return sh.writeErr()
			}
			if err := sh.writeErr(); err != nil {
				return err
			}
		}
	}
}

// handle runs one line; it reports whether the shell should stop.
func (sh *shell) handle(ctx context.Context, line string) bool {
	if len(line) > maxLine {
		sh.write(failure(fmt.Errorf("the line is longer than %d bytes", maxLine)))
		return false
	}
	cmd, err := parse(line)
	switch {
	case errors.Is(err, errEmpty):
		return false
	case err != nil:
		sh.write(failure(err))
		return false
	case cmd.name == "quit":
		sh.write(success())
		return true
	}
	reply, err := sh.exec(ctx, cmd)
	if err != nil {
		sh.write(failure(err))
	} else {
		sh.write(reply)
	}
	return false
}

func (sh *shell) session() (*controller.Session, error) {
	if sh.sess == nil {
		return nil, errors.New("there is no session: send start first")
	}
	return sh.sess, nil
}

func (sh *shell) exec(ctx context.Context, cmd command) (*obj, error) {
	if cmd.name == "help" {
		list := make([]any, 0, len(commandNames))
		for _, n := range commandNames {
			list = append(list, usage[n])
		}
		return success().set("commands", list), nil
	}
	if cmd.name == "start" {
		if s := sh.sess; s != nil && !ended(s) {
			return nil, fmt.Errorf("session %s is still running: end it before starting another", s.Number())
		}
		s, err := sh.ctrl.StartSession(ctx, cmd.sessionType, cmd.trackingCode)
		if err != nil {
			return nil, err
		}
		sh.sess = s
		return success().set("number", s.Number()).set("session_id", s.ID()).set("join_url", s.JoinURL()), nil
	}
	if cmd.name == "queue" {
		return sh.queue(ctx, cmd)
	}
	if cmd.name == "transfer-targets" {
		return sh.transferTargets(ctx)
	}
	if cmd.name == "assist" {
		if s := sh.sess; s != nil && !ended(s) {
			return nil, fmt.Errorf("session %s is still running: end or leave it before assisting in another", s.Number())
		}
		s, err := sh.ctrl.Assist(ctx, cmd.text)
		if err != nil {
			return nil, err
		}
		sh.sess = s
		st := s.State()
		return success().set("number", st.Number).set("session_id", s.ID()).set("you", st.You), nil
	}
	s, err := sh.session()
	if err != nil {
		return nil, err
	}
	switch cmd.name {
	case "participants":
		return success().set("participants", participants(s.State())), nil
	case "make-primary":
		return success(), s.MakePrimary(ctx, cmd.text)
	case "transfer-control":
		return success(), s.TransferControl(ctx, cmd.text)
	case "leave":
		return success(), s.Leave(ctx)
	case "wait-customer":
		d := pick(cmd.timeout, sh.opts.CustomerTimeout)
		wctx, cancel := context.WithTimeout(ctx, d)
		defer cancel()
		p, err := s.WaitCustomer(wctx)
		if err != nil {
			return nil, timedOut(err, d, "no customer joined")
		}
		return success().set("participant_id", p.ID).set("name", p.Name), nil

	case "request":
		d := pick(cmd.timeout, sh.opts.AnswerTimeout)
		actx, cancel := context.WithTimeout(ctx, d)
		defer cancel()
		var granted bool
		if cmd.action == "control" {
			granted, err = s.RequestControl(actx)
		} else {
			granted, err = s.RequestView(actx)
		}
		if err != nil {
			return nil, err
		}
		if !granted {
			return success().set("granted", false), nil
		}
		fctx, cancel2 := context.WithTimeout(ctx, sh.opts.FrameTimeout)
		defer cancel2()
		if err := s.WaitFirstFrame(fctx); err != nil {
			if errors.Is(err, context.DeadlineExceeded) {
				return nil, fmt.Errorf("the customer allowed it, but no screen image arrived within %s", seconds(sh.opts.FrameTimeout))
			}
			return nil, fmt.Errorf("the customer allowed it, but %w", err)
		}
		st := s.Stats()
		return success().set("granted", true).set("width", st.Width).set("height", st.Height), nil

	case "mode":
		return success(), s.SetMode(cmd.text)
	case "colors":
		return success(), s.SetColors(cmd.text)
	case "monitor":
		return success(), s.SetMonitor(cmd.monitor)

	case "snapshot":
		if cmd.fresh {
			// After input: a frame that shows the latest input event.
			// Otherwise: a frame newer than the one on screen now.
			wctx, cancel := context.WithTimeout(ctx, sh.opts.FrameTimeout)
			defer cancel()
			if sh.inputPending {
				sh.inputPending = false
				if err := s.WaitInputShown(wctx); err != nil {
					return nil, timedOut(err, sh.opts.FrameTimeout, "no screen image showing the last input arrived")
				}
			} else if err := s.WaitFrames(wctx, s.Stats().Frames+1); err != nil {
				return nil, timedOut(err, sh.opts.FrameTimeout, "no new screen image arrived")
			}
		}
		img, frames, err := s.Snapshot()
		if err != nil {
			return nil, err
		}
		var buf bytes.Buffer
		if err := (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(&buf, img); err != nil {
			return nil, fmt.Errorf("could not encode the snapshot: %w", err)
		}
		if err := os.WriteFile(cmd.path, buf.Bytes(), 0o644); err != nil {
			return nil, fmt.Errorf("could not write the snapshot: %w", err)
		}
		return success().set("path", cmd.path).set("width", img.Rect.Dx()).set("height", img.Rect.Dy()).set("frames", frames), nil

	case "click", "move", "scroll", "key", "type":
		switch cmd.name {
		case "click":
			err = s.Click(cmd.x, cmd.y, cmd.button)
		case "move":
			err = s.Move(cmd.x, cmd.y)
		case "scroll":
			err = s.Scroll(cmd.dy)
		case "key":
			err = s.Key(cmd.text)
		case "type":
			err = s.Type(cmd.text)
		}
		if err != nil {
			return nil, err
		}
		sh.inputPending = true
		return success(), nil

	case "stats":
		st := s.Stats()
		var latency any
		if st.HasLatency {
			latency = millis(st.Latency)
		}
		return success().set("frames", st.Frames).set("bytes", st.Bytes).
			set("fps", round1(st.FPS)).set("kbps", round1(st.Kbps)).set("latency_ms", latency).
			set("decode_ms", millis(st.DecodeTime)).set("decode_errors", st.DecodeErrors).
			set("live", st.Live).set("width", st.Width).set("height", st.Height).
			set("paused", st.Paused).set("control", st.Control), nil

	case "status":
		st := s.State()
		return success().set("session_id", st.ID).set("number", st.Number).set("state", st.State).
			set("you", st.You).set("sharing", st.Sharing).set("controller", st.Controller).
			set("live", s.Live()).set("participants", participants(st)).
			set("queue", sessionQueue(st.Settings)).set("features", features(st.Settings)), nil

	case "chat":
		return success(), s.Chat(ctx, "", cmd.text)
	case "notes":
		return success(), s.SetNotes(ctx, cmd.text)
	case "stop-sharing":
		return success(), s.StopSharing(ctx)

	case "wait-frames":
		d := pick(cmd.timeout, sh.opts.FrameTimeout)
		wctx, cancel := context.WithTimeout(ctx, d)
		defer cancel()
		if err := s.WaitFrames(wctx, cmd.n); err != nil {
			return nil, timedOut(err, d, fmt.Sprintf("%d frames were not decoded", cmd.n))
		}
		return success().set("frames", s.Stats().Frames), nil

	case "wait-stopped":
		d := pick(cmd.timeout, sh.opts.FrameTimeout)
		wctx, cancel := context.WithTimeout(ctx, d)
		defer cancel()
		if err := s.WaitStopped(wctx); err != nil {
			return nil, timedOut(err, d, "the screen sharing did not stop")
		}
		return success().set("live", false), nil

	case "end":
		if err := s.End(ctx, cmd.text); err != nil {
			return nil, err
		}
		return success(), nil
	case "sysinfo", "files", "scripts", "reboot":
		return sh.tool(ctx, s, cmd)
	case "record":
		return sh.record(ctx, s, cmd)
	case "transfer-session":
		r, err := s.TransferSession(ctx, cmd.sub, cmd.text)
		if err != nil {
			return nil, err
		}
		return success().set("request_id", r.ID).set("queue", r.Queue).set("offered_to", r.OfferedTo).set("position", r.Position), nil
	}
	return nil, fmt.Errorf("unknown command %q", cmd.name)
}

// participants lists the roster, this console's own place included (you).
func participants(st protocol.State) []any {
	people := make([]any, 0, len(st.Participants))
	for _, p := range st.Participants {
		people = append(people, newObj().set("participant_id", p.ID).set("name", p.Name).
			set("role", p.Role).set("connected", p.Connected).set("restarting", p.Restarting).set("left", p.LeftAt != nil).set("you", p.ID == st.You))
	}
	return people
}

func ended(s *controller.Session) bool {
	select {
	case <-s.Ended():
		return true
	default:
		return false
	}
}

func pick(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

func timedOut(err error, d time.Duration, what string) error {
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%s within %s", what, seconds(d))
	}
	return err
}

func seconds(d time.Duration) string {
	return strconv.FormatFloat(d.Seconds(), 'f', -1, 64) + " s"
}

func millis(d time.Duration) float64 { return round1(float64(d) / float64(time.Millisecond)) }

func round1(f float64) float64 { return math.Round(f*10) / 10 }

// sentence makes an error message a sentence: capitalised, with a full stop.
func sentence(err error) string {
	s := strings.TrimSpace(err.Error())
	if s == "" {
		return "Something went wrong."
	}
	r, n := utf8.DecodeRuneInString(s)
	s = string(unicode.ToUpper(r)) + s[n:]
	if !strings.HasSuffix(s, ".") && !strings.HasSuffix(s, "!") && !strings.HasSuffix(s, "?") {
		s += "."
	}
	return s
}

func success() *obj { return newObj().set("ok", true) }

func failure(err error) *obj { return newObj().set("ok", false).set("error", sentence(err)) }

// write prints one JSON line; replies and events never interleave.
func (sh *shell) write(o *obj) {
	b, err := json.Marshal(o)
	if err != nil {
		b, _ = json.Marshal(failure(err))
	}
	b = append(b, '\n')
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if sh.outErr != nil {
		return
	}
	if _, err := sh.out.Write(b); err != nil {
		sh.outErr = fmt.Errorf("write replies: %w", err)
	}
}

func (sh *shell) writeErr() error {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	return sh.outErr
}

// eventObject is the JSON line of an event.
func eventObject(ev controller.Event) *obj {
	o := newObj().set("event", string(ev.Kind))
	if ev.Session != "" {
		o.set("session_id", ev.Session)
	}
	switch ev.Kind {
	case controller.EventChat:
		o.set("from", ev.FromName).set("from_id", ev.From).set("text", ev.Text)
		if ev.To != "" {
			o.set("private", true)
		}
	case controller.EventNotes:
		o.set("from_id", ev.From).set("text", ev.Text)
	case controller.EventJoined, controller.EventLeft, controller.EventPresence, controller.EventRole:
		if p := ev.Participant; p != nil {
			o.set("participant_id", p.ID).set("name", p.Name).set("role", p.Role).set("connected", p.Connected)
			if p.Restarting {
				o.set("restarting", true)
			}
		}
	case controller.EventConsent:
		o.set("action", ev.Action).set("granted", ev.Granted)
	case controller.EventServerError:
		o.set("error", ev.Text).set("code", ev.Code)
	case controller.EventScreen:
		if sc := ev.Screen; sc != nil {
			o.set("width", sc.Width).set("height", sc.Height).set("monitors", len(sc.Monitors))
		}
	case controller.EventStreamStart:
		o.set("participant_id", ev.From)
	case controller.EventTransferred:
		o.set("from", ev.FromName).set("to", ev.Text)
	case controller.EventSettings:
		o.set("queue", sessionQueue(ev.Settings)).set("features", features(ev.Settings))
	case controller.EventScriptResult:
		if r := ev.Script; r != nil {
			o.set("from", ev.FromName).set("run_id", r.RunID).set("name", r.Name).set("status", r.Status).
				set("exit_code", r.ExitCode).set("duration_ms", r.DurationMS)
		}
	case controller.EventRecording:
		if r := ev.Recording; r != nil {
			o.set("from", ev.FromName).set("state", r.State)
			if r.Reason != "" {
				o.set("reason", r.Reason)
			}
		}
	case controller.EventRecordingStopped:
		if r := ev.RecordingInfo; r != nil {
			recordingObj(o, *r)
		}
	case controller.EventFileTransfer:
		if r := ev.Transfer; r != nil {
			o.set("from", ev.FromName).set("direction", r.Direction).set("files", r.Files).set("bytes", r.Bytes).
				set("status", r.Status).set("folder", r.Folder)
			if r.Error != "" {
				o.set("error", r.Error)
			}
		}
	default:
		if ev.Text != "" {
			o.set("reason", ev.Text)
		}
	}
	return o
}

// obj is a JSON object that keeps its keys in insertion order, so that
// every reply starts with "ok" and every event with "event".
type obj struct {
	keys []string
	vals []any
}

func newObj() *obj { return &obj{} }

func (o *obj) set(k string, v any) *obj {
	o.keys = append(o.keys, k)
	o.vals = append(o.vals, v)
	return o
}

func (o *obj) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, k := range o.keys {
		if i > 0 {
			b.WriteByte(',')
		}
		kb, _ := json.Marshal(k)
		b.Write(kb)
		b.WriteByte(':')
		vb, err := json.Marshal(o.vals[i])
		if err != nil {
			return nil, err
		}
		b.Write(vb)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// sessionQueue is the queue whose settings apply in a session ("" for the
// site's).
func sessionQueue(s *protocol.SessionSettings) string {
	if s == nil {
		return ""
	}
	return s.Queue
}

// features names the support features a session's settings switch on, as
// the settings commands name them; every one when the server does not say
// (it refuses the others anyway).
func features(s *protocol.SessionSettings) []string {
	f := protocol.Features{FileTransfer: true, Scripts: true, SystemInfo: true, Reboot: true, Recording: true}
	if s != nil {
		f = s.Features
	}
	out := []string{}
	for _, x := range []struct {
		name string
		on   bool
	}{{"file_transfer", f.FileTransfer}, {"scripts", f.Scripts}, {"system_info", f.SystemInfo}, {"reboot", f.Reboot}, {"recording", f.Recording}} {
		if x.on {
			out = append(out, x.name)
		}
	}
	return out
}
