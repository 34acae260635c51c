//go:build unix

package reboot

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

const fingerprint = "8F4EF39200112233445566778899AABBCCDDEEFF00112233445566778899 7A78"

func ticket() Ticket {
	return Ticket{Server: "https://support.example.com:8443", Fingerprint: strings.ReplaceAll(fingerprint, " ", ""),
		ResumeToken: "rt_0123456789abcdef", SessionNumber: "123456789", Name: "Dana O'Neil",
		CreatedAt: time.Date(2026, 5, 4, 10, 20, 30, 0, time.UTC)}
}

func testConfig(t *testing.T) Config {
	dir := t.TempDir()
	return Config{
		Dir:          filepath.Join(dir, "config", "lifeline"),
		Exe:          "/opt/Life Line/lifeline-agent",
		Args:         []string{"--no-gui", "--display", ":5", "--loopback-only", `--name=Dana "D" O'Neil $HOME 100% C:\x`},
		AutostartDir: filepath.Join(dir, "autostart"),
	}
}

func mode(t *testing.T, path string) fs.FileMode {
	t.Helper()
	info, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	return info.Mode()
}

func TestArrange(t *testing.T) {
	cfg := testConfig(t)
	t.Chdir(t.TempDir())
	tk := ticket()
	tk.CAFile = "ca.pem" // relative: the agent started at login has another working folder
	path, err := Arrange(cfg, tk)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(cfg.Dir, TicketFile); path != want {
		t.Errorf("the ticket is at %s, want %s", path, want)
	}
	if m := mode(t, path); m != 0o600 {
		t.Errorf("the ticket's mode is %v, want 0600", m)
	}
	if m := mode(t, cfg.Dir); m.Perm() != 0o700 {
		t.Errorf("the ticket's folder's mode is %v, want 0700", m)
	}
	if entries, _ := os.ReadDir(cfg.Dir); len(entries) != 1 {
		t.Errorf("the ticket's folder holds %v, want the ticket only", entries)
	}

	entryPath, err := AutostartPath(cfg)
	if err != nil || entryPath != filepath.Join(cfg.AutostartDir, autostartFile) {
		t.Fatalf("AutostartPath = %s, %v", entryPath, err)
	}
	if m := mode(t, entryPath); m != 0o644 {
		t.Errorf("the autostart entry's mode is %v, want 0644", m)
	}
	want := append([]string{cfg.Exe, "--rejoin", path}, cfg.Args...)
	if got := autostartArgs(t, entryPath); !slices.Equal(got, want) {
		t.Errorf("the autostart entry runs %q, want %q", got, want)
	}

	got, err := Load(path)
	wantTicket := tk
	wantTicket.CAFile = filepath.Join(mustGetwd(t), "ca.pem")
	if err != nil || got != wantTicket {
		t.Errorf("Load = %+v, %v; want %+v", got, err, wantTicket)
	}

	// Arranging again replaces both.
	tk.ResumeToken = "rt_second"
	if _, err := Arrange(cfg, tk); err != nil {
		t.Fatal(err)
	}
	if got, err := Load(path); err != nil || got.ResumeToken != "rt_second" {
		t.Errorf("after the second Arrange: %+v, %v", got, err)
	}
}

func mustGetwd(t *testing.T) string {
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	return wd
}

func TestArrangeDefaults(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(home, "xdg"))
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	path, err := Arrange(Config{}, ticket())
	if err != nil {
		t.Fatal(err)
	}
	ticketDir, entry := defaultPaths(home)
	if want := filepath.Join(ticketDir, TicketFile); path != want {
		t.Errorf("the ticket is at %s, want %s", path, want)
	}
	if got := autostartArgs(t, entry); !slices.Equal(got, []string{exe, "--rejoin", path}) {
		t.Errorf("the autostart entry runs %q", got)
	}
	if err := Cleanup(Config{}, ""); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{path, entry} {
		if _, err := os.Stat(p); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s is still there: %v", p, err)
		}
	}
}

func TestArrangeRefuses(t *testing.T) {
	cfg := testConfig(t)
	tk := ticket()
	tk.ResumeToken = ""
	if _, err := Arrange(cfg, tk); err == nil || !strings.Contains(err.Error(), "no resume token") {
		t.Errorf("a ticket without a token: %v", err)
	}
	if _, err := os.Stat(cfg.Dir); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("something was written: %v", err)
	}

	// An autostart entry that cannot be written takes the ticket with it.
	if err := os.WriteFile(filepath.Join(filepath.Dir(cfg.AutostartDir), "autostart"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Arrange(cfg, ticket()); err == nil || !strings.Contains(err.Error(), "arranging for the agent to start after the restart") {
		t.Errorf("an autostart folder that is a file: %v", err)
	}
	if entries, _ := os.ReadDir(cfg.Dir); len(entries) != 0 {
		t.Errorf("left behind: %v", entries)
	}
}

func TestLoadRefuses(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string, mode fs.FileMode) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("good.json", goodTicket, 0o600)
	if _, err := Load(good); err != nil {
		t.Fatalf("the good ticket: %v", err)
	}
	link := filepath.Join(dir, "link.json")
	if err := os.Symlink(good, link); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, path, err string }{
		{"no ticket", filepath.Join(dir, "missing.json"), "does not exist"},
		{"not JSON", write("bad.json", "{not json", 0o600), "is damaged"},
		{"no token", write("notoken.json", strings.Replace(goodTicket, `"resume_token": "rt_0123456789abcdef",`, "", 1), 0o600), "no resume token"},
		{"readable by everyone", write("world.json", goodTicket, 0o644), "can be read or changed by other users (mode 0644"},
		{"readable by the group", write("group.json", goodTicket, 0o640), "mode 0640"},
		{"writable by the group", write("gw.json", goodTicket, 0o620), "mode 0620"},
		{"a link", link, "is not a plain file"},
		{"a folder", dir, "is not a plain file"},
		{"too large", write("large.json", goodTicket+strings.Repeat(" ", maxTicketSize), 0o600), "larger than"},
	} {
		if _, err := Load(tc.path); err == nil || !strings.Contains(err.Error(), tc.err) || !strings.Contains(err.Error(), tc.path) {
			t.Errorf("%s: %v, want an error naming the file and saying %q", tc.name, err, tc.err)
		}
	}
}

func TestCleanup(t *testing.T) {
	cfg := testConfig(t)
	if err := Cleanup(cfg, ""); err != nil {
		t.Errorf("Cleanup with nothing arranged: %v", err)
	}
	path, err := Arrange(cfg, ticket())
	if err != nil {
		t.Fatal(err)
	}
	entry, _ := AutostartPath(cfg)
	for i := range 2 {
		if err := Cleanup(cfg, path); err != nil {
			t.Errorf("Cleanup %d: %v", i+1, err)
		}
		for _, p := range []string{path, entry} {
			if _, err := os.Lstat(p); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("after Cleanup %d, %s is still there: %v", i+1, p, err)
			}
		}
	}
}

// waitFile waits for a file to hold a line.
func waitFile(t *testing.T, path string) string {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		if b, err := os.ReadFile(path); err == nil && strings.HasSuffix(string(b), "\n") {
			return strings.TrimSpace(string(b))
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not appear", path)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func shortStartCheck(t *testing.T) {
	old := startCheck
	startCheck = 300 * time.Millisecond
	t.Cleanup(func() { startCheck = old })
}

func TestReboot(t *testing.T) {
	shortStartCheck(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "out")
	for _, tc := range []struct {
		name, command string
		err           string // "" when it starts
	}{
		{"a command that succeeds", "echo started > " + file, ""},
		{"a command that goes on", "sleep 1; echo later > " + file, ""},
		{"a command that fails", "exit 3", `"exit 3" failed (exit status 3)`},
		{"a command that says why it fails", "echo not permitted >&2; exit 1", "failed (exit status 1): not permitted"},
		{"a command that is not there", "no-such-restart-command", "not found"},
	} {
		os.Remove(file)
		start := time.Now()
		err := Reboot(context.Background(), Config{Command: tc.command})
		if tc.err == "" {
			if err != nil {
				t.Errorf("%s: %v", tc.name, err)
			}
			if took := time.Since(start); took > startCheck+time.Second {
				t.Errorf("%s: Reboot took %v", tc.name, took)
			}
			waitFile(t, file)
		} else if err == nil || !strings.Contains(err.Error(), tc.err) || !strings.Contains(err.Error(), "the computer could not be restarted") {
			t.Errorf("%s: %v, want an error saying %q", tc.name, err, tc.err)
		}
	}
	if _, err := os.Stat("/proc/self/stat"); err == nil {
		// The command leads a session of its own (field 6 of stat).
		os.Remove(file)
		if err := Reboot(context.Background(), Config{Command: `echo "$$ $(cut -d' ' -f6 /proc/$$/stat)" > ` + file}); err != nil {
			t.Fatal(err)
		}
		if f := strings.Fields(waitFile(t, file)); len(f) != 2 || f[0] != f[1] {
			t.Errorf("pid and session: %q, want the command to lead its own session", f)
		}
	}
}

func TestRebootWithoutShell(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	if err := Reboot(context.Background(), Config{Command: "true"}); err == nil || !strings.Contains(err.Error(), "sh is not installed") {
		t.Errorf("no sh: %v", err)
	}
}

// The agent exits once the restart has begun, and its whole process group
// may be killed with it: the command goes on.
func TestRebootSurvivesTheAgent(t *testing.T) {
	file := filepath.Join(t.TempDir(), "survived")
	cmd := exec.Command(os.Args[0], "-test.run=^TestRebootHelper$")
	cmd.Env = append(os.Environ(), "LIFELINE_REBOOT_HELPER="+file)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // the helper kills its group, not ours
	out, err := cmd.CombinedOutput()
	var exitErr *exec.ExitError
	if !errors.As(err, &exitErr) || exitErr.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("the helper ended with %v, not killed:\n%s", err, out)
	}
	if got := waitFile(t, file); got != "survived" {
		t.Errorf("the command wrote %q", got)
	}
}

func TestRebootHelper(t *testing.T) {
	file := os.Getenv("LIFELINE_REBOOT_HELPER")
	if file == "" {
		t.Skip("run by TestRebootSurvivesTheAgent")
	}
	startCheck = 100 * time.Millisecond
	if err := Reboot(context.Background(), Config{Command: "sleep 0.5; echo survived > " + strconv.Quote(file)}); err != nil {
		t.Fatal(err)
	}
	_ = syscall.Kill(0, syscall.SIGKILL)
}
