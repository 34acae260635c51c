// Package protocol is the control-plane wire protocol between the rendezvous
// server and its clients (console and agent), spoken as JSON text messages
// over one WebSocket per client.
//
// Every message is an Envelope:
//
//	{"v":1, "type":"chat", "id":"c7", "session":"ses_…", "seq":12,
//	 "from":"par_…", "at":"2026-11-22T18:00:00Z", "data":{…}}
//
//	v        protocol version; a message of another version is refused
//	type     one of the Type constants below; it fixes the shape of data
//	id       chosen by a client for its request; echoed in the ack or error
//	session  the session the message belongs to; clients connected with a
//	         participant token may omit it (their session is implied)
//	seq      set by the server on messages that are stored events; a client
//	         that reconnects asks for the events after the last seq it saw
//	from     set by the server: the participant who caused the message
//	at       set by the server: when the event happened
//
// Messages larger than MaxMessageSize, malformed JSON, unknown types and
// invalid data are answered with an error message and have no effect.
//
// Message types, one file each in this package:
//
//	type               direction          data
//	hello              server → client    Hello: who you are, protocol, keep-alive interval
//	attach             client → server    Attach: join the live traffic of a session (user connections), or resume after reconnect
//	state              server → client    State: the session and its roster; sent on attach and on every roster change
//	chat               both               Chat: a line of chat, to all or to one participant
//	notes              both (CSRs only)   Notes: the session notes
//	consent_request    both               ConsentRequest: a CSR asks the primary customer to allow an action
//	consent_answer     both               ConsentAnswer: the customer's answer
//	stop_sharing       both               StopSharing: end every sharing activity (either side)
//	signal             both               Signal: WebRTC offer/answer/candidate for one other participant
//	make_primary       client → server    MakePrimary: a CSR makes a secondary customer primary
//	assist             client → server    Assist: a logged-in CSR joins a live session by number as assistant
//	transfer_control   client → server    TransferControl: the host hands control to an assistant
//	leave              client → server    Leave: leave the session
//	end                client → server    End: the host ends the session with notes
//	ended              server → client    Ended: the session is over
//	session_transferred server → client   SessionTransferred: the CSR transferred the session to a queue or a CSR and left
//	recording          both               Recording: the host CSR started or stopped recording the shared screen
//	ack                server → client    Ack: the request with this id was applied (and stored)
//	error              server → client    Error: the request with this id was refused, and why
package protocol

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Version is the protocol version spoken by this package.
const Version = 1

// MaxMessageSize is the largest control message accepted, in bytes.
const MaxMessageSize = 64 << 10

// Type names a message type.
type Type string

// Envelope is the frame around every message. See the package comment.
type Envelope struct {
	V       int             `json:"v"`
	Type    Type            `json:"type"`
	ID      string          `json:"id,omitempty"`
	Session string          `json:"session,omitempty"`
	Seq     int64           `json:"seq,omitempty"`
	From    string          `json:"from,omitempty"`
	At      *time.Time      `json:"at,omitempty"`
	Data    json.RawMessage `json:"data,omitempty"`
}

// Message is the data of one message type.
type Message interface {
	// Type is the envelope type that carries this message.
	Type() Type
	// Validate reports, as a sentence a person understands, why the message
	// cannot be applied; nil when it is well formed.
	Validate() error
}

// Decoding errors, tested with errors.Is. Each comes with a code for the
// error message sent back to the client.
var (
	ErrTooLarge    = errors.New("message too large")
	ErrMalformed   = errors.New("malformed message")
	ErrVersion     = errors.New("unsupported protocol version")
	ErrUnknownType = errors.New("unknown message type")
	ErrInvalid     = errors.New("invalid message")
)

// Code returns the machine code of a decoding error for an Error message.
func Code(err error) string {
	switch {
	case errors.Is(err, ErrTooLarge):
		return "message_too_large"
	case errors.Is(err, ErrVersion):
		return "unsupported_version"
	case errors.Is(err, ErrUnknownType):
		return "unknown_type"
	case errors.Is(err, ErrInvalid):
		return "invalid_message"
	default:
		return "malformed_message"
	}
}

// registry maps each type to a constructor of its data, so that the decoder
// can check the data of every message before anything acts on it.
var registry = map[Type]func() Message{}

func register(f func() Message) { registry[f().Type()] = f }

// Types lists every message type the protocol knows.
func Types() []Type {
	out := make([]Type, 0, len(registry))
	for t := range registry {
		out = append(out, t)
	}
	return out
}

// Decode parses and checks one message: size, JSON, version, type and the
// shape and validity of its data. On success the returned Message is the
// decoded data (a pointer to one of this package's message structs).
func Decode(b []byte) (Envelope, Message, error) {
	var env Envelope
	if len(b) > MaxMessageSize {
		return env, nil, fmt.Errorf("%w: %d bytes, the limit is %d", ErrTooLarge, len(b), MaxMessageSize)
	}
	if err := json.Unmarshal(b, &env); err != nil {
		return env, nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if env.V != Version {
		return env, nil, fmt.Errorf("%w %d: this server speaks version %d", ErrVersion, env.V, Version)
	}
	newMsg, ok := registry[env.Type]
	if !ok {
		return env, nil, fmt.Errorf("%w %q", ErrUnknownType, env.Type)
	}
	msg := newMsg()
	data := bytes.TrimSpace(env.Data)
	if len(data) == 0 || bytes.Equal(data, []byte("null")) {
		data = []byte("{}")
	}
	if err := json.Unmarshal(data, msg); err != nil {
		return env, nil, fmt.Errorf("%w: %s data: %v", ErrMalformed, env.Type, err)
	}
	if err := msg.Validate(); err != nil {
		return env, nil, fmt.Errorf("%w: %s: %v", ErrInvalid, env.Type, err)
	}
	return env, msg, nil
}

// Encode builds the JSON of a message in its envelope. env.V and env.Type are
// filled in from the message.
func Encode(env Envelope, msg Message) ([]byte, error) {
	env.V = Version
	env.Type = msg.Type()
	data, err := json.Marshal(msg)
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", env.Type, err)
	}
	env.Data = data
	b, err := json.Marshal(env)
	if err != nil {
		return nil, fmt.Errorf("encode %s envelope: %w", env.Type, err)
	}
	return b, nil
}

// maxText bounds free text fields (chat lines, notes) well inside MaxMessageSize.
const maxText = 16 << 10

func checkText(field, s string, required bool) error {
	if required && s == "" {
		return fmt.Errorf("%s is empty", field)
	}
	if len(s) > maxText {
		return fmt.Errorf("%s is %d bytes, the limit is %d", field, len(s), maxText)
	}
	return nil
}

func checkID(field, s string) error {
	if s == "" {
		return fmt.Errorf("%s is missing", field)
	}
	if len(s) > 64 {
		return fmt.Errorf("%s is too long", field)
	}
	return nil
}
