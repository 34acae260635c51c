//go:build windows

package scriptrun

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"lifeline/shared/protocol"
)

func TestRunWindows(t *testing.T) {
	base := t.TempDir()
	r := &Runner{TempDir: base}
	results := r.Run(context.Background(), []Script{
		{Name: "ok", FileName: "ok.bat", Body: []byte("@echo hello\r\n")},
		{Name: "failed", FileName: "fail.cmd", Body: []byte("@echo bye\r\n@exit /b 3\r\n")},
		{Name: "input", FileName: "in.ps1", InputName: "data.txt", Input: []byte("42"),
			Body: []byte("Get-Content -Path $env:LIFELINE_INPUT\r\n")},
		{Name: "slow", FileName: "slow.bat", Timeout: 500 * time.Millisecond,
			Body: []byte("@start /b ping -n 60 127.0.0.1 >nul\r\n@ping -n 60 127.0.0.1 >nul\r\n")},
		{Name: "unix", FileName: "x.sh", Body: []byte("echo")},
	}, nil, nil)
	for i, w := range []struct {
		status, output string
		exit           int
	}{
		{protocol.ScriptOK, "hello\r\n", 0},
		{protocol.ScriptFailed, "bye\r\n", 3},
		{protocol.ScriptOK, "42\r\n", 0},
		{protocol.ScriptTimeout, "", 1},
		{protocol.ScriptError, "", -1},
	} {
		res := results[i]
		if res.Status != w.status || res.Output != w.output || res.ExitCode != w.exit {
			t.Errorf("script %d: %q, %q, exit %d (%s); want %q, %q, exit %d", i, res.Status, res.Output, res.ExitCode, res.Err, w.status, w.output, w.exit)
		}
	}
	if !strings.Contains(results[4].Err, "Shell scripts cannot run on Windows.") {
		t.Errorf("err %q", results[4].Err)
	}
	if entries, _ := os.ReadDir(base); len(entries) > 0 {
		t.Errorf("left in the base folder: %v", entries)
	}
}
