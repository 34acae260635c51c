package gui

import (
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

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
