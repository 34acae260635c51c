package gui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"lifeline/agent/session"
	"lifeline/shared/filetransfer"
	"lifeline/shared/protocol"
)

func TestPublishViewMarkup(t *testing.T) {
	test.NewTempApp(t)
	v := newPublishView("Ann Smith")
	renderShot(t, "publish_empty.xml", v.content, fyne.NewSize(640, 460))
	at := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	v.SetEntries([]filetransfer.DirEntry{
		{Name: "driver-setup.exe", Kind: filetransfer.KindFile, Size: 24_300_000, ModTime: at},
		{Name: "printer-manual.pdf", Kind: filetransfer.KindFile, Size: 1_250_000, ModTime: at},
		{Name: "profiles", Kind: filetransfer.KindDir, ModTime: at},
	})
	v.list.Select(1)
	v.SetStatus("Published 3 items; Ann Smith can download them now.", false)
	renderShot(t, "publish.xml", v.content, fyne.NewSize(640, 460))
	var removed string
	v.OnRemove = func(name string) { removed = name }
	test.Tap(v.removeBtn)
	if removed != "printer-manual.pdf" {
		t.Fatalf("Remove asked for %q", removed)
	}
}

func TestFileChooserMarkup(t *testing.T) {
	test.NewTempApp(t)
	c := newFileChooser("Publish")
	c.SetDir("/home/carol/Downloads", []localEntry{
		{Name: "drivers", Dir: true},
		{Name: "driver-setup.exe", Size: 24_300_000},
		{Name: "printer-manual.pdf", Size: 1_250_000},
	}, nil)
	c.list.Select(1) // a tap on a row checks it
	c.list.Select(2)
	renderShot(t, "publish_chooser.xml", c.content, fyne.NewSize(720, 480))
}

// The chooser keeps the checks across folders, in the order made; Up and
// Open ask for other folders; Publish hands over the paths.
func TestFileChooser(t *testing.T) {
	test.NewTempApp(t)
	c := newFileChooser("Publish")
	w := test.NewTempWindow(t, c.content)
	w.Resize(fyne.NewSize(720, 480))
	var opened []string
	c.OnOpen = func(dir string) { opened = append(opened, dir) }
	var chose []string
	c.OnChoose = func(p []string) { chose = p }
	root := filepath.FromSlash("/home/carol")
	c.SetDir(root, []localEntry{{Name: "docs", Dir: true}, {Name: "a.txt", Size: 1500}}, nil)
	if !c.okBtn.Disabled() {
		t.Fatal("Publish on with nothing checked")
	}
	c.list.Select(1)
	if c.chosenLbl.Text != "1 file chosen (1.5 KB)" {
		t.Fatalf("chosen %q", c.chosenLbl.Text)
	}
	test.Tap(c.upBtn)
	c.SetDir(filepath.Join(root, "docs"), []localEntry{{Name: "b.pdf", Size: 3 << 20}, {Name: "old", Dir: true}}, nil)
	c.list.Select(1)
	c.list.Select(0)
	if c.chosenLbl.Text != "2 files (3.0 MB) and 1 folder chosen" {
		t.Fatalf("chosen %q", c.chosenLbl.Text)
	}
	c.list.Select(1) // unchecks the folder
	test.Tap(c.okBtn)
	want := []string{filepath.Join(root, "a.txt"), filepath.Join(root, "docs", "b.pdf")}
	if strings.Join(chose, "|") != strings.Join(want, "|") {
		t.Fatalf("chose %q, want %q", chose, want)
	}
	if len(opened) != 1 || opened[0] != filepath.Dir(root) {
		t.Fatalf("Up opened %q", opened)
	}
	c.SetDir(root, nil, os.ErrPermission)
	if !c.empty.Visible() || !strings.Contains(c.empty.Text, "could not be read: Permission denied.") {
		t.Fatalf("unreadable folder: %q", c.empty.Text)
	}
}

func TestListLocal(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"b.txt", "A.txt", ".hidden"} {
		if err := os.WriteFile(filepath.Join(dir, f), []byte("12345"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "zdir"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("b.txt", filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	got, err := listLocal(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range got {
		names = append(names, e.Name)
	}
	if strings.Join(names, ",") != "zdir,A.txt,b.txt" || got[1].Size != 5 || !got[0].Dir {
		t.Fatalf("listed %+v", got)
	}
	if _, err := listLocal(filepath.Join(dir, "nope")); err == nil || strings.Contains(err.Error(), dir) {
		t.Fatalf("missing folder: %v", err)
	}
}

func TestTransferLine(t *testing.T) {
	for _, tc := range []struct {
		name   string
		ft     protocol.FileTransfer
		by     string
		text   string
		detail string
		failed bool
	}{
		{"the customer's download", protocol.FileTransfer{Direction: protocol.ToCustomer, Folder: "/home/ana/Downloads", Files: 3,
			Bytes: 2_200_000, Names: []string{"a.pdf", "b.pdf", "c.pdf"}, Status: protocol.TransferDone, FromName: "Ana"}, "",
			"Ana downloaded 3 files (2.1 MB) to /home/ana/Downloads", "a.pdf\nb.pdf\nc.pdf", false},
		{"sent by this CSR", protocol.FileTransfer{Direction: protocol.ToCustomer, Folder: "C:\\Users\\ana\\Desktop", Files: 1, Bytes: 512,
			Status: protocol.TransferDone, RequestedBy: "par_c", FromName: "Ana"}, "You",
			"You sent 1 file (512 bytes) to C:\\Users\\ana\\Desktop on Ana's computer", "", false},
		{"fetched by a colleague", protocol.FileTransfer{Direction: protocol.FromCustomer, Folder: "/var/log", Files: 60, Bytes: 5 << 20,
			Names: []string{"syslog", "kern.log"}, Status: protocol.TransferDone, RequestedBy: "par_d", FromName: "Ana"}, "Dave",
			"Dave fetched 60 files (5.0 MB) from /var/log on Ana's computer", "syslog\nkern.log\n… and 58 more", false},
		{"aborted", protocol.FileTransfer{Direction: protocol.FromCustomer, Folder: "/home/ana", Files: 2, Bytes: 10,
			Status: protocol.TransferAborted, RequestedBy: "par_c", FromName: "Ana"}, "You",
			"Your transfer of 2 files (10 bytes) from /home/ana on Ana's computer was aborted", "", false},
		{"a download failed", protocol.FileTransfer{Direction: protocol.ToCustomer, Files: 1, Bytes: 0,
			Status: protocol.TransferFailed, Error: "the disk is full", FromName: "Ana"}, "",
			"Ana's download of 1 file (0 bytes) failed: the disk is full", "", true},
		{"no name from the server", protocol.FileTransfer{Direction: protocol.ToCustomer, Files: 1, Bytes: 1, Status: protocol.TransferDone,
			Folder: "/tmp\nINJECTED"}, "", "The customer downloaded 1 file (1 byte) to /tmp INJECTED", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := transferLine(tc.ft, tc.by)
			if l.Text != tc.text || l.Detail != tc.detail || l.Failed != tc.failed {
				t.Fatalf("got %q %q %v\nwant %q %q %v", l.Text, l.Detail, l.Failed, tc.text, tc.detail, tc.failed)
			}
		})
	}
}

// The session panel with the tools for the customer's computer, the
// customer restarting, and system lines in the chat.
func TestSessionToolsMarkup(t *testing.T) {
	test.NewTempApp(t)
	v := newSessionView()
	v.SetSession("482913077", "https://support.example.com/join/482913077", "https://support.example.com", "You are the host")
	st := protocol.State{ID: "ses_a", Number: "482913077", You: "par_c", Participants: []protocol.Participant{
		{ID: "par_c", Name: "Carol Jensen", Role: protocol.RoleCSR, Connected: true},
		{ID: "par_a", Name: "Ann Smith", Role: protocol.RolePrimary, Connected: true},
	}}
	v.SetParticipants(st, true)
	if v.sysinfoBtn.Disabled() || v.toolsMsg.Visible() {
		t.Fatalf("tools with the customer: disabled %v, %q", v.sysinfoBtn.Disabled(), v.toolsMsg.Text)
	}
	v.AddChat(chatLine{From: "Ann Smith", Text: "The printer says offline."})
	v.AddSystem(scriptResultLine(protocol.ScriptResult{Name: "spooler.ps1", Count: 1, Status: protocol.ScriptOK, DurationMS: 2300,
		Output: "Stopping Print Spooler\nStarting Print Spooler\nName  Status\n----  ------\nHP    Normal\nFax   Offline\n"}, ""))
	v.AddSystem(transferLine(protocol.FileTransfer{Direction: protocol.ToCustomer, Folder: "/home/ann/Downloads", Files: 2,
		Bytes: 25_550_000, Names: []string{"driver-setup.exe", "printer-manual.pdf"}, Status: protocol.TransferDone, FromName: "Ann Smith"}, ""))
	st.Participants[1].Restarting, st.Participants[1].Connected = true, false
	v.SetParticipants(st, true)
	v.AddSystem(systemLine{Text: "Ann Smith's computer is restarting. The session waits for it to rejoin."})
	if !v.sysinfoBtn.Disabled() || !v.viewBtn.Disabled() || !strings.Contains(v.desktopMsg.Text, "Ann Smith's computer is restarting") {
		t.Fatalf("tools while restarting: disabled %v, %q", v.sysinfoBtn.Disabled(), v.desktopMsg.Text)
	}
	renderShot(t, "session_tools.xml", v.content, fyne.NewSize(1200, 680))
	restarting := false
	for _, o := range test.LaidOutObjects(v.people) {
		if l, ok := o.(*widget.Label); ok && l.Text == "Primary customer · restarting…" {
			restarting = true
		}
	}
	if !restarting {
		t.Fatal("the roster does not say the customer is restarting")
	}
}

// The site's switches hide the tools, one by one and all together, and
// an assistant sees none.
func TestSessionToolsFeatures(t *testing.T) {
	test.NewTempApp(t)
	v := newSessionView()
	st := protocol.State{You: "par_c", Participants: []protocol.Participant{
		{ID: "par_c", Name: "Carol", Role: protocol.RoleCSR, Connected: true},
		{ID: "par_a", Name: "Ann", Role: protocol.RolePrimary, Connected: true},
	}}
	v.SetParticipants(st, true)
	shown := func() string {
		var s []string
		for _, b := range []*widget.Button{v.sysinfoBtn, v.runBtn, v.filesBtn, v.publishBtn, v.rebootBtn} {
			if b.Visible() && b.Hidden == false && (b != v.sysinfoBtn || v.desktopBtns.Visible()) && (b == v.sysinfoBtn || v.toolsRow.Visible()) {
				s = append(s, b.Text)
			}
		}
		return strings.Join(s, "|")
	}
	for _, tc := range []struct {
		f    toolFeatures
		want string // the visible buttons
	}{
		{toolFeatures{SystemInfo: true, Scripts: true, FileTransfer: true, Publish: true, Reboot: true},
			"System Information|Run Scripts|File Transfer|Publish Files|Reboot Computer"},
		{toolFeatures{Scripts: true, Publish: true}, "Run Scripts|Publish Files"},
		{toolFeatures{SystemInfo: true, Reboot: true}, "System Information|Reboot Computer"},
		{toolFeatures{SystemInfo: true}, "System Information"},
		{toolFeatures{}, ""},
	} {
		v.SetFeatures(tc.f)
		if got := shown(); got != tc.want {
			t.Errorf("%+v: shown %q, want %q", tc.f, got, tc.want)
		}
		if !v.desktopBtns.Visible() || v.toolsRow.Visible() != (tc.f.Scripts || tc.f.FileTransfer || tc.f.Publish || tc.f.Reboot) {
			t.Errorf("%+v: rows visible %v %v", tc.f, v.desktopBtns.Visible(), v.toolsRow.Visible())
		}
		if v.runBtn.Disabled() || v.sysinfoBtn.Disabled() {
			t.Errorf("%+v: tools off with the customer connected", tc.f)
		}
	}
	v.SetFeatures(toolFeatures{SystemInfo: true, Scripts: true})
	v.SetParticipants(st, false)
	if shown() != "" {
		t.Fatalf("an assistant sees %q", shown())
	}
	v.SetParticipants(protocol.State{You: "par_c", Participants: st.Participants[:1]}, true)
	if shown() != "System Information|Run Scripts" || !v.sysinfoBtn.Disabled() || !v.runBtn.Disabled() || v.desktopMsg.Text != noCustomerYet {
		t.Fatalf("without a customer: %q, disabled %v, %q", shown(), v.sysinfoBtn.Disabled(), v.desktopMsg.Text)
	}
	v.SetParticipants(st, true)
	v.SetRebootPending("Ann has received your request to restart their computer and must allow it.")
	if !v.rebootBtn.Disabled() || v.runBtn.Disabled() || !v.toolsMsg.Visible() {
		t.Fatal("a pending reboot leaves Reboot on, or turns the rest off, or is not said")
	}
	v.SetRebootPending("")
	if v.rebootBtn.Disabled() || v.toolsMsg.Visible() {
		t.Fatal("an answered reboot leaves Reboot off")
	}
}

// Publish Files with a real customer: files checked in the chooser are
// offered, the customer downloads them (a chat line says so), Remove
// withdraws one, and End File Transfer closes the list on both sides.
func TestPublishFilesRealAgent(t *testing.T) {
	h := newHarness(t)
	home := t.TempDir()
	t.Setenv("HOME", home)
	for f, body := range map[string]string{"patch.txt": "patch", "notes.txt": "notes", "tools/fix.sh": "fix"} {
		p := filepath.Join(home, filepath.FromSlash(f))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	su := h.started()
	cust := joinCustomer(h, su)

	test.Tap(su.view.publishBtn)
	pw := su.publish
	if pw == nil || !pw.view.empty.Visible() {
		t.Fatal("no Publish Files window, or not empty")
	}
	test.Tap(pw.view.addBtn)
	c := pw.chooser
	h.eventually("the home folder", func() bool { return c != nil && c.dir == home && len(c.entries) == 3 })
	rowOf := func(name string) int {
		for i, e := range c.entries {
			if e.Name == name {
				return i
			}
		}
		t.Fatalf("%s is not listed: %+v", name, c.entries)
		return -1
	}
	c.list.Select(rowOf("patch.txt"))
	c.OnOpen(filepath.Join(home, "tools"))
	h.eventually("tools", func() bool { return c.dir == filepath.Join(home, "tools") })
	c.list.Select(rowOf("fix.sh"))
	test.Tap(c.upBtn)
	h.eventually("home again", func() bool { return c.dir == home })
	c.list.Select(rowOf("notes.txt"))
	test.Tap(c.okBtn)
	if pw.pop != nil {
		t.Fatal("the chooser stayed open")
	}
	h.eventually("published", func() bool { return len(pw.view.entries) == 3 })
	if pw.view.status.Text != "Published 3 items; Ann can download them now." {
		t.Fatalf("status %q", pw.view.status.Text)
	}
	listed := cust.WaitShown(t, "the list", func(e session.Event) bool { return e.Kind == session.EventFiles && len(e.Files) == 3 })
	if listed.From != "Carol CSR" {
		t.Fatalf("the list is from %q", listed.From)
	}

	// The customer downloads two; every CSR's chat says so.
	dl := t.TempDir()
	h.background("the download", func() error {
		_, err := cust.Agent.Download(ctxT(t), []string{"fix.sh", "patch.txt"}, dl, nil)
		return err
	})
	if b, err := os.ReadFile(filepath.Join(dl, "patch.txt")); err != nil || string(b) != "patch" {
		t.Fatalf("downloaded %q, %v", b, err)
	}
	want := "Ann downloaded 2 files (8 bytes) to " + dl
	h.eventually("the chat line", func() bool { return strings.Contains(chatText(su.view), want) })

	// Remove, then End File Transfer.
	for i, e := range pw.view.entries {
		if e.Name == "notes.txt" {
			pw.view.list.Select(i)
		}
	}
	test.Tap(pw.view.removeBtn)
	h.eventually("removed", func() bool { return len(pw.view.entries) == 2 })
	cust.WaitShown(t, "the shorter list", func(e session.Event) bool { return e.Kind == session.EventFiles && len(e.Files) == 2 })
	test.Tap(pw.view.endBtn)
	h.eventually("the window closed", func() bool { return su.publish == nil })
	cust.WaitShown(t, "the list closed", func(e session.Event) bool {
		return e.Kind == session.EventFiles && e.Files == nil && strings.Contains(e.Text, "ended file transfer")
	})
	if got := su.s.Published(); len(got) != 0 {
		t.Fatalf("still published: %+v", got)
	}
}

// Closing the window with files published asks: keep them (the window
// hides; the button brings it back) or end the file transfer.
func TestPublishCloseAsks(t *testing.T) {
	h := newHarness(t)
	su := h.started()
	cust := joinCustomer(h, su)
	f := filepath.Join(t.TempDir(), "a.txt")
	if err := os.WriteFile(f, []byte("a"), 0o644); err != nil {
		t.Fatal(err)
	}
	test.Tap(su.view.publishBtn)
	pw := su.publish
	h.u.publishPaths(su, pw, []string{f})
	h.eventually("published", func() bool { return len(pw.view.entries) == 1 })
	cust.WaitShown(t, "the list", func(e session.Event) bool { return e.Kind == session.EventFiles && len(e.Files) == 1 })
	h.u.closePublishAsk(su, pw) // what the window's close button does
	top := pw.win.Canvas().Overlays().Top()
	if !overlayHas(top, "can still download the published files") {
		t.Fatal("closing did not ask")
	}
	tapIn(t, top, "Keep Published")
	if su.publish != pw || len(su.s.Published()) != 1 {
		t.Fatal("Keep Published ended the transfer")
	}
	test.Tap(su.view.publishBtn)
	if su.publish != pw {
		t.Fatal("the button opened another window")
	}
	h.u.closePublishAsk(su, pw)
	tapIn(t, pw.win.Canvas().Overlays().Top(), "End File Transfer")
	h.eventually("ended", func() bool { return su.publish == nil })
	cust.WaitShown(t, "the list closed", func(e session.Event) bool { return e.Kind == session.EventFiles && e.Files == nil })
}

// tapIn taps the button with text in o (a dialog).
func tapIn(t *testing.T, o fyne.CanvasObject, text string) {
	t.Helper()
	for _, w := range test.LaidOutObjects(o) {
		if b, ok := w.(*widget.Button); ok && b.Text == text {
			test.Tap(b)
			return
		}
	}
	t.Fatalf("no %q button", text)
}

// chatText is the text of the chat panel's lines, one label a line.
func chatText(v *sessionView) string {
	var b strings.Builder
	var walk func(o fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		switch w := o.(type) {
		case *fyne.Container:
			for _, c := range w.Objects {
				walk(c)
			}
		case *widget.Label:
			b.WriteString(w.Text + "\n")
		case *widget.RichText:
			for _, seg := range w.Segments {
				if ts, ok := seg.(*widget.TextSegment); ok {
					b.WriteString(ts.Text + "\n")
				}
			}
		}
	}
	walk(v.chatBox)
	return b.String()
}
