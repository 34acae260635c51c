package sysreport

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func sampleReport() Report {
	return Report{
		CollectedAt: time.Date(2026, 3, 4, 5, 6, 7, 0, time.FixedZone("", 2*3600)),
		Categories: []Category{
			{ID: CatOS, Title: "Operating system", Sections: []Section{
				{Rows: [][2]string{{"Host name", "pc-01"}, {"Operating system", "ubuntu 24.04"}}},
				{Title: "Logged-in users", Table: &Table{
					Columns: []string{"User", "Terminal"},
					Rows:    [][]string{{"alice", "tty2"}, {"bob", "-"}},
				}},
			}},
			{ID: CatDisks, Title: "Disks", Sections: []Section{
				{Note: "Showing 2 of 2 partitions.", Table: &Table{
					Columns: []string{"Mount point", "Size", "Use"},
					Rows:    [][]string{{"/", "232.9 GiB", "41.0 %"}, {"/boot/efi", "511.0 MiB", "1.2 %"}},
				}},
			}},
			{ID: CatDisplays, Title: "Displays", Error: "connecting to X display :9: dial unix /tmp/.X11-unix/X9: connect: no such file or directory"},
		},
	}
}

// The whole layout, once: title, time, underlined categories and sections,
// aligned rows, tables with right-aligned numbers, wrapped errors.
func TestReportTextGolden(t *testing.T) {
	want := `Lifeline system information for pc-01
Collected 2026-03-04 05:06:07 +0200


Operating system
================

Host name:         pc-01
Operating system:  ubuntu 24.04

Logged-in users
---------------
User   Terminal
-----  --------
alice  tty2
bob    -


Disks
=====

Showing 2 of 2 partitions.

Mount point       Size     Use
-----------  ---------  ------
/            232.9 GiB  41.0 %
/boot/efi    511.0 MiB   1.2 %


Displays
========

Error: connecting to X display :9: dial unix /tmp/.X11-unix/X9: connect: no
such file or directory
`
	if got := sampleReport().Text(); got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}

func TestCategoryText(t *testing.T) {
	c := sampleReport().Categories[0]
	got := c.Text()
	if !strings.HasPrefix(got, "Operating system\n================\n") || !strings.Contains(got, "alice  tty2\n") {
		t.Errorf("category text:\n%s", got)
	}
	if !strings.Contains(sampleReport().Text(), got) {
		t.Error("Category.Text differs from the same category in Report.Text")
	}
}

func TestTextNoTrailingBlanks(t *testing.T) {
	r := sampleReport()
	r.Categories = append(r.Categories, Category{ID: "t", Title: "T", Sections: []Section{{Table: &Table{
		Columns: []string{"Name", "Last"},
		Rows:    [][]string{{"a", ""}, {"", "x"}},
	}}}})
	for i, l := range strings.Split(r.Text(), "\n") {
		if strings.TrimRight(l, " ") != l {
			t.Errorf("line %d has trailing blanks: %q", i+1, l)
		}
	}
}

func TestNumeric(t *testing.T) {
	for s, want := range map[string]bool{
		"42": true, "1,234": true, "12.5 %": true, "3.2 GiB": true, "59.95 Hz": true, "0 B": true,
		"1.2-3": false, "eth0": false, "": false, "5 days": false, "+0+0": false, "2.6 amd64": false,
	} {
		if got := numeric(s); got != want {
			t.Errorf("numeric(%q) = %v", s, got)
		}
	}
}

// checkAligned fails unless the values of every block of "name:  value"
// lines start in the same column.
func checkAligned(t *testing.T, text string) {
	t.Helper()
	col := -1
	for _, l := range strings.Split(text, "\n") {
		name, rest, ok := strings.Cut(l, ":  ")
		if !ok || strings.HasPrefix(l, " ") || strings.Contains(name, "  ") {
			col = -1 // not a row: a block ends
			continue
		}
		c := width(name) + 1 + width(rest) - width(strings.TrimLeft(rest, " ")) + 2
		if col >= 0 && c != col {
			t.Errorf("value of %q starts in column %d, the line above in %d", l, c, col)
		}
		col = c
	}
}

func TestRowsAligned(t *testing.T) {
	checkAligned(t, sampleReport().Text())
}

func TestReportJSONShape(t *testing.T) {
	b, err := json.Marshal(sampleReport().Categories[1])
	if err != nil {
		t.Fatal(err)
	}
	// The field names are the wire format the console decodes.
	want := `{"id":"disks","title":"Disks","sections":[{"note":"Showing 2 of 2 partitions.","table":{"columns":["Mount point","Size","Use"],"rows":[["/","232.9 GiB","41.0 %"],["/boot/efi","511.0 MiB","1.2 %"]]}}]}`
	if string(b) != want {
		t.Errorf("got  %s\nwant %s", b, want)
	}
}
