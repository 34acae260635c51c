package protocol

import "unicode/utf8"

func init() { register(func() Message { return new(ScriptResult) }) }

// TypeScriptResult is the customer's agent reporting one script it ran
// for a CSR (after the customer's grant): how it ended and the tail of its
// output. Only a customer may send it. The server stores it in the session
// log (it appears in the chat panel and the Session Details report) and
// delivers it to everyone, from set and FromName filled in.
//
// The live output travels over the tools peer connection; this message is
// the record, so it keeps only the end of the output.
const TypeScriptResult Type = "script_result"

// Script run outcomes.
const (
	ScriptOK        = "ok"        // exit status 0
	ScriptFailed    = "failed"    // a non-zero exit status
	ScriptTimeout   = "timeout"   // killed at its time limit
	ScriptError     = "error"     // could not be started (no interpreter, bad file)
	ScriptCancelled = "cancelled" // the run was stopped (Stop, the CSR left, the session ended)
)

// MaxScriptOutput is the most output a ScriptResult keeps, in bytes.
const MaxScriptOutput = 8 << 10

// ScriptResult is one script's outcome within a run.
type ScriptResult struct {
	RunID string `json:"run_id"`
	// Index is the script's place in the run (0-based) of Count.
	Index int    `json:"index"`
	Count int    `json:"count"`
	Name  string `json:"name"`
	// RequestedBy is the CSR the run was for.
	RequestedBy string `json:"requested_by,omitempty"`
	Status      string `json:"status"`
	ExitCode    int    `json:"exit_code"`
	DurationMS  int64  `json:"duration_ms"`
	// Output is the end of standard output and standard error as they
	// came, at most MaxScriptOutput bytes; Truncated says that more came
	// before it.
	Output    string `json:"output,omitempty"`
	Truncated bool   `json:"truncated,omitempty"`
	// Error says why, when Status is error, timeout or cancelled.
	Error string `json:"error,omitempty"`
	// FromName is filled in by the server for display.
	FromName string `json:"from_name,omitempty"`
}

func (*ScriptResult) Type() Type { return TypeScriptResult }
func (m *ScriptResult) Validate() error {
	if err := checkID("run_id", m.RunID); err != nil {
		return err
	}
	if m.Count < 1 || m.Count > 100 || m.Index < 0 || m.Index >= m.Count {
		return errorf("index %d of %d is out of range", m.Index, m.Count)
	}
	if m.Name == "" || len(m.Name) > 200 {
		return errorf("name must be 1 to 200 bytes")
	}
	switch m.Status {
	case ScriptOK, ScriptFailed, ScriptTimeout, ScriptError, ScriptCancelled:
	default:
		return errorf("status %q is unknown", m.Status)
	}
	if m.DurationMS < 0 {
		return errorf("duration_ms is negative")
	}
	if len(m.Output) > MaxScriptOutput || !utf8.ValidString(m.Output) {
		return errorf("output must be valid UTF-8 of at most %d bytes", MaxScriptOutput)
	}
	if len(m.RequestedBy) > 64 {
		return errorf("requested_by is too long")
	}
	return checkText("error", m.Error, false)
}
