// Package session is the customer agent's core: it joins a session, keeps
// the control-plane connection (reconnecting within the grace period), asks
// the customer before every action, and only then lets a CSR's console
// connect for the screen and input. Nothing here draws or prints: a UI (the
// Fyne window or the terminal of --no-gui) implements UI.
//
// The rule this package exists for: nothing is captured, injected, read or
// written without a grant the customer gave, whatever the console or the
// server sends. Grants live in the agent (consent.Grants), are checked on
// every signal and every input event, and "Stop" withdraws them at once.
package session

import (
	"context"
	"errors"
	"fmt"
	"image"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/pion/webrtc/v4"

	"lifeline/agent/consent"
	"lifeline/agent/stream"
	"lifeline/shared/client"
	"lifeline/shared/codec"
	"lifeline/shared/filetransfer"
	"lifeline/shared/protocol"
	"lifeline/shared/transport"
)

// Request is a CSR's request shown to the customer.
type Request struct {
	ID     string
	Action string // protocol.Action…
	From   string // the CSR's name
	Detail string
}

// Event is something the UI shows.
type Event struct {
	Kind        EventKind
	Text        string
	From        string   // chat: sender's name
	Private     bool     // chat: sent to the customer only
	Viewers     []string // sharing: names of those viewing
	Controllers []string // sharing: names of those in control
	// Files is the list a CSR published for the customer to download
	// (EventFiles); nil with Text set: the list was closed.
	Files []filetransfer.DirEntry
	// Recording is set by EventRecording while the session is recorded.
	Recording bool
	// Watch is the screen another customer shares, as this secondary
	// customer sees it (EventWatch, see watch.go); Text says why watching
	// ended or could not start.
	Watch *Watch
}

// EventKind says what an Event is.
type EventKind int

// Event kinds.
const (
	EventStatus    EventKind = iota // connection status, in a sentence
	EventChat                       // a chat line
	EventSharing                    // who views and controls now (empty: nobody)
	EventNotice                     // something the customer should know
	EventEnded                      // the session is over for this agent
	EventFiles                      // the published file list changed, or closed
	EventWatch                      // watching another customer's shared screen started, changed or ended (watch.go)
	EventRecording                  // a CSR started (Recording true) or stopped recording the session; Text says so
)

// UI is the customer's side of the agent: the window or the terminal.
type UI interface {
	// Ask shows a request and returns the customer's answer. It may take
	// as long as the customer needs; ctx ends when the request is moot.
	Ask(ctx context.Context, r Request) consent.Answer
	Show(e Event)
}

// Injector applies remote input to the desktop.
type Injector interface {
	Apply(ev transport.Input) error // an error wrapping ErrPaused: the customer took back control
	SetRegion(r image.Rectangle)
	Close() error
}

// ErrPaused means the customer is using their own mouse or keyboard; remote
// input waits until the CSR clicks in the viewer again.
var ErrPaused = errors.New("remote input paused: the customer is using the computer")

// Screen is what the agent can share. A nil Screen: no display; the agent
// says so and still offers chat.
type Screen struct {
	Monitors []transport.Monitor
	Open     func(monitor int) (stream.Source, error)
	// Region is the part of the X screen a monitor choice shows (-1: all).
	Region func(monitor int) image.Rectangle
	// Input opens the injector; nil when input cannot be injected.
	Input func() (Injector, error)
}

// Config configures an Agent.
type Config struct {
	API          *client.Client // server and TLS; no token
	Number       string
	Name, Email  string
	Token        string // a participant token to resume with instead of joining
	LoopbackOnly bool
	Screen       *Screen
	Tools        Tools
	// Queue, when set, waits in a support queue instead of joining by
	// Number.
	Queue *Queue
	// Rejoined says the agent starts again after the computer restarted
	// (Token is the resumed participant's): the customer is told.
	Rejoined bool
	Codec    codec.Options
	Log      *slog.Logger
}

// ErrRestarting is Run's result when the agent stops because the computer
// is restarting: it left its place in the session to its next start.
var ErrRestarting = errors.New("the computer is restarting; Lifeline rejoins the session at the next login")

// Agent is one customer in one session.
type Agent struct {
	cfg Config
	ui  UI
	log *slog.Logger

	api     *client.Client
	conn    *client.Conn
	session string
	me      string
	lastSeq int64
	state   protocol.State
	grants  *consent.Grants

	actions  chan func()
	asks     chan askJob
	joined   chan error
	streamer *stream.Streamer
	peers    map[string]*transport.Peer
	inj      Injector
	monitor  int

	toolPeers    map[string]*toolPeer
	scriptDetail map[string]string // participant → the scripts the customer allowed (under mu)
	restarting   bool

	// mu guards what the data-channel goroutines read: paused, the
	// current streamer, the injector and the control connection.
	mu     sync.Mutex
	paused map[string]bool
	names  map[string]string // participant → name, for the tools' goroutines
	// queueCancel ends the wait in a queue; queueLeft says the customer
	// left the line.
	queueCancel context.CancelFunc
	queueLeft   bool
	maxBytes    int64      // the site's transfer limit
	pub         *published // basic file transfer

	watch watcher // a secondary customer watching the shared screen (watch.go)
}

type askJob struct {
	from string
	req  Request
}

// New returns an agent; Run starts it.
func New(cfg Config, ui UI) *Agent {
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	return &Agent{
		cfg: cfg, ui: ui, log: cfg.Log, grants: consent.New(),
		actions: make(chan func(), 64), asks: make(chan askJob, 16), joined: make(chan error, 1),
		peers: map[string]*transport.Peer{}, paused: map[string]bool{}, monitor: -1,
		toolPeers: map[string]*toolPeer{}, scriptDetail: map[string]string{}, names: map[string]string{},
	}
}

// Token is the participant token, once joined (for a later resume).
func (a *Agent) Token() string {
	if a.api == nil {
		return ""
	}
	return a.api.Token
}

// Joined delivers one value: nil once the agent has joined and connected,
// or why it could not (a wrong number, an unreachable server). A window
// uses it to keep its join form until the number is right.
func (a *Agent) Joined() <-chan error { return a.joined }

// Stop is the customer's Stop button: capture and control end now and
// every grant is withdrawn.
func (a *Agent) Stop() {
	a.grants.Revoke() // input is refused from this instant on
	a.do(func() { a.stopSharing(true, "") })
}

// Leave is the customer's Leave Session button (or, while waiting in a
// queue, leaving the line).
func (a *Agent) Leave() {
	a.mu.Lock()
	cancel := a.queueCancel
	a.queueLeft = cancel != nil
	a.mu.Unlock()
	if cancel != nil {
		cancel()
		return
	}
	a.grants.Revoke()
	a.do(func() { a.leave() })
}

// Chat sends a chat line to everyone.
func (a *Agent) Chat(text string) {
	a.do(func() {
		if err := a.send(&protocol.Chat{Text: text}); err != nil {
			a.ui.Show(Event{Kind: EventNotice, Text: "Your message was not sent: " + err.Error()})
		}
	})
}

func (a *Agent) do(f func()) {
	select {
	case a.actions <- f:
	default:
		go func() { a.actions <- f }()
	}
}

var errLeft = errors.New("left the session")

// Run joins the session and serves it until it ends, the customer leaves,
// or ctx ends.
func (a *Agent) Run(ctx context.Context) error {
	defer a.cleanup()
	if a.cfg.Screen == nil {
		a.ui.Show(Event{Kind: EventNotice, Text: "This computer has no display that can be shared: your support representative cannot see or control the screen, but chat works."})
	}
	err := a.join(ctx)
	if err == nil {
		err = a.connect(ctx, false)
	}
	a.joined <- err
	if errors.Is(err, ErrLeftLine) {
		a.ui.Show(Event{Kind: EventEnded, Text: "You left the line."})
		return nil // before a support representative took the session
	}
	if err != nil {
		return err
	}
	go a.asker(ctx)
	for {
		select {
		case m, ok := <-a.conn.Messages():
			if !ok {
				if err := a.reconnect(ctx); err != nil {
					return err
				}
				continue
			}
			if err := a.handle(m); err != nil {
				if errors.Is(err, errLeft) {
					return nil
				}
				return err
			}
		case f := <-a.actions:
			f()
			if a.restarting {
				return ErrRestarting
			}
			if a.session == "" {
				return nil // left
			}
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func (a *Agent) join(ctx context.Context) error {
	if a.cfg.Queue != nil {
		return a.waitInQueue(ctx)
	}
	if a.cfg.Token != "" {
		a.api = a.cfg.API.WithToken(a.cfg.Token)
		return nil
	}
	a.ui.Show(Event{Kind: EventStatus, Text: "Joining session " + spaced(a.cfg.Number) + "…"})
	j, err := a.cfg.API.Join(ctx, a.cfg.Number, a.cfg.Name, a.cfg.Email)
	if err != nil {
		var ae *client.APIError
		if errors.As(err, &ae) {
			return fmt.Errorf("%s", ae.Message)
		}
		return fmt.Errorf("could not reach the support server: %w", err)
	}
	a.api = a.cfg.API.WithToken(j.Token)
	a.mu.Lock()
	a.session, a.me = j.SessionID, j.ParticipantID
	a.mu.Unlock()
	return nil
}

func (a *Agent) connect(ctx context.Context, again bool) error {
	conn, err := a.api.Dial(ctx)
	if err != nil {
		return err
	}
	if conn.Hello.Participant != nil {
		a.mu.Lock()
		a.me, a.session = conn.Hello.Participant.ID, conn.Hello.Session
		a.mu.Unlock()
	}
	if _, err := conn.Request(ctx, a.session, &protocol.Attach{AfterSeq: a.lastSeq}); err != nil {
		conn.CloseNow()
		return err
	}
	a.mu.Lock()
	a.conn = conn
	a.mu.Unlock()
	if again && !a.restarting {
		a.ui.Show(Event{Kind: EventStatus, Text: "Connected again."})
	}
	return nil
}

// reconnect dials again until the grace period is over.
func (a *Agent) reconnect(ctx context.Context) error {
	grace := time.Duration(a.conn.Hello.GraceSeconds) * time.Second
	deadline := time.Now().Add(grace)
	a.ui.Show(Event{Kind: EventStatus, Text: "Connection lost; reconnecting…"})
	delay := 250 * time.Millisecond
	for time.Now().Before(deadline) {
		err := a.connect(ctx, true)
		if err == nil {
			return nil
		}
		if client.IsCode(err, "participant_gone") || client.IsCode(err, "invalid_token") {
			return fmt.Errorf("your place in the session has expired; please join again")
		}
		a.log.Info("reconnect failed", "err", err)
		select {
		case <-time.After(delay):
		case <-ctx.Done():
			return ctx.Err()
		}
		delay = min(2*delay, 5*time.Second)
	}
	return fmt.Errorf("could not reconnect to the support server within %v", grace)
}

func (a *Agent) name(id string) string { return a.nameOf(id) }

// nameOf is a participant's name, from any goroutine.
func (a *Agent) nameOf(id string) string {
	a.mu.Lock()
	defer a.mu.Unlock()
	if n, ok := a.names[id]; ok {
		return n
	}
	return "someone"
}

func (a *Agent) handle(m client.Message) error {
	if m.Env.Seq > a.lastSeq {
		a.lastSeq = m.Env.Seq
	}
	switch msg := m.Msg.(type) {
	case *protocol.State:
		first := a.state.ID == ""
		a.state = *msg
		a.stateChanged(first)
	case *protocol.Chat:
		if m.Env.From != a.me {
			a.ui.Show(Event{Kind: EventChat, From: msg.FromName, Text: msg.Text, Private: msg.To != ""})
		}
	case *protocol.ConsentRequest:
		a.request(m.Env.From, msg)
	case *protocol.Signal:
		a.signal(m.Env.From, msg)
	case *protocol.SessionTransferred:
		a.transferred(msg)
	case *protocol.Recording:
		a.ui.Show(recordingEvent(msg))
	case *protocol.StopSharing:
		// The screen sharing ended (a CSR closed it, or the roles
		// changed): view and control go; a file transfer stays.
		a.grants.RevokeActions(protocol.ActionView, protocol.ActionControl)
		// A secondary customer who watched is told why in the watch's
		// own event (watch.go), so the reason is not shown twice.
		a.stopScreen(false, a.watchSharingStopped(msg.Reason))
	case *protocol.Ended:
		a.stopSharing(false, "")
		a.dropAllTools()
		a.ui.Show(Event{Kind: EventEnded, Text: "The session has ended. " + msg.Reason})
		return errLeft
	}
	return nil
}

func (a *Agent) stateChanged(first bool) {
	a.mu.Lock()
	for _, p := range a.state.Participants {
		a.names[p.ID] = p.Name
	}
	a.maxBytes = a.state.MaxTransferBytes
	a.mu.Unlock()
	host := a.name(a.state.HostID)
	switch {
	case first && a.cfg.Rejoined:
		a.ui.Show(Event{Kind: EventStatus, Text: fmt.Sprintf("Rejoined session %s after the restart. Your support representative is %s.", spaced(a.state.Number), host)})
	case first:
		a.ui.Show(Event{Kind: EventStatus, Text: fmt.Sprintf("Connected to session %s. Your support representative is %s.", spaced(a.state.Number), host)})
	}
	// Whoever is gone loses what they were allowed.
	for _, p := range a.state.Participants {
		if p.LeftAt != nil {
			if _, ok := a.peers[p.ID]; ok || a.grants.Allowed(p.ID, protocol.ActionView) {
				a.grants.RevokeParticipant(p.ID)
				a.dropViewer(p.ID)
			}
			if _, ok := a.toolPeers[p.ID]; ok {
				a.grants.RevokeParticipant(p.ID)
				a.dropTools(p.ID)
			}
		}
	}
	// A secondary customer watches what the primary customer shares.
	a.watchState()
}

// request answers a consent request: asked of the customer, unless they
// allowed everything for this session.
func (a *Agent) request(from string, r *protocol.ConsentRequest) {
	req := Request{ID: r.RequestID, Action: r.Action, From: r.FromName, Detail: r.Detail}
	ok, why := a.offered(r.Action)
	switch {
	case !ok:
		a.answer(from, req, consent.Deny)
		_ = a.send(&protocol.Chat{To: from, Text: why})
	case a.grants.AllowsAll():
		a.answer(from, req, consent.AllowAll)
		a.ui.Show(Event{Kind: EventNotice, Text: Describe(req) + " — allowed, as you allowed every request for this session."})
	default:
		select {
		case a.asks <- askJob{from: from, req: req}:
		default:
			// The customer has many requests waiting already: refuse
			// rather than let a flood of them stall the agent.
			a.answer(from, req, consent.Deny)
		}
	}
}

// asker asks the customer one request at a time.
func (a *Agent) asker(ctx context.Context) {
	for {
		select {
		case j := <-a.asks:
			ans := a.ui.Ask(ctx, j.req)
			a.do(func() { a.answer(j.from, j.req, ans) })
		case <-ctx.Done():
			return
		}
	}
}

func (a *Agent) answer(from string, req Request, ans consent.Answer) {
	a.grants.Record(from, req.Action, ans)
	if ans != consent.Deny {
		a.mu.Lock()
		switch req.Action {
		case protocol.ActionControl:
			delete(a.paused, from)
		case protocol.ActionScripts:
			a.scriptDetail[from] = req.Detail
		}
		a.mu.Unlock()
	}
	err := a.send(&protocol.ConsentAnswer{RequestID: req.ID, Granted: ans != consent.Deny, ForSession: ans == consent.AllowAll})
	if err != nil {
		a.log.Warn("consent answer not sent", "err", err)
	}
	if ans != consent.Deny && req.Action == protocol.ActionReboot && a.grants.Take(from, protocol.ActionReboot) {
		go a.restart(from, a.state.Number)
	}
	a.showSharing()
}

// signal handles WebRTC signalling. A console may connect only after the
// customer allowed it to view.
func (a *Agent) signal(from string, s *protocol.Signal) {
	if s.Purpose == protocol.PurposeTools {
		a.toolSignal(from, s)
		return
	}
	// The sharer's answer and candidates for this agent's own screen
	// peer, when it watches as a secondary customer (watch.go).
	if a.watchSignal(from, s) {
		return
	}
	sig := transport.Signal{Kind: s.Kind, SDP: s.SDP, Candidate: s.Candidate}
	if p := a.peers[from]; p != nil {
		if s.Kind != protocol.SignalOffer {
			if err := p.HandleSignal(sig); err != nil {
				a.log.Warn("signal", "from", from, "err", err)
			}
			return
		}
		// A new offer: the console closed its connection (and opens a new
		// one) before this side noticed; the old peer goes.
		a.dropViewer(from)
	}
	if s.Kind != protocol.SignalOffer || !a.mayView(from) || a.cfg.Screen == nil {
		a.log.Warn("refused a connection without the customer's consent", "from", from, "kind", s.Kind)
		return
	}
	p, err := transport.Accept(transport.Options{ICEServers: a.iceServers(), LoopbackOnly: a.cfg.LoopbackOnly, Log: a.log}, func(sg transport.Signal) error {
		return a.send(&protocol.Signal{To: from, Kind: sg.Kind, SDP: sg.SDP, Candidate: sg.Candidate})
	})
	if err != nil {
		a.log.Error("peer", "err", err)
		return
	}
	a.peers[from] = p
	if err := p.HandleSignal(sig); err != nil {
		a.log.Warn("offer", "from", from, "err", err)
		a.dropViewer(from)
		return
	}
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		err := p.Ready(ctx)
		a.do(func() {
			if a.peers[from] != p {
				return
			}
			if err != nil {
				a.log.Warn("viewer did not connect", "from", from, "err", err)
				a.dropViewer(from)
				return
			}
			a.startViewer(from, p)
		})
	}()
}

func (a *Agent) startViewer(from string, p *transport.Peer) {
	if !a.mayView(from) {
		a.dropViewer(from) // the customer stopped while it connected
		return
	}
	if a.streamer == nil {
		sc := a.cfg.Screen
		st, err := stream.Start(stream.Options{Codec: a.cfg.Codec, Monitors: sc.Monitors, Open: sc.Open, Monitor: a.monitor, Log: a.log,
			OnRegion: func(m int) { a.do(func() { a.setMonitor(m) }) }})
		if err != nil {
			a.ui.Show(Event{Kind: EventNotice, Text: "The screen cannot be shared: " + err.Error()})
			a.dropViewer(from)
			return
		}
		a.mu.Lock()
		a.streamer = st
		a.mu.Unlock()
	}
	p.Channel(transport.LabelInput).OnMessage(func(m webrtc.DataChannelMessage) { a.input(from, p, m.Data) })
	if a.grants.Allowed(from, protocol.ActionView) {
		a.streamer.AddViewer(from, p)
	} else {
		a.streamer.AddObserver(from, p)
	}
	go func() {
		<-p.Done()
		a.do(func() {
			if a.peers[from] == p {
				a.dropViewer(from)
			}
		})
	}()
	a.showSharing()
}

func (a *Agent) setMonitor(m int) {
	a.monitor = m
	if a.inj != nil && a.cfg.Screen.Region != nil {
		a.inj.SetRegion(a.cfg.Screen.Region(m))
	}
}

// input runs on the data channel's goroutine, for the latency: the grant
// is checked here, on every event.
func (a *Agent) input(from string, p *transport.Peer, b []byte) {
	ctl := p.Channel(transport.LabelControl)
	if !a.grants.Allowed(from, protocol.ActionControl) {
		_ = ctl.SendText(`{"type":"input_denied","reason":"The customer has not allowed control."}`)
		return
	}
	ev, err := transport.ParseInput(b)
	if err != nil {
		a.log.Warn("bad input event", "from", from, "err", err)
		return
	}
	inj := a.injector()
	if inj == nil {
		_ = ctl.SendText(`{"type":"input_denied","reason":"Input cannot be injected on this computer."}`)
		return
	}
	err = inj.Apply(ev)
	a.mu.Lock()
	was := a.paused[from]
	a.paused[from] = errors.Is(err, ErrPaused)
	a.mu.Unlock()
	switch {
	case errors.Is(err, ErrPaused):
		if !was {
			_ = ctl.SendText(`{"type":"paused","reason":"The customer is using the mouse or keyboard; click in the viewer to take control again."}`)
		}
	case err != nil:
		a.log.Warn("input not applied", "err", err)
	default:
		if was {
			_ = ctl.SendText(`{"type":"resumed"}`)
		}
		if st := a.currentStreamer(); st != nil && ev.SentAt != 0 {
			st.InputApplied(ev.SentAt)
		}
	}
}

// injector opens the injector on first use (after a control grant).
func (a *Agent) injector() Injector {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.inj != nil || a.cfg.Screen == nil || a.cfg.Screen.Input == nil {
		return a.inj
	}
	inj, err := a.cfg.Screen.Input()
	if err != nil {
		a.log.Error("input injection unavailable", "err", err)
		return nil
	}
	if a.cfg.Screen.Region != nil {
		inj.SetRegion(a.cfg.Screen.Region(a.monitor))
	}
	a.inj = inj
	return inj
}

func (a *Agent) currentStreamer() *stream.Streamer {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.streamer
}

// send sends a control-plane message on the current connection, from any
// goroutine (the connection changes when it is re-established).
func (a *Agent) send(msg protocol.Message) error {
	a.mu.Lock()
	conn, session := a.conn, a.session
	a.mu.Unlock()
	if conn == nil {
		return client.ErrClosed
	}
	return conn.Send(context.Background(), session, msg)
}

func (a *Agent) dropViewer(id string) {
	if p := a.peers[id]; p != nil {
		delete(a.peers, id)
		if a.streamer != nil {
			a.streamer.RemoveViewer(id)
		}
		p.Close()
	}
	if len(a.peers) == 0 && a.streamer != nil {
		a.stopStreamer()
	}
	a.showSharing()
}

func (a *Agent) stopStreamer() {
	a.mu.Lock()
	st := a.streamer
	a.streamer = nil
	a.mu.Unlock()
	if st != nil {
		st.Stop()
	}
}

// stopSharing ends capture, control and every tool, and withdraws every
// grant. local: the customer pressed Stop, so the others are told.
func (a *Agent) stopSharing(local bool, reason string) {
	a.grants.Revoke()
	a.dropAllTools()
	a.stopScreen(local, reason)
}

// stopScreen ends capture and control.
func (a *Agent) stopScreen(local bool, reason string) {
	was := len(a.peers) > 0 || a.currentStreamer() != nil
	a.stopStreamer()
	for id, p := range a.peers {
		p.Close()
		delete(a.peers, id)
	}
	if local {
		_ = a.send(&protocol.StopSharing{Reason: "The customer stopped sharing."})
	}
	if reason != "" {
		a.ui.Show(Event{Kind: EventNotice, Text: reason})
	}
	if was {
		a.showSharing()
	}
}

func (a *Agent) leave() {
	a.stopSharing(false, "")
	if a.conn != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if _, err := a.conn.Request(ctx, a.session, &protocol.Leave{}); err != nil {
			a.log.Warn("leave", "err", err)
		}
	}
	a.ui.Show(Event{Kind: EventEnded, Text: "You left the session."})
	a.mu.Lock()
	a.session = ""
	a.mu.Unlock()
}

func (a *Agent) showSharing() {
	var viewers, controllers []string
	for id := range a.peers {
		if a.mayView(id) {
			viewers = append(viewers, a.name(id))
		}
		if a.grants.Allowed(id, protocol.ActionControl) {
			controllers = append(controllers, a.name(id))
		}
	}
	slices.Sort(viewers)
	slices.Sort(controllers)
	a.ui.Show(Event{Kind: EventSharing, Viewers: viewers, Controllers: controllers})
}

func (a *Agent) cleanup() {
	a.endWatch()
	a.stopSharing(false, "")
	if a.inj != nil {
		a.inj.Close()
	}
	if a.conn != nil {
		a.conn.Close()
	}
}

// Describe is the sentence a UI shows for a request.
func Describe(r Request) string {
	what := map[string]string{
		protocol.ActionView:    "view your screen",
		protocol.ActionControl: "control your mouse and keyboard",
		protocol.ActionFiles:   "transfer files",
		protocol.ActionScripts: "run scripts",
		protocol.ActionSysinfo: "read your system information",
		protocol.ActionReboot:  "restart your computer",
		protocol.ActionRecord:  "record the session",
	}[r.Action]
	s := r.From + " asks to " + what
	if r.Detail != "" {
		s += " (" + r.Detail + ")"
	}
	return s
}

func spaced(n string) string {
	if len(n) != 9 || strings.ContainsAny(n, " -") {
		return n
	}
	return n[:3] + " " + n[3:6] + " " + n[6:]
}

// mayView reports whether participant id may see the shared screen: a CSR
// the customer allowed to view, or — while the customer shares with one —
// anyone else present in the session, as the guide says ("all
// participants in the support session can view the shared software"):
// assistants observe, secondary customers watch. Only a control grant
// lets input through.
func (a *Agent) mayView(id string) bool {
	if a.grants.Allowed(id, protocol.ActionView) {
		return true
	}
	if len(a.grants.Holders(protocol.ActionView)) == 0 {
		return false
	}
	for _, p := range a.state.Participants {
		if p.ID == id {
			return p.LeftAt == nil && p.ID != a.state.You &&
				(p.Role == protocol.RoleCSR || p.Role == protocol.RoleAssistant || p.Role == protocol.RoleSecondary)
		}
	}
	return false
}

// recordingEvent tells the customer that their screen is being recorded,
// or no longer is: the server lets only the host CSR say so, after the
// customer allowed it.
func recordingEvent(m *protocol.Recording) Event {
	who := m.FromName
	if who == "" {
		who = "The support representative"
	}
	if m.State == protocol.RecordingStarted {
		return Event{Kind: EventRecording, Recording: true, Text: who + " is recording the session: your shared screen is saved on their computer."}
	}
	return Event{Kind: EventRecording, Text: who + " stopped recording the session."}
}
