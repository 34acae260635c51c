package protocol

func init() { register(func() Message { return new(Attach) }) }

// TypeAttach asks the server to deliver a session's traffic on this
// connection. A CSR's connection attaches to each live session it is a
// participant of; a connection made with a participant token attaches to
// its own session. AfterSeq > 0 resumes: the server replays the stored
// events after that sequence number that this participant may see.
const TypeAttach Type = "attach"

// Attach is answered with a State message, then the missed events, then an ack.
type Attach struct {
	Session  string `json:"session,omitempty"`
	AfterSeq int64  `json:"after_seq,omitempty"`
}

func (*Attach) Type() Type { return TypeAttach }
func (m *Attach) Validate() error {
	if m.AfterSeq < 0 {
		return errorf("after_seq is negative")
	}
	return nil
}
