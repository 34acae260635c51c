package filetransfer

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The path rules, as a specification: every name a transfer may use, and
// every name it must refuse with the reason a person reads.
func TestCheckPath(t *testing.T) {
	ok := []string{
		"report.pdf",
		"photos/2024/a.jpg",
		".bashrc",
		"..foo", // starts with dots, but is a name
		"a..b",
		"résumé.txt",
		"日本語/ファイル.txt",
		"CONSOLE.txt", // only the exact device names are reserved
		"COM10",
		"LPT",
		"nul-device.txt",
		"a b/c d.txt",
		"-rf",
		strings.Repeat("x", MaxNameLen),
	}
	for _, p := range ok {
		if err := CheckPath(p); err != nil {
			t.Errorf("CheckPath(%q) = %v, want accepted", p, err)
		}
	}

	refused := []struct {
		path, reason string // reason: a substring of the message
	}{
		{"", "empty"},
		{"..", `".." is not allowed`},
		{"../etc/passwd", `".." is not allowed`},
		{"a/../../b", `".." is not allowed`},
		{"a/..", `".." is not allowed`},
		{"./a", `"." is not allowed`},
		{"a/./b", `"." is not allowed`},
		{"a//b", "empty folder name"},
		{"a/", "empty folder name"},
		{"/etc/passwd", "absolute paths"},
		{"/", "absolute paths"},
		{"//server/share/x", "UNC"},
		{`\\server\share\x`, "UNC"},
		{`C:\Windows\system32`, "drive letters"},
		{`C:/Windows`, "drive letters"},
		{`c:x`, "drive letters"},
		{`a\b`, "backslash"},
		{`..\..\x`, "backslash"},
		{"a\x00b", "control character"},
		{"a\nb", "control character"},
		{"a\x1b[31mred", "control character"},
		{"a\u0085b", "control character"},
		{"evil\u202etxt.exe", "text-direction"},
		{"file:stream", `':'`},
		{"what?.txt", `'?'`},
		{"a*b", `'*'`},
		{"a<b", `'<'`},
		{`a"b`, `'"'`},
		{"a|b", `'|'`},
		{"name.", "ends with a dot"},
		{"name ", "ends with a dot or a space"},
		{"dir./x", "ends with a dot"},
		{"...", "ends with a dot"},
		{"CON", "reserved device name"},
		{"con", "reserved device name"},
		{"Con.txt", "reserved device name"},
		{"nul.tar.gz", "reserved device name"},
		{"NUL .txt", "reserved device name"},
		{"PRN", "reserved device name"},
		{"aux.c", "reserved device name"},
		{"COM1", "reserved device name"},
		{"com9.log", "reserved device name"},
		{"LPT1", "reserved device name"},
		{"lpt5.txt", "reserved device name"},
		{"COM¹", "reserved device name"},
		{"docs/CON/x.txt", "reserved device name"},
		{"CONIN$", "reserved device name"},
		{strings.Repeat("x", MaxNameLen+1), "at most 240"},
		{strings.Repeat("abcdefgh/", 120) + "x", "at most 1024"},
		{"\xff\xfe", "UTF-8"},
	}
	for _, c := range refused {
		err := CheckPath(c.path)
		var pe *PathError
		if !errors.As(err, &pe) || !errors.Is(err, ErrUnsafePath) {
			t.Errorf("CheckPath(%q) = %v, want a *PathError", c.path, err)
			continue
		}
		if !strings.Contains(err.Error(), c.reason) {
			t.Errorf("CheckPath(%q) = %q, want a message with %q", c.path, err, c.reason)
		}
	}
}

func TestCheckName(t *testing.T) {
	if err := CheckName("new name.txt"); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"a/b", "../x", "", ".."} {
		if err := CheckName(n); !errors.Is(err, ErrUnsafePath) {
			t.Errorf("CheckName(%q) = %v, want refused", n, err)
		}
	}
	if err := CheckName("a/b"); !strings.Contains(err.Error(), "does not move") {
		t.Errorf("CheckName with a slash: %v", err)
	}
}

func TestJoin(t *testing.T) {
	root := filepath.Join(t.TempDir(), "chosen")
	got, err := Join(root, "a/b.txt")
	if err != nil || got != filepath.Join(root, "a", "b.txt") {
		t.Fatalf("Join = %q, %v", got, err)
	}
	for _, rel := range []string{"../x", "/etc/passwd", `a\..\..\x`, "a/../b"} {
		if got, err := Join(root, rel); err == nil {
			t.Errorf("Join(%q) = %q, want refused (not cleaned)", rel, got)
		}
	}
	if _, err := Join("", "a"); err == nil {
		t.Error("Join without a chosen folder accepted")
	}
}

// Links inside the chosen folder are refused wherever they appear, whether
// they point outside (os.Root alone would refuse) or inside (os.Root would
// follow; we do not).
func TestLinksRefused(t *testing.T) {
	dir := t.TempDir()
	chosen, outside := filepath.Join(dir, "chosen"), filepath.Join(dir, "outside")
	must(t, os.MkdirAll(filepath.Join(chosen, "inner"), 0o755))
	must(t, os.MkdirAll(outside, 0o755))
	must(t, os.WriteFile(filepath.Join(outside, "secret"), []byte("secret"), 0o600))
	must(t, os.WriteFile(filepath.Join(chosen, "inner", "f"), []byte("f"), 0o600))
	must(t, os.Symlink(outside, filepath.Join(chosen, "out")))
	must(t, os.Symlink(filepath.Join(chosen, "inner"), filepath.Join(chosen, "in")))
	must(t, os.Symlink("inner/f", filepath.Join(chosen, "flink")))
	root, err := os.OpenRoot(chosen)
	must(t, err)
	defer root.Close()

	for _, rel := range []string{"out", "out/secret", "out/new", "in", "in/f", "flink"} {
		if _, err := lstat(root, rel); !errors.Is(err, ErrUnsafePath) || !strings.Contains(err.Error(), "symbolic link") {
			t.Errorf("lstat(%q) = %v, want a link refusal", rel, err)
		}
		if err := mkdirs(root, rel+"/sub"); !errors.Is(err, ErrUnsafePath) {
			t.Errorf("mkdirs(%q) = %v, want a link refusal", rel+"/sub", err)
		}
		if _, _, err := openRegular(root, rel); !errors.Is(err, ErrUnsafePath) {
			t.Errorf("openRegular(%q) = %v, want a link refusal", rel, err)
		}
	}
	// os.Root alone refuses the escaping link: the guarantee under the checks.
	if _, err := root.Open("out/secret"); err == nil {
		t.Error("os.Root followed a link out of the folder")
	}
	if fi, err := lstat(root, "inner/f"); err != nil || fi == nil {
		t.Errorf("lstat of a plain file: %v, %v", fi, err)
	}
	if fi, err := lstat(root, "inner/missing/deeper"); err != nil || fi != nil {
		t.Errorf("lstat of a missing path: %v, %v", fi, err)
	}
	if _, err := lstat(root, "inner/f/x"); !errors.Is(err, ErrUnsafePath) {
		t.Errorf("a file used as a folder: %v", err)
	}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
