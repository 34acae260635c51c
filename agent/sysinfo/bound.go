package sysinfo

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Size limits (see the package documentation). The per-category limits are
// applied by the collectors, where they can choose what to keep (the
// biggest processes, not the first ones); the generic ones by bound, on
// every category, whatever its collector did.
const (
	// MaxCell is the longest string in a report, in bytes.
	MaxCell = 512
	// MaxFields is the most name/value rows in one section.
	MaxFields = 200
	// MaxColumns is the most columns in one table.
	MaxColumns = 16
	// MaxTableRows is the most rows in one table.
	MaxTableRows = 5000
	// MaxSections is the most sections in one category.
	MaxSections = 32
	// MaxCategoryBytes is the most text in one category, as JSON: escaped,
	// and counting jsonOverhead bytes per string for its quotes and
	// separators.
	MaxCategoryBytes = 512 << 10

	// MaxProcesses is the most processes listed.
	MaxProcesses = 200
	// MaxCmdline is the longest process command line kept, in bytes.
	MaxCmdline = 256
	// MaxPackages is the most installed packages listed.
	MaxPackages = 5000
	// MaxInterfaces is the most network interfaces listed.
	MaxInterfaces = 64
	// MaxAddrs is the most addresses listed per network interface.
	MaxAddrs = 16
	// MaxPartitions is the most disk partitions listed.
	MaxPartitions = 64
)

// jsonOverhead approximates the JSON bytes around one string: quotes, a
// comma, brackets amortised.
const jsonOverhead = 4

// ellipsis ends a string that was cut.
const ellipsis = "..."

// truncate cuts s to at most max bytes at a rune boundary, ending it with
// an ellipsis when something was cut.
func truncate(s string, max int) string {
	if len(s) <= max {
		return s
	}
	cut := max - len(ellipsis)
	if cut < 0 {
		cut = 0
	}
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + ellipsis
}

// clean makes s safe to show and to lay out: valid UTF-8, no control
// characters (tabs and line breaks become spaces, others U+FFFD), no
// bidirectional overrides that could make one name look like another, and
// at most MaxCell bytes. Process names and command lines are chosen by
// whoever started the process, so they are untrusted text.
func clean(s string) string {
	ok := utf8.ValidString(s)
	if ok {
		for _, r := range s {
			if unsafeRune(r) {
				ok = false
				break
			}
		}
	}
	if !ok {
		s = strings.Map(func(r rune) rune {
			switch {
			case r == '\t' || r == '\n' || r == '\r' || r == '\v' || r == '\f' || r == '\u2028' || r == '\u2029':
				return ' '
			case unsafeRune(r):
				return utf8.RuneError
			}
			return r
		}, strings.ToValidUTF8(s, string(utf8.RuneError)))
	}
	return truncate(s, MaxCell)
}

// unsafeRune reports control characters and the invisible bidi controls.
func unsafeRune(r rune) bool {
	return unicode.IsControl(r) || r == '\u2028' || r == '\u2029' ||
		(r >= '\u202a' && r <= '\u202e') || (r >= '\u2066' && r <= '\u2069') ||
		r == '\u200e' || r == '\u200f' || r == '\u061c'
}

// budget counts the bytes a category may still use.
type budget int

// take reports whether strs fit in what is left and, if so, uses them up.
func (b *budget) take(strs ...string) bool {
	n := 0
	for _, s := range strs {
		n += jsonLen(s) + jsonOverhead
	}
	if n > int(*b) {
		return false
	}
	*b -= budget(n)
	return true
}

// jsonLen is the length of s once encoding/json has escaped it (clean has
// already replaced the control characters): quotes and backslashes take
// two bytes, and <, > and & six, as \u003c.
func jsonLen(s string) int {
	n := len(s)
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '"', '\\':
			n++
		case '<', '>', '&':
			n += 5
		}
	}
	return n
}

// bound applies the generic limits to a category: cleans every string,
// caps sections, rows, columns and tables, and keeps the whole within
// MaxCategoryBytes, noting what was left out.
func bound(c Category) Category {
	c.ID = clean(c.ID)
	c.Title = clean(c.Title)
	c.Error = clean(c.Error)
	left := budget(MaxCategoryBytes)
	left.take(c.ID, c.Title, c.Error)

	secs := c.Sections
	dropped := 0
	if len(secs) > MaxSections {
		dropped = len(secs) - MaxSections
		secs = secs[:MaxSections]
	}
	out := make([]Section, 0, len(secs))
	for _, s := range secs {
		s.Title, s.Note = clean(s.Title), clean(s.Note)
		if !left.take(s.Title, s.Note) {
			dropped++
			continue
		}
		s.Rows = boundRows(&s, &left)
		if s.Table != nil {
			s.Table = boundTable(&s, *s.Table, &left)
		}
		out = append(out, s)
	}
	if dropped > 0 {
		// Appended past the budget on purpose: a short note is worth it.
		out = append(out, Section{Note: fmt.Sprintf("%s left out: the report size is limited.", plural(dropped, "more section"))})
	}
	if len(out) == 0 {
		out = nil
	}
	c.Sections = out
	return c
}

func boundRows(s *Section, left *budget) [][2]string {
	rows := s.Rows
	if len(rows) == 0 {
		return nil
	}
	out := make([][2]string, 0, min(len(rows), MaxFields))
	for _, r := range rows {
		if len(out) == MaxFields {
			break
		}
		r[0], r[1] = clean(r[0]), clean(r[1])
		if !left.take(r[0], r[1]) {
			break
		}
		out = append(out, r)
	}
	if len(out) < len(rows) {
		addNote(s, fmt.Sprintf("%d of %d entries shown: the report size is limited.", len(out), len(rows)))
	}
	return out
}

func boundTable(s *Section, t Table, left *budget) *Table {
	if len(t.Columns) > MaxColumns {
		t.Columns = t.Columns[:MaxColumns]
	}
	cols := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		cols[i] = clean(c)
	}
	left.take(cols...)
	out := make([][]string, 0, min(len(t.Rows), MaxTableRows))
	for _, r := range t.Rows {
		if len(out) == MaxTableRows {
			break
		}
		// Every row gets exactly one cell per column, so views and the
		// text layout can index without checking.
		row := make([]string, len(cols))
		for i := range row {
			if i < len(r) {
				row[i] = clean(r[i])
			}
		}
		if !left.take(row...) {
			break
		}
		out = append(out, row)
	}
	if len(out) < len(t.Rows) {
		addNote(s, fmt.Sprintf("%d of %d rows shown: the report size is limited.", len(out), len(t.Rows)))
	}
	return &Table{Columns: cols, Rows: out}
}

// addNote appends a sentence to a section's note.
func addNote(s *Section, sentence string) {
	if s.Note == "" {
		s.Note = sentence
	} else {
		s.Note = clean(s.Note + " " + sentence)
	}
}
