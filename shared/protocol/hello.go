package protocol

func init() { register(func() Message { return new(Hello) }) }

// TypeHello is sent by the server once, when a connection is accepted.
const TypeHello Type = "hello"

// Hello tells a client who the server thinks it is.
type Hello struct {
	Protocol int `json:"protocol"`
	// User is set on connections made with a CSR's bearer token; such a
	// connection can attach to several sessions.
	User *User `json:"user,omitempty"`
	// Participant is set on connections made with a participant token; such
	// a connection belongs to that one session.
	Participant *Participant `json:"participant,omitempty"`
	// Session is the session of a participant-token connection.
	Session string `json:"session,omitempty"`
	// PingIntervalMS is how often the server pings; a client that sees no
	// ping for three intervals should reconnect.
	PingIntervalMS int `json:"ping_interval_ms"`
	// GraceSeconds is how long a dropped participant keeps its place.
	GraceSeconds int `json:"grace_seconds"`
}

// User describes a CSR or admin account.
type User struct {
	ID    string `json:"id"`
	Email string `json:"email"`
	Name  string `json:"name"`
	Role  string `json:"role"`
}

func (*Hello) Type() Type      { return TypeHello }
func (*Hello) Validate() error { return nil }
