package scripttype

import (
	"strings"
	"testing"
)

func TestInterpreterFor(t *testing.T) {
	for _, tc := range []struct {
		file, name, platform string
		command              string // joined by spaces
	}{
		{"fix.sh", "sh", PlatformUnix, "sh"},
		{"fix.bash", "bash", PlatformUnix, "bash"},
		{"FIX.PS1", "powershell", PlatformWindows, "powershell -NoProfile -NonInteractive -ExecutionPolicy Bypass -File"},
		{"fix.bat", "cmd", PlatformWindows, "cmd /d /s /c"},
		{"fix.Cmd", "cmd", PlatformWindows, "cmd /d /s /c"},
		{"fix.py", "", "", ""},
		{"fix.exe", "", "", ""},
		{"sh", "", "", ""},
		{"fix.sh.txt", "", "", ""},
	} {
		in, ok := InterpreterFor(tc.file)
		if in.Name != tc.name || in.Platform != tc.platform || ok != (tc.name != "") || strings.Join(in.Command, " ") != tc.command {
			t.Errorf("InterpreterFor(%q) = %+v, %v; want %s on %s, run by %q", tc.file, in, ok, tc.name, tc.platform, tc.command)
		}
	}
}

func TestExtensions(t *testing.T) {
	if got, want := Extensions(), ".sh, .bash, .ps1, .bat or .cmd"; got != want {
		t.Errorf("Extensions() = %q, want %q", got, want)
	}
}

func TestPlatformOf(t *testing.T) {
	for goos, want := range map[string]string{"linux": PlatformUnix, "darwin": PlatformUnix, "freebsd": PlatformUnix, "windows": PlatformWindows} {
		if got := PlatformOf(goos); got != want {
			t.Errorf("PlatformOf(%q) = %q, want %q", goos, got, want)
		}
	}
}
