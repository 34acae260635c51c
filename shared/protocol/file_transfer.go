package protocol

func init() { register(func() Message { return new(FileTransfer) }) }

// TypeFileTransfer is the customer's agent recording one file transfer
// that ended (done, failed or aborted), in either direction. Only a
// customer may send it. The server stores it in the session log (the
// Session Details report lists the transfers) and delivers it to the CSRs.
const TypeFileTransfer Type = "file_transfer"

// File transfer directions, seen from the support side.
const (
	ToCustomer   = "to_customer"   // the CSR sent files, or the customer downloaded published ones
	FromCustomer = "from_customer" // the CSR fetched files from the customer's computer
)

// File transfer outcomes.
const (
	TransferDone    = "done"
	TransferFailed  = "failed"
	TransferAborted = "aborted"
)

// MaxTransferNames is the most file names a FileTransfer lists.
const MaxTransferNames = 50

// FileTransfer is one transfer's record.
type FileTransfer struct {
	Direction string `json:"direction"`
	// Folder is where the files went or came from, on the customer's side.
	Folder string   `json:"folder,omitempty"`
	Files  int      `json:"files"`
	Bytes  int64    `json:"bytes"`
	Names  []string `json:"names,omitempty"` // the first MaxTransferNames
	Status string   `json:"status"`
	Error  string   `json:"error,omitempty"`
	// RequestedBy is the CSR the transfer was for (empty: the customer's
	// own download of published files).
	RequestedBy string `json:"requested_by,omitempty"`
	// FromName is filled in by the server for display.
	FromName string `json:"from_name,omitempty"`
}

func (*FileTransfer) Type() Type { return TypeFileTransfer }
func (m *FileTransfer) Validate() error {
	if m.Direction != ToCustomer && m.Direction != FromCustomer {
		return errorf("direction %q is not %q or %q", m.Direction, ToCustomer, FromCustomer)
	}
	switch m.Status {
	case TransferDone, TransferFailed, TransferAborted:
	default:
		return errorf("status %q is unknown", m.Status)
	}
	if m.Files < 0 || m.Bytes < 0 {
		return errorf("files and bytes cannot be negative")
	}
	if len(m.Names) > MaxTransferNames {
		return errorf("at most %d names", MaxTransferNames)
	}
	for _, n := range m.Names {
		if n == "" || len(n) > 1024 {
			return errorf("a name must be 1 to 1024 bytes")
		}
	}
	if len(m.Folder) > 1024 || len(m.RequestedBy) > 64 {
		return errorf("folder or requested_by is too long")
	}
	return checkText("error", m.Error, false)
}
