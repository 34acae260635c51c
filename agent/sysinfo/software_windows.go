package sysinfo

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"golang.org/x/sys/windows/registry"
)

// uninstallKey is where installers register what "Apps & features" (and
// the older "Programs and Features") lists.
const uninstallKey = `SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall`

// installedSoftware reads the Uninstall registry keys: the machine-wide
// ones in both the 64-bit and the 32-bit registry view (whatever this
// agent's own bitness), and the current user's.
func installedSoftware(ctx context.Context) ([]Section, error) {
	views := []struct {
		root   registry.Key
		access uint32
	}{
		{registry.LOCAL_MACHINE, registry.WOW64_64KEY},
		{registry.LOCAL_MACHINE, registry.WOW64_32KEY},
		{registry.CURRENT_USER, 0},
	}
	seen := map[[2]string]bool{}
	var apps []winApp
	var errs []error
	opened := 0
	for _, v := range views {
		k, err := registry.OpenKey(v.root, uninstallKey, registry.ENUMERATE_SUB_KEYS|registry.QUERY_VALUE|v.access)
		if err != nil {
			if !errors.Is(err, registry.ErrNotExist) {
				errs = append(errs, err)
			}
			continue
		}
		opened++
		names, err := k.ReadSubKeyNames(-1)
		if err != nil {
			errs = append(errs, err)
		}
		for _, name := range names {
			if ctx.Err() != nil {
				k.Close()
				return nil, ctx.Err()
			}
			a, ok := readApp(k, name, v.access)
			// The same program shows in both views on 32-bit Windows and
			// for some installers that register twice.
			if !ok || seen[[2]string{a.name, a.version}] {
				continue
			}
			seen[[2]string{a.name, a.version}] = true
			apps = append(apps, a)
		}
		k.Close()
	}
	if opened == 0 {
		return nil, fmt.Errorf("reading the Uninstall registry keys: %w", errors.Join(errs...))
	}

	slices.SortFunc(apps, func(a, b winApp) int {
		return cmp.Or(strings.Compare(strings.ToLower(a.name), strings.ToLower(b.name)), strings.Compare(a.version, b.version))
	})
	sec := Section{Title: "Installed programs", Note: fmt.Sprintf("%s installed.", plural(len(apps), "program"))}
	if len(apps) > MaxPackages {
		sec.Note += fmt.Sprintf(" The first %d by name are listed.", MaxPackages)
		apps = apps[:MaxPackages]
	}
	if len(errs) > 0 {
		sec.Note += fmt.Sprintf(" Some entries could not be read: %v.", errors.Join(errs...))
	}
	t := &Table{Columns: []string{"Name", "Version", "Publisher", "Installed"}}
	for _, a := range apps {
		t.Rows = append(t.Rows, []string{a.name, orDash(a.version), orDash(a.publisher), orDash(a.installed)})
	}
	if len(t.Rows) > 0 {
		sec.Table = t
	}
	return []Section{sec}, nil
}

type winApp struct {
	name, version, publisher, installed string
}

// readApp reads one Uninstall entry and reports whether "Apps & features"
// would show it: it has a display name and is neither a system component
// nor an update of another entry.
func readApp(parent registry.Key, name string, access uint32) (winApp, bool) {
	k, err := registry.OpenKey(parent, name, registry.QUERY_VALUE|access)
	if err != nil {
		return winApp{}, false
	}
	defer k.Close()
	str := func(v string) string {
		s, _, _ := k.GetStringValue(v)
		return strings.TrimSpace(s)
	}
	a := winApp{name: str("DisplayName"), version: str("DisplayVersion"), publisher: str("Publisher")}
	if a.name == "" {
		return a, false
	}
	if sc, _, err := k.GetIntegerValue("SystemComponent"); err == nil && sc == 1 {
		return a, false
	}
	if str("ParentKeyName") != "" {
		return a, false
	}
	switch str("ReleaseType") {
	case "Update", "Hotfix", "Security Update":
		return a, false
	}
	// InstallDate is YYYYMMDD by convention; shown as YYYY-MM-DD when it
	// is, as written otherwise.
	if d := str("InstallDate"); len(d) == 8 && strings.Trim(d, "0123456789") == "" {
		a.installed = d[:4] + "-" + d[4:6] + "-" + d[6:]
	} else {
		a.installed = d
	}
	return a, true
}
