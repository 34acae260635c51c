package protocol

func init() { register(func() Message { return new(End) }) }

// TypeEnd ends the session for everyone. Only the host CSR may send it.
const TypeEnd Type = "end"

// End carries the final notes, which replace the session notes.
type End struct {
	Notes string `json:"notes,omitempty"`
}

func (*End) Type() Type        { return TypeEnd }
func (m *End) Validate() error { return checkText("notes", m.Notes, false) }
