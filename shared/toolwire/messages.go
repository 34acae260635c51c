package toolwire

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"lifeline/shared/filetransfer"
	"lifeline/shared/protocol"
)

// Channel label prefixes (transport.OpenChannel labels; the rest of a label
// is an id unique on the peer connection).
const (
	LabelSysinfo   = "tools/sysinfo-"
	LabelScripts   = "tools/scripts-"
	LabelPublished = "tools/published" // the published list, console → agent
	LabelPublish   = "files/publish"   // downloads of published files (filetransfer, console serves)
	LabelFiles     = "files/browse-"   // advanced file transfer (filetransfer, agent serves)
)

// Status is the agent's first answer on a tool channel: whether it will
// serve it, and why not.
type Status struct {
	Error string `json:"error,omitempty"`
	// Root is where an advanced file transfer is confined, for display.
	Root string `json:"root,omitempty"`
	// MaxBytes is the largest transfer the agent accepts.
	MaxBytes int64 `json:"max_bytes,omitempty"`
}

// Script run limits.
const (
	MaxScripts     = 20
	MaxScriptBytes = 1 << 20 // per script and per input file, as the library
)

// RunRequest starts a script run: it is followed, for each script, by the
// script's blob and, if InputSize > 0 or InputName is set, its input's blob.
type RunRequest struct {
	RunID   string       `json:"run_id"`
	Scripts []ScriptSpec `json:"scripts"`
}

// ScriptSpec describes one script of a run.
type ScriptSpec struct {
	Name      string `json:"name"`
	FileName  string `json:"file_name"`
	InputName string `json:"input_name,omitempty"`
	TimeoutMS int64  `json:"timeout_ms"`
}

// Check validates a run request from the other side.
func (r *RunRequest) Check() error {
	if r.RunID == "" || len(r.RunID) > 64 {
		return fmt.Errorf("%w: a run needs an id of at most 64 bytes", ErrProtocol)
	}
	if len(r.Scripts) == 0 || len(r.Scripts) > MaxScripts {
		return fmt.Errorf("%w: a run has 1 to %d scripts, not %d", ErrProtocol, MaxScripts, len(r.Scripts))
	}
	for _, s := range r.Scripts {
		if s.Name == "" || len(s.Name) > 200 {
			return fmt.Errorf("%w: a script name must be 1 to 200 bytes", ErrProtocol)
		}
		if err := filetransfer.CheckName(s.FileName); err != nil {
			return fmt.Errorf("%w: script file name: %v", ErrProtocol, err)
		}
		if s.InputName != "" {
			if err := filetransfer.CheckName(s.InputName); err != nil {
				return fmt.Errorf("%w: input file name: %v", ErrProtocol, err)
			}
		}
		if s.TimeoutMS < 1000 || s.TimeoutMS > int64(time.Hour/time.Millisecond) {
			return fmt.Errorf("%w: a time limit is 1 s to 1 h", ErrProtocol)
		}
	}
	return nil
}

// Reply is the agent's answer to the request a console sends on a tool
// channel once the Status came (a RunRequest and its files, a
// SysinfoRequest): Started when the agent took the request, or why not.
// A one-off grant is used up only then, so that a console whose channel
// stayed silent may try again on another.
type Reply struct {
	Started bool   `json:"started,omitempty"`
	Error   string `json:"error,omitempty"`
}

// SysinfoRequest asks for the system information report, once the
// agent's Status came; the report follows the agent's Reply as a blob.
type SysinfoRequest struct{}

// RunEvent is what the agent sends back during a run, after its Reply, in
// order: output pieces and results as they come, then one with Done (or
// Error).
type RunEvent struct {
	Output *RunOutput             `json:"output,omitempty"`
	Result *protocol.ScriptResult `json:"result,omitempty"`
	Done   bool                   `json:"done,omitempty"`
	Error  string                 `json:"error,omitempty"`
}

// RunOutput is a piece of a script's output.
type RunOutput struct {
	Index  int    `json:"index"`
	Stream string `json:"stream"` // stdout or stderr
	Data   string `json:"data"`
}

// MaxOutputPiece bounds RunOutput.Data so a RunEvent fits in a frame.
const MaxOutputPiece = 16 << 10

// Published is the list of files a CSR published, sent whenever it
// changes; Closed ends basic file transfer.
type Published struct {
	Files  []filetransfer.DirEntry `json:"files"`
	Closed bool                    `json:"closed,omitempty"`
	Reason string                  `json:"reason,omitempty"`
}

// RunDetail is the consent request's detail for a run of the named
// scripts, in order: what the customer reads, and what the agent checks
// the scripts it receives against.
func RunDetail(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = strconv.Quote(n)
	}
	return strings.Join(q, ", then ")
}
