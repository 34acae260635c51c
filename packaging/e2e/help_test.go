package e2e

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"lifeline/shared/agentconfig"
	"lifeline/shared/e2etest"
)

// TestHelpPageDownloadsAnAgentThatWaits is the customer's way in through a
// support queue: a browser opens the queue's help link, the customer gives
// name, email and the problem, the next-step page shows the place in line
// and offers the agent for this computer; the downloaded file, run with no
// flags, waits in line by itself, and joins the session when the CSR
// accepts the request.
func TestHelpPageDownloadsAnAgentThatWaits(t *testing.T) {
	chromiumPath(t)
	bin := binaries(t)
	agents := t.TempDir()
	if err := os.Symlink(filepath.Join(bin, "agent"), filepath.Join(agents, "lifeline-agent-"+runtime.GOOS+"-"+runtime.GOARCH)); err != nil {
		t.Fatal(err)
	}
	srv := startServer(t, bin, agents,
		[]string{"queue", "add", "--data", "DATA", "--display-name", "Printer help", "printers"},
		[]string{"queue", "member", "add", "--data", "DATA", "printers", "carol@example.com"})
	api := srv.Login(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	downloads := t.TempDir()
	b := startBrowser(t, 900, 900, downloads)
	shots := os.Getenv("LIFELINE_JOIN_SCREENSHOTS")
	b.navigate(srv.URL + "/help/printers")
	b.typeInto("#name", "Dana Scully")
	b.typeInto("#email", "dana@example.com")
	b.typeInto("#problem", "The printer says it is offline.")
	keepScreenshot(t, b, shots, "help-form.png")
	b.clickAndLoad("button[type=submit]")
	page := b.text("document.body.innerText")
	for _, want := range []string{"Thank you, Dana Scully.", "Printer help", "Download the Lifeline agent for Linux"} {
		if !strings.Contains(page, want) {
			t.Fatalf("the next-step page lacks %q:\n%s", want, page)
		}
	}
	keepScreenshot(t, b, shots, "help-next.png")

	began := b.on("Browser.downloadWillBegin", nil)
	completed := b.on("Browser.downloadProgress", func(p json.RawMessage) bool {
		var e struct{ State string }
		return json.Unmarshal(p, &e) == nil && (e.State == "completed" || e.State == "canceled")
	})
	b.click("a.button")
	var begin struct{ SuggestedFilename string }
	if err := json.Unmarshal(b.wait("the download to begin", began, 30*time.Second), &begin); err != nil {
		t.Fatal(err)
	}
	var end struct{ State string }
	if err := json.Unmarshal(b.wait("the download to finish", completed, 2*time.Minute), &end); err != nil || end.State != "completed" {
		t.Fatalf("download %s: %v", end.State, err)
	}
	downloaded := filepath.Join(downloads, begin.SuggestedFilename)
	baked, found, err := agentconfig.Read(downloaded)
	if err != nil || !found || baked.QueueTicket == "" || baked.Session != "" || baked.Queue != "Printer help" || baked.Name != "Dana Scully" {
		t.Fatalf("the downloaded agent carries %+v (%v, %v)", baked, found, err)
	}
	if err := os.Chmod(downloaded, 0o755); err != nil {
		t.Fatal(err)
	}
	agent := e2etest.Start(t, "downloaded agent", []string{"DISPLAY="}, downloaded, "--no-gui", "--loopback-only")
	agent.Expect(`^STATUS You are next in line for Printer help\.`, 60*time.Second)

	// The CSR accepts: the agent is in the session.
	a, err := api.AcceptNext(ctx, "printers", "", "")
	if err != nil {
		t.Fatalf("accept next: %v", err)
	}
	if a.Request.Name != "Dana Scully" || a.Request.Problem != "The printer says it is offline." {
		t.Fatalf("accepted %+v", a.Request)
	}
	agent.Expect(`^STATUS Connected to session`, 60*time.Second)
}
