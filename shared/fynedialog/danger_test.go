package fynedialog

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

// shown are the buttons and label texts of the window's top dialog.
func shown(t *testing.T, w fyne.Window) (buttons map[string]*widget.Button, texts map[string]bool) {
	t.Helper()
	top := w.Canvas().Overlays().Top()
	if top == nil {
		t.Fatal("no dialog shows")
	}
	buttons, texts = map[string]*widget.Button{}, map[string]bool{}
	for _, o := range test.LaidOutObjects(top) {
		switch o := o.(type) {
		case *widget.Button:
			buttons[o.Text] = o
		case *widget.Label:
			texts[o.Text] = true
		}
	}
	return buttons, texts
}

func TestAskDanger(t *testing.T) {
	// How the question is answered, and whether the action then happens.
	cases := []struct {
		name    string
		hold    bool // the caller holds the dialog in *open
		answer  func(buttons map[string]*widget.Button, open dialog.Dialog)
		yesRuns bool
	}{
		{"the red button confirms", true, func(b map[string]*widget.Button, _ dialog.Dialog) { test.Tap(b["Leave Session"]) }, true},
		{"the other button does not", true, func(b map[string]*widget.Button, _ dialog.Dialog) { test.Tap(b["Stay"]) }, false},
		{"hiding it (the question lost its point) does not", true, func(_ map[string]*widget.Button, d dialog.Dialog) { d.Hide() }, false},
		{"a caller that does not hold it confirms alike", false, func(b map[string]*widget.Button, _ dialog.Dialog) { test.Tap(b["Leave Session"]) }, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			test.NewTempApp(t)
			w := test.NewTempWindow(t, widget.NewLabel("behind"))
			w.Resize(fyne.NewSize(600, 400))
			var open dialog.Dialog
			hold := &open
			if !c.hold {
				hold = nil
			}
			ran, openWhenRan := 0, dialog.Dialog(nil)
			AskDanger(w, hold, "Leave the session?", "Your support representative will no longer see your screen.",
				"Leave Session", "Stay", func() { ran++; openWhenRan = open })

			buttons, texts := shown(t, w)
			if !texts["Leave the session?"] || !texts["Your support representative will no longer see your screen."] {
				t.Fatalf("the dialog says %v, not the question", texts)
			}
			if b := buttons["Leave Session"]; b == nil || b.Importance != widget.DangerImportance {
				t.Fatalf("the confirming button is %+v, want it red", b)
			}
			if b := buttons["Stay"]; b == nil || b.Importance == widget.DangerImportance {
				t.Fatalf("the other button is %+v, want it plain", b)
			}
			if c.hold && open == nil {
				t.Fatal("*open does not hold the dialog while it shows")
			}
			c.answer(buttons, open)

			if want := map[bool]int{true: 1, false: 0}[c.yesRuns]; ran != want {
				t.Fatalf("yes ran %d times, want %d", ran, want)
			}
			if open != nil || openWhenRan != nil {
				t.Fatalf("*open still holds the dialog (%v, when yes ran %v)", open, openWhenRan)
			}
			if w.Canvas().Overlays().Top() != nil {
				t.Fatal("the dialog still shows")
			}
		})
	}
}
