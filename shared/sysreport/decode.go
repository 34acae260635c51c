package sysreport

import (
	"encoding/json"
	"fmt"
)

// MaxReportBytes bounds a report as JSON. The agent's collectors stay far
// below (eight categories of at most 512 KiB each); a console refuses
// more rather than let a customer's machine fill its memory.
const MaxReportBytes = 8 << 20

// Limits on a decoded report's shape, generous beside what the agent
// sends, so that the console's panels stay drawable.
const (
	maxCategories = 64
	maxSections   = 64
	maxColumns    = 32
)

// Decode parses a report received from a customer's agent and checks its
// shape: what the console shows, saves and prints is only what passed.
func Decode(b []byte) (Report, error) {
	var r Report
	if len(b) > MaxReportBytes {
		return r, fmt.Errorf("the system information is %d bytes, more than the %d a report may have", len(b), MaxReportBytes)
	}
	if err := json.Unmarshal(b, &r); err != nil {
		return Report{}, fmt.Errorf("the system information is malformed: %w", err)
	}
	if len(r.Categories) > maxCategories {
		return Report{}, fmt.Errorf("the system information has %d categories, more than %d", len(r.Categories), maxCategories)
	}
	for _, c := range r.Categories {
		if c.ID == "" || c.Title == "" {
			return Report{}, fmt.Errorf("the system information has a category without an id or title")
		}
		if len(c.Sections) > maxSections {
			return Report{}, fmt.Errorf("category %q has %d sections, more than %d", c.ID, len(c.Sections), maxSections)
		}
		for _, s := range c.Sections {
			if s.Table == nil {
				continue
			}
			if len(s.Table.Columns) == 0 || len(s.Table.Columns) > maxColumns {
				return Report{}, fmt.Errorf("a table of category %q has %d columns", c.ID, len(s.Table.Columns))
			}
			for _, row := range s.Table.Rows {
				if len(row) != len(s.Table.Columns) {
					return Report{}, fmt.Errorf("a table of category %q has a row of %d cells for %d columns", c.ID, len(row), len(s.Table.Columns))
				}
			}
		}
	}
	return r, nil
}
