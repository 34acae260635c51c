package protocol

func init() { register(func() Message { return new(StopSharing) }) }

// TypeStopSharing ends every sharing activity of the session: viewing,
// control, file transfer. The customer sends it when they press Stop, a CSR
// when they close the sharing window, and the server broadcasts it on its
// own when a role change ends all activities (make primary, transfer
// control), as the user guide says.
const TypeStopSharing Type = "stop_sharing"

// StopSharing says why sharing ended.
type StopSharing struct {
	Reason string `json:"reason,omitempty"`
}

func (*StopSharing) Type() Type        { return TypeStopSharing }
func (m *StopSharing) Validate() error { return checkText("reason", m.Reason, false) }
