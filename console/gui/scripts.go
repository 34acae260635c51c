package gui

import (
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"

	"lifeline/shared/client"
	"lifeline/shared/fynedialog"
)

// scriptsWindow is the Script Library window; its fields are owned by the
// UI thread.
type scriptsWindow struct {
	win        fyne.Window
	view       *scriptsView
	categories []string
	opts       client.ScriptListOptions
	// seq numbers the list requests, so that an answer overtaken by a
	// newer request (the CSR clicked another header) is dropped.
	seq int
	// dlg is the open Add or Edit dialog, pop its window; nil when none.
	dlg *scriptDialog
	pop dialog.Dialog
}

// openScripts opens the Script Library window, or brings it forward.
func (u *ui) openScripts() {
	if sw := u.scripts; sw != nil {
		sw.win.Show()
		sw.win.RequestFocus()
		return
	}
	w := u.app.NewWindow("Script Library")
	v := newScriptsView()
	sw := &scriptsWindow{win: w, view: v}
	v.OnSort = func(sort string, desc bool) { sw.opts.Sort, sw.opts.Desc = sort, desc; u.loadScripts(sw, "", "") }
	v.OnCategory = func(c string) { sw.opts.Category = c; u.loadScripts(sw, "", "") }
	v.OnRefresh = func() { u.loadCategories(sw); u.loadScripts(sw, "", "") }
	v.OnAdd = func() { u.editScript(sw, nil) }
	v.OnEdit = func(s client.Script) { u.editScript(sw, &s) }
	v.OnDelete = func(s client.Script) { u.askDeleteScript(sw, s) }
	w.SetContent(v.content)
	w.Resize(fyne.NewSize(1040, 640))
	w.SetOnClosed(func() {
		if u.scripts == sw {
			u.scripts = nil
		}
	})
	u.scripts = sw
	u.loadCategories(sw)
	u.loadScripts(sw, "", "")
	w.Show()
}

// closeScripts closes the library window (at log out: it belongs to the
// login).
func (u *ui) closeScripts() {
	if sw := u.scripts; sw != nil {
		u.scripts = nil
		sw.win.Close()
	}
}

// current reports whether sw is still the open library window.
func (u *ui) current(sw *scriptsWindow) bool { return u.scripts == sw }

func (u *ui) loadCategories(sw *scriptsWindow) {
	c := u.controller()
	if c == nil {
		return
	}
	u.goDo(func() {
		ctx, cancel := u.ctx(15 * time.Second)
		cats, err := c.API().ScriptCategories(ctx)
		cancel()
		u.do(func() {
			if !u.current(sw) {
				return
			}
			if err != nil {
				sw.view.SetStatus("The categories could not be loaded: "+apiSentence(err), true)
				return
			}
			sw.categories = cats
			sw.view.SetCategories(cats, sw.opts.Category)
		})
	})
}

// loadScripts lists the scripts in the chosen order and category, and
// selects the script with the id prefer ("" keeps the selection); the
// status line then says status, or how many scripts there are.
func (u *ui) loadScripts(sw *scriptsWindow, prefer, status string) {
	c := u.controller()
	if c == nil {
		return
	}
	sw.seq++
	seq, opts := sw.seq, sw.opts
	u.goDo(func() {
		ctx, cancel := u.ctx(15 * time.Second)
		list, err := c.API().ListScripts(ctx, opts)
		cancel()
		u.do(func() {
			if !u.current(sw) || sw.seq != seq {
				return
			}
			if err != nil {
				sw.view.SetStatus("The scripts could not be loaded: "+apiSentence(err), true)
				return
			}
			empty := "No scripts yet. Add one with Add…"
			if opts.Category != "" {
				empty = "No scripts in " + opts.Category + "."
			}
			sw.view.SetEmpty(empty)
			sw.view.SetScripts(list, prefer)
			switch {
			case status != "":
				sw.view.SetStatus(status, false)
			case len(list) == 1:
				sw.view.SetStatus("1 script", false)
			default:
				sw.view.SetStatus(fmt.Sprintf("%d scripts", len(list)), false)
			}
		})
	})
}

// editScript opens the Add Script dialog (s nil) or the Edit Script
// dialog.
func (u *ui) editScript(sw *scriptsWindow, s *client.Script) {
	if sw.pop != nil {
		sw.pop.Show()
		return
	}
	d := newScriptDialog(sw.categories, s)
	title := "Add Script"
	if s != nil {
		title = "Edit Script — " + s.Name
	}
	pop := dialog.NewCustomWithoutButtons(title, d.content, sw.win)
	sw.dlg, sw.pop = d, pop
	closeDlg := func() {
		if sw.pop == pop {
			sw.dlg, sw.pop = nil, nil
		}
		pop.Hide()
	}
	d.OnCancel = closeDlg
	pop.SetOnClosed(func() { // however it was dismissed
		if sw.pop == pop {
			sw.dlg, sw.pop = nil, nil
		}
	})
	d.OnChooseScript = func() { u.chooseScriptFile(sw, d, partScript) }
	d.OnChooseInput = func() { u.chooseScriptFile(sw, d, partInput) }
	d.OnSave = func(in scriptInput) { u.saveScript(sw, d, s, in, closeDlg) }
	pop.Show()
	sw.win.Canvas().Focus(d.name)
}

// chooseScriptFile lets the CSR pick a file and reads it off the UI
// thread, at most one byte beyond the limit (its size, when larger, comes
// from the file system).
func (u *ui) chooseScriptFile(sw *scriptsWindow, d *scriptDialog, part scriptPart) {
	fd := dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
		if err != nil {
			d.SetError("The file could not be opened: " + sentence(err))
			return
		}
		if r == nil {
			return // cancelled
		}
		uri := r.URI()
		u.goDo(func() {
			defer r.Close()
			data, size, err := readCapped(r, uri)
			u.do(func() {
				if err != nil {
					d.SetError(fmt.Sprintf("%s could not be read: %s", uri.Name(), sentence(err)))
					return
				}
				u.chosenScriptFile(d, part, uri.Name(), data, size)
			})
		})
	}, sw.win)
	if part == partScript {
		fd.SetFilter(storage.NewExtensionFileFilter([]string{".sh", ".bash", ".ps1", ".bat", ".cmd"}))
	}
	fd.Resize(fyne.NewSize(900, 560))
	fd.Show()
}

// readCapped reads r up to one byte past the 1 MB limit; size is the
// file's whole size (from the file system when it is larger than what was
// read, else len(data)).
func readCapped(r io.Reader, uri fyne.URI) (data []byte, size int64, err error) {
	data, err = io.ReadAll(io.LimitReader(r, client.MaxScriptFileSize+1))
	if err != nil {
		return nil, 0, err
	}
	size = int64(len(data))
	if size > client.MaxScriptFileSize && uri.Scheme() == "file" {
		if fi, err := os.Stat(uri.Path()); err == nil {
			size = fi.Size()
		}
	}
	return data, size, nil
}

// chosenScriptFile takes a file the CSR chose, of size bytes (data holds
// it, or its start when it is too large), into the dialog, or says why
// not. Tests call it in place of the file dialog.
func (u *ui) chosenScriptFile(d *scriptDialog, part scriptPart, name string, data []byte, size int64) {
	if msg := tooLarge(part, name, size); msg != "" {
		d.SetError(msg)
		return
	}
	d.SetError("")
	d.SetFile(part, name, data)
}

// tooLarge says why a file cannot be uploaded, or "".
func tooLarge(part scriptPart, name string, size int64) string {
	if size <= client.MaxScriptFileSize {
		return ""
	}
	what := "a script file"
	if part == partInput {
		what = "an input file"
	}
	return fmt.Sprintf("%s is %s; %s can be at most 1 MB.", name, sizeWords(size), what)
}

// saveScript adds the script (old nil) or changes old, and closes the
// dialog when the server took it; a refusal is shown in the dialog.
func (u *ui) saveScript(sw *scriptsWindow, d *scriptDialog, old *client.Script, in scriptInput, done func()) {
	for _, f := range []struct {
		part scriptPart
		name string
		data []byte
	}{{partScript, in.ScriptName, in.Script}, {partInput, in.InputName, in.Input}} {
		if msg := tooLarge(f.part, f.name, int64(len(f.data))); msg != "" {
			d.SetError(msg)
			return
		}
	}
	c := u.controller()
	if c == nil {
		return
	}
	d.SetBusy(true)
	hasCats := len(sw.categories) > 0
	u.goDo(func() {
		ctx, cancel := u.ctx(60 * time.Second)
		defer cancel()
		var saved client.Script
		var err error
		if old == nil {
			saved, err = c.API().CreateScript(ctx, client.NewScript{
				Name: in.Name, Category: in.Category, Description: in.Description, Published: in.Published,
				TimeLimit: in.TimeLimit, ScriptName: in.ScriptName, Script: in.Script,
				InputName: in.InputName, Input: in.Input,
			})
		} else {
			ch := client.ScriptChanges{Name: &in.Name, Description: &in.Description, Published: &in.Published,
				TimeLimit: &in.TimeLimit, ScriptName: in.ScriptName, Script: in.Script,
				InputName: in.InputName, Input: in.Input, RemoveInput: in.RemoveInput}
			if hasCats {
				ch.Category = &in.Category
			}
			saved, err = c.API().UpdateScript(ctx, old.ID, ch)
		}
		u.do(func() {
			d.SetBusy(false)
			if err != nil {
				d.SetError(apiSentence(err))
				return
			}
			done()
			if !u.current(sw) {
				return
			}
			verb := "Added"
			if old != nil {
				verb = "Saved"
			}
			u.loadScripts(sw, saved.ID, verb+" “"+saved.Name+"”.")
		})
	})
}

// askDeleteScript deletes a script once the CSR confirms.
func (u *ui) askDeleteScript(sw *scriptsWindow, s client.Script) {
	msg := "Delete “" + s.Name + "” from the Script Library?"
	if s.Published {
		msg += " It is published: other CSRs will no longer find it either."
	}
	fynedialog.AskDanger(sw.win, nil, "Delete script", msg+" This cannot be undone.", "Delete", "Cancel",
		func() { u.deleteScript(sw, s) })
}

func (u *ui) deleteScript(sw *scriptsWindow, s client.Script) {
	c := u.controller()
	if c == nil {
		return
	}
	u.goDo(func() {
		ctx, cancel := u.ctx(15 * time.Second)
		err := c.API().DeleteScript(ctx, s.ID)
		cancel()
		u.do(func() {
			if !u.current(sw) {
				return
			}
			if err != nil {
				sw.view.SetStatus("“"+s.Name+"” was not deleted: "+apiSentence(err), true)
				return
			}
			u.loadScripts(sw, "", "Deleted “"+s.Name+"”.")
		})
	})
}

// apiSentence is the server's own message for a refusal (it says what to
// do), else the error as a sentence.
func apiSentence(err error) string {
	var ae *client.APIError
	if errors.As(err, &ae) && ae.Message != "" {
		return sentence(errors.New(ae.Message))
	}
	return sentence(err)
}
