package gui

import (
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"lifeline/shared/client"
)

// defaultTimeLimit is the server's time limit for a script, in seconds,
// shown in a new script's box.
const defaultTimeLimit = 300

// scriptPart says which of a script's two files a file choice is for.
type scriptPart int

const (
	partScript scriptPart = iota
	partInput
)

// scriptInput is what the CSR filled in the Add or Edit dialog.
type scriptInput struct {
	Name, Category, Description string
	Published                   bool
	TimeLimit                   int
	// ScriptName and Script are a newly chosen script file; Script is nil
	// when the CSR kept the script's file.
	ScriptName string
	Script     []byte
	// InputName and Input likewise, for the input file.
	InputName   string
	Input       []byte
	RemoveInput bool
}

// scriptDialog is the content of the Add Script and Edit Script dialogs.
// It keeps what the CSR typed and chose until Save succeeds or Cancel,
// so that a refusal from the server can be fixed in place.
type scriptDialog struct {
	name         *widget.Entry
	catLabel     *widget.Label
	category     *widget.Select
	description  *widget.Entry
	publish      *widget.Check
	timeLimit    *widget.Entry
	scriptFile   *widget.Label
	chooseScript *widget.Button
	inputFile    *widget.Label
	chooseInput  *widget.Button
	removeInput  *widget.Button
	errLabel     *widget.Label
	saveBtn      *widget.Button
	cancelBtn    *widget.Button
	content      fyne.CanvasObject

	adding      bool
	script      chosenFile
	input       chosenFile
	hadInput    bool // the script being edited has an input file
	inputPulled bool // and the CSR removed it

	OnChooseScript, OnChooseInput func()
	OnSave                        func(in scriptInput)
	OnCancel                      func()
}

// chosenFile is a file the CSR chose, read by the glue.
type chosenFile struct {
	name string
	data []byte
}

// newScriptDialog is the dialog for a new script (s nil) or for changing
// s, with the site's categories (none: the category is not asked for).
func newScriptDialog(cats []string, s *client.Script) *scriptDialog {
	d := &scriptDialog{adding: s == nil}
	d.name = widget.NewEntry()
	d.name.SetPlaceHolder("A name no other script has, e.g. Flush DNS cache")
	d.catLabel = widget.NewLabel("Category")
	d.category = widget.NewSelect(cats, nil)
	d.category.PlaceHolder = "(Choose a category)"
	if len(cats) == 0 {
		d.catLabel.Hide()
		d.category.Hide()
	}
	d.description = widget.NewMultiLineEntry()
	d.description.Wrapping = fyne.TextWrapWord
	d.description.SetMinRowsVisible(4)
	d.description.SetPlaceHolder("What the script does, and when to run it")
	d.publish = widget.NewCheck("Publish to Script Library (every CSR can see and run it)", nil)
	d.timeLimit = widget.NewEntry()
	d.timeLimit.SetText(strconv.Itoa(defaultTimeLimit))
	d.scriptFile = widget.NewLabel("")
	d.scriptFile.Truncation = fyne.TextTruncateEllipsis
	d.chooseScript = widget.NewButtonWithIcon("Choose…", theme.FolderOpenIcon(), func() { call(d.OnChooseScript) })
	d.inputFile = widget.NewLabel("")
	d.inputFile.Truncation = fyne.TextTruncateEllipsis
	d.chooseInput = widget.NewButtonWithIcon("Choose…", theme.FolderOpenIcon(), func() { call(d.OnChooseInput) })
	d.removeInput = widget.NewButtonWithIcon("Remove", theme.ContentClearIcon(), d.dropInput)
	d.errLabel = wrapped("")
	d.errLabel.Importance = widget.DangerImportance
	d.errLabel.Hide()
	d.saveBtn = widget.NewButtonWithIcon("Save", theme.DocumentSaveIcon(), d.save)
	d.saveBtn.Importance = widget.HighImportance
	d.cancelBtn = widget.NewButtonWithIcon("Cancel", theme.CancelIcon(), func() { call(d.OnCancel) })

	if s != nil {
		d.name.SetText(s.Name)
		d.category.Selected = s.Category
		d.description.SetText(s.Description)
		d.publish.SetChecked(s.Published)
		d.timeLimit.SetText(strconv.Itoa(s.TimeLimit))
		d.scriptFile.SetText(s.Script.Name + " (" + sizeWords(s.Script.Size) + ")")
		if s.Input != nil {
			d.hadInput = true
			d.inputFile.SetText(s.Input.Name + " (" + sizeWords(s.Input.Size) + ")")
		}
	}
	d.showFiles()

	seconds := widget.NewLabel("seconds; the script is stopped after that (1–3600)")
	seconds.Importance = widget.LowImportance
	form := container.New(layout.NewFormLayout(),
		widget.NewLabel("Name"), d.name,
		d.catLabel, d.category,
		widget.NewLabel("Description"), d.description,
		layout.NewSpacer(), d.publish,
		widget.NewLabel("Time limit"), container.NewBorder(nil, nil, fixedWidth(d.timeLimit, 90), nil, seconds),
		widget.NewLabel("Script file"), container.NewBorder(nil, nil, nil, d.chooseScript, d.scriptFile),
		widget.NewLabel("Input file"), container.NewBorder(nil, nil, nil, container.NewHBox(d.removeInput, d.chooseInput), d.inputFile),
	)
	hint := wrapped("A script file ends in .sh or .bash (Linux and macOS), .ps1, .bat or .cmd (Windows). " +
		"The script and its input file can be at most 1 MB each.")
	hint.Importance = widget.LowImportance
	d.content = fixedWidth(container.NewVBox(form, hint, d.errLabel,
		container.NewHBox(layout.NewSpacer(), d.cancelBtn, d.saveBtn)), 600)
	return d
}

// SetFile shows a file the CSR chose, to be sent on Save.
func (d *scriptDialog) SetFile(part scriptPart, name string, data []byte) {
	f := chosenFile{name: name, data: data}
	if part == partScript {
		d.script = f
	} else {
		d.input, d.inputPulled = f, false
	}
	d.showFiles()
}

func (d *scriptDialog) dropInput() {
	d.input = chosenFile{}
	d.inputPulled = d.hadInput
	d.showFiles()
}

func (d *scriptDialog) showFiles() {
	if d.script.data != nil {
		d.scriptFile.SetText(d.script.name + " (" + sizeWords(int64(len(d.script.data))) + ")")
	} else if d.adding {
		d.scriptFile.SetText("No file chosen")
	}
	switch {
	case d.input.data != nil:
		d.inputFile.SetText(d.input.name + " (" + sizeWords(int64(len(d.input.data))) + ")")
	case d.inputPulled, !d.hadInput:
		d.inputFile.SetText("None (optional: a file the script reads, put beside it)")
	}
	d.removeInput.Hidden = d.input.data == nil && (!d.hadInput || d.inputPulled)
	d.removeInput.Refresh()
}

// SetError shows why the script was not saved ("" hides it); what the
// CSR typed stays.
func (d *scriptDialog) SetError(msg string) {
	d.errLabel.SetText(msg)
	d.errLabel.Hidden = msg == ""
	d.errLabel.Refresh()
}

// SetBusy disables Save while the script is on its way to the server.
func (d *scriptDialog) SetBusy(busy bool) {
	enable(!busy, d.saveBtn, d.chooseScript, d.chooseInput)
}

func (d *scriptDialog) save() {
	secs, err := strconv.Atoi(strings.TrimSpace(d.timeLimit.Text))
	if err != nil || secs < 1 || secs > 3600 {
		d.SetError("The time limit is a number of seconds from 1 to 3600.")
		return
	}
	if d.adding && d.script.data == nil {
		d.SetError("Choose the script file: the file that runs on the customer's computer.")
		return
	}
	in := scriptInput{
		Name:        strings.TrimSpace(d.name.Text),
		Category:    d.category.Selected,
		Description: strings.TrimSpace(d.description.Text),
		Published:   d.publish.Checked,
		TimeLimit:   secs,
		ScriptName:  d.script.name,
		Script:      d.script.data,
		InputName:   d.input.name,
		Input:       d.input.data,
		RemoveInput: d.inputPulled && d.input.data == nil,
	}
	if in.Name == "" {
		d.SetError("Give the script a name.")
		return
	}
	d.SetError("")
	call1(d.OnSave, in)
}
