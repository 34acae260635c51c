package sysreport

import (
	"strings"
	"unicode/utf8"
)

// textWidth is where notes are wrapped: the width of a default Notepad or
// terminal window.
const textWidth = 78

// Text renders the whole report as plain text, for the console's Save
// (one .txt file with every category) and Print: a title naming the host,
// the collection time, then each category. Lines end in "\n" and the text is UTF-8;
// everything the package itself writes is ASCII, so only names from the
// machine (processes, packages) can contain other characters.
func (r Report) Text() string {
	var b strings.Builder
	title := "Lifeline system information"
	// Name the machine in the first line: a CSR saving reports of several
	// customers tells the files apart at a glance.
	if c, ok := r.Category(CatOS); ok && len(c.Sections) > 0 {
		for _, row := range c.Sections[0].Rows {
			if row[0] == HostNameRow && row[1] != "" {
				title += " for " + row[1]
				break
			}
		}
	}
	b.WriteString(title + "\n")
	if !r.CollectedAt.IsZero() {
		b.WriteString("Collected " + FormatTime(r.CollectedAt) + "\n")
	}
	for _, c := range r.Categories {
		b.WriteString("\n\n")
		c.writeText(&b)
	}
	return b.String()
}

// Text renders one category as plain text, as in Report.Text.
func (c Category) Text() string {
	var b strings.Builder
	c.writeText(&b)
	return b.String()
}

func (c Category) writeText(b *strings.Builder) {
	title := c.Title
	if title == "" {
		title = c.ID
	}
	b.WriteString(title + "\n")
	b.WriteString(strings.Repeat("=", max(width(title), 3)) + "\n")
	if c.Error != "" {
		b.WriteString("\n")
		writeWrapped(b, "Error: "+c.Error)
	}
	for _, s := range c.Sections {
		if s.Title == "" && s.Note == "" && len(s.Rows) == 0 && s.Table == nil {
			continue
		}
		b.WriteString("\n")
		s.writeText(b)
	}
}

func (s Section) writeText(b *strings.Builder) {
	if s.Title != "" {
		b.WriteString(s.Title + "\n")
		b.WriteString(strings.Repeat("-", max(width(s.Title), 3)) + "\n")
	}
	if s.Note != "" {
		writeWrapped(b, s.Note)
	}
	if len(s.Rows) > 0 {
		if s.Note != "" {
			b.WriteString("\n")
		}
		writeRows(b, s.Rows)
	}
	if s.Table != nil && len(s.Table.Columns) > 0 {
		if s.Note != "" || len(s.Rows) > 0 {
			b.WriteString("\n")
		}
		writeTable(b, *s.Table)
	}
}

// writeRows writes "name:  value" lines with the values aligned.
func writeRows(b *strings.Builder, rows [][2]string) {
	w := 0
	for _, r := range rows {
		w = max(w, width(r[0]))
	}
	for _, r := range rows {
		b.WriteString(r[0] + ":" + pad(w-width(r[0])+2) + r[1] + "\n")
	}
}

// writeTable writes a header, a rule and the rows, columns two spaces
// apart. Columns of numbers and sizes are right-aligned so their digits
// line up; the last column is not padded, so long command lines do not
// leave trailing blanks.
func writeTable(b *strings.Builder, t Table) {
	n := len(t.Columns)
	widths := make([]int, n)
	right := make([]bool, n) // a number in every cell that is not blank or "-"
	words := make([]bool, n) // some cell is not a number
	for i, c := range t.Columns {
		widths[i] = width(c)
	}
	for _, r := range t.Rows {
		for i := 0; i < n && i < len(r); i++ {
			widths[i] = max(widths[i], width(r[i]))
			switch {
			case r[i] == "-" || r[i] == "":
			case numeric(r[i]):
				right[i] = true
			default:
				words[i] = true
			}
		}
	}
	for i := range right {
		right[i] = right[i] && !words[i]
	}
	line := func(cells []string) {
		var l strings.Builder
		for i := range n {
			cell := ""
			if i < len(cells) {
				cell = cells[i]
			}
			if i > 0 {
				l.WriteString("  ")
			}
			gap := pad(widths[i] - width(cell))
			switch {
			case right[i]:
				l.WriteString(gap + cell)
			case i < n-1:
				l.WriteString(cell + gap)
			default:
				l.WriteString(cell)
			}
		}
		b.WriteString(strings.TrimRight(l.String(), " ") + "\n")
	}
	line(t.Columns)
	rules := make([]string, n)
	for i := range rules {
		rules[i] = strings.Repeat("-", widths[i])
	}
	line(rules)
	for _, r := range t.Rows {
		line(r)
	}
}

// numeric reports whether a cell is a number, possibly with a unit: "42",
// "1,234", "12.5 %", "3.2 GiB", "59.95 Hz". Version strings
// ("1.2-3") are not.
func numeric(s string) bool {
	num, unit, _ := strings.Cut(s, " ")
	if num == "" || num[0] < '0' || num[0] > '9' || strings.Trim(num, "0123456789.,") != "" {
		return false
	}
	if unit == "" {
		return true
	}
	switch unit {
	case "%", "B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "Hz", "MHz":
		return true
	}
	return false
}

// writeWrapped writes a paragraph wrapped at textWidth (a word longer
// than that gets a line of its own).
func writeWrapped(b *strings.Builder, text string) {
	col := 0
	for _, word := range strings.Fields(text) {
		w := width(word)
		if col > 0 && col+1+w > textWidth {
			b.WriteString("\n")
			col = 0
		}
		if col > 0 {
			b.WriteString(" ")
			col++
		}
		b.WriteString(word)
		col += w
	}
	b.WriteString("\n")
}

// width is the number of characters s takes in a monospaced font, counting
// one per rune (East Asian wide characters are rare in the fields shown).
func width(s string) int { return utf8.RuneCountInString(s) }

func pad(n int) string {
	if n <= 0 {
		return ""
	}
	return strings.Repeat(" ", n)
}
