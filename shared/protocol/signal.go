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

// Signal is an SDP offer or answer, or one ICE candidate.
type Signal struct {
	To        string          `json:"to"`
	Kind      string          `json:"kind"`
	SDP       string          `json:"sdp,omitempty"`
	Candidate json.RawMessage `json:"candidate,omitempty"`
}

func (*Signal) Type() Type { return TypeSignal }
func (m *Signal) Validate() error {
	if err := checkID("to", m.To); err != nil {
		return err
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
