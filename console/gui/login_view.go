package gui

import (
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// loginView asks for the server, the email address and the password. The
// trust line under it says how the server's certificate is checked and
// shows its fingerprint once known.
type loginView struct {
	server, email *widget.Entry
	password      *widget.Entry
	stay          *widget.Check
	loginBtn      *widget.Button
	errLabel      *widget.Label
	fingerprint   *widget.Label
	progress      *widget.ProgressBarInfinite
	content       fyne.CanvasObject

	OnLogin func(server, email, password string, stay bool)
}

func newLoginView(server, email, trust string) *loginView {
	v := &loginView{}
	v.server = widget.NewEntry()
	v.server.SetPlaceHolder("https://support.example.com:8443")
	v.server.SetText(server)
	v.email = widget.NewEntry()
	v.email.SetPlaceHolder("you@example.com")
	v.email.SetText(email)
	v.password = widget.NewPasswordEntry()
	v.password.OnSubmitted = func(string) { v.submit() }
	v.stay = widget.NewCheck("Stay logged in on this computer", nil)
	v.stay.SetChecked(true)
	v.loginBtn = widget.NewButtonWithIcon("Log In", theme.LoginIcon(), v.submit)
	v.loginBtn.Importance = widget.HighImportance
	v.errLabel = wrapped("")
	v.errLabel.Importance = widget.DangerImportance
	v.errLabel.Hide()
	v.fingerprint = wrapped(trust)
	v.fingerprint.SizeName = theme.SizeNameCaptionText
	v.progress = widget.NewProgressBarInfinite()
	v.progress.Stop()
	v.progress.Hide()

	title := widget.NewLabel("Lifeline Support Console")
	title.TextStyle = fyne.TextStyle{Bold: true}
	title.SizeName = theme.SizeNameHeadingText
	title.Alignment = fyne.TextAlignCenter
	sub := widget.NewLabel("Log in with your support representative account.")
	sub.Alignment = fyne.TextAlignCenter
	form := widget.NewForm(
		widget.NewFormItem("Server", v.server),
		widget.NewFormItem("Email", v.email),
		widget.NewFormItem("Password", v.password),
	)
	card := container.NewVBox(title, sub, widget.NewSeparator(), form,
		container.NewHBox(v.stay, layout.NewSpacer(), v.loginBtn), v.progress, v.errLabel,
		widget.NewSeparator(), v.fingerprint)
	v.content = container.NewCenter(fixedWidth(card, 520))
	return v
}

func (v *loginView) submit() {
	if v.OnLogin == nil || v.loginBtn.Disabled() {
		return
	}
	server := strings.TrimRight(strings.TrimSpace(v.server.Text), "/")
	email := strings.TrimSpace(v.email.Text)
	switch {
	case server == "":
		v.SetError("Enter the address of your Lifeline server, such as https://support.example.com:8443.")
		return
	case !strings.HasPrefix(server, "https://") && !strings.HasPrefix(server, "http://"):
		v.SetError("The server address must start with https://, such as https://support.example.com:8443.")
		return
	case email == "":
		v.SetError("Enter the email address of your account.")
		return
	case v.password.Text == "":
		v.SetError("Enter your password.")
		return
	}
	v.SetBusy(true)
	v.OnLogin(server, email, v.password.Text, v.stay.Checked)
}

func (v *loginView) SetBusy(busy bool) {
	if busy {
		v.loginBtn.Disable()
		v.errLabel.Hide()
		v.progress.Show()
		v.progress.Start()
	} else {
		v.loginBtn.Enable()
		v.progress.Stop()
		v.progress.Hide()
	}
}

func (v *loginView) SetError(msg string) {
	v.SetBusy(false)
	v.errLabel.SetText(msg)
	v.errLabel.Show()
}

func (v *loginView) SetFingerprint(text string) { v.fingerprint.SetText(text) }
