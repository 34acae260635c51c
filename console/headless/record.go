package headless

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"lifeline/console/controller"
)

// record starts or stops recording the customer's screen to a file on
// this computer, after the customer's consent, as the sharing window's
// Record does.
func (sh *shell) record(ctx context.Context, s *controller.Session, cmd command) (*obj, error) {
	if cmd.sub == "stop" {
		info, err := s.StopRecording()
		if err != nil {
			return nil, err
		}
		return recordingObj(success(), info), nil
	}
	path := cmd.path
	if path == "" {
		dir := controller.RecordingsFolder()
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("could not make the folder for recordings: %w", err)
		}
		path = filepath.Join(dir, controller.RecordingName(s.Number(), time.Now()))
	}
	actx, cancel := context.WithTimeout(ctx, sh.opts.AnswerTimeout)
	defer cancel()
	if err := s.StartRecording(actx, path); err != nil {
		return nil, denied(err, "recording the session")
	}
	return success().set("path", path), nil
}

// recordingObj sets what a recording holds: the reply to record stop and
// the recording_stopped event.
func recordingObj(o *obj, info controller.RecordingInfo) *obj {
	o.set("path", info.Path).set("duration_ms", info.Duration.Milliseconds()).set("frames", info.Frames).
		set("keyframes", info.Keyframes).set("dropped", info.Dropped).set("bytes", info.Bytes)
	if info.Reason != "" {
		o.set("reason", info.Reason)
	}
	return o
}
