package gui

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"lifeline/agent/consent"
	"lifeline/console/controller"
	"lifeline/shared/client"
	"lifeline/shared/protocol"
)

func TestRunScriptsViewMarkup(t *testing.T) {
	test.NewTempApp(t)
	v := newRunScriptsView()
	renderShot(t, "runscripts_empty.xml", v.content, fyne.NewSize(1040, 680))
	v.SetScripts(libraryScripts())
	v.SelectScript("scr_3")
	test.Tap(v.addBtn)
	v.SelectScript("scr_2")
	test.Tap(v.addBtn)
	v.SelectScript("scr_1")
	p := v.StartRun([]string{"Disk usage report", "Restart print spooler"}, time.Date(2026, 11, 22, 10, 42, 7, 0, time.UTC))
	v.SetRunning(true)
	p.Output(0, "4.0K\t/home/ann/Templates\n1.2G\t/home/ann/Videos\n")
	p.Output(0, "3.4G\t/home/ann/Downloads\n")
	p.Result(protocol.ScriptResult{RunID: "run_1", Index: 0, Count: 2, Name: "Disk usage report", Status: protocol.ScriptOK, DurationMS: 1240})
	p.Output(1, "Restarting the spooler…\n")
	v.SetStatus("Running 2 scripts on Ann Smith's computer…", false)
	renderShot(t, "runscripts_running.xml", v.content, fyne.NewSize(1040, 680))
}

// The run list: Add appends, Move Up and Move Down reorder, Remove takes
// out; the buttons are on only when they can do something.
func TestRunListEditing(t *testing.T) {
	test.NewTempApp(t)
	v := newRunScriptsView()
	v.SetScripts(libraryScripts())
	names := func() string {
		var n []string
		for _, s := range v.Chosen() {
			n = append(n, s.Name)
		}
		return strings.Join(n, ", ")
	}
	if !v.addBtn.Disabled() || !v.runBtn.Disabled() || !v.upBtn.Disabled() || !v.removeBtn.Disabled() {
		t.Fatal("buttons on with nothing selected or chosen")
	}
	for _, id := range []string{"scr_1", "scr_2", "scr_3"} {
		v.SelectScript(id)
		test.Tap(v.addBtn)
	}
	if got := names(); got != "Flush DNS cache, Restart print spooler, Disk usage report" {
		t.Fatalf("run list %q", got)
	}
	// The last added is selected: it can go up, not down.
	if v.upBtn.Disabled() || !v.downBtn.Disabled() || v.runBtn.Disabled() {
		t.Fatal("buttons for the last script")
	}
	test.Tap(v.upBtn)
	test.Tap(v.upBtn)
	if got := names(); got != "Disk usage report, Flush DNS cache, Restart print spooler" {
		t.Fatalf("after Move Up twice: %q", got)
	}
	if !v.upBtn.Disabled() {
		t.Fatal("Move Up on at the top")
	}
	test.Tap(v.downBtn)
	if got := names(); got != "Flush DNS cache, Disk usage report, Restart print spooler" {
		t.Fatalf("after Move Down: %q", got)
	}
	test.Tap(v.removeBtn)
	if got := names(); got != "Flush DNS cache, Restart print spooler" {
		t.Fatalf("after Remove: %q", got)
	}
	var ran []string
	v.OnRun = func(scripts []client.Script) {
		for _, s := range scripts {
			ran = append(ran, s.ID)
		}
	}
	test.Tap(v.runBtn)
	if strings.Join(ran, ",") != "scr_1,scr_2" {
		t.Fatalf("ran %v", ran)
	}
	v.SetRunning(true)
	if !v.runBtn.Disabled() || !v.stopBtn.Visible() {
		t.Fatal("Run Scripts on during a run, or no Stop")
	}
	v.SetRunning(false)
	if v.runBtn.Disabled() || v.stopBtn.Visible() {
		t.Fatal("Run Scripts off after the run")
	}
}

// A run's panel: a header before each script's output, the results as
// they come, what was not run marked at the end, and the output bounded.
func TestRunPanel(t *testing.T) {
	test.NewTempApp(t)
	p := newRunPanel([]string{"a.sh", "b.sh", "c.sh"})
	test.NewTempWindow(t, p.content)
	p.Output(0, "one\r\n\x1b[31mred\x1b[0m\n")
	p.Result(protocol.ScriptResult{Index: 0, Count: 3, Name: "a.sh", Status: protocol.ScriptFailed, ExitCode: 3, DurationMS: 400})
	if p.states[1].Text != "Running…" || p.states[0].Text != "exit 3 · 0.4 s" {
		t.Fatalf("states %q %q", p.states[0].Text, p.states[1].Text)
	}
	p.Output(1, "two")
	p.Output(1, " more\n")
	p.Finish("not run")
	want := "── 1 of 3: a.sh ──\none\nred\n── 2 of 3: b.sh ──\ntwo more\n"
	if p.Text() != want {
		t.Fatalf("output %q, want %q", p.Text(), want)
	}
	if p.states[1].Text != "not run" || p.states[2].Text != "not run" || p.states[0].Text != "exit 3 · 0.4 s" {
		t.Fatalf("after Finish: %q %q %q", p.states[0].Text, p.states[1].Text, p.states[2].Text)
	}

	big := newRunPanel([]string{"loud.sh"})
	line := strings.Repeat("x", 99) + "\n"
	for range maxOutputShown/len(line) + 50 {
		big.add(0, line)
	}
	big.show()
	if n := len(big.Text()); n > maxOutputShown+200 || !strings.HasPrefix(big.Text(), "… (the start of the output") {
		t.Fatalf("%d bytes shown, starting %q", n, big.Text()[:40])
	}
}

func TestScriptResultLine(t *testing.T) {
	for _, tc := range []struct {
		r      protocol.ScriptResult
		by     string
		text   string
		detail string
		failed bool
	}{
		{protocol.ScriptResult{Name: "cleanup.sh", Count: 1, Status: protocol.ScriptOK, DurationMS: 1200, Output: "done\n"},
			"", "Script cleanup.sh: exit 0 in 1.2 s", "done\n", false},
		{protocol.ScriptResult{Name: "fix.ps1", Index: 1, Count: 3, Status: protocol.ScriptFailed, ExitCode: 2, DurationMS: 65_000,
			Output: "tail", Truncated: true}, "Dave", "Script fix.ps1 (2 of 3): exit 2 in 1 min 5 s (run by Dave)", "…tail", true},
		{protocol.ScriptResult{Name: "slow.sh", Count: 1, Status: protocol.ScriptTimeout, DurationMS: 300_000},
			"", "Script slow.sh was stopped at its time limit, after 5 min", "", true},
		{protocol.ScriptResult{Name: "x.bat", Count: 1, Status: protocol.ScriptError, Error: "cmd.exe is not available on Linux"},
			"", "Script x.bat could not start: cmd.exe is not available on Linux", "", true},
		{protocol.ScriptResult{Name: "a.sh", Count: 1, Status: protocol.ScriptCancelled, Error: "the CSR stopped the run"},
			"", "Script a.sh was stopped: the CSR stopped the run", "", false},
		{protocol.ScriptResult{Name: "evil\nname.sh", Count: 1, Status: protocol.ScriptOK, Output: "\x1b]0;title\x07ok\x00\n"},
			"", "Script evil name.sh: exit 0 in 0.0 s", "ok\n", false},
	} {
		l := scriptResultLine(tc.r, tc.by)
		if l.Text != tc.text || l.Detail != tc.detail || l.Failed != tc.failed {
			t.Errorf("%s: got %q %q %v, want %q %q %v", tc.r.Name, l.Text, l.Detail, l.Failed, tc.text, tc.detail, tc.failed)
		}
	}
}

func TestCleanOutput(t *testing.T) {
	for in, want := range map[string]string{
		"plain\ttext\n":            "plain\ttext\n",
		"crlf\r\nline\r\n":         "crlf\nline\n",
		"progress\r50%\r100%\n":    "progress\n50%\n100%\n",
		"\x1b[1;32mgreen\x1b[0m":   "green",
		"bell\x07 nul\x00 del\x7f": "bell nul del",
		"cut at the end \x1b[":     "cut at the end ",
		"\x1b]0;title\x07after":    "after",
		"\x1b]2;t\x1b\\after":      "after",
		"\x1b(Bcharset":            "charset",
		"unicode ✓ stays\n":        "unicode ✓ stays\n",
	} {
		if got := cleanOutput(in); got != want {
			t.Errorf("cleanOutput(%q) = %q, want %q", in, got, want)
		}
	}
}

// Whatever a script writes, what is shown has no control characters but
// line ends and tabs, and stays valid UTF-8.
func FuzzCleanOutput(f *testing.F) {
	for _, s := range []string{"plain\n", "\x1b[31mred", "\x1b]0;t\x07x", "\x1bé", "a\r\nb\rc", "\x1b(B", "\x1b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out := cleanOutput(in)
		for _, r := range out {
			if (r < ' ' && r != '\n' && r != '\t') || r == 0x7f {
				t.Fatalf("cleanOutput(%q) = %q keeps %U", in, out, r)
			}
		}
		if utf8.ValidString(in) && !utf8.ValidString(out) {
			t.Fatalf("cleanOutput(%q) = %q is not UTF-8", in, out)
		}
	})
}

func TestSecondsWords(t *testing.T) {
	for ms, want := range map[int64]string{0: "0.0 s", 1240: "1.2 s", 59_949: "59.9 s", 60_000: "1 min", 125_000: "2 min 5 s"} {
		if got := secondsWords(ms); got != want {
			t.Errorf("secondsWords(%d) = %q, want %q", ms, got, want)
		}
	}
}

// Run Scripts with a real customer: the library lists the scripts, the
// run list orders them, a no is said as such; once allowed, the output
// arrives per script under its header, each result shows in the run's tab
// and in the chat, and the customer was asked for the scripts by name in
// the run's order.
func TestRunScriptsRealAgent(t *testing.T) {
	ts := newServer(t)
	ctx := ctxT(t)
	carol := ts.Client()
	if _, err := carol.Login(ctx, "carol@example.com", "carol-password-1"); err != nil {
		t.Fatal(err)
	}
	for _, s := range []client.NewScript{
		{Name: "Greet", ScriptName: "greet.sh", Script: []byte("echo hello\necho oops >&2\nexit 3\n")},
		{Name: "Names", ScriptName: "names.sh", Script: []byte("while read n; do echo \"got $n\"; done < \"$LIFELINE_INPUT\"\n"),
			InputName: "names.txt", Input: []byte("ann\nbob\n")},
		{Name: "Wait", ScriptName: "wait.sh", Script: []byte("echo started\nsleep 30\n")},
	} {
		if _, err := carol.CreateScript(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	h := newHarnessOn(t, ts, Config{Server: ts.URL, Email: "carol@example.com", TLS: ts.TLS}, t.TempDir())
	su := h.started()
	cust := joinCustomer(h, su)

	test.Tap(su.view.runBtn)
	rw := su.runs
	if rw == nil || !strings.HasPrefix(rw.win.Title(), "Run Scripts — Ann (") {
		t.Fatal("no Run Scripts window")
	}
	v := rw.view
	h.eventually("the library", func() bool { return len(v.scripts) == 3 })
	ids := map[string]string{}
	for _, s := range v.scripts {
		ids[s.Name] = s.ID
	}
	v.SelectScript(ids["Greet"])
	test.Tap(v.addBtn)
	v.SelectScript(ids["Names"])
	test.Tap(v.addBtn)
	test.Tap(v.upBtn) // Names first

	// No answer is a no.
	test.Tap(v.runBtn)
	h.eventually("the refusal", func() bool { return rw.run == nil && strings.Contains(v.status.Text, "did not allow") })
	if v.status.Text != "The customer did not allow the scripts to run." {
		t.Fatalf("status %q", v.status.Text)
	}
	if got := cust.LastAsked(); got.Action != protocol.ActionScripts || got.Detail != `"Names", then "Greet"` {
		t.Fatalf("the customer was asked %+v", got)
	}
	first := v.runs.Items[0]

	cust.Answer(consent.AllowOnce)
	test.Tap(v.runBtn)
	if !v.runBtn.Disabled() || !v.stopBtn.Visible() {
		t.Fatal("no Stop during the run")
	}
	h.eventually("the run", func() bool { return rw.run == nil })
	if len(v.runs.Items) != 2 || v.runs.Selected() == first {
		t.Fatalf("%d run tabs", len(v.runs.Items))
	}
	if v.status.Text != "1 of 2 scripts ran successfully." {
		t.Fatalf("status %q", v.status.Text)
	}
	h.eventually("the results in the chat", func() bool {
		return strings.Count(chatText(su.view), "Script ") == 2
	})
	panel := lastPanel(t, v)
	out := panel.Text()
	want := "── 1 of 2: Names ──\ngot ann\ngot bob\n── 2 of 2: Greet ──\n"
	if !strings.HasPrefix(out, want) || !strings.Contains(out, "hello\n") || !strings.Contains(out, "oops\n") {
		t.Fatalf("output %q", out)
	}
	if !strings.HasPrefix(panel.states[0].Text, "exit 0 · ") || !strings.HasPrefix(panel.states[1].Text, "exit 3 · ") {
		t.Fatalf("states %q %q", panel.states[0].Text, panel.states[1].Text)
	}
	chat := chatText(su.view)
	for _, s := range []string{"Script Names (1 of 2): exit 0 in ", "Script Greet (2 of 2): exit 3 in ", "got bob"} {
		if !strings.Contains(chat, s) {
			t.Fatalf("the chat lacks %q:\n%s", s, chat)
		}
	}

	// Stop.
	for range v.Chosen() {
		v.runList.Select(0)
		test.Tap(v.removeBtn)
	}
	v.SelectScript(ids["Wait"])
	test.Tap(v.addBtn)
	cust.Answer(consent.AllowOnce)
	test.Tap(v.runBtn)
	h.eventually("the script running", func() bool { return len(v.panels) == 3 && strings.Contains(lastPanel(t, v).Text(), "started") })
	test.Tap(v.stopBtn)
	h.eventually("the run stopped", func() bool { return rw.run == nil })
	if v.status.Text != "The scripts were stopped." || lastPanel(t, v).states[0].Text != "stopped" {
		t.Fatalf("after Stop: %q, %q", v.status.Text, lastPanel(t, v).states[0].Text)
	}
}

// lastPanel is the newest run's panel of the Run Scripts window.
func lastPanel(t *testing.T, v *runScriptsView) *runPanel {
	t.Helper()
	if len(v.panels) == 0 {
		t.Fatal("no run")
	}
	return v.panels[len(v.panels)-1]
}

// A console started again shows the session's script results again (from
// the report), like its chat.
func TestScriptResultsAfterRestart(t *testing.T) {
	ts := newServer(t)
	dir := t.TempDir()
	cfg := Config{Server: ts.URL, Email: "carol@example.com", TLS: ts.TLS}
	h := newHarnessOn(t, ts, cfg, dir)
	su := h.started()
	cust := joinCustomer(h, su)
	cust.Answer(consent.AllowOnce)
	s := su.s
	h.background("a run", func() error {
		_, err := s.RunScripts(ctxT(t), []controller.ScriptToRun{{Name: "Hello", FileName: "hello.sh", Body: []byte("echo hi there\n")}}, nil)
		return err
	})
	h.eventually("the line", func() bool { return strings.Contains(chatText(su.view), "Script Hello: exit 0 in ") })
	h.u.shutdown()

	again := newHarnessOn(t, ts, Config{TLS: ts.TLS}, dir)
	again.onMain()
	again.eventually("the session reopened", func() bool { return len(again.u.sessions) == 1 })
	text := chatText(again.u.sessions[again.u.order[0]].view)
	if !strings.Contains(text, "Script Hello: exit 0 in ") || !strings.Contains(text, "hi there") {
		t.Fatalf("history:\n%s", text)
	}
}
