package protocol

func init() { register(func() Message { return new(Leave) }) }

// TypeLeave leaves the session for good. Customers and assistants may
// leave at any time; the host must end the session or transfer control
// first.
const TypeLeave Type = "leave"

// Leave has no fields.
type Leave struct{}

func (*Leave) Type() Type      { return TypeLeave }
func (*Leave) Validate() error { return nil }
