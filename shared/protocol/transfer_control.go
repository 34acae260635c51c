package protocol

func init() { register(func() Message { return new(TransferControl) }) }

// TypeTransferControl hands control of the session to an assistant. Only the
// host CSR may send it. The assistant becomes the host (role csr), the former
// host becomes an assistant who may leave but not end, and every support
// activity ends.
const TypeTransferControl Type = "transfer_control"

// TransferControl names the assistant who takes control.
type TransferControl struct {
	Participant string `json:"participant"`
}

func (*TransferControl) Type() Type        { return TypeTransferControl }
func (m *TransferControl) Validate() error { return checkID("participant", m.Participant) }
