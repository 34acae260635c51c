package protocol

func init() { register(func() Message { return new(ConsentRequest) }) }

// TypeConsentRequest is a CSR asking the primary customer for permission.
// Only the host CSR may send it, and only to the primary customer. The
// server forwards it to the customer with from set; the customer's agent
// asks the customer and answers with a ConsentAnswer.
const TypeConsentRequest Type = "consent_request"

// Actions a CSR can ask the customer to allow.
const (
	ActionView    = "view"
	ActionControl = "control"
	ActionFiles   = "files"
	ActionScripts = "scripts"
	ActionSysinfo = "sysinfo"
	ActionReboot  = "reboot"
	ActionRecord  = "record"
)

// Actions lists every action, for validation and for user interfaces.
var Actions = []string{ActionView, ActionControl, ActionFiles, ActionScripts, ActionSysinfo, ActionReboot, ActionRecord}

// ConsentRequest asks for one action.
type ConsentRequest struct {
	RequestID string `json:"request_id"`
	To        string `json:"to"`
	Action    string `json:"action"`
	// Detail says what exactly, in words the customer reads (e.g. the
	// names of the scripts to run).
	Detail string `json:"detail,omitempty"`
	// FromName is filled in by the server for display.
	FromName string `json:"from_name,omitempty"`
}

func (*ConsentRequest) Type() Type { return TypeConsentRequest }
func (m *ConsentRequest) Validate() error {
	if err := checkID("request_id", m.RequestID); err != nil {
		return err
	}
	if err := checkID("to", m.To); err != nil {
		return err
	}
	known := false
	for _, a := range Actions {
		known = known || a == m.Action
	}
	if !known {
		return errorf("action %q is not one of %v", m.Action, Actions)
	}
	return checkText("detail", m.Detail, false)
}
