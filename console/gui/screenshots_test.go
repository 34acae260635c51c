package gui

// The screenshots docs/screenshots/console-*.png come from the real
// windows on a real X display, made by this test binary's TestMain when
// LIFELINE_CONSOLE_SCREENSHOTS names the folder to write them to:
//
//	Xvfb :58 -screen 0 1366x768x24 -noreset &
//	DISPLAY=:58 openbox &
//	DISPLAY=:58 LIFELINE_CONSOLE_SCREENSHOTS=$PWD/docs/screenshots \
//	    go test -tags x11 -run '^$' ./console/gui/
//
// It starts the in-process rendezvous server, logs in, starts a session,
// has a customer join (the agent's real session core sharing the frames
// of the corpus, with its tools; the fake agent without the corpus), chat
// and share the screen, uses each tool for the customer's computer, and
// runs ImageMagick's `import -window root` at each step; at the end,
// customers wait in support queues for the Queues tab, Accept Next and
// Transfer Session. Fyne needs the main thread, which only TestMain has.

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"lifeline/agent/scriptrun"
	"lifeline/agent/session"
	"lifeline/agent/sysinfo"
	"lifeline/console/controller"
	"lifeline/console/internal/fakeagent"
	"lifeline/shared/client"
	"lifeline/shared/recording"
	"lifeline/shared/rendezvoustest"
	"lifeline/shared/sysreport"
)

func TestMain(m *testing.M) {
	if dir := os.Getenv("LIFELINE_CONSOLE_SCREENSHOTS"); dir != "" {
		if err := screenshots(dir); err != nil {
			fmt.Fprintln(os.Stderr, "screenshots:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// mainTB is the testing.TB the server helpers need, outside a test.
type mainTB struct {
	testing.TB
	cleanups []func()
	dirs     []string
}

func (*mainTB) Helper()                   {}
func (*mainTB) Name() string              { return "screenshots" }
func (*mainTB) Logf(f string, a ...any)   { fmt.Fprintf(os.Stderr, f+"\n", a...) }
func (*mainTB) Log(a ...any)              { fmt.Fprintln(os.Stderr, a...) }
func (*mainTB) Errorf(f string, a ...any) { fmt.Fprintf(os.Stderr, f+"\n", a...) }
func (*mainTB) Fatalf(f string, a ...any) { panic(fmt.Sprintf(f, a...)) }
func (*mainTB) Fatal(a ...any)            { panic(fmt.Sprint(a...)) }
func (t *mainTB) Cleanup(f func())        { t.cleanups = append(t.cleanups, f) }
func (t *mainTB) TempDir() string {
	d, err := os.MkdirTemp("", "console-shots")
	if err != nil {
		panic(err)
	}
	t.dirs = append(t.dirs, d)
	return d
}

func (t *mainTB) done() {
	for i := len(t.cleanups) - 1; i >= 0; i-- {
		t.cleanups[i]()
	}
	for _, d := range t.dirs {
		os.RemoveAll(d)
	}
}

func screenshots(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	tb := &mainTB{}
	defer tb.done()
	ts := rendezvoustest.New(tb, rendezvoustest.Options{})
	ts.AddUser(tb, "carol@example.com", "Carol Jensen", "csr", "carol-password-1")
	a := app.NewWithID(AppID)
	// No --server-fingerprint: the console meets the self-signed server for
	// the first time and asks the CSR to compare its fingerprint.
	u := newUI(a, Config{Server: ts.URL, Email: "carol@example.com", ProfileDir: tb.TempDir(), LoopbackOnly: true})
	u.start()
	u.win.Show()
	errc := make(chan error, 1)
	go func() {
		defer fyne.Do(a.Quit)
		errc <- play(u, ts, tb, dir)
	}()
	a.Run()
	u.shutdown()
	return <-errc
}

func shoot(dir, name string) error {
	time.Sleep(700 * time.Millisecond) // let the frame reach the screen
	out, err := exec.Command("import", "-window", "root", filepath.Join(dir, name)).CombinedOutput()
	if err != nil {
		return fmt.Errorf("import %s: %v: %s", name, err, out)
	}
	return nil
}

// until polls cond on the UI thread.
func until(what string, cond func() bool) error {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		var ok bool
		fyne.DoAndWait(func() { ok = cond() })
		if ok {
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("timed out waiting for %s", what)
}

// tapDialog taps a button of the top dialog.
func tapDialog(u *ui, text string) {
	fyne.DoAndWait(func() {
		if top := u.win.Canvas().Overlays().Top(); top != nil {
			for _, o := range test.LaidOutObjects(top) {
				if b, ok := o.(*widget.Button); ok && b.Text == text {
					b.OnTapped()
				}
			}
		}
	})
}

func play(u *ui, ts *rendezvoustest.Server, tb *mainTB, dir string) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	if err := until("the fingerprint", func() bool { return strings.Contains(u.login.fingerprint.Text, "SHA-256") }); err != nil {
		return err
	}
	fyne.DoAndWait(func() {
		u.login.password.SetText("carol-password-1")
		u.win.Canvas().Focus(u.login.password)
	})
	if err := shoot(dir, "console-login.png"); err != nil {
		return err
	}
	fyne.DoAndWait(func() { u.login.submit() })
	if err := until("the trust dialog", func() bool { return u.win.Canvas().Overlays().Top() != nil }); err != nil {
		return err
	}
	if err := shoot(dir, "console-trust.png"); err != nil {
		return err
	}
	tapDialog(u, "Trust and Log In")
	if err := until("the sessions view", func() bool { return u.win.Content() == u.main.content }); err != nil {
		return err
	}
	if err := shoot(dir, "console-start.png"); err != nil {
		return err
	}
	if err := shootScripts(u, ts, tb, dir); err != nil {
		return err
	}
	fyne.DoAndWait(func() { u.main.startBtn.OnTapped() })
	if err := until("the session", func() bool { return len(u.sessions) == 1 }); err != nil {
		return err
	}
	var first *sessionUI
	fyne.DoAndWait(func() { first = u.sessions[u.order[0]] })
	number := first.s.Number()
	// The customer: the agent's real session core sharing real desktop
	// frames when the corpus is there, else the tests' fake agent.
	const hello = "Hi! My printer stopped working after this morning's update."
	width := 1280
	// customer is the real agent, with the tools for the customer's
	// computer; nil with the fake agent, which has none.
	var customer *session.Agent
	if src, err := loadCorpus(corpusDir, 8); err == nil {
		width = src.Size().X
		a, stop := joinRealAgent(ts.Client(), number, "Ann Smith", src, screenshotTools(tb))
		defer stop()
		customer = a
		if err := <-a.Joined(); err != nil {
			return err
		}
		if err := until("the customer", func() bool { return !first.view.viewBtn.Disabled() }); err != nil {
			return err
		}
		a.Chat(hello)
	} else {
		fmt.Fprintln(os.Stderr, "screenshots: no corpus, using the fake agent:", err)
		agent := fakeagent.Join(tb, ts, number, fakeagent.Options{Name: "Ann Smith", Grant: true, Width: width, Height: 800, Frames: 30})
		if err := until("the customer", func() bool { return !first.view.viewBtn.Disabled() }); err != nil {
			return err
		}
		if err := agent.Chat(hello); err != nil {
			return err
		}
	}
	if err := until("the chat", func() bool { return len(first.view.chatBox.Objects) == 1 }); err != nil {
		return err
	}
	fyne.DoAndWait(func() {
		first.view.chatEntry.SetText("Hello Ann, I'm Carol. Let me take a look at your screen.")
		first.view.send()
	})
	if err := until("the reply", func() bool { return len(first.view.chatBox.Objects) == 2 }); err != nil {
		return err
	}
	fyne.DoAndWait(func() {
		first.view.notes.SetText("Printer offline after OS update; checking the driver.")
	})
	if err := shoot(dir, "console-dashboard.png"); err != nil {
		return err
	}
	if customer != nil {
		if err := shootTools(u, ts, tb, dir, first, customer); err != nil {
			return err
		}
	} else {
		fmt.Fprintln(os.Stderr, "screenshots: the fake agent has no tools; no pictures of them")
	}

	// A second session, whose customer writes while the first is shown.
	fyne.DoAndWait(func() { u.main.startBtn.OnTapped() })
	if err := until("the second session", func() bool { return len(u.sessions) == 2 }); err != nil {
		return err
	}
	var second *sessionUI
	fyne.DoAndWait(func() { second = u.sessions[u.order[1]] })
	bob := fakeagent.Join(tb, ts, second.s.Number(), fakeagent.Options{Name: "Bob Lee"})
	if err := until("the second customer", func() bool { return !second.view.viewBtn.Disabled() }); err != nil {
		return err
	}
	fyne.DoAndWait(func() { u.main.Select(first.s.ID()) })
	if err := bob.Chat("Hello? My email won't sync on my laptop."); err != nil {
		return err
	}
	if err := until("the unread line", func() bool { return second.unread == 1 }); err != nil {
		return err
	}
	fyne.DoAndWait(func() { first.view.phrasesBtn.OnTapped() })
	if err := shoot(dir, "console-tabs.png"); err != nil {
		return err
	}
	fyne.DoAndWait(func() {
		for _, o := range u.win.Canvas().Overlays().List() {
			u.win.Canvas().Overlays().Remove(o)
		}
		first.view.controlBtn.OnTapped()
	})
	if err := until("the screen", func() bool {
		return first.share != nil && first.share.view.area.picture().X == width &&
			strings.Contains(first.share.view.status.Text, "fps")
	}); err != nil {
		return err
	}
	time.Sleep(2500 * time.Millisecond) // a status line with a rate
	if err := shoot(dir, "console-sharing.png"); err != nil {
		return err
	}
	if customer != nil {
		if err := shootRecording(u, tb, dir, first); err != nil {
			return err
		}
	}
	fyne.DoAndWait(func() { first.share.view.OnStop() })
	if err := until("sharing stopped", func() bool { return first.share == nil }); err != nil {
		return err
	}
	fyne.DoAndWait(func() { first.view.endBtn.OnTapped() })
	if err := shoot(dir, "console-end.png"); err != nil {
		return err
	}
	fyne.DoAndWait(func() {
		if first.endDialog != nil {
			first.endDialog.Hide()
		}
	})
	if customer != nil {
		if err := shootReboot(u, dir, first); err != nil {
			return err
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := first.s.End(ctx, ""); err != nil {
		return err
	}
	if err := second.s.End(ctx, ""); err != nil {
		return err
	}
	if err := until("no session", func() bool { return len(u.sessions) == 0 }); err != nil {
		return err
	}
	if err := shootQueues(u, ts, tb, dir); err != nil {
		return err
	}
	return shootReports(u, ts, tb, dir)
}

// shootScripts fills the Script Library with a few scripts, Carol's and a
// colleague's, and shows it with one selected.
func shootScripts(u *ui, ts *rendezvoustest.Server, tb *mainTB, dir string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for _, c := range []string{"Disks", "Network", "Printing"} {
		if _, err := ts.Store.AddScriptCategory(ctx, c); err != nil {
			return err
		}
	}
	carol := ts.Client()
	if _, err := carol.Login(ctx, "carol@example.com", "carol-password-1"); err != nil {
		return err
	}
	dave := ts.CSR(tb, "dave@example.com", "Dave Okafor")
	for _, s := range []struct {
		c *client.Client
		n client.NewScript
	}{
		{carol, client.NewScript{Name: "Flush DNS cache", Category: "Network", Published: true,
			Description: "Clears the DNS resolver cache. Run it when some sites do not load.",
			ScriptName:  "flush.bat", Script: []byte("ipconfig /flushdns\r\n"), TimeLimit: 60}},
		{dave, client.NewScript{Name: "Restart print spooler", Category: "Printing", Published: true,
			Description: "Stops and starts the spooler service, then lists the printers.",
			ScriptName:  "spooler.ps1", Script: []byte("Restart-Service Spooler\nGet-Printer\n"),
			InputName: "printers.csv", Input: []byte("name,port\nFront desk,IP_10.0.0.20\n"), TimeLimit: 120}},
		{carol, client.NewScript{Name: "Disk usage report", Category: "Disks",
			Description: "Lists the largest folders in the home directory.",
			ScriptName:  "du.sh", Script: []byte("du -sh ~/* | sort -h | tail -20\n")}},
		{dave, client.NewScript{Name: "Reset Wi-Fi adapter", Category: "Network", Published: true,
			Description: "Turns the wireless adapter off and on again.",
			ScriptName:  "wifi.cmd", Script: []byte("netsh interface set interface Wi-Fi disable\r\n")}},
	} {
		if _, err := s.c.CreateScript(ctx, s.n); err != nil {
			return err
		}
	}
	fyne.DoAndWait(func() { u.main.scriptsBtn.OnTapped() })
	if err := until("the scripts", func() bool { return u.scripts != nil && len(u.scripts.view.Scripts()) == 4 }); err != nil {
		return err
	}
	fyne.DoAndWait(func() { u.scripts.view.list.Select(2) })
	if err := shoot(dir, "console-scripts.png"); err != nil {
		return err
	}
	fyne.DoAndWait(u.closeScripts)
	return nil
}

// screenshotTools are the customer's tools in the screenshots: this
// machine's system information, scripts run in a temporary folder, files
// in a temporary home, and a reboot that only lets the agent go.
func screenshotTools(tb *mainTB) session.Tools {
	return session.Tools{
		FilesRoot: tb.TempDir(),
		Sysinfo: func(ctx context.Context) sysreport.Report {
			return sysinfo.Collect(ctx, sysinfo.Options{})
		},
		Scripts: &scriptrun.Runner{TempDir: tb.TempDir()},
		Reboot:  func(context.Context, session.RebootTicket) error { return nil },
	}
}

// shootTools uses each tool for the customer's computer in su's session
// and shoots its window: System Information, Run Scripts, Publish Files
// (the customer downloads), the File Transfer window, and the session's
// chat with the results.
func shootTools(u *ui, ts *rendezvoustest.Server, tb *mainTB, dir string, su *sessionUI, customer *session.Agent) error {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	// System Information.
	fyne.DoAndWait(func() { su.view.sysinfoBtn.OnTapped() })
	if err := until("the system information", func() bool {
		if su.sysinfo == nil {
			return false
		}
		_, ok := su.sysinfo.view.Report()
		return ok
	}); err != nil {
		return err
	}
	fyne.DoAndWait(func() { su.sysinfo.view.Select(sysreport.CatProcesses) })
	if err := shoot(dir, "console-sysinfo.png"); err != nil {
		return err
	}
	fyne.DoAndWait(su.closeSysInfo)

	// Run Scripts: two scripts from the library, one of which fails.
	carol := ts.Client()
	if _, err := carol.Login(ctx, "carol@example.com", "carol-password-1"); err != nil {
		return err
	}
	for _, n := range []client.NewScript{
		{Name: "Printer queue", Category: "Printing", Description: "Lists the printers and their queues (CUPS).",
			ScriptName: "queue.sh", Script: []byte("echo \"Printers on $(hostname):\"\nlpstat -t 2>&1\n")},
		{Name: "Free disk space", Category: "Disks", Description: "Shows the free space of the disks.",
			ScriptName: "df.sh", Script: []byte("df -h -x tmpfs -x devtmpfs -x overlay 2>/dev/null || df -h\n")},
	} {
		if _, err := carol.CreateScript(ctx, n); err != nil {
			return err
		}
	}
	fyne.DoAndWait(func() { su.view.runBtn.OnTapped() })
	if err := until("the library", func() bool { return su.runs != nil && len(su.runs.view.scripts) == 6 }); err != nil {
		return err
	}
	fyne.DoAndWait(func() {
		v := su.runs.view
		for _, name := range []string{"Printer queue", "Free disk space"} {
			for _, s := range v.scripts {
				if s.Name == name {
					v.SelectScript(s.ID)
					v.add()
				}
			}
		}
		v.runBtn.OnTapped()
	})
	if err := until("the run", func() bool { return len(su.runs.view.panels) == 1 && su.runs.run == nil }); err != nil {
		return err
	}
	if err := shoot(dir, "console-runscripts.png"); err != nil {
		return err
	}
	fyne.DoAndWait(su.closeRunScripts)

	// Publish Files: the customer downloads what Carol published.
	pub := tb.TempDir()
	for name, size := range map[string]int{"printer-driver-5.2.deb": 1_250_000, "fix-spooler.sh": 1_843, "printer-manual.pdf": 640_000} {
		if err := os.WriteFile(filepath.Join(pub, name), make([]byte, size), 0o644); err != nil {
			return err
		}
	}
	fyne.DoAndWait(func() {
		u.openPublish(su)
		u.publishPaths(su, su.publish, []string{filepath.Join(pub, "printer-driver-5.2.deb"),
			filepath.Join(pub, "fix-spooler.sh"), filepath.Join(pub, "printer-manual.pdf")})
	})
	if err := until("the published files", func() bool { return su.publish != nil && len(su.publish.view.entries) == 3 }); err != nil {
		return err
	}
	downloads := filepath.Join(tb.TempDir(), "Downloads")
	if err := os.Mkdir(downloads, 0o755); err != nil {
		return err
	}
	if _, err := customer.Download(ctx, []string{"printer-driver-5.2.deb", "fix-spooler.sh"}, downloads, nil); err != nil {
		return err
	}
	if err := until("the download in the chat", func() bool { return strings.Contains(chatText(su.view), "Ann Smith downloaded 2 files") }); err != nil {
		return err
	}
	fyne.DoAndWait(func() { su.publish.view.list.Select(0) })
	if err := shoot(dir, "console-publish.png"); err != nil {
		return err
	}
	fyne.DoAndWait(func() { u.endPublish(su, su.publish) })
	if err := until("the end of publishing", func() bool { return su.publish == nil }); err != nil {
		return err
	}

	// The File Transfer window (the other helper's scene).
	if err := filesScene(u, su, tb, fyne.DoAndWait, until, func(name string) error { return shoot(dir, name) }); err != nil {
		return err
	}

	// The session: its tools, and their results in the chat.
	return shoot(dir, "console-tools.png")
}

// shootReboot restarts the customer's computer and shoots the session
// while the customer is away.
func shootReboot(u *ui, dir string, su *sessionUI) error {
	fyne.DoAndWait(func() { su.view.rebootBtn.OnTapped() })
	tapDialog(u, "Reboot")
	if err := until("the customer restarting", func() bool { return su.view.restarting != "" }); err != nil {
		return err
	}
	return shoot(dir, "console-reboot.png")
}

// shootRecording records the shared screen for a few seconds (the
// customer's agent allows it), shows the sharing window recording, then
// plays the file back in the player window, half-way through.
func shootRecording(u *ui, tb *mainTB, dir string, su *sessionUI) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	path := filepath.Join(tb.TempDir(), controller.RecordingName(su.s.Number(), time.Now()))
	if err := su.s.StartRecording(ctx, path); err != nil {
		return err
	}
	time.Sleep(3 * time.Second) // a few seconds of the corpus, and a running clock
	if err := shoot(dir, "console-recording.png"); err != nil {
		return err
	}
	if _, err := su.s.StopRecording(); err != nil {
		return err
	}
	var v *playerView
	p, err := recording.OpenPlayer(path)
	if err != nil {
		return err
	}
	fyne.DoAndWait(func() { v = u.showPlayer(path, p) })
	half := p.Summary().Duration / 2
	fyne.DoAndWait(func() { v.OnSeek(half) })
	if err := until("the player half-way", func() bool { return v.slider.Value >= half.Seconds()-0.2 }); err != nil {
		return err
	}
	if err := shoot(dir, "console-player.png"); err != nil {
		return err
	}
	fyne.DoAndWait(func() {
		for _, w := range u.app.Driver().AllWindows() {
			if strings.HasPrefix(w.Title(), "Recording — ") {
				w.Close()
			}
		}
	})
	return nil
}
