// Package sysreport is the model of a customer's system information report
// as the agent sends it and the console shows, saves and prints it: plain
// data, JSON on the wire, and its text rendering. The agent's collectors
// (agent/sysinfo) fill it.
package sysreport

import "time"

// Category IDs. They are stable: the console and saved settings refer to
// categories by these strings.
const (
	CatOS        = "os"
	CatCPU       = "cpu"
	CatMemory    = "memory"
	CatDisks     = "disks"
	CatNetwork   = "network"
	CatProcesses = "processes"
	CatSoftware  = "software"
	CatDisplays  = "displays"
)

// Report is everything one Collect found. It is plain data, safe to encode
// as JSON and to decode on the console side.
type Report struct {
	// CollectedAt is when collection started, in the customer's local time
	// zone (JSON keeps the offset, so the console shows the customer's
	// clock).
	CollectedAt time.Time `json:"collectedAt"`
	// Categories are in the order of IDs (or of Options.Categories).
	Categories []Category `json:"categories"`
}

// Category is one entry of the console's category list and the panel it
// opens.
type Category struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	// Sections are shown top to bottom in the panel.
	Sections []Section `json:"sections,omitempty"`
	// Error is set when the category could not be collected (or only in
	// part: Sections may still hold what was found before the failure).
	Error string `json:"error,omitempty"`
}

// Section is a titled block of a panel: an optional note, then name/value
// rows, then a table. Any of them may be empty.
type Section struct {
	// Title may be empty for the first, main section of a category.
	Title string `json:"title,omitempty"`
	// Note is a sentence shown before the data, e.g. "Showing the 200
	// processes using the most memory of 431." or "Not available on this
	// system."
	Note string `json:"note,omitempty"`
	// Rows are name/value pairs ("Host name", "build-01"), shown as a form.
	Rows [][2]string `json:"rows,omitempty"`
	// Table is a grid with a header, e.g. one row per process.
	Table *Table `json:"table,omitempty"`
}

// Table is a grid of text cells. Every row has len(Columns) cells.
type Table struct {
	Columns []string   `json:"columns"`
	Rows    [][]string `json:"rows"`
}

// Category returns the category with the given ID, if the report has it.
func (r Report) Category(id string) (Category, bool) {
	for _, c := range r.Categories {
		if c.ID == id {
			return c, true
		}
	}
	return Category{}, false
}

// HostNameRow names the row of the "os" category that holds the host
// name, which Text puts in its title.
const HostNameRow = "Host name"

// FormatTime renders a point in time with its UTC offset, so a CSR in
// another time zone reads the customer's clock unambiguously.
func FormatTime(t time.Time) string {
	return t.Format("2006-01-02 15:04:05 -0700")
}
