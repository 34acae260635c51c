package protocol

func init() { register(func() Message { return new(Chat) }) }

// TypeChat is a line of chat. Sent by a client with To empty it reaches
// every participant; with To set it reaches only that participant (and is
// echoed to the sender). The server fills in the envelope's from and seq.
const TypeChat Type = "chat"

// Chat is one chat line.
type Chat struct {
	To   string `json:"to,omitempty"`
	Text string `json:"text"`
	// FromName is filled in by the server for display.
	FromName string `json:"from_name,omitempty"`
}

func (*Chat) Type() Type { return TypeChat }
func (m *Chat) Validate() error {
	if len(m.To) > 64 {
		return errorf("to is too long")
	}
	return checkText("text", m.Text, true)
}
