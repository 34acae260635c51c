package protocol

func init() { register(func() Message { return new(Ended) }) }

// TypeEnded tells every participant that the session is over. The server
// closes the session's traffic after sending it.
const TypeEnded Type = "ended"

// Ended says why.
type Ended struct {
	Reason string `json:"reason"`
}

func (*Ended) Type() Type      { return TypeEnded }
func (*Ended) Validate() error { return nil }
