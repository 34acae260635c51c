package protocol

import "time"

func init() { register(func() Message { return new(State) }) }

// TypeState carries the whole session as the recipient may see it. It is
// sent on attach and whenever the roster, the roles or the sharing change,
// so clients never have to merge partial updates.
const TypeState Type = "state"

// Participant roles.
const (
	RoleCSR       = "csr"                // the CSR in control of the session
	RoleAssistant = "assistant"          // another CSR, observing
	RolePrimary   = "primary_customer"   // the customer who shares
	RoleSecondary = "secondary_customer" // further customers, view only
)

// Session states.
const (
	StateLive  = "live"
	StateEnded = "ended"
)

// State is a snapshot of a session.
type State struct {
	ID           string        `json:"id"`
	Number       string        `json:"number"`
	State        string        `json:"state"`
	SessionType  string        `json:"type,omitempty"`
	TrackingCode string        `json:"tracking_code,omitempty"`
	HostID       string        `json:"host_id"`
	You          string        `json:"you"` // the recipient's participant id
	LastSeq      int64         `json:"last_seq"`
	Participants []Participant `json:"participants"`
	// Sharing is the participant whose screen is being viewed, if any;
	// Viewers are those with a granted view; Controller has control.
	Sharing    string   `json:"sharing,omitempty"`
	Viewers    []string `json:"viewers,omitempty"`
	Controller string   `json:"controller,omitempty"`
	// MaxTransferBytes is the largest file transfer the site allows (the
	// total of one transfer); both ends refuse more.
	MaxTransferBytes int64 `json:"max_transfer_bytes,omitempty"`
	// Settings are what applies in this session: the site's settings with
	// those of the queue it came through laid over. A console offers only
	// the features they allow (the server refuses the others) and starts
	// its viewer in their screen mode and colours. Absent from a server
	// older than per-queue settings: the site's (GET /api/v1/settings)
	// apply then.
	Settings *SessionSettings `json:"settings,omitempty"`
	// ICEServers are the TURN relay and its short-lived credentials, for
	// the recipient only.
	ICEServers []ICEServer `json:"ice_servers,omitempty"`
}

// Participant is one person in a session.
type Participant struct {
	ID        string     `json:"id"`
	Name      string     `json:"name"`
	Email     string     `json:"email,omitempty"`
	Role      string     `json:"role"`
	Connected bool       `json:"connected"`
	JoinedAt  time.Time  `json:"joined_at"`
	LeftAt    *time.Time `json:"left_at,omitempty"`
	// Restarting is set while a customer's computer reboots: the agent
	// said it would come back, and its place is kept for longer.
	Restarting bool `json:"restarting,omitempty"`
}

// SessionSettings are the settings of one session that its participants
// follow.
type SessionSettings struct {
	// Queue is the name of the support queue whose own settings apply,
	// "" when the session came through none and the site's apply alone.
	Queue         string   `json:"queue,omitempty"`
	Features      Features `json:"features"`
	DefaultMode   string   `json:"default_mode,omitempty"`   // "standard" or "sampling"
	DefaultColors string   `json:"default_colors,omitempty"` // "full", "16bit" or "256"
}

// Features are the support features switched on in a session, each
// needing the customer's consent (the Action constants) beyond viewing
// and control, which no setting switches off.
type Features struct {
	FileTransfer bool `json:"file_transfer"`
	Scripts      bool `json:"scripts"`
	SystemInfo   bool `json:"system_info"`
	Reboot       bool `json:"reboot"`
	Recording    bool `json:"recording"`
}

// ICEServer is a STUN/TURN server for WebRTC, in the shape browsers and
// pion accept.
type ICEServer struct {
	URLs       []string `json:"urls"`
	Username   string   `json:"username,omitempty"`
	Credential string   `json:"credential,omitempty"`
}

func (*State) Type() Type      { return TypeState }
func (*State) Validate() error { return nil }
