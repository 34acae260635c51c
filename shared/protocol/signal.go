package protocol

import "encoding/json"

func init() { register(func() Message { return new(Signal) }) }

// TypeSignal carries WebRTC signalling between two participants of the same
// session. The server relays it to To, with from set, and does not store it.
const TypeSignal Type = "signal"

// Signal kinds.
const (
	SignalOffer     = "offer"
	SignalAnswer    = "answer"
	SignalCandidate = "candidate"
)

// Peer connection purposes. A console and an agent may have two peer
// connections at once: the screen (view and control, ended by Stop
// Sharing) and the tools (file transfer, system information, scripts),
// each with its own lifetime and its own consent.
const (
	PurposeScreen = ""      // the screen, its input and its options
	PurposeTools  = "tools" // tool channels only (see transport.OpenChannel)
)

// Signal is an SDP offer or answer, or one ICE candidate.
type Signal struct {
	To        string          `json:"to"`
	Kind      string          `json:"kind"`
	SDP       string          `json:"sdp,omitempty"`
	Candidate json.RawMessage `json:"candidate,omitempty"`
	// Purpose says which of the pair's peer connections this is for.
	Purpose string `json:"purpose,omitempty"`
}

func (*Signal) Type() Type { return TypeSignal }
func (m *Signal) Validate() error {
	if err := checkID("to", m.To); err != nil {
		return err
	}
	if m.Purpose != PurposeScreen && m.Purpose != PurposeTools {
		return errorf("purpose %q is not %q or %q", m.Purpose, PurposeScreen, PurposeTools)
	}
	switch m.Kind {
	case SignalOffer, SignalAnswer:
		if m.SDP == "" {
			return errorf("an %s needs sdp", m.Kind)
		}
	case SignalCandidate:
		if len(m.Candidate) == 0 {
			return errorf("a candidate signal needs candidate")
		}
	default:
		return errorf("kind %q is not offer, answer or candidate", m.Kind)
	}
	return nil
}
