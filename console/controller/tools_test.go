package controller

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"lifeline/agent/consent"
	"lifeline/agent/session"
	"lifeline/console/internal/testcustomer"
	"lifeline/shared/client"
	"lifeline/shared/filetransfer"
	"lifeline/shared/protocol"
	"lifeline/shared/rendezvoustest"
)

func toolsSession(t *testing.T) (*Session, *testcustomer.Customer, *recorder) {
	t.Helper()
	c, ts, rec := loggedIn(t, rendezvoustest.Options{})
	s, err := c.StartSession(ctxT(t, 10*time.Second), "", "")
	if err != nil {
		t.Fatal(err)
	}
	cust := testcustomer.Join(t, ts, s.Number())
	if _, err := s.WaitCustomer(ctxT(t, 10*time.Second)); err != nil {
		t.Fatal(err)
	}
	return s, cust, rec
}

func TestSystemInformation(t *testing.T) {
	s, cust, _ := toolsSession(t)
	ctx := ctxT(t, 60*time.Second)

	if _, err := s.SystemInfo(ctx); !errors.Is(err, ErrDenied) {
		t.Fatalf("denied: %v", err)
	}
	cust.Answer(consent.AllowOnce)
	r, err := s.SystemInfo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	host, _ := os.Hostname()
	if len(r.Categories) != 2 || !strings.Contains(r.Text(), host) {
		t.Fatalf("report has %d categories; text:\n%s", len(r.Categories), r.Text())
	}
	if got := cust.LastAsked(); got.Action != protocol.ActionSysinfo {
		t.Fatalf("the customer was asked %+v", got)
	}
	// Allowed once is once: Refresh asks again, and a no is a no.
	if _, err := s.SystemInfo(ctx); !errors.Is(err, ErrDenied) {
		t.Fatalf("second read without a new grant: %v", err)
	}
}

func TestAdvancedFileTransfer(t *testing.T) {
	s, cust, rec := toolsSession(t)
	ctx := ctxT(t, 90*time.Second)

	if _, err := s.OpenFiles(ctx); !errors.Is(err, ErrDenied) {
		t.Fatalf("denied: %v", err)
	}
	cust.Answer(consent.AllowOnce)
	f, err := s.OpenFiles(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if f.Root() != cust.Home || f.MaxBytes() != filetransfer.DefaultMaxTotalBytes {
		t.Fatalf("root %q max %d", f.Root(), f.MaxBytes())
	}

	// A 3 MB file and a folder go to the customer and come back equal.
	local := t.TempDir()
	big := bytes.Repeat([]byte("lifeline "), 350_000)
	must(t, os.WriteFile(filepath.Join(local, "big.bin"), big, 0o644))
	must(t, os.MkdirAll(filepath.Join(local, "folder", "sub"), 0o755))
	must(t, os.WriteFile(filepath.Join(local, "folder", "sub", "a.txt"), []byte("a"), 0o644))
	must(t, f.Mkdir(ctx, "incoming"))
	var progress int
	res, err := f.Put(ctx, []string{filepath.Join(local, "big.bin"), filepath.Join(local, "folder")}, "incoming", func(filetransfer.Progress) { progress++ })
	if err != nil || res.Files != 2 || progress == 0 {
		t.Fatalf("put: %+v, %v, %d progress calls", res, err, progress)
	}
	if b, err := os.ReadFile(filepath.Join(cust.Home, "incoming", "big.bin")); err != nil || sha256.Sum256(b) != sha256.Sum256(big) {
		t.Fatalf("on the customer's side: %v", err)
	}
	l, err := f.List(ctx, "incoming")
	if err != nil || len(l.Entries) != 2 {
		t.Fatalf("list: %+v, %v", l, err)
	}
	must(t, f.Rename(ctx, "incoming/big.bin", "big2.bin"))
	back := t.TempDir()
	if _, err := f.Get(ctx, []string{"incoming/big2.bin", "incoming/folder"}, back, nil); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(filepath.Join(back, "big2.bin")); err != nil || !bytes.Equal(b, big) {
		t.Fatalf("fetched back: %v", err)
	}
	if b, err := os.ReadFile(filepath.Join(back, "folder", "sub", "a.txt")); err != nil || string(b) != "a" {
		t.Fatalf("folder fetched back: %q, %v", b, err)
	}
	// Both transfers are in the session's record, for every CSR.
	ev := rec.wait(t, "file transfer record", func(e Event) bool {
		return e.Kind == EventFileTransfer && e.Transfer.Direction == protocol.FromCustomer
	})
	if ev.Transfer.Files != 2 || ev.Transfer.Status != protocol.TransferDone || ev.FromName != "Ann" {
		t.Fatalf("record: %+v", ev.Transfer)
	}

	// Refusals, each with its reason.
	huge := filepath.Join(local, "huge.iso")
	hf, err := os.Create(huge)
	must(t, err)
	must(t, hf.Truncate(filetransfer.DefaultMaxTotalBytes+1)) // sparse: nothing is written
	hf.Close()
	if _, err := f.Put(ctx, []string{huge}, "", nil); !errors.Is(err, filetransfer.ErrTooLarge) {
		t.Fatalf("too large: %v", err)
	}
	if _, err := f.Put(ctx, []string{filepath.Join(local, "big.bin")}, "../outside", nil); !errors.Is(err, filetransfer.ErrUnsafePath) {
		t.Fatalf("traversal: %v", err)
	}
	must(t, os.Symlink("/etc", filepath.Join(cust.Home, "link")))
	if _, err := f.List(ctx, "link"); !errors.Is(err, filetransfer.ErrUnsafePath) {
		t.Fatalf("symlink: %v", err)
	}
	must(t, f.Remove(ctx, "incoming", true))
	if _, err := os.Stat(filepath.Join(cust.Home, "incoming")); !os.IsNotExist(err) {
		t.Fatalf("removed folder still there: %v", err)
	}

	// The customer's Stop ends the file transfer at once.
	cust.Agent.Stop()
	select {
	case <-f.Done():
	case <-time.After(15 * time.Second):
		t.Fatal("the file transfer did not end after the customer's Stop")
	}
	if _, err := f.List(ctx, ""); err == nil {
		t.Fatal("listing worked after Stop")
	}
}

func TestScriptRun(t *testing.T) {
	s, cust, rec := toolsSession(t)
	ctx := ctxT(t, 60*time.Second)
	scripts := []ScriptToRun{
		{Name: "Say hello", FileName: "hello.sh", Body: []byte("echo hello from $(pwd)\necho oops >&2\n"), Timeout: 10 * time.Second},
		{Name: "Fail", FileName: "fail.sh", Body: []byte("exit 3\n"), Timeout: 10 * time.Second},
		{Name: "Slow", FileName: "slow.sh", Body: []byte("sleep 30\n"), Timeout: time.Second},
	}
	if _, err := s.RunScripts(ctx, scripts, nil); !errors.Is(err, ErrDenied) {
		t.Fatalf("denied: %v", err)
	}
	cust.Answer(consent.AllowOnce)
	var mu sync.Mutex
	var out strings.Builder
	results, err := s.RunScripts(ctx, scripts, func(o ScriptOutput) {
		mu.Lock()
		out.WriteString(o.Text)
		mu.Unlock()
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := cust.LastAsked().Detail; got != `"Say hello", then "Fail", then "Slow"` {
		t.Fatalf("the customer was shown %q", got)
	}
	want := []string{protocol.ScriptOK, protocol.ScriptFailed, protocol.ScriptTimeout}
	if len(results) != 3 {
		t.Fatalf("results %+v", results)
	}
	for i, r := range results {
		if r.Status != want[i] {
			t.Errorf("%s: %s, want %s", r.Name, r.Status, want[i])
		}
	}
	if results[1].ExitCode != 3 {
		t.Errorf("exit code %d", results[1].ExitCode)
	}
	mu.Lock()
	text := out.String()
	mu.Unlock()
	if !strings.Contains(text, "hello from ") || !strings.Contains(text, "oops") {
		t.Fatalf("output %q", text)
	}
	// The run's folder is gone afterwards.
	dir := strings.TrimSpace(strings.SplitN(strings.TrimPrefix(text[strings.Index(text, "hello from "):], "hello from "), "\n", 2)[0])
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("the run's folder %s is still there: %v", dir, err)
	}
	// Every CSR sees the results (the chat panel), recorded by the server.
	ev := rec.wait(t, "script result", func(e Event) bool {
		return e.Kind == EventScriptResult && e.Script.Name == "Fail"
	})
	if ScriptSummary(*ev.Script) != "Fail: exit 3 in "+(time.Duration(ev.Script.DurationMS)*time.Millisecond).Round(100*time.Millisecond).String() {
		t.Fatalf("summary %q", ScriptSummary(*ev.Script))
	}
	// One grant, one run.
	if _, err := s.RunScripts(ctx, scripts[:1], nil); !errors.Is(err, ErrDenied) {
		t.Fatalf("second run without a grant: %v", err)
	}
}

func TestBasicFileTransfer(t *testing.T) {
	s, cust, rec := toolsSession(t)
	ctx := ctxT(t, 60*time.Second)
	local := t.TempDir()
	doc := bytes.Repeat([]byte("manual "), 100_000)
	must(t, os.WriteFile(filepath.Join(local, "manual.pdf"), doc, 0o644))
	must(t, os.WriteFile(filepath.Join(local, "fix.reg"), []byte("x"), 0o644))

	must(t, s.Publish(ctx, filepath.Join(local, "manual.pdf"), filepath.Join(local, "fix.reg")))
	cust.WaitShown(t, "the published list", func(e session.Event) bool { return e.Kind == session.EventFiles && len(e.Files) == 2 })
	must(t, s.Unpublish(ctx, "fix.reg"))
	cust.WaitShown(t, "the shorter list", func(e session.Event) bool { return e.Kind == session.EventFiles && len(e.Files) == 1 })

	dest := t.TempDir()
	res, err := cust.Agent.Download(ctx, []string{"manual.pdf"}, dest, nil)
	if err != nil || res.Files != 1 {
		t.Fatalf("download: %+v, %v", res, err)
	}
	if b, err := os.ReadFile(filepath.Join(dest, "manual.pdf")); err != nil || !bytes.Equal(b, doc) {
		t.Fatalf("downloaded: %v", err)
	}
	if _, err := cust.Agent.Download(ctx, []string{"fix.reg"}, dest, nil); err == nil {
		t.Fatal("an unpublished file was downloaded")
	}
	ev := rec.wait(t, "download record", func(e Event) bool { return e.Kind == EventFileTransfer })
	if ev.Transfer.Direction != protocol.ToCustomer || ev.Transfer.Folder != dest || ev.Transfer.Names[0] != "manual.pdf" {
		t.Fatalf("record %+v", ev.Transfer)
	}

	// End File Transfer closes the customer's list.
	must(t, s.EndPublish(ctx))
	cust.WaitShown(t, "the list closed", func(e session.Event) bool { return e.Kind == session.EventFiles && e.Files == nil })
	if _, err := cust.Agent.Download(ctx, []string{"manual.pdf"}, dest, nil); !errors.Is(err, session.ErrNoFiles) {
		t.Fatalf("download after the end: %v", err)
	}

	// And the customer can close it too.
	must(t, s.Publish(ctx, filepath.Join(local, "fix.reg")))
	cust.WaitShown(t, "the list again", func(e session.Event) bool {
		return e.Kind == session.EventFiles && len(e.Files) == 1 && e.Files[0].Name == "fix.reg"
	})
	cust.Agent.EndFileTransfer()
	rec.wait(t, "publishing ended", kind(EventPublishEnded))
	if s.Published() != nil {
		t.Fatalf("still published: %v", s.Published())
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// Reboot and rejoin: the agent leaves with a resume token and a new agent
// started with it comes back as the same participant; the token works
// once.
func TestRebootAndRejoin(t *testing.T) {
	c, ts, rec := loggedIn(t, rendezvoustest.Options{})
	ctx := ctxT(t, 60*time.Second)
	s, err := c.StartSession(ctx, "", "")
	must(t, err)
	cust := testcustomer.Join(t, ts, s.Number())
	before, err := s.WaitCustomer(ctx)
	must(t, err)

	if err := s.Reboot(ctx); !errors.Is(err, ErrDenied) {
		t.Fatalf("denied: %v", err)
	}
	cust.Answer(consent.AllowOnce)
	must(t, s.Reboot(ctx))
	// The server says "restarting" before the agent's reboot returns.
	var tokens []string
	for deadline := time.Now().Add(10 * time.Second); len(tokens) == 0 && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		tokens = cust.Reboots()
	}
	if len(tokens) != 1 || tokens[0] == "" {
		t.Fatalf("reboot tokens %q", tokens)
	}
	// The agent is gone; the customer shows as restarting, and the session
	// goes on.
	st, err := s.WaitState(ctx, func(st protocol.State) bool {
		p, ok := PrimaryCustomer(st)
		return ok && p.Restarting && !p.Connected
	})
	must(t, err)
	if st.State != protocol.StateLive {
		t.Fatalf("session %s while the customer restarts", st.State)
	}

	api := client.New(ts.URL, ts.TLS)
	j, err := api.Resume(ctx, tokens[0])
	must(t, err)
	if _, err := api.Resume(ctx, tokens[0]); !client.IsCode(err, client.CodeResumeTokenUsed) {
		t.Fatalf("the resume token worked twice: %v", err)
	}
	back := testcustomer.New()
	back.Agent = session.New(session.Config{API: api, Token: j.Token, Rejoined: true, LoopbackOnly: true}, back)
	actx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = back.Agent.Run(actx) }()
	t.Cleanup(func() { cancel(); <-done })
	p, err := s.WaitRejoined(ctx)
	must(t, err)
	if p.ID != before.ID {
		t.Fatalf("rejoined as %s, was %s", p.ID, before.ID)
	}
	back.WaitShown(t, "the rejoin", func(e session.Event) bool {
		return e.Kind == session.EventStatus && strings.HasPrefix(e.Text, "Rejoined session ")
	})
	rec.wait(t, "presence back", func(e Event) bool {
		return e.Kind == EventPresence && e.Participant.Connected && !e.Participant.Restarting
	})
}
