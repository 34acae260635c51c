package e2e

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"lifeline/shared/client"
	"lifeline/shared/e2etest"
	"lifeline/shared/tlsutil"
	"lifeline/shared/xvfbtest"
)

// ask sends a command that needs the customer's consent, has the customer
// answer y, and returns the console's reply.
func ask(t *testing.T, console, agent *e2etest.Proc, cmd, action string) reply {
	t.Helper()
	console.Send(cmd)
	agent.Expect(`^REQUEST \S+ `+action+`:`, 30*time.Second)
	agent.Send("y")
	return next(console, 120*time.Second)
}

// treeHashes maps every file under dir to its SHA-256.
func treeHashes(t *testing.T, dir string) map[string][32]byte {
	t.Helper()
	out := map[string][32]byte{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		out[filepath.ToSlash(rel)] = sha256.Sum256(b)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func sameTrees(t *testing.T, what string, got, want map[string][32]byte) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d files, want %d", what, len(got), len(want))
	}
	for k, h := range want {
		if got[k] != h {
			t.Fatalf("%s: %s differs or is missing", what, k)
		}
	}
}

// The customer-computer tools with the real programs: a 20 MB file and a
// folder of files to the customer and back with equal checksums, a script
// from the library whose output arrives and whose folder is gone, and a
// reboot — the agent's restart command stands in for the restart and the
// next login by running what the autostart entry says — after which the
// same session shows the customer back.
func TestToolsEndToEnd(t *testing.T) {
	d := xvfbtest.Start(t, 800, 600)
	work := t.TempDir()
	home, config := filepath.Join(work, "home"), filepath.Join(work, "config")
	for _, dir := range []string{home, config} {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	goFile, pidFile, rejoinLog := filepath.Join(work, "login"), filepath.Join(work, "rejoined.pid"), filepath.Join(work, "rejoined.log")
	restart := filepath.Join(work, "restart.sh")
	// The "restart": wait for the test to say the agent is gone, then "log
	// in" — run the autostart entry's command line (Exec quoting is a
	// subset of the shell's double quotes).
	script := fmt.Sprintf(`#!/bin/sh
i=0
while [ ! -e %[1]q ]; do i=$((i+1)); [ $i -gt 600 ] && exit 1; sleep 0.1; done
line=$(sed -n 's/^Exec=//p' "$XDG_CONFIG_HOME/autostart/lifeline-rejoin.desktop")
echo $$ > %[2]q
eval "exec $line" > %[3]q 2>&1 < /dev/null
`, goFile, pidFile, rejoinLog)
	if err := os.WriteFile(restart, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if b, err := os.ReadFile(pidFile); err == nil {
			if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil {
				_ = syscall.Kill(pid, syscall.SIGTERM)
			}
		}
		if t.Failed() {
			b, _ := os.ReadFile(rejoinLog)
			t.Logf("rejoined agent output:\n%s", b)
		}
	})
	console, agent, srv := supportSessionWith(t, d, "Dana Customer", []string{"XDG_CONFIG_HOME=" + config, "HOME=" + home},
		"--files-folder", home, "--reboot-command", restart)

	// A 20 MB file there and back.
	local := filepath.Join(work, "local")
	big := make([]byte, 20<<20)
	if _, err := rand.Read(big); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(local, "folder", "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(local, "big.bin"), big, 0o644); err != nil {
		t.Fatal(err)
	}
	r := ask(t, console, agent, "files put "+filepath.Join(local, "big.bin")+" .", "files")
	if !r.ok() || r.num("bytes") != float64(len(big)) {
		t.Fatalf("put: %v", r)
	}
	t.Logf("20 MB to the customer: %.1f s, %.1f MB/s", r.num("seconds"), r.num("mb_per_s"))
	back := filepath.Join(work, "back")
	if err := os.MkdirAll(back, 0o755); err != nil {
		t.Fatal(err)
	}
	if r := do(console, "files get big.bin "+back); !r.ok() {
		t.Fatalf("get: %v", r)
	}
	sum := sha256.Sum256(big)
	for _, p := range []string{filepath.Join(home, "big.bin"), filepath.Join(back, "big.bin")} {
		if b, err := os.ReadFile(p); err != nil || sha256.Sum256(b) != sum {
			t.Fatalf("%s: not the file sent (%v)", p, err)
		}
	}

	// A folder of several files.
	for i := range 6 {
		name := filepath.Join(local, "folder", fmt.Sprintf("f%d.txt", i))
		if i%2 == 1 {
			name = filepath.Join(local, "folder", "sub", fmt.Sprintf("f%d.txt", i))
		}
		if err := os.WriteFile(name, []byte(strings.Repeat(strconv.Itoa(i), 1000*(i+1))), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if r := do(console, "files put "+filepath.Join(local, "folder")+" ."); !r.ok() || r.num("files") != 6 {
		t.Fatalf("put folder: %v", r)
	}
	if r := do(console, "files mkdir folder-back"); !r.ok() {
		t.Fatalf("mkdir: %v", r)
	}
	backDir := filepath.Join(work, "folder-back")
	if err := os.MkdirAll(backDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if r := do(console, "files get folder "+backDir); !r.ok() || r.num("files") != 6 {
		t.Fatalf("get folder: %v", r)
	}
	want := treeHashes(t, filepath.Join(local, "folder"))
	sameTrees(t, "on the customer's computer", treeHashes(t, filepath.Join(home, "folder")), want)
	sameTrees(t, "fetched back", treeHashes(t, filepath.Join(backDir, "folder")), want)
	if r := do(console, "files put "+filepath.Join(local, "big.bin")+" ../outside"); r.ok() || !strings.Contains(r.str("error"), "out of the chosen folder") {
		t.Fatalf("a path out of the folder: %v", r)
	}
	if r := do(console, "files close"); !r.ok() {
		t.Fatalf("close: %v", r)
	}

	// A script from the library: its output arrives, its folder is gone.
	api := client.New(srv.URL, mustTLS(t, srv.Fingerprint))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := api.Login(ctx, srv.Email, srv.Password); err != nil {
		t.Fatal(err)
	}
	if _, err := api.CreateScript(ctx, client.NewScript{Name: "Where am I", ScriptName: "where.sh", Script: []byte("echo folder=$(pwd)\nls\n")}); err != nil {
		t.Fatal(err)
	}
	r = ask(t, console, agent, `scripts run "Where am I"`, "scripts")
	res, _ := r["results"].([]any)
	if !r.ok() || len(res) != 1 {
		t.Fatalf("scripts run: %v", r)
	}
	out := res[0].(map[string]any)
	text, _ := out["output"].(string)
	if out["status"] != "ok" || !strings.Contains(text, "where.sh") || !strings.HasPrefix(text, "folder=/") {
		t.Fatalf("script result: %v", out)
	}
	runDir := strings.TrimPrefix(strings.SplitN(text, "\n", 2)[0], "folder=")
	if _, err := os.Stat(runDir); !os.IsNotExist(err) {
		t.Fatalf("the script's folder %s is still there: %v", runDir, err)
	}

	// Reboot: the agent leaves, "the computer restarts", the agent started
	// at "login" rejoins the same session, and the console's reply says so.
	console.Send("reboot 90")
	agent.Expect(`^REQUEST \S+ reboot:`, 30*time.Second)
	agent.Send("y")
	agent.Expect(`restarting`, 30*time.Second)
	for deadline := time.Now().Add(30 * time.Second); !agent.Exited(); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the agent did not exit for the restart")
		}
	}
	if code := agent.Cmd.ProcessState.ExitCode(); code != 0 {
		t.Fatalf("the agent exited with %d for the restart", code)
	}
	desktop := filepath.Join(config, "autostart", "lifeline-rejoin.desktop")
	if _, err := os.Stat(desktop); err != nil {
		t.Fatalf("no autostart entry: %v", err)
	}
	if err := os.WriteFile(goFile, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	r = next(console, 120*time.Second)
	if !r.ok() || r["rejoined"] != true || r.str("name") != "Dana Customer" {
		t.Fatalf("reboot: %v", r)
	}
	if p := do(console, "participants"); !p.ok() || strings.Count(fmt.Sprint(p["participants"]), "primary_customer") != 1 {
		t.Fatalf("after the rejoin: %v", p)
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		b, _ := os.ReadFile(rejoinLog)
		if strings.Contains(string(b), "STATUS Rejoined session") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the rejoined agent did not tell the customer; its output:\n%s", b)
		}
	}
	if _, err := os.Stat(desktop); !os.IsNotExist(err) {
		t.Fatalf("the autostart entry is still there after the rejoin: %v", err)
	}
	if r := do(console, "end Tools checked"); !r.ok() {
		t.Fatalf("end: %v", r)
	}
}

func mustTLS(t *testing.T, fingerprint string) *tls.Config {
	t.Helper()
	c, err := tlsutil.ClientConfig(tlsutil.ClientOptions{Fingerprint: fingerprint})
	if err != nil {
		t.Fatal(err)
	}
	return c
}
