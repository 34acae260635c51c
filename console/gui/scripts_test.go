package gui

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"lifeline/shared/client"
)

// libraryHarness is a console on a site with three categories, where
// Carol (the console's CSR) has a private and a published script, and Dave
// a published and a private one; carol is an API client logged in as her.
// The scripts are added before the console starts: the clients' first
// request sets up HTTP/2 on the server's shared tls.Config, which the
// console reads.
func libraryHarness(t *testing.T) (h *harness, carol *client.Client) {
	t.Helper()
	ts := newServer(t)
	ctx := ctxT(t)
	for _, c := range []string{"Disks", "Network", "Printing"} {
		if _, err := ts.Store.AddScriptCategory(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	carol = ts.Client()
	if _, err := carol.Login(ctx, "carol@example.com", "carol-password-1"); err != nil {
		t.Fatal(err)
	}
	dave := ts.CSR(t, "dave@example.com", "Dave Okafor")
	for _, s := range []struct {
		c *client.Client
		n client.NewScript
	}{
		{carol, client.NewScript{Name: "Alpha", Category: "Printing", Description: "zz restarts the spooler",
			ScriptName: "alpha.sh", Script: []byte("echo alpha\n")}},
		{carol, client.NewScript{Name: "Bravo", Category: "Network", Description: "aa flushes DNS", Published: true,
			ScriptName: "bravo.bat", Script: []byte("ipconfig /flushdns\r\n"), InputName: "hosts.txt", Input: []byte("x")}},
		{dave, client.NewScript{Name: "Charlie", Category: "Disks", Description: "mm frees space", Published: true,
			ScriptName: "charlie.ps1", Script: []byte("Clear-RecycleBin\n"), TimeLimit: 60}},
		{dave, client.NewScript{Name: "Delta", Category: "Disks", Description: "Dave's own",
			ScriptName: "delta.sh", Script: []byte("echo delta\n")}},
	} {
		if _, err := s.c.CreateScript(ctx, s.n); err != nil {
			t.Fatalf("add %s: %v", s.n.Name, err)
		}
		time.Sleep(5 * time.Millisecond) // distinct Updated times
	}
	h = newHarnessOn(t, ts, Config{Server: ts.URL, Email: "carol@example.com", TLS: ts.TLS}, t.TempDir())
	return h, carol
}

// library logs in and opens the Script Library with its scripts loaded.
func (h *harness) library() *scriptsWindow {
	h.t.Helper()
	h.loggedIn()
	test.Tap(h.u.main.scriptsBtn)
	sw := h.u.scripts
	if sw == nil {
		h.t.Fatal("no Script Library window")
	}
	h.eventually("the scripts", func() bool { return strings.HasSuffix(sw.view.status.Text, "scripts") })
	h.eventually("the categories", func() bool { return len(sw.categories) > 0 })
	return sw
}

func names(v *scriptsView) []string {
	var n []string
	for _, s := range v.Scripts() {
		n = append(n, s.Name)
	}
	return n
}

// selectScript selects a script of the list by name.
func selectScript(t *testing.T, v *scriptsView, name string) {
	t.Helper()
	i := slices.Index(names(v), name)
	if i < 0 {
		t.Fatalf("%q is not in the list %v", name, names(v))
	}
	v.list.Select(i)
}

// windowButton finds a button by its text in the top dialog of w.
func windowButton(t *testing.T, w fyne.Window, text string) *widget.Button {
	t.Helper()
	top := w.Canvas().Overlays().Top()
	if top == nil {
		t.Fatalf("no dialog (looking for %q)", text)
	}
	for _, o := range test.LaidOutObjects(top) {
		if b, ok := o.(*widget.Button); ok && b.Text == text {
			return b
		}
	}
	t.Fatalf("the dialog has no %q button", text)
	return nil
}

func TestScriptLibraryListAndSort(t *testing.T) {
	h, _ := libraryHarness(t)
	sw := h.library()
	v := sw.view
	if got := names(v); !slices.Equal(got, []string{"Alpha", "Bravo", "Charlie"}) {
		t.Fatalf("own and published scripts by name, without Dave's private one: %v", got)
	}
	if v.catBox.Hidden || len(v.category.Options) != 4 {
		t.Fatalf("category filter: hidden %v, %v", v.catBox.Hidden, v.category.Options)
	}
	// Each header sorts by its column, and again the other way round
	// (Name is already sorted ascending: its first click turns it).
	for i, want := range [][2][]string{
		{{"Alpha", "Bravo", "Charlie"}, {"Charlie", "Bravo", "Alpha"}}, // Name
		{{"Charlie", "Bravo", "Alpha"}, {"Alpha", "Bravo", "Charlie"}}, // Category: Disks, Network, Printing
		{{"Bravo", "Charlie", "Alpha"}, {"Alpha", "Charlie", "Bravo"}}, // Description
		{{"Alpha", "Bravo", "Charlie"}, {"Charlie", "Alpha", "Bravo"}}, // Owner: Carol, Dave; ties by name
		{{"Alpha", "Bravo", "Charlie"}, {"Bravo", "Charlie", "Alpha"}}, // Published: private first
		{{"Alpha", "Bravo", "Charlie"}, {"Charlie", "Bravo", "Alpha"}}, // Updated
	} {
		col := scriptColumns[i]
		order := []bool{false, true}
		if i == 0 {
			order = []bool{true, false}
			want[0], want[1] = want[1], want[0]
		}
		for k, desc := range order {
			test.Tap(v.headers[i])
			if sw.opts.Sort != col.sort || sw.opts.Desc != desc {
				t.Fatalf("%s: asked for %q desc %v", col.title, sw.opts.Sort, sw.opts.Desc)
			}
			if v.headers[i].Icon == nil || v.headers[(i+1)%len(v.headers)].Icon != nil {
				t.Fatalf("%s: the arrow is not on the sorted column only", col.title)
			}
			h.eventually(col.title+" sorted", func() bool { return slices.Equal(names(v), want[k]) })
		}
	}
	// The filter keeps one category.
	v.category.SetSelected("Disks")
	h.eventually("Disks only", func() bool { return slices.Equal(names(v), []string{"Charlie"}) })
	v.category.SetSelected(allCategories)
	h.eventually("all categories", func() bool { return len(names(v)) == 3 })

	// Details of the selected script.
	selectScript(t, v, "Bravo")
	if v.detailName.Text != "Bravo" || v.details[0].Text != "bravo.bat (20 bytes)" ||
		!strings.Contains(v.details[1].Text, "Windows") || v.details[3].Text != "hosts.txt (1 byte)" {
		t.Fatalf("details: %q %q %q %q", v.detailName.Text, v.details[0].Text, v.details[1].Text, v.details[3].Text)
	}
	if v.editBtn.Disabled() || v.deleteBtn.Disabled() {
		t.Fatal("Edit and Delete are off for Carol's own script")
	}
	// Dave's published script is Carol's to run, not to change.
	selectScript(t, v, "Charlie")
	if !v.editBtn.Disabled() || !v.deleteBtn.Disabled() {
		t.Fatal("Edit and Delete are on for Dave's script")
	}
	if v.details[2].Text != "1 minute" || v.details[4].Text != "Dave Okafor (dave@example.com)" || !strings.Contains(v.details[5].Text, "Every CSR") {
		t.Fatalf("details: %q %q %q", v.details[2].Text, v.details[4].Text, v.details[5].Text)
	}

	// One window: the button brings it forward.
	test.Tap(h.u.main.scriptsBtn)
	if h.u.scripts != sw {
		t.Fatal("a second library window")
	}
}

func TestScriptLibraryAdd(t *testing.T) {
	h, carol := libraryHarness(t)
	sw := h.library()
	test.Tap(sw.view.addBtn)
	d := sw.dlg
	if d == nil {
		t.Fatal("no Add Script dialog")
	}
	if d.category.Hidden || len(d.category.Options) != 3 {
		t.Fatalf("categories: %v", d.category.Options)
	}
	test.Type(d.name, "Flush DNS")
	d.category.SetSelected("Network")
	test.Type(d.description, "Clears the DNS cache.")
	d.publish.SetChecked(true)

	// Saving without a file, and a file too large, are refused here.
	test.Tap(d.saveBtn)
	if !strings.Contains(d.errLabel.Text, "Choose the script file") {
		t.Fatalf("no file: %q", d.errLabel.Text)
	}
	big := bytes.Repeat([]byte("x"), 1468006)
	h.u.chosenScriptFile(d, partScript, "flush.bat", big[:client.MaxScriptFileSize+1], int64(len(big)))
	if d.errLabel.Text != "flush.bat is 1.4 MB; a script file can be at most 1 MB." || d.script.data != nil {
		t.Fatalf("too large: %q", d.errLabel.Text)
	}
	h.u.chosenScriptFile(d, partInput, "big.txt", big[:client.MaxScriptFileSize+1], client.MaxScriptFileSize+1)
	if d.errLabel.Text != "big.txt is more than 1 MB; an input file can be at most 1 MB." {
		t.Fatalf("input too large: %q", d.errLabel.Text)
	}
	h.u.chosenScriptFile(d, partScript, "flush.bat", []byte("ipconfig /flushdns\r\n"), 20)
	h.u.chosenScriptFile(d, partInput, "hosts.txt", []byte("127.0.0.1 localhost\n"), 20)
	if !d.errLabel.Hidden || d.scriptFile.Text != "flush.bat (20 bytes)" || d.inputFile.Text != "hosts.txt (20 bytes)" {
		t.Fatalf("chosen: %q %q (error %q)", d.scriptFile.Text, d.inputFile.Text, d.errLabel.Text)
	}
	if n, _ := carol.ListScripts(ctxT(t), client.ScriptListOptions{}); len(n) != 3 {
		t.Fatalf("something was sent: %d scripts", len(n))
	}
	test.Tap(d.saveBtn)
	h.eventually("the dialog to close", func() bool { return sw.dlg == nil })
	v := sw.view
	h.eventually("the new script", func() bool { return slices.Contains(names(v), "Flush DNS") })
	if s, ok := v.Selected(); !ok || s.Name != "Flush DNS" || !s.Published || s.Input == nil || s.Category != "Network" {
		t.Fatalf("selected after adding: %+v", s)
	}
	if v.status.Text != "Added “Flush DNS”." {
		t.Fatalf("status: %q", v.status.Text)
	}

	// The server's refusal is shown in the dialog, which keeps what was
	// typed and chosen.
	test.Tap(v.addBtn)
	d = sw.dlg
	test.Type(d.name, "flush dns")
	d.category.SetSelected("Network")
	test.Type(d.description, "Another one.")
	h.u.chosenScriptFile(d, partScript, "again.bat", []byte("echo\r\n"), 6)
	test.Tap(d.saveBtn)
	h.eventually("the refusal", func() bool { return d.errLabel.Visible() && !d.saveBtn.Disabled() })
	if !strings.Contains(d.errLabel.Text, "name") || strings.Contains(d.errLabel.Text, "HTTP") {
		t.Fatalf("refusal: %q", d.errLabel.Text)
	}
	if sw.dlg != d || d.name.Text != "flush dns" || d.description.Text != "Another one." || d.category.Selected != "Network" ||
		d.scriptFile.Text != "again.bat (6 bytes)" {
		t.Fatalf("the dialog lost the input: %q %q %q %q", d.name.Text, d.description.Text, d.category.Selected, d.scriptFile.Text)
	}
	// A kind of script the library does not run.
	d.name.SetText("Python fix")
	h.u.chosenScriptFile(d, partScript, "fix.py", []byte("print(1)\n"), 9)
	test.Tap(d.saveBtn)
	h.eventually("the second refusal", func() bool { return strings.Contains(d.errLabel.Text, ".ps1") })
	test.Tap(d.cancelBtn)
	if sw.dlg != nil {
		t.Fatal("Cancel left the dialog open")
	}
}

func TestScriptLibraryEditAndDelete(t *testing.T) {
	h, carol := libraryHarness(t)
	sw := h.library()
	v := sw.view
	selectScript(t, v, "Bravo")
	test.Tap(v.editBtn)
	d := sw.dlg
	if d == nil || d.name.Text != "Bravo" || d.category.Selected != "Network" || !d.publish.Checked ||
		d.scriptFile.Text != "bravo.bat (20 bytes)" || d.inputFile.Text != "hosts.txt (1 byte)" || d.removeInput.Hidden {
		t.Fatalf("the Edit dialog is not filled in: %+v", d)
	}
	d.description.SetText("Flushes the DNS cache.")
	d.publish.SetChecked(false)
	d.timeLimit.SetText("90")
	test.Tap(d.removeInput)
	test.Tap(d.saveBtn)
	h.eventually("the dialog to close", func() bool { return sw.dlg == nil })
	h.eventually("the change", func() bool {
		s, ok := v.Selected()
		return ok && s.Name == "Bravo" && s.Description == "Flushes the DNS cache."
	})
	got, err := carol.ListScripts(ctxT(t), client.ScriptListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(got, func(s client.Script) bool { return s.Name == "Bravo" })
	if i < 0 || got[i].Published || got[i].TimeLimit != 90 || got[i].Input != nil || got[i].Script.Name != "bravo.bat" {
		t.Fatalf("on the server: %+v", got[i])
	}

	// A bad time limit is caught before anything is sent.
	selectScript(t, v, "Alpha")
	test.Tap(v.editBtn)
	d = sw.dlg
	d.timeLimit.SetText("two minutes")
	test.Tap(d.saveBtn)
	if !strings.Contains(d.errLabel.Text, "1 to 3600") {
		t.Fatalf("time limit: %q", d.errLabel.Text)
	}
	test.Tap(d.cancelBtn)

	// Delete asks first; No keeps the script.
	selectScript(t, v, "Alpha")
	test.Tap(v.deleteBtn)
	test.Tap(windowButton(t, sw.win, "Cancel"))
	time.Sleep(50 * time.Millisecond)
	h.eventually("nothing", func() bool { return true })
	if !slices.Contains(names(v), "Alpha") {
		t.Fatal("No deleted the script")
	}
	test.Tap(v.deleteBtn)
	test.Tap(windowButton(t, sw.win, "Delete"))
	h.eventually("the script gone", func() bool { return !slices.Contains(names(v), "Alpha") })
	if v.status.Text != "Deleted “Alpha”." {
		t.Fatalf("status: %q", v.status.Text)
	}
	if s, err := carol.ListScripts(context.Background(), client.ScriptListOptions{}); err != nil || len(s) != 2 {
		t.Fatalf("on the server: %d scripts, %v", len(s), err)
	}

	// Logging out closes the library.
	test.Tap(h.u.main.logoutBtn)
	if h.u.scripts != nil {
		t.Fatal("the library stayed open after logging out")
	}
}
