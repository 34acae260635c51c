package sysinfo

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
)

// collectSoftware lists installed software from whatever package database
// the platform has (see installedSoftware for each platform). Where there
// is none, the category says so instead of failing.
func collectSoftware(ctx context.Context, _ *Options) ([]Section, error) {
	return installedSoftware(ctx)
}

// notAvailable is the section shown when the platform keeps no list of
// installed software we can read.
func notAvailable(why string) []Section {
	return []Section{{Note: "A list of installed software is not available on this system: " + why}}
}

// packageSections turns a package list into the category's sections: one
// table of packages sorted by name, and, for dpkg, a second table of those
// not fully installed (a half-configured package is a common cause of
// "updates fail"). total is how many the database holds, which may exceed
// len(pkgs) when the list was capped.
func packageSections(source string, pkgs []pkgInfo, total int) []Section {
	slices.SortFunc(pkgs, func(a, b pkgInfo) int {
		return cmp.Or(strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)), strings.Compare(a.Arch, b.Arch), strings.Compare(a.Version, b.Version))
	})
	main := Section{
		Title: "Installed packages (" + source + ")",
		Note:  fmt.Sprintf("%s installed.", plural(total, "package")),
	}
	if total > len(pkgs) {
		main.Note += fmt.Sprintf(" The first %d in the database are listed.", len(pkgs))
	}
	t := &Table{Columns: []string{"Name", "Version", "Architecture"}}
	var broken *Table
	for _, p := range pkgs {
		t.Rows = append(t.Rows, []string{p.Name, orDash(p.Version), orDash(p.Arch)})
		if p.State != "" && p.State != "installed" {
			if broken == nil {
				broken = &Table{Columns: []string{"Name", "Version", "State"}}
			}
			broken.Rows = append(broken.Rows, []string{p.Name, orDash(p.Version), p.State})
		}
	}
	if len(t.Rows) > 0 {
		main.Table = t
	}
	secs := []Section{main}
	if broken != nil {
		secs = append(secs, Section{
			Title: "Packages not fully installed",
			Note:  "An interrupted installation or removal left these packages part-way.",
			Table: broken,
		})
	}
	return secs
}
