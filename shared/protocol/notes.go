package protocol

func init() { register(func() Message { return new(Notes) }) }

// TypeNotes replaces the session notes. Only CSRs (host and assistants) may
// send it, and only CSRs receive it. The notes become part of the Session
// Details report.
const TypeNotes Type = "notes"

// Notes is the whole text of the session notes.
type Notes struct {
	Text string `json:"text"`
}

func (*Notes) Type() Type        { return TypeNotes }
func (m *Notes) Validate() error { return checkText("text", m.Text, false) }
