package gui

import "fyne.io/fyne/v2"

// shootReports shows the Reports window over the sessions the screenshots
// had, the newest one's details open.
func shootReports(u *ui, dir string) error {
	fyne.DoAndWait(func() { u.main.reportsBtn.OnTapped() })
	if err := until("the report", func() bool { return u.reports != nil && len(u.reports.view.Sessions()) > 0 }); err != nil {
		return err
	}
	fyne.DoAndWait(func() { u.reports.view.list.Select(0) })
	if err := until("the details", func() bool { return len(u.reports.view.details.Objects) > 1 }); err != nil {
		return err
	}
	if err := shoot(dir, "console-reports.png"); err != nil {
		return err
	}
	fyne.DoAndWait(u.closeReports)
	return nil
}
