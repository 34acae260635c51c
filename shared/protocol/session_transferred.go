package protocol

import (
	"fmt"
	"unicode/utf8"
)

func init() { register(func() Message { return new(SessionTransferred) }) }

// TypeSessionTransferred tells everyone in a session that its CSR
// transferred it, to a support queue or to another CSR, and left (the
// guide's Transfer Session). The session goes on without a CSR in control
// (host_id is empty) until the next CSR accepts it and takes it over; the
// customer stays connected meanwhile, and may follow its place in line at
// GET /api/v1/queue-requests/{request} with its participant token. The
// sender's personal message is for CSRs, and is not in it.
const TypeSessionTransferred Type = "session_transferred"

// SessionTransferred says by whom and where to. Exactly one of Queue (with
// QueueName) and ToName is set.
type SessionTransferred struct {
	FromName  string `json:"from_name"`
	Queue     string `json:"queue,omitempty"`      // the queue's name
	QueueName string `json:"queue_name,omitempty"` // the name customers read
	ToName    string `json:"to_name,omitempty"`    // the CSR it is offered to
	// Request is the queue request the session now waits as.
	Request string `json:"request"`
}

func (*SessionTransferred) Type() Type { return TypeSessionTransferred }

func (m *SessionTransferred) Validate() error {
	if err := checkID("request", m.Request); err != nil {
		return err
	}
	if (m.Queue == "") == (m.ToName == "") {
		return fmt.Errorf("a transfer goes to a queue or to a support representative: exactly one of queue and to_name")
	}
	for _, f := range []struct{ name, v string }{
		{"from_name", m.FromName}, {"queue", m.Queue}, {"queue_name", m.QueueName}, {"to_name", m.ToName},
	} {
		if len(f.v) > 400 || !utf8.ValidString(f.v) {
			return fmt.Errorf("%s must be valid UTF-8 of at most 400 bytes", f.name)
		}
	}
	return nil
}
