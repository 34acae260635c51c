package sysinfo

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/shirou/gopsutil/v3/disk"
)

// collectDisks reports the mounted file systems with their size and free
// space: what a CSR checks first when "the computer says the disk is full".
func collectDisks(ctx context.Context, _ *Options) ([]Section, error) {
	// all=false: real file systems only, not proc, sysfs, cgroups and the
	// like (on Windows: fixed, removable and network drives).
	parts, err := disk.PartitionsWithContext(ctx, false)
	if err != nil && len(parts) == 0 {
		return nil, fmt.Errorf("listing partitions: %w", err)
	}
	sec := Section{}
	var notes []string
	if err != nil {
		notes = append(notes, fmt.Sprintf("Some partitions could not be listed: %v.", err))
	}

	// Snap packages are each a read-only squashfs image mounted under
	// /snap, always 100 % full; dozens of them would hide the real disks.
	snaps := 0
	parts = slices.DeleteFunc(parts, func(p disk.PartitionStat) bool {
		if p.Fstype == "squashfs" && strings.HasPrefix(p.Mountpoint, "/snap/") {
			snaps++
			return true
		}
		return false
	})
	if snaps > 0 {
		notes = append(notes, fmt.Sprintf("%s of snap packages not shown.", plural(snaps, "read-only image")))
	}
	slices.SortStableFunc(parts, func(a, b disk.PartitionStat) int { return strings.Compare(a.Mountpoint, b.Mountpoint) })
	if len(parts) > MaxPartitions {
		notes = append(notes, fmt.Sprintf("Showing %d of %d partitions.", MaxPartitions, len(parts)))
		parts = parts[:MaxPartitions]
	}

	t := &Table{Columns: []string{"Mount point", "Device", "File system", "Size", "Used", "Free", "Use", "Mode"}}
	for _, p := range parts {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		row := []string{p.Mountpoint, orDash(p.Device), orDash(p.Fstype), "-", "-", "-", "-", mode(p.Opts)}
		// A hung network mount makes statfs block; the category timeout
		// covers that, and one unreadable disk only blanks its own row.
		if u, err := disk.UsageWithContext(ctx, p.Mountpoint); err == nil && u.Total > 0 {
			row[3], row[4], row[5], row[6] = formatBytes(u.Total), formatBytes(u.Used), formatBytes(u.Free), formatPercent(u.UsedPercent)
		}
		t.Rows = append(t.Rows, row)
	}
	if len(t.Rows) == 0 {
		notes = append(notes, "No file systems reported.")
	} else {
		sec.Table = t
	}
	sec.Note = strings.Join(notes, " ")
	return []Section{sec}, nil
}

// mode says whether a file system is mounted read-only, the one mount
// option that explains "cannot save" problems.
func mode(opts []string) string {
	for _, o := range opts {
		switch o {
		case "ro":
			return "read-only"
		case "rw":
			return "read-write"
		}
	}
	return "-"
}
