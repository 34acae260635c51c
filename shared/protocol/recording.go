package protocol

func init() { register(func() Message { return new(Recording) }) }

// TypeRecording is the host CSR's console saying that it started or
// stopped recording the shared screen to a file on the CSR's computer
// (after the customer's grant of ActionRecord). Only the host may start
// one; any CSR may say that theirs stopped, since a CSR who handed control
// on while recording still closes the file. The server stores it in the session log (the Session Details report
// lists it) and delivers it to everyone, from set and FromName filled in:
// the customer's agent shows that the session is being recorded.
const TypeRecording Type = "recording"

// Recording states.
const (
	RecordingStarted = "started"
	RecordingStopped = "stopped"
)

// Recording is one start or stop of a recording.
type Recording struct {
	State string `json:"state"`
	// Reason says why a recording stopped when the CSR did not stop it
	// ("The customer stopped sharing.", "The disk is full.").
	Reason string `json:"reason,omitempty"`
	// What a stopped recording holds.
	DurationMS int64 `json:"duration_ms,omitempty"`
	Frames     int64 `json:"frames,omitempty"`
	Bytes      int64 `json:"bytes,omitempty"`
	// FromName is filled in by the server for display.
	FromName string `json:"from_name,omitempty"`
}

func (*Recording) Type() Type { return TypeRecording }
func (m *Recording) Validate() error {
	if m.State != RecordingStarted && m.State != RecordingStopped {
		return errorf("state %q is not %q or %q", m.State, RecordingStarted, RecordingStopped)
	}
	if m.DurationMS < 0 || m.Frames < 0 || m.Bytes < 0 {
		return errorf("duration_ms, frames and bytes cannot be negative")
	}
	if len(m.Reason) > 1024 {
		return errorf("reason is too long")
	}
	return nil
}
