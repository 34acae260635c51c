package gui

import (
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"lifeline/shared/client"
	"lifeline/shared/protocol"
	"lifeline/shared/transport"
)

// The views' markup goldens (testdata/*.xml) pin what each view shows for
// fixed inputs: a change to a view shows up as a diff to review. Update
// them after a deliberate change by copying testdata/failed/*.xml over
// testdata/*.xml.

func render(t *testing.T, name string, o fyne.CanvasObject, size fyne.Size) {
	t.Helper()
	w := test.NewTempWindow(t, o)
	w.Resize(size)
	test.AssertRendersToMarkup(t, name, w.Canvas())
}

func TestLoginViewMarkup(t *testing.T) {
	test.NewTempApp(t)
	v := newLoginView("https://support.example.com:8443", "carol@example.com",
		"This is the server support.example.com:8443 you trusted on 2026-11-01.")
	render(t, "login.xml", v.content, fyne.NewSize(900, 600))
	v.SetError("The email address or password is not right. Please try again.")
	render(t, "login_error.xml", v.content, fyne.NewSize(900, 600))
}

func TestMainViewMarkup(t *testing.T) {
	test.NewTempApp(t)
	v := newMainView()
	v.SetUser("Carol Jensen", "carol@example.com")
	render(t, "main_idle.xml", v.content, fyne.NewSize(1200, 720))
	a, b := newSessionView(), newSessionView()
	a.SetSession("482913077", "https://support.example.com/join/482913077", "https://support.example.com", "You are the host")
	b.SetSession("771204356", "https://support.example.com/join/771204356", "https://support.example.com", "You are assisting")
	v.AddSession("ses_a", "482 913 077 — Ann Smith", a.content)
	v.AddSession("ses_b", "771 204 356 — Bob Lee (2)", b.content)
	v.SetLimits(false, true, "2 of 2 sessions open")
	render(t, "main_tabs.xml", v.content, fyne.NewSize(1200, 720))
}

func TestSessionViewMarkup(t *testing.T) {
	test.NewTempApp(t)
	v := newSessionView()
	v.SetSession("482913077", "https://support.example.com/join/482913077", "https://support.example.com",
		"You are the host · Type: Billing · Tracking code: CASE-42")
	left := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	st := protocol.State{ID: "ses_a", Number: "482913077", You: "par_c", Sharing: "par_a", Controller: "par_c",
		Participants: []protocol.Participant{
			{ID: "par_c", Name: "Carol Jensen", Role: protocol.RoleCSR, Connected: true},
			{ID: "par_d", Name: "Dave Okafor", Role: protocol.RoleAssistant, Connected: true},
			{ID: "par_a", Name: "Ann Smith", Role: protocol.RolePrimary, Connected: true},
			{ID: "par_b", Name: "Bob Lee", Role: protocol.RoleSecondary, Connected: false},
			{ID: "par_x", Name: "Eve Left", Role: protocol.RoleSecondary, LeftAt: &left},
		}}
	v.SetParticipants(st, true)
	v.SetPhrases([]string{"Thank you for your patience."})
	v.AddChat(chatLine{From: "Ann Smith", Text: "My printer is offline."})
	v.AddChat(chatLine{From: "Carol Jensen", To: "Ann Smith", Private: true, Text: "Let me have a look."})
	v.SetUnread(1)
	v.notes.SetText("Printer driver")
	render(t, "session_host.xml", v.content, fyne.NewSize(1200, 680))

	st.You = "par_d"
	v.SetParticipants(st, false)
	render(t, "session_assistant.xml", v.content, fyne.NewSize(1200, 680))
}

func TestSharingViewMarkup(t *testing.T) {
	test.NewTempApp(t)
	v := newSharingView("sampling", "16bit")
	v.SetMonitors([]transport.Monitor{
		{Index: 0, Width: 1920, Height: 1080, Primary: true},
		{Index: 1, X: 1920, Width: 1280, Height: 1024},
	}, 0)
	v.SetControl(true)
	v.SetStatus("Live · 1920×1080 · 30 fps · 2400 kbit/s · latency 4 ms")
	render(t, "sharing_control.xml", v.content, fyne.NewSize(1024, 640))
}

// libraryScripts are fixed scripts for the Script Library's goldens.
func libraryScripts() []client.Script {
	at := func(d int) time.Time { return time.Date(2026, 11, d, 14, 30, 0, 0, time.UTC) }
	carol := client.ScriptOwner{ID: "usr_c", Name: "Carol Jensen", Email: "carol@example.com"}
	dave := client.ScriptOwner{ID: "usr_d", Name: "Dave Okafor", Email: "dave@example.com"}
	return []client.Script{
		{ID: "scr_1", Name: "Flush DNS cache", Category: "Network", Description: "Clears the DNS resolver cache.\nRun it when sites do not load.",
			Published: true, Owner: carol, Mine: true, Editable: true, Script: client.FileInfo{Name: "flush.bat", Size: 20},
			Interpreter: client.InterpreterCmd, Platform: client.PlatformWindows, TimeLimit: 300, UpdatedAt: at(21)},
		{ID: "scr_2", Name: "Restart print spooler", Category: "Printing", Description: "Stops and starts the spooler service.",
			Published: true, Owner: dave, Script: client.FileInfo{Name: "spooler.ps1", Size: 1843},
			Input: &client.FileInfo{Name: "printers.csv", Size: 412}, Interpreter: client.InterpreterPowerShell,
			Platform: client.PlatformWindows, TimeLimit: 120, UpdatedAt: at(19)},
		{ID: "scr_3", Name: "Disk usage report", Category: "Disks", Description: "Lists the largest folders in the home directory.",
			Owner: carol, Mine: true, Editable: true, Script: client.FileInfo{Name: "du.sh", Size: 311},
			Interpreter: client.InterpreterSh, Platform: client.PlatformUnix, TimeLimit: 60, UpdatedAt: at(12)},
	}
}

func TestScriptsViewMarkup(t *testing.T) {
	test.NewTempApp(t)
	v := newScriptsView()
	v.loc = time.UTC
	v.SetCategories([]string{"Disks", "Network", "Printing"}, "")
	v.SetSort(client.ScriptSortUpdated, true)
	v.SetScripts(libraryScripts(), "scr_2")
	v.SetStatus("3 scripts", false)
	render(t, "scripts_library.xml", v.content, fyne.NewSize(1040, 640))
}

func TestScriptDialogMarkup(t *testing.T) {
	test.NewTempApp(t)
	s := libraryScripts()[1]
	d := newScriptDialog([]string{"Disks", "Network", "Printing"}, &s)
	d.SetFile(partScript, "spooler-v2.ps1", make([]byte, 2100))
	d.SetError("\"Restart print spooler\" is already the name of a script; choose another name.")
	render(t, "scripts_dialog.xml", d.content, fyne.NewSize(640, 560))
	add := newScriptDialog(nil, nil)
	render(t, "scripts_dialog_add.xml", add.content, fyne.NewSize(640, 520))
}
