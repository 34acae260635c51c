package sysinfo

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestTruncate(t *testing.T) {
	tests := []struct {
		in   string
		max  int
		want string
	}{
		{"short", 10, "short"},
		{"exactly10!", 10, "exactly10!"},
		{"0123456789abc", 10, "0123456..."},
		{"ééééé", 8, "éé..."}, // cut at a rune boundary: 7 bytes, not 8
		{"abcdef", 2, "..."},  // never below the ellipsis itself
	}
	for _, tt := range tests {
		if got := truncate(tt.in, tt.max); got != tt.want {
			t.Errorf("truncate(%q, %d) = %q, want %q", tt.in, tt.max, got, tt.want)
		}
	}
}

func TestClean(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain", "plain"},
		{"tab\tand\nnewline\r", "tab and newline "},
		{"bell\a esc\x1b[31m", "bell\uFFFD esc\uFFFD[31m"},
		{"bad \xff utf8", "bad \uFFFD utf8"},
		{"evil\u202egnp.exe", "evil\uFFFDgnp.exe"},
		{"日本語", "日本語"},
	}
	for _, tt := range tests {
		if got := clean(tt.in); got != tt.want {
			t.Errorf("clean(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	long := clean(strings.Repeat("€", MaxCell))
	if len(long) > MaxCell || !utf8.ValidString(long) || !strings.HasSuffix(long, ellipsis) {
		t.Errorf("long string cleaned to %d bytes, valid %v", len(long), utf8.ValidString(long))
	}
}

func TestBoundTableShape(t *testing.T) {
	c := bound(Category{ID: "x", Sections: []Section{{Table: &Table{
		Columns: []string{"a", "b"},
		Rows:    [][]string{{"1"}, {"1", "2", "3"}, {}},
	}}}})
	for _, r := range c.Sections[0].Table.Rows {
		if len(r) != 2 {
			t.Fatalf("row %q not normalised to 2 cells", r)
		}
	}
}

func TestBoundLimits(t *testing.T) {
	rows := make([][]string, MaxTableRows+10)
	for i := range rows {
		rows[i] = []string{"r"}
	}
	fields := make([][2]string, MaxFields+1)
	secs := make([]Section, MaxSections+3)
	secs[0] = Section{Rows: fields, Table: &Table{Columns: []string{"c"}, Rows: rows}}
	c := bound(Category{ID: "x", Sections: secs})
	s := c.Sections[0]
	if len(s.Table.Rows) != MaxTableRows || len(s.Rows) != MaxFields {
		t.Errorf("%d table rows, %d fields kept", len(s.Table.Rows), len(s.Rows))
	}
	if !strings.Contains(s.Note, "rows shown") || !strings.Contains(s.Note, "entries shown") {
		t.Errorf("note %q does not say rows were left out", s.Note)
	}
	last := c.Sections[len(c.Sections)-1]
	if len(c.Sections) != MaxSections+1 || !strings.Contains(last.Note, "3 more sections left out") {
		t.Errorf("%d sections, last note %q", len(c.Sections), last.Note)
	}
}

func TestBoundBudget(t *testing.T) {
	big := strings.Repeat("x", MaxCell)
	rows := make([][]string, MaxTableRows)
	for i := range rows {
		rows[i] = []string{big, big}
	}
	c := bound(Category{ID: "x", Sections: []Section{
		{Table: &Table{Columns: []string{"a", "b"}, Rows: rows}},
		{Title: "after", Rows: [][2]string{{"k", "v"}}},
	}})
	n := 0
	for _, s := range c.Sections {
		n += len(s.Title) + len(s.Note)
		if s.Table != nil {
			for _, r := range s.Table.Rows {
				n += len(r[0]) + len(r[1])
			}
		}
	}
	if n > MaxCategoryBytes+1024 {
		t.Fatalf("category holds %d bytes, budget %d", n, MaxCategoryBytes)
	}
	if !strings.Contains(c.Sections[0].Note, "the report size is limited") {
		t.Errorf("note %q", c.Sections[0].Note)
	}
	if len(c.Sections) < 2 || !strings.Contains(c.Sections[len(c.Sections)-1].Note, "more section") {
		t.Errorf("the section past the budget should be replaced by a note: %+v", c.Sections[1:])
	}
}

// The budget holds for the JSON encoding, escapes included: a category of
// nothing but characters encoding/json escapes stays within it.
func TestBoundBudgetJSON(t *testing.T) {
	nasty := strings.Repeat("<&\"\\", MaxCell/4)
	rows := make([][]string, MaxTableRows)
	for i := range rows {
		rows[i] = []string{nasty}
	}
	c := bound(Category{ID: "x", Sections: []Section{{Table: &Table{Columns: []string{"a"}, Rows: rows}}}})
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) > MaxCategoryBytes+MaxCell {
		t.Errorf("%d bytes of JSON for a %d-byte budget", len(b), MaxCategoryBytes)
	}
}
