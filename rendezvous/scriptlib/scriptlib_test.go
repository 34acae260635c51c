package scriptlib

import (
	"errors"
	"strings"
	"testing"
)

func TestChecks(t *testing.T) {
	for _, tc := range []struct {
		name  string
		check func(string) (string, error)
		in    string
		want  string // "" when refused
		msg   string // in the refusal
	}{
		{"a name without its spaces", CheckName, "  Flush DNS ", "Flush DNS", ""},
		{"a name of the most characters", CheckName, strings.Repeat("é", MaxNameLen), strings.Repeat("é", MaxNameLen), ""},
		{"a name one too long", CheckName, strings.Repeat("é", MaxNameLen+1), "", "at most 100 characters"},
		{"no name", CheckName, " ", "", "needs a name"},
		{"a name of two lines", CheckName, "a\nb", "", "one line"},
		{"a name that is not UTF-8", CheckName, "\xff", "", "UTF-8"},
		{"a category", CheckCategory, " Network ", "Network", ""},
		{"a category too long", CheckCategory, strings.Repeat("x", MaxCategoryLen+1), "", "at most 100 bytes"},
		{"no category", CheckCategory, "", "", "needs a name"},
		{"a description of lines and tabs", CheckDescription, " one\n\ttwo\r\n ", "one\n\ttwo", ""},
		{"no description", CheckDescription, "", "", ""},
		{"a description with a bell", CheckDescription, "ding\a", "", "control characters"},
		{"a description too long", CheckDescription, strings.Repeat("x", MaxDescriptionLen+1), "", "at most 2000 characters"},
	} {
		got, err := tc.check(tc.in)
		refused := tc.want == "" && tc.msg != ""
		if got != tc.want || (err != nil) != refused || (err != nil && !strings.Contains(err.Error(), tc.msg)) {
			t.Errorf("%s: %q, %v; want %q, %q", tc.name, got, err, tc.want, tc.msg)
		}
	}
}

func TestCheckFileName(t *testing.T) {
	for _, tc := range []struct {
		in, want string // want "" when refused
	}{
		{"fix.sh", "fix.sh"},
		{`C:\fakepath\fix.bat`, "fix.bat"}, // what some browsers send
		{"../../etc/passwd", "passwd"},     // never a path out of the agent's folder
		{"dir/", ""},
		{"..", ""},
		{"", ""},
		{"a\x00b.sh", ""},
		{"what?.ps1", ""},
		{strings.Repeat("x", MaxFileNameLen-3) + ".sh", strings.Repeat("x", MaxFileNameLen-3) + ".sh"},
		{strings.Repeat("x", MaxFileNameLen) + ".sh", ""},
	} {
		got, err := CheckFileName("script file", tc.in)
		if got != tc.want || (err != nil) != (tc.want == "") {
			t.Errorf("CheckFileName(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestInterpreterFor(t *testing.T) {
	for _, tc := range []struct{ file, name, platform string }{
		{"fix.sh", "sh", PlatformUnix},
		{"fix.bash", "bash", PlatformUnix},
		{"FIX.PS1", "powershell", PlatformWindows},
		{"fix.bat", "cmd", PlatformWindows},
		{"fix.Cmd", "cmd", PlatformWindows},
		{"fix.py", "", ""},
		{"fix.exe", "", ""},
		{"sh", "", ""},
		{"fix.sh.txt", "", ""},
	} {
		in, ok := InterpreterFor(tc.file)
		if in.Name != tc.name || in.Platform != tc.platform || ok != (tc.name != "") {
			t.Errorf("InterpreterFor(%q) = %+v, %v; want %s on %s", tc.file, in, ok, tc.name, tc.platform)
		}
	}
	if _, err := CheckScriptType("fix.py"); err == nil || !strings.Contains(err.Error(), `"fix.py" is not a kind of script the library runs: the file name must end in .sh, .bash, .ps1, .bat or .cmd`) {
		t.Errorf("CheckScriptType(fix.py): %v", err)
	}
}

func TestFileSizes(t *testing.T) {
	for _, tc := range []struct {
		size int64
		msg  string // "" when taken
	}{
		{1, ""},
		{MaxFileSize, ""},
		{0, "the script file is empty"},
		{MaxFileSize + 1, "The script file is 1,048,577 bytes; the most is 1 MB."},
		{MaxFileSize * 14 / 10, "The script file is 1.4 MB; the most is 1 MB."},
		{3 * MaxFileSize, "The script file is 3 MB; the most is 1 MB."},
	} {
		err := CheckFileSize("script file", tc.size)
		if (err == nil) != (tc.msg == "") || (err != nil && err.Error() != tc.msg) {
			t.Errorf("CheckFileSize(%d) = %v, want %q", tc.size, err, tc.msg)
		}
		var tl *TooLargeError
		if errors.As(err, &tl) != (tc.size > MaxFileSize) {
			t.Errorf("CheckFileSize(%d): %T, a *TooLargeError only beyond the limit", tc.size, err)
		}
	}
	cut := &TooLargeError{What: "input file", Size: 2*MaxFileSize + 300<<10, AtLeast: true}
	if got := cut.Error(); got != "The input file is more than 2.3 MB; the most is 1 MB." {
		t.Errorf("a file cut off: %q", got)
	}
	for n, want := range map[int64]string{1: "1 byte", 900: "900 bytes", 1536: "2 KB", 730 << 10: "730 KB", MaxFileSize: "1 MB"} {
		if got := FormatSize(n); got != want {
			t.Errorf("FormatSize(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestCheckTimeLimit(t *testing.T) {
	for n, ok := range map[int]bool{0: false, 1: true, 300: true, 3600: true, 3601: false, -5: false} {
		if err := CheckTimeLimit(n); (err == nil) != ok {
			t.Errorf("CheckTimeLimit(%d) = %v", n, err)
		}
	}
}
