package protocol

import (
	"strings"
	"testing"
)

func TestSessionTransferredValidate(t *testing.T) {
	good := func() SessionTransferred {
		return SessionTransferred{FromName: "Carol", Queue: "billing", QueueName: "Billing", Request: "qrq_1"}
	}
	cases := []struct {
		name   string
		change func(*SessionTransferred)
		errHas string // "" when valid
	}{
		{"to a queue", func(*SessionTransferred) {}, ""},
		{"to a CSR", func(m *SessionTransferred) { m.Queue, m.QueueName, m.ToName = "", "", "Dave" }, ""},
		{"no request", func(m *SessionTransferred) { m.Request = "" }, "request is missing"},
		{"a request id too long", func(m *SessionTransferred) { m.Request = strings.Repeat("q", 65) }, "request is too long"},
		{"nowhere", func(m *SessionTransferred) { m.Queue = "" }, "exactly one of queue and to_name"},
		{"both a queue and a CSR", func(m *SessionTransferred) { m.ToName = "Dave" }, "exactly one of queue and to_name"},
		{"a name too long", func(m *SessionTransferred) { m.FromName = strings.Repeat("n", 401) }, "from_name must be"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := good()
			c.change(&m)
			checkValid(t, &m, c.errHas)
		})
	}
	// JSON carries only UTF-8 (the encoder replaces the rest), so this one
	// is refused before it is ever sent.
	m := good()
	m.QueueName = "\xff"
	if err := m.Validate(); err == nil || !strings.Contains(err.Error(), "queue_name must be") {
		t.Errorf("Validate of a name not UTF-8 = %v", err)
	}
}
