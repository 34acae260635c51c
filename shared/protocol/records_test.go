package protocol

import (
	"strings"
	"testing"
)

// The records a customer's agent sends of what it did: one valid message
// each, then every field made wrong in turn.
func TestScriptResultValidate(t *testing.T) {
	good := func() ScriptResult {
		return ScriptResult{RunID: "run_1", Index: 1, Count: 3, Name: "Flush DNS", RequestedBy: "par_csr",
			Status: ScriptFailed, ExitCode: 2, DurationMS: 1500, Output: "ipconfig: access denied\n", Truncated: true}
	}
	cases := []struct {
		name   string
		change func(*ScriptResult)
		errHas string // "" when valid
	}{
		{"a failed script with its output", func(*ScriptResult) {}, ""},
		{"each status", func(m *ScriptResult) { m.Status = ScriptOK }, ""},
		{"timeout", func(m *ScriptResult) { m.Status, m.Error = ScriptTimeout, "stopped after 300 s" }, ""},
		{"could not start", func(m *ScriptResult) { m.Status, m.Error = ScriptError, "no interpreter" }, ""},
		{"cancelled", func(m *ScriptResult) { m.Status = ScriptCancelled }, ""},
		{"the only script of a run", func(m *ScriptResult) { m.Index, m.Count = 0, 1 }, ""},
		{"no requester, no output", func(m *ScriptResult) { m.RequestedBy, m.Output = "", "" }, ""},
		{"output at the limit", func(m *ScriptResult) { m.Output = strings.Repeat("x", MaxScriptOutput) }, ""},
		{"a negative exit status (a signal)", func(m *ScriptResult) { m.ExitCode = -9 }, ""},

		{"no run id", func(m *ScriptResult) { m.RunID = "" }, "run_id is missing"},
		{"a run id too long", func(m *ScriptResult) { m.RunID = strings.Repeat("r", 65) }, "run_id is too long"},
		{"no scripts in the run", func(m *ScriptResult) { m.Index, m.Count = 0, 0 }, "out of range"},
		{"more than 100 scripts", func(m *ScriptResult) { m.Count = 101 }, "out of range"},
		{"index past the count", func(m *ScriptResult) { m.Index = 3 }, "index 3 of 3"},
		{"negative index", func(m *ScriptResult) { m.Index = -1 }, "out of range"},
		{"no name", func(m *ScriptResult) { m.Name = "" }, "name must be 1 to 200 bytes"},
		{"a name too long", func(m *ScriptResult) { m.Name = strings.Repeat("n", 201) }, "name must be"},
		{"no status", func(m *ScriptResult) { m.Status = "" }, "status"},
		{"an unknown status", func(m *ScriptResult) { m.Status = "exploded" }, `status "exploded" is unknown`},
		{"negative duration", func(m *ScriptResult) { m.DurationMS = -1 }, "duration_ms is negative"},
		{"output over the limit", func(m *ScriptResult) { m.Output = strings.Repeat("x", MaxScriptOutput+1) }, "output must be"},
		{"output not UTF-8", func(m *ScriptResult) { m.Output = "\xff\xfe" }, "valid UTF-8"},
		{"a requester too long", func(m *ScriptResult) { m.RequestedBy = strings.Repeat("p", 65) }, "requested_by is too long"},
		{"an error too long", func(m *ScriptResult) { m.Error = strings.Repeat("e", maxText+1) }, "error is"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := good()
			c.change(&m)
			checkValid(t, &m, c.errHas)
		})
	}
}

func TestFileTransferValidate(t *testing.T) {
	good := func() FileTransfer {
		return FileTransfer{Direction: FromCustomer, Folder: `C:\Users\Ann\Logs`, Files: 2, Bytes: 40960,
			Names: []string{"app.log", "crash.dmp"}, Status: TransferDone, RequestedBy: "par_csr"}
	}
	cases := []struct {
		name   string
		change func(*FileTransfer)
		errHas string
	}{
		{"files fetched from the customer", func(*FileTransfer) {}, ""},
		{"files sent to the customer", func(m *FileTransfer) { m.Direction = ToCustomer }, ""},
		{"failed, with why", func(m *FileTransfer) { m.Status, m.Error = TransferFailed, "disk full" }, ""},
		{"aborted", func(m *FileTransfer) { m.Status = TransferAborted }, ""},
		{"the customer's own download", func(m *FileTransfer) { m.RequestedBy, m.Folder = "", "" }, ""},
		{"nothing moved", func(m *FileTransfer) { m.Files, m.Bytes, m.Names = 0, 0, nil }, ""},
		{"as many names as allowed", func(m *FileTransfer) { m.Names = make([]string, MaxTransferNames); fill(m.Names) }, ""},
		{"a name at the limit", func(m *FileTransfer) { m.Names = []string{strings.Repeat("n", 1024)} }, ""},

		{"no direction", func(m *FileTransfer) { m.Direction = "" }, "direction"},
		{"an unknown direction", func(m *FileTransfer) { m.Direction = "sideways" }, `direction "sideways"`},
		{"no status", func(m *FileTransfer) { m.Status = "" }, "status"},
		{"an unknown status", func(m *FileTransfer) { m.Status = "lost" }, `status "lost" is unknown`},
		{"negative files", func(m *FileTransfer) { m.Files = -1 }, "cannot be negative"},
		{"negative bytes", func(m *FileTransfer) { m.Bytes = -1 }, "cannot be negative"},
		{"too many names", func(m *FileTransfer) { m.Names = make([]string, MaxTransferNames+1); fill(m.Names) }, "at most 50 names"},
		{"an empty name", func(m *FileTransfer) { m.Names = []string{"a", ""} }, "1 to 1024 bytes"},
		{"a name too long", func(m *FileTransfer) { m.Names = []string{strings.Repeat("n", 1025)} }, "1 to 1024 bytes"},
		{"a folder too long", func(m *FileTransfer) { m.Folder = strings.Repeat("f", 1025) }, "folder or requested_by is too long"},
		{"a requester too long", func(m *FileTransfer) { m.RequestedBy = strings.Repeat("p", 65) }, "too long"},
		{"an error too long", func(m *FileTransfer) { m.Error = strings.Repeat("e", maxText+1) }, "error is"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := good()
			c.change(&m)
			checkValid(t, &m, c.errHas)
		})
	}
}

func fill(names []string) {
	for i := range names {
		names[i] = "file" + strings.Repeat("x", i%7)
	}
}

// checkValid checks Validate, and that Decode agrees after a round trip
// through the wire form.
func checkValid(t *testing.T, m Message, errHas string) {
	t.Helper()
	err := m.Validate()
	switch {
	case errHas == "" && err != nil:
		t.Fatalf("Validate: %v", err)
	case errHas != "" && err == nil:
		t.Fatalf("Validate accepted it; want an error with %q", errHas)
	case errHas != "" && !strings.Contains(err.Error(), errHas):
		t.Fatalf("Validate: %q, want it to contain %q", err, errHas)
	}
	b, err := Encode(Envelope{ID: "1"}, m)
	if err != nil {
		t.Fatal(err)
	}
	_, got, err := Decode(b)
	if errHas == "" && (err != nil || got.Type() != m.Type()) {
		t.Fatalf("Decode of a valid %s: %v", m.Type(), err)
	}
	// Invalid UTF-8 cannot survive JSON (it becomes U+FFFD), so that one
	// case is valid on the wire.
	if errHas != "" && errHas != "valid UTF-8" && err == nil {
		t.Fatalf("Decode accepted an invalid %s", m.Type())
	}
}

func TestRecordingValidate(t *testing.T) {
	good := func() Recording {
		return Recording{State: RecordingStopped, Reason: "The customer stopped sharing.", DurationMS: 42000, Frames: 310, Bytes: 912345}
	}
	cases := []struct {
		name   string
		change func(*Recording)
		errHas string
	}{
		{"a recording that stopped, with why and what it holds", func(*Recording) {}, ""},
		{"a recording that started", func(m *Recording) { *m = Recording{State: RecordingStarted} }, ""},
		{"a reason at the limit", func(m *Recording) { m.Reason = strings.Repeat("r", 1024) }, ""},

		{"no state", func(m *Recording) { m.State = "" }, "state"},
		{"an unknown state", func(m *Recording) { m.State = "paused" }, `state "paused"`},
		{"negative duration", func(m *Recording) { m.DurationMS = -1 }, "cannot be negative"},
		{"negative frames", func(m *Recording) { m.Frames = -1 }, "cannot be negative"},
		{"negative bytes", func(m *Recording) { m.Bytes = -1 }, "cannot be negative"},
		{"a reason too long", func(m *Recording) { m.Reason = strings.Repeat("r", 1025) }, "reason is too long"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := good()
			c.change(&m)
			checkValid(t, &m, c.errHas)
		})
	}
}
