package sysinfo

import "lifeline/shared/sysreport"

// Category IDs (see sysreport).
const (
	CatOS        = sysreport.CatOS
	CatCPU       = sysreport.CatCPU
	CatMemory    = sysreport.CatMemory
	CatDisks     = sysreport.CatDisks
	CatNetwork   = sysreport.CatNetwork
	CatProcesses = sysreport.CatProcesses
	CatSoftware  = sysreport.CatSoftware
	CatDisplays  = sysreport.CatDisplays
)

// The report's model lives in shared/sysreport, which the console shares
// without the collectors.
type (
	Report   = sysreport.Report
	Category = sysreport.Category
	Section  = sysreport.Section
	Table    = sysreport.Table
)

// IDs lists every category ID in display order.
func IDs() []string {
	ids := make([]string, len(categories))
	for i, c := range categories {
		ids[i] = c.id
	}
	return ids
}

// Title is the display title of a category ID ("" for an unknown one).
func Title(id string) string {
	for _, c := range categories {
		if c.id == id {
			return c.title
		}
	}
	return ""
}
