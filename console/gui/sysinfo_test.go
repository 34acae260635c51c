package gui

import (
	"context"
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"lifeline/agent/consent"
	"lifeline/console/internal/testcustomer"
	"lifeline/console/printing"
	"lifeline/shared/protocol"
	"lifeline/shared/sysreport"
)

// sampleSysReport is a customer's system information for the goldens and
// the glue's tests: rows, a table after rows, a table alone, a category
// that failed in part and one that failed.
func sampleSysReport() sysreport.Report {
	var procs [][]string
	for i := range 40 {
		procs = append(procs, []string{fmt.Sprint(1000 + i), fmt.Sprintf("worker-%02d", i), "ann", fmt.Sprintf("%.1f %%", float64(i)/4),
			fmt.Sprintf("%d MiB", 300-i*7), fmt.Sprintf("/usr/lib/worker --id %d --queue printing", i)})
	}
	return sysreport.Report{
		CollectedAt: time.Date(2026, 11, 22, 10, 41, 5, 0, time.FixedZone("", 3600)),
		Categories: []sysreport.Category{
			{ID: sysreport.CatOS, Title: "Operating system", Sections: []sysreport.Section{
				{Rows: [][2]string{{"Host name", "ann-laptop"}, {"Operating system", "Ubuntu 24.04.1 LTS"},
					{"Kernel", "Linux 6.8.0-45-generic (x86_64)"}, {"Up since", "2026-11-22 08:02:11 +0100 (2 h 38 min)"}}},
				{Title: "Logged-in users", Table: &sysreport.Table{Columns: []string{"User", "Terminal", "From", "Since"},
					Rows: [][]string{{"ann", "tty2", "", "2026-11-22 08:03"}}}},
			}},
			{ID: sysreport.CatProcesses, Title: "Processes", Sections: []sysreport.Section{
				{Note: "Showing the 40 processes using the most memory of 312.", Table: &sysreport.Table{
					Columns: []string{"PID", "Name", "User", "CPU", "Memory", "Command line"}, Rows: procs}},
			}},
			{ID: sysreport.CatNetwork, Title: "Network", Error: "reading the traffic counters: permission denied", Sections: []sysreport.Section{
				{Title: "Interfaces", Table: &sysreport.Table{Columns: []string{"Interface", "Status", "MAC address", "Addresses"},
					Rows: [][]string{{"lo", "up", "", "127.0.0.1/8"}, {"wlp2s0", "up", "3c:a9:f4:11:22:33", "192.168.1.23/24"}}}},
			}},
			{ID: sysreport.CatDisplays, Title: "Displays", Error: "no display found"},
		},
	}
}

// snapshot writes a view's picture to $LIFELINE_VIEW_PNG (a folder), for a
// person to look at; without it, nothing.
func snapshot(t *testing.T, name string, c fyne.Canvas) {
	dir := os.Getenv("LIFELINE_VIEW_PNG")
	if dir == "" {
		return
	}
	f, err := os.Create(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, c.Capture()); err != nil {
		t.Fatal(err)
	}
}

func renderShot(t *testing.T, name string, o fyne.CanvasObject, size fyne.Size) {
	t.Helper()
	w := test.NewTempWindow(t, o)
	w.Resize(size)
	test.AssertRendersToMarkup(t, name, w.Canvas())
	snapshot(t, strings.TrimSuffix(name, ".xml")+".png", w.Canvas())
}

func TestSysinfoViewMarkup(t *testing.T) {
	test.NewTempApp(t)
	v := newSysinfoView()
	v.SetBusy(true, "")
	v.SetWaiting("Waiting for Ann Smith to allow you to read their system information…")
	renderShot(t, "sysinfo_waiting.xml", v.content, fyne.NewSize(1000, 640))
	v.SetBusy(false, "")
	v.SetReport(sampleSysReport())
	v.SetStatus("4 categories. Save or Print keeps all of them.", false)
	if v.title.Text != "System information for ann-laptop" || !strings.Contains(v.collected.Text, "2026-11-22 10:41:05 +0100") {
		t.Fatalf("title %q, collected %q", v.title.Text, v.collected.Text)
	}
	renderShot(t, "sysinfo_os.xml", v.content, fyne.NewSize(1000, 640))
	v.Select(sysreport.CatProcesses)
	renderShot(t, "sysinfo_processes.xml", v.content, fyne.NewSize(1000, 640))
	v.Select(sysreport.CatNetwork)
	renderShot(t, "sysinfo_network.xml", v.content, fyne.NewSize(1000, 640))
}

// What the panels say, category by category.
func TestSysinfoPanels(t *testing.T) {
	test.NewTempApp(t)
	r := sampleSysReport()
	for _, tc := range []struct {
		id   string
		want []string // label texts, in order
		not  []string
	}{
		{sysreport.CatOS, []string{"Operating system", "Host name", "ann-laptop", "Kernel", "Logged-in users"}, []string{"could not"}},
		{sysreport.CatProcesses, []string{"Processes", "Showing the 40 processes using the most memory of 312."}, nil},
		{sysreport.CatNetwork, []string{"Network", "Only part of this information could be collected: reading the traffic counters: permission denied.", "Interfaces"}, nil},
		{sysreport.CatDisplays, []string{"Displays", "This information could not be collected: no display found."}, []string{"Nothing to show"}},
	} {
		t.Run(tc.id, func(t *testing.T) {
			c, _ := r.Category(tc.id)
			p := categoryPanel(c)
			w := test.NewTempWindow(t, p)
			w.Resize(fyne.NewSize(800, 600))
			var labels []string
			var tables []*widget.Table
			for _, o := range test.LaidOutObjects(p) {
				switch x := o.(type) {
				case *widget.Label:
					labels = append(labels, x.Text)
				case *widget.Table:
					tables = append(tables, x)
				}
			}
			all := strings.Join(labels, "|")
			at := 0
			for _, want := range tc.want {
				i := strings.Index(all[at:], want)
				if i < 0 {
					t.Fatalf("%q missing or out of order in %q", want, all)
				}
				at += i + len(want)
			}
			for _, not := range tc.not {
				if strings.Contains(all, not) {
					t.Fatalf("%q in %q", not, all)
				}
			}
			n := 0
			for _, s := range c.Sections {
				if s.Table != nil {
					n++
				}
			}
			if len(tables) != n {
				t.Fatalf("%d tables, want %d", len(tables), n)
			}
			for _, tbl := range tables {
				if !tbl.ShowHeaderRow {
					t.Fatal("a table without its header")
				}
			}
		})
	}
}

// The last table of a category fills the panel; the processes' 40 rows
// are all reachable by scrolling.
func TestSysinfoTableFills(t *testing.T) {
	test.NewTempApp(t)
	c, _ := sampleSysReport().Category(sysreport.CatProcesses)
	p := categoryPanel(c)
	w := test.NewTempWindow(t, p)
	w.Resize(fyne.NewSize(800, 600))
	var tbl *widget.Table
	for _, o := range test.LaidOutObjects(p) {
		if x, ok := o.(*widget.Table); ok {
			tbl = x
		}
	}
	if tbl == nil || tbl.Size().Height < 400 {
		t.Fatalf("the processes table is %v high in a 600 high panel", tbl.Size())
	}
	rows, cols := tbl.Length()
	if rows != 40 || cols != 6 {
		t.Fatalf("table %d×%d", rows, cols)
	}
}

func TestColumnWidths(t *testing.T) {
	test.NewTempApp(t)
	w := columnWidths(sysreport.Table{Columns: []string{"PID", "Command line"},
		Rows: [][]string{{"1", strings.Repeat("x", 500)}, {"2", "short"}}})
	if w[0] != minColumn || w[1] != maxColumn {
		t.Fatalf("widths %v, want [%v %v]", w, minColumn, maxColumn)
	}
}

func TestReportFileName(t *testing.T) {
	r := sampleSysReport()
	for _, tc := range []struct {
		host string
		want string
	}{
		{"ann-laptop", "system-information-ann-laptop-2026-11-22.txt"},
		{"../../etc/passwd", "system-information-etc-passwd-2026-11-22.txt"},
		{"Ann's PC\n", "system-information-Ann-s-PC-2026-11-22.txt"},
		{"", "system-information-2026-11-22.txt"},
	} {
		r.Categories[0].Sections[0].Rows[0][1] = tc.host
		if got := reportFileName(r); got != tc.want {
			t.Errorf("host %q: %q, want %q", tc.host, got, tc.want)
		}
	}
	if got := reportFileName(sysreport.Report{}); got != "system-information.txt" {
		t.Errorf("empty report: %q", got)
	}
}

// joinCustomer has a real agent join su's session as its customer, who
// answers consent requests from a list (empty: no).
func joinCustomer(h *harness, su *sessionUI) *testcustomer.Customer {
	h.t.Helper()
	cust := testcustomer.Join(h.t, h.ts, su.s.Number())
	h.eventually("the customer", func() bool { return !su.view.sysinfoBtn.Disabled() })
	return cust
}

// The System Information window with a real customer: a no is said as
// such; once allowed, the report's categories show, Save writes the whole
// report and Print sends it to the default printer, or says there is none.
func TestSystemInformation(t *testing.T) {
	h := newHarness(t)
	su := h.started()
	cust := joinCustomer(h, su)

	test.Tap(su.view.sysinfoBtn)
	sw := su.sysinfo
	if sw == nil || !strings.HasPrefix(sw.win.Title(), "System Information — Ann (") {
		t.Fatalf("window %v", sw)
	}
	h.eventually("the refusal", func() bool { return !sw.view.refreshBtn.Disabled() })
	if sw.view.status.Text != "The customer did not allow you to read their system information." ||
		sw.view.placeholder.Text != sw.view.status.Text || !sw.view.saveBtn.Disabled() || !sw.view.printBtn.Disabled() {
		t.Fatalf("after a no: %q / %q", sw.view.status.Text, sw.view.placeholder.Text)
	}
	if got := cust.LastAsked(); got.Action != protocol.ActionSysinfo {
		t.Fatalf("the customer was asked %+v", got)
	}
	// The button brings the same window forward.
	test.Tap(su.view.sysinfoBtn)
	if su.sysinfo != sw {
		t.Fatal("a second window")
	}

	cust.Answer(consent.AllowOnce)
	test.Tap(sw.view.refreshBtn)
	h.eventually("the report", func() bool { _, ok := sw.view.Report(); return ok })
	r, _ := sw.view.Report()
	host, _ := os.Hostname()
	if len(r.Categories) != 2 || sw.view.title.Text != "System information for "+host {
		t.Fatalf("%d categories, title %q", len(r.Categories), sw.view.title.Text)
	}
	if c, ok := sw.view.Selected(); !ok || c.ID != sysreport.CatOS {
		t.Fatalf("shown first: %+v", c)
	}
	sw.view.Select(sysreport.CatMemory)
	if c, _ := sw.view.Selected(); c.ID != sysreport.CatMemory {
		t.Fatal("the memory category is not shown")
	}

	// Save: every category in one text file.
	file := filepath.Join(t.TempDir(), reportFileName(r))
	w, err := storage.Writer(storage.NewFileURI(file))
	if err != nil {
		t.Fatal(err)
	}
	h.u.writeSysInfo(sw, w, r.Text())
	h.eventually("saved", func() bool { return strings.HasPrefix(sw.view.status.Text, "Saved to ") })
	if b, err := os.ReadFile(file); err != nil || string(b) != r.Text() || !strings.Contains(string(b), "Memory") {
		t.Fatalf("saved %d bytes, err %v", len(b), err)
	}
	if sw.view.status.Text != "Saved to "+file+"." {
		t.Fatalf("status %q", sw.view.status.Text)
	}

	// Print, without a printer and with one.
	var calls []string
	var printed string
	lpstat := "no system default destination\n"
	printer = printing.Printer{Getenv: func(string) string { return "" },
		Run: func(_ context.Context, stdin []byte, name string, args ...string) ([]byte, error) {
			calls = append(calls, strings.Join(append([]string{name}, args...), " "))
			if name == "lpstat" {
				return []byte(lpstat), nil
			}
			printed = string(stdin)
			return []byte("request id is Office-3 (0 file(s))\n"), nil
		}}
	t.Cleanup(func() { printer = printing.Printer{} })
	test.Tap(sw.view.printBtn)
	h.eventually("the refusal", func() bool { return !sw.view.printBtn.Disabled() })
	if sw.view.status.Text != "No printer is set up on this computer." ||
		!overlayHas(sw.win.Canvas().Overlays().Top(), "No printer is set up on this computer.") {
		t.Fatalf("no printer: %q", sw.view.status.Text)
	}
	sw.win.Canvas().Overlays().Top().Hide()
	lpstat = "system default destination: Office\n"
	test.Tap(sw.view.printBtn)
	h.eventually("printed", func() bool { return !sw.view.printBtn.Disabled() })
	want := "lpstat -d|lpstat -d|lp -d Office -t System information for " + host
	if strings.Join(calls, "|") != want || printed != r.Text() || sw.view.status.Text != "Sent to the printer Office." {
		t.Fatalf("commands %q (want %q), %d bytes printed, status %q", calls, want, len(printed), sw.view.status.Text)
	}

	// The window closes with the session.
	s := su.s
	h.background("end", func() error { return s.End(ctxT(t), "") })
	h.eventually("the session over", func() bool { return len(h.u.sessions) == 0 })
	if su.sysinfo != nil {
		t.Fatal("the window outlived the session")
	}
}
