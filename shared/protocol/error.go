package protocol

import "fmt"

func init() { register(func() Message { return new(Error) }) }

// TypeError refuses the request with the envelope's id. Nothing of that
// request was applied.
const TypeError Type = "error"

// Error is a sentence a person understands and a machine code.
type Error struct {
	Error string `json:"error"`
	Code  string `json:"code"`
}

func (*Error) Type() Type      { return TypeError }
func (*Error) Validate() error { return nil }

// errorf builds a validation error; the decoder wraps it with ErrInvalid.
func errorf(format string, args ...any) error { return fmt.Errorf(format, args...) }
