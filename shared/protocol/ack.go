package protocol

func init() { register(func() Message { return new(Ack) }) }

// TypeAck confirms that the request with the envelope's id was applied and,
// when it is an event, stored (the envelope's seq is its place in the log).
const TypeAck Type = "ack"

// Ack has no fields.
type Ack struct{}

func (*Ack) Type() Type      { return TypeAck }
func (*Ack) Validate() error { return nil }
