package gui

import (
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"lifeline/shared/protocol"
)

// spaced writes a 9-digit session number as "482 913 077".
func spaced(number string) string {
	if len(number) != 9 {
		return number
	}
	return number[:3] + " " + number[3:6] + " " + number[6:]
}

// roleWords names a role for a person.
func roleWords(role string) string {
	switch role {
	case protocol.RoleCSR:
		return "CSR"
	case protocol.RoleAssistant:
		return "Assistant"
	case protocol.RolePrimary:
		return "Primary customer"
	case protocol.RoleSecondary:
		return "Secondary customer"
	}
	return role
}

// sentence makes an error message read as a sentence.
func sentence(err error) string {
	s := strings.TrimSpace(err.Error())
	if s == "" {
		return "Something went wrong."
	}
	s = strings.ToUpper(s[:1]) + s[1:]
	if !strings.HasSuffix(s, ".") && !strings.HasSuffix(s, "?") && !strings.HasSuffix(s, "!") {
		s += "."
	}
	return s
}

func orDefault(s, def string) string {
	if strings.TrimSpace(s) == "" {
		return def
	}
	return s
}

func heading(text string) *widget.Label {
	l := widget.NewLabel(text)
	l.TextStyle = fyne.TextStyle{Bold: true}
	l.SizeName = theme.SizeNameSubHeadingText
	return l
}

func wrapped(text string) *widget.Label {
	l := widget.NewLabel(text)
	l.Wrapping = fyne.TextWrapWord
	return l
}

func call(f func()) {
	if f != nil {
		f()
	}
}

func call1[T any](f func(T), v T) {
	if f != nil {
		f(v)
	}
}

// fixedWidth lays out o with a fixed width and its own minimum height.
func fixedWidth(o fyne.CanvasObject, w float32) fyne.CanvasObject {
	return container.New(&widthLayout{w: w}, o)
}

type widthLayout struct{ w float32 }

func (l *widthLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	h := float32(0)
	for _, o := range objs {
		h = max(h, o.MinSize().Height)
	}
	return fyne.NewSize(l.w, h)
}

func (l *widthLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objs {
		o.Resize(size)
		o.Move(fyne.NewPos(0, 0))
	}
}
