package session

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/pion/webrtc/v4"

	"lifeline/shared/filetransfer/dcconn"
	"lifeline/shared/protocol"
	"lifeline/shared/toolwire"
	"lifeline/shared/transport"
)

// The tools peer: a second peer connection with the host CSR's console,
// for file transfer, system information and scripts. It opens when the
// console asks (an offer with purpose "tools") and carries nothing by
// itself: every channel the console opens on it is checked here against
// what the customer allowed (toolChannel), when it opens and, for a file
// transfer, before every step. It is independent of the screen: stopping
// the screen sharing leaves a file transfer running; the customer's Stop
// ends both.

// toolPeer is one tools peer connection and the work running on it.
type toolPeer struct {
	peer   *transport.Peer
	ctx    context.Context // ends with the peer: running scripts stop, transfers abort
	cancel context.CancelFunc
}

// toolSignal handles signalling for the tools peer of participant from.
func (a *Agent) toolSignal(from string, s *protocol.Signal) {
	sig := transport.Signal{Kind: s.Kind, SDP: s.SDP, Candidate: s.Candidate}
	if tp := a.toolPeers[from]; tp != nil {
		if s.Kind != protocol.SignalOffer {
			if err := tp.peer.HandleSignal(sig); err != nil {
				a.log.Warn("tools signal", "from", from, "err", err)
			}
			return
		}
		a.dropTools(from) // the console replaced its tools connection
	}
	// Only the host CSR may ask anything of the customer, so only the host
	// may open a tools connection; what it may do there is checked per
	// channel.
	if s.Kind != protocol.SignalOffer || from != a.state.HostID {
		a.log.Warn("refused a tools connection", "from", from, "kind", s.Kind)
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	tp := &toolPeer{ctx: ctx, cancel: cancel}
	opts := transport.Options{ICEServers: a.iceServers(), LoopbackOnly: a.cfg.LoopbackOnly, Log: a.log,
		OnChannel: func(label string, ch *transport.Channel) bool { return a.toolChannel(tp, from, label, ch) }}
	p, err := transport.Accept(opts, func(sg transport.Signal) error {
		return a.send(&protocol.Signal{To: from, Kind: sg.Kind, SDP: sg.SDP, Candidate: sg.Candidate, Purpose: protocol.PurposeTools})
	})
	if err != nil {
		cancel()
		a.log.Error("tools peer", "err", err)
		return
	}
	tp.peer = p
	a.toolPeers[from] = tp
	if err := p.HandleSignal(sig); err != nil {
		a.log.Warn("tools offer", "from", from, "err", err)
		a.dropTools(from)
		return
	}
	go func() {
		<-p.Done()
		a.do(func() {
			if a.toolPeers[from] == tp {
				a.dropTools(from)
			}
		})
	}()
}

func (a *Agent) iceServers() []webrtc.ICEServer {
	var ice []webrtc.ICEServer
	for _, s := range a.state.ICEServers {
		ice = append(ice, webrtc.ICEServer{URLs: s.URLs, Username: s.Username, Credential: s.Credential})
	}
	return ice
}

// dropTools closes a participant's tools peer: its scripts are stopped
// and its transfers aborted.
func (a *Agent) dropTools(id string) {
	tp := a.toolPeers[id]
	if tp == nil {
		return
	}
	delete(a.toolPeers, id)
	tp.cancel()
	_ = tp.peer.Close()
	a.publishClosed(id, "")
}

func (a *Agent) dropAllTools() {
	for id := range a.toolPeers {
		a.dropTools(id)
	}
}

// toolChannel decides on a channel the console opened. It runs on pion's
// goroutine: the work runs on goroutines of its own.
func (a *Agent) toolChannel(tp *toolPeer, from, label string, ch *transport.Channel) bool {
	tools := a.cfg.Tools
	switch {
	case label == labelPublish:
		return a.acceptPublish(tp, from, ch)
	case label == labelPublished:
		go a.readPublished(tp, from, ch)
		return true
	case strings.HasPrefix(label, labelFiles) && tools.FilesRoot != "":
		go a.serveFiles(tp, from, ch)
		return true
	case strings.HasPrefix(label, labelSysinfo) && tools.Sysinfo != nil:
		go a.serveSysinfo(tp, from, ch)
		return true
	case strings.HasPrefix(label, labelScripts) && tools.Scripts != nil:
		go a.serveScripts(tp, from, ch)
		return true
	}
	a.log.Warn("refused a tool channel", "from", from, "label", label)
	return false
}

// offered reports whether this agent can do action at all, and if not,
// the sentence the CSR is told.
func (a *Agent) offered(action string) (bool, string) {
	t := a.cfg.Tools
	switch action {
	case protocol.ActionView:
		if a.cfg.Screen == nil {
			return false, "This computer has no display that can be shared."
		}
	case protocol.ActionControl:
		if a.cfg.Screen == nil {
			return false, "This computer has no display that can be shared."
		}
		if a.cfg.Screen.Input == nil {
			return false, "Remote control is not available on this computer (input cannot be injected)."
		}
	case protocol.ActionFiles:
		if t.FilesRoot == "" {
			return false, "File transfer is not available with this agent."
		}
	case protocol.ActionSysinfo:
		if t.Sysinfo == nil {
			return false, "System information is not available with this agent."
		}
	case protocol.ActionScripts:
		if t.Scripts == nil {
			return false, "Scripts cannot be run with this agent."
		}
	case protocol.ActionReboot:
		if t.Reboot == nil {
			return false, "This agent cannot restart the computer and rejoin."
		}
	case protocol.ActionRecord:
		// The recording is the CSR's copy of the shared screen, made on
		// their computer: the agent has nothing to do but ask.
		if a.cfg.Screen == nil {
			return false, "This computer has no display that can be shared."
		}
	default:
		return false, "This agent cannot do that (" + action + ")."
	}
	return true, ""
}

// Tool channel labels (see toolwire).
const (
	labelPublish   = toolwire.LabelPublish
	labelPublished = toolwire.LabelPublished
	labelFiles     = toolwire.LabelFiles
	labelSysinfo   = toolwire.LabelSysinfo
	labelScripts   = toolwire.LabelScripts
)

// requestArrival bounds how long a request may take to arrive after the
// agent's Status (a run's scripts: 2 MB at most per script and input).
const requestArrival = 30 * time.Second

// toolRequest is what the console asks on a tool channel once the agent's
// Status came.
type toolRequest struct {
	action  string // the grant it needs
	what    string // the action in the refusal, "running scripts"
	noun    string // the request in "The run was refused: …"
	receive func(ctx context.Context) error
	// take uses the grant up, or says why not; nil is the one-off grant's
	// Take alone.
	take func() (refusal string)
}

// takeRequest answers a tool channel and takes the console's request on
// it: the Status, if the customer allowed the action; the request, read
// within requestArrival; the grant used up; the Reply. A one-off grant is
// used up only by a request that arrived, so a console whose channel lost
// the Status may try again on another. It reports whether the request was
// taken; when not, the console was told why.
func (a *Agent) takeRequest(tp *toolPeer, from string, conn *dcconn.Conn, r toolRequest) bool {
	if !a.grants.Allowed(from, r.action) {
		_ = toolwire.SendJSON(conn, toolwire.Status{Error: notAllowed(r.what)})
		return false
	}
	if err := toolwire.SendJSON(conn, toolwire.Status{}); err != nil {
		return false
	}
	ctx, cancel := context.WithTimeout(tp.ctx, requestArrival)
	err := r.receive(ctx)
	cancel()
	if err != nil {
		a.log.Warn("tool request refused", "from", from, "action", r.action, "err", err)
		_ = toolwire.SendJSON(conn, toolwire.Reply{Error: "The " + r.noun + " was refused: " + err.Error()})
		return false
	}
	refusal := ""
	switch {
	case r.take != nil:
		refusal = r.take()
	case !a.grants.Take(from, r.action):
		refusal = notAllowed(r.what)
	}
	if refusal != "" {
		_ = toolwire.SendJSON(conn, toolwire.Reply{Error: refusal})
		return false
	}
	return toolwire.SendJSON(conn, toolwire.Reply{Started: true}) == nil
}

// notAllowed is the refusal sent on a tool channel without a grant.
func notAllowed(what string) string {
	return fmt.Sprintf("The customer has not allowed %s.", what)
}
