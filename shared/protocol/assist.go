package protocol

func init() { register(func() Message { return new(Assist) }) }

// TypeAssist lets a logged-in CSR join a live session by its number as an
// assistant. Only connections made with a CSR's bearer token may send it.
// The reply is a State of the session (with the new participant as you),
// then the ack.
const TypeAssist Type = "assist"

// Assist names the session by number.
type Assist struct {
	Number string `json:"number"`
}

func (*Assist) Type() Type        { return TypeAssist }
func (m *Assist) Validate() error { return checkID("number", m.Number) }
