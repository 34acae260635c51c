package gui

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"

	"lifeline/console/controller"
	"lifeline/console/printing"
	"lifeline/shared/sysreport"
)

// printer prints the system information; tests give it a runner that
// records the commands instead.
var printer printing.Printer

// sysinfoWindow is one session's System Information window; its fields are
// owned by the UI thread.
type sysinfoWindow struct {
	win  fyne.Window
	view *sysinfoView
	// cancel stops the request on its way (the window closed); nil when
	// none is.
	cancel context.CancelFunc
}

// openSysInfo opens the session's System Information window, or brings it
// forward, and asks for the customer's system information the first time.
func (u *ui) openSysInfo(su *sessionUI) {
	if sw := su.sysinfo; sw != nil {
		sw.win.Show()
		sw.win.RequestFocus()
		return
	}
	w := u.app.NewWindow("System Information — " + customerTitle(su))
	v := newSysinfoView()
	sw := &sysinfoWindow{win: w, view: v}
	v.OnRefresh = func() { u.fetchSysInfo(su, sw) }
	v.OnSave = func() { u.saveSysInfo(sw) }
	v.OnPrint = func() { u.printSysInfo(sw) }
	w.SetContent(v.content)
	w.Resize(fyne.NewSize(1000, 640))
	w.SetOnClosed(func() {
		if sw.cancel != nil {
			sw.cancel()
		}
		if su.sysinfo == sw {
			su.sysinfo = nil
		}
	})
	su.sysinfo = sw
	u.fetchSysInfo(su, sw)
	w.Show()
}

// closeSysInfo closes the window (the session is over).
func (su *sessionUI) closeSysInfo() {
	if sw := su.sysinfo; sw != nil {
		su.sysinfo = nil
		sw.win.Close()
	}
}

// customerTitle names a session's customer and number for a window title.
func customerTitle(su *sessionUI) string {
	st := su.s.State()
	if p, ok := controller.PrimaryCustomer(st); ok {
		return p.Name + " (" + spaced(st.Number) + ")"
	}
	return "session " + spaced(st.Number)
}

// customerName is the primary customer's name, or "the customer".
func customerName(su *sessionUI) string {
	if p, ok := controller.PrimaryCustomer(su.s.State()); ok {
		return p.Name
	}
	return "the customer"
}

// fetchSysInfo asks for the system information (the customer is asked for
// permission unless they already allowed it in this session).
func (u *ui) fetchSysInfo(su *sessionUI, sw *sysinfoWindow) {
	if sw.cancel != nil {
		return // one request at a time
	}
	who := customerName(su)
	if _, ok := sw.view.Report(); ok {
		sw.view.SetBusy(true, "Collecting the system information again…")
	} else {
		sw.view.SetBusy(true, "")
		sw.view.SetWaiting("Waiting for " + who + " to allow you to read their system information…")
	}
	ctx, cancel := u.ctx(3 * time.Minute)
	sw.cancel = cancel
	s := su.s
	u.goDo(func() {
		r, err := s.SystemInfo(ctx)
		cancel()
		u.do(func() {
			sw.cancel = nil
			if su.sysinfo != sw {
				return
			}
			sw.view.SetBusy(false, "")
			switch {
			case errors.Is(err, controller.ErrDenied):
				msg := "The customer did not allow you to read their system information."
				sw.view.SetStatus(msg, true)
				sw.view.SetWaiting(msg)
			case err != nil:
				msg := "The system information could not be read: " + sentence(err)
				sw.view.SetStatus(msg, true)
				sw.view.SetWaiting(msg)
			default:
				sw.view.SetReport(r)
				sw.view.SetStatus(fmt.Sprintf("%d categories. Save or Print keeps all of them.", len(r.Categories)), false)
			}
		})
	})
}

// saveSysInfo writes the whole report, every category, to a .txt file the
// CSR chooses.
func (u *ui) saveSysInfo(sw *sysinfoWindow) {
	r, ok := sw.view.Report()
	if !ok {
		return
	}
	fd := dialog.NewFileSave(func(w fyne.URIWriteCloser, err error) {
		if err != nil {
			sw.view.SetStatus("The file could not be opened: "+sentence(err), true)
			return
		}
		if w == nil {
			return // cancelled
		}
		u.writeSysInfo(sw, w, r.Text())
	}, sw.win)
	fd.SetFileName(reportFileName(r))
	fd.SetFilter(storage.NewExtensionFileFilter([]string{".txt"}))
	fd.Resize(fyne.NewSize(900, 560))
	fd.Show()
}

// writeSysInfo writes text to w off the UI thread and says where it went.
// Tests call it in place of the file dialog.
func (u *ui) writeSysInfo(sw *sysinfoWindow, w fyne.URIWriteCloser, text string) {
	uri := w.URI()
	u.goDo(func() {
		_, err := w.Write([]byte(text))
		if cerr := w.Close(); err == nil {
			err = cerr
		}
		u.do(func() {
			if err != nil {
				sw.view.SetStatus(fmt.Sprintf("%s could not be written: %s", uri.Name(), sentence(err)), true)
				return
			}
			where := uri.String()
			if uri.Scheme() == "file" {
				where = uri.Path()
			}
			sw.view.SetStatus("Saved to "+where+".", false)
		})
	})
}

// reportFileName suggests a file name: the host and the collection day.
func reportFileName(r sysreport.Report) string {
	name := "system-information"
	if t := reportTitle(r); strings.HasPrefix(t, "System information for ") {
		if host := safeName.ReplaceAllString(strings.TrimPrefix(t, "System information for "), "-"); strings.Trim(host, "-.") != "" {
			name += "-" + strings.Trim(host, "-.")
		}
	}
	if !r.CollectedAt.IsZero() {
		name += "-" + r.CollectedAt.Format("2006-01-02")
	}
	return name + ".txt"
}

// safeName matches what a file name should not have (the host name comes
// from the customer's computer).
var safeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// printSysInfo prints the whole report on the CSR's default printer.
func (u *ui) printSysInfo(sw *sysinfoWindow) {
	r, ok := sw.view.Report()
	if !ok {
		return
	}
	enable(false, sw.view.printBtn)
	sw.view.SetStatus("Sending the system information to the printer…", false)
	title, text := reportTitle(r), r.Text()
	u.goDo(func() {
		ctx, cancel := u.ctx(time.Minute)
		dest, err := printer.PrintText(ctx, title, text)
		cancel()
		u.do(func() {
			enable(true, sw.view.printBtn)
			if err != nil {
				msg := sentence(err)
				sw.view.SetStatus(msg, true)
				dialog.ShowInformation("Print", msg, sw.win)
				return
			}
			sw.view.SetStatus("Sent to the printer "+dest+".", false)
		})
	})
}
