package gui

import (
	"cmp"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
)

// publishWindow is one session's Publish Files window; its fields are
// owned by the UI thread.
type publishWindow struct {
	win     fyne.Window
	view    *publishView
	chooser *fileChooser
	pop     dialog.Dialog // the open chooser
	dir     string        // the chooser's last folder
}

// openPublish opens the session's Publish Files window, or brings it
// forward (it is hidden, not closed, while files stay published).
func (u *ui) openPublish(su *sessionUI) {
	if pw := su.publish; pw != nil {
		pw.view.SetEntries(su.s.Published())
		pw.win.Show()
		pw.win.RequestFocus()
		return
	}
	w := u.app.NewWindow("Publish Files — " + customerTitle(su))
	v := newPublishView(customerName(su))
	pw := &publishWindow{win: w, view: v}
	v.OnAdd = func() { u.chooseToPublish(su, pw) }
	v.OnRemove = func(name string) { u.unpublish(su, pw, name) }
	v.OnEnd = func() { u.endPublish(su, pw) }
	w.SetContent(v.content)
	w.Resize(fyne.NewSize(640, 460))
	w.SetCloseIntercept(func() { u.closePublishAsk(su, pw) })
	su.publish = pw
	v.SetEntries(su.s.Published())
	w.Show()
}

// closePublishAsk closes the window when nothing is published; otherwise
// the CSR chooses between ending the file transfer and keeping the files
// on offer with the window out of the way.
func (u *ui) closePublishAsk(su *sessionUI, pw *publishWindow) {
	if len(pw.view.entries) == 0 {
		u.dropPublish(su, pw)
		return
	}
	d := dialog.NewConfirm("Publish Files",
		customerName(su)+" can still download the published files. End the file transfer, which closes the list on "+
			"their computer too, or keep the files published? Publish Files brings this window back.",
		func(end bool) {
			if end {
				u.endPublish(su, pw)
			} else {
				pw.win.Hide()
			}
		}, pw.win)
	d.SetConfirmText("End File Transfer")
	d.SetDismissText("Keep Published")
	d.Show()
}

func (u *ui) dropPublish(su *sessionUI, pw *publishWindow) {
	if su.publish == pw {
		su.publish = nil
	}
	pw.win.Close()
}

// closePublish closes the window (the session is over).
func (su *sessionUI) closePublish() {
	if pw := su.publish; pw != nil {
		su.publish = nil
		pw.win.Close()
	}
}

// publishEnded shows that basic file transfer ended without the CSR (the
// customer closed it, or the connection went); Add Files… opens it again.
func (su *sessionUI) publishEnded(why string) {
	pw := su.publish
	if pw == nil {
		return
	}
	pw.view.SetBusy(false)
	pw.view.SetEntries(nil)
	pw.view.SetStatus(endedWords(errors.New(orDefault(why, "the connection to the customer's computer ended")))+
		" Add Files… publishes again.", true)
}

// chooseToPublish lets the CSR check files and folders to publish.
func (u *ui) chooseToPublish(su *sessionUI, pw *publishWindow) {
	if pw.pop != nil {
		pw.pop.Show()
		return
	}
	c := newFileChooser("Publish")
	pw.chooser = c
	pop := dialog.NewCustomWithoutButtons("Add Files", c.content, pw.win)
	pw.pop = pop
	done := func() {
		if pw.pop == pop {
			pw.pop, pw.chooser = nil, nil
		}
		pop.Hide()
	}
	pop.SetOnClosed(func() {
		if pw.pop == pop {
			pw.pop, pw.chooser = nil, nil
		}
	})
	c.OnOpen = func(dir string) { u.readLocalDir(pw, c, dir) }
	c.OnHome = func() { u.readLocalDir(pw, c, homeDir()) }
	c.OnCancel = done
	c.OnChoose = func(paths []string) {
		done()
		u.publishPaths(su, pw, paths)
	}
	pop.Resize(fyne.NewSize(720, 520))
	pop.Show()
	u.readLocalDir(pw, c, cmp.Or(pw.dir, homeDir()))
}

func homeDir() string {
	if h, err := os.UserHomeDir(); err == nil {
		return h
	}
	return string(filepath.Separator)
}

// readLocalDir lists a folder of the CSR's computer off the UI thread:
// folders first, then files, by name; hidden entries are left out.
func (u *ui) readLocalDir(pw *publishWindow, c *fileChooser, dir string) {
	u.goDo(func() {
		entries, err := listLocal(dir)
		u.do(func() {
			if pw.chooser != c {
				return
			}
			if err == nil {
				pw.dir = dir
			}
			c.SetDir(dir, entries, err)
		})
	})
}

func listLocal(dir string) ([]localEntry, error) {
	des, err := os.ReadDir(dir)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, err
	}
	var out []localEntry
	for _, de := range des {
		if strings.HasPrefix(de.Name(), ".") {
			continue
		}
		e := localEntry{Name: de.Name(), Dir: de.IsDir()}
		if !e.Dir {
			fi, err := de.Info()
			if err != nil || !fi.Mode().IsRegular() {
				continue // gone, or a device, socket or link: not publishable
			}
			e.Size = fi.Size()
		}
		out = append(out, e)
	}
	slices.SortFunc(out, func(a, b localEntry) int {
		if a.Dir != b.Dir {
			if a.Dir {
				return -1
			}
			return 1
		}
		return cmp.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name))
	})
	return out, nil
}

// publishPaths offers paths to the customer.
func (u *ui) publishPaths(su *sessionUI, pw *publishWindow, paths []string) {
	pw.view.SetBusy(true)
	pw.view.SetStatus("Publishing…", false)
	s := su.s
	who := customerName(su)
	u.goDo(func() {
		ctx, cancel := u.ctx(time.Minute)
		err := s.Publish(ctx, paths...)
		cancel()
		u.do(func() {
			pw.view.SetBusy(false)
			pw.view.SetEntries(s.Published())
			if err != nil {
				pw.view.SetStatus("Not published: "+sentence(err), true)
				return
			}
			them := "them"
			if len(paths) == 1 {
				them = "it"
			}
			pw.view.SetStatus(fmt.Sprintf("Published %s; %s can download %s now.", countWords(len(paths), "item", "items"), who, them), false)
		})
	})
}

// unpublish withdraws one published file or folder.
func (u *ui) unpublish(su *sessionUI, pw *publishWindow, name string) {
	pw.view.SetBusy(true)
	s := su.s
	u.goDo(func() {
		ctx, cancel := u.ctx(30 * time.Second)
		err := s.Unpublish(ctx, name)
		cancel()
		u.do(func() {
			pw.view.SetBusy(false)
			pw.view.SetEntries(s.Published())
			if err != nil {
				pw.view.SetStatus(name+" is still published: "+sentence(err), true)
				return
			}
			pw.view.SetStatus(name+" is no longer published.", false)
		})
	})
}

// endPublish ends basic file transfer: the list closes on both sides.
func (u *ui) endPublish(su *sessionUI, pw *publishWindow) {
	pw.view.SetBusy(true)
	pw.view.SetStatus("Ending the file transfer…", false)
	s := su.s
	u.goDo(func() {
		ctx, cancel := u.ctx(30 * time.Second)
		err := s.EndPublish(ctx)
		cancel()
		u.do(func() {
			if err != nil {
				pw.view.SetBusy(false)
				pw.view.SetStatus("The file transfer could not be ended: "+sentence(err), true)
				pw.win.Show() // it may have been hidden by its close button
				return
			}
			u.dropPublish(su, pw)
		})
	})
}
