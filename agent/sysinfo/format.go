package sysinfo

import (
	"fmt"
	"lifeline/shared/sysreport"
	"strconv"
	"strings"
	"time"
)

// formatBytes renders a byte count with binary units ("15.6 GiB"), the way
// operating systems show memory and disk sizes.
func formatBytes(n uint64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := uint64(unit), 0
	for m := n / unit; m >= unit && exp < 5; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

// formatPercent renders a percentage with one decimal.
func formatPercent(p float64) string {
	return strconv.FormatFloat(p, 'f', 1, 64) + " %"
}

// formatCount renders a count with thousands separators ("1,234,567"), so
// long I/O counters stay readable.
func formatCount(n uint64) string {
	s := strconv.FormatUint(n, 10)
	if len(s) <= 3 {
		return s
	}
	var b strings.Builder
	pre := len(s) % 3
	if pre > 0 {
		b.WriteString(s[:pre])
	}
	for i := pre; i < len(s); i += 3 {
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(s[i : i+3])
	}
	return b.String()
}

// formatUptime renders a duration for people: "3 days, 4 hours, 5 minutes".
// Seconds are left out past the first hour; nobody needs them there.
func formatUptime(d time.Duration) string {
	if d < time.Minute {
		return plural(int(d/time.Second), "second")
	}
	days := int(d / (24 * time.Hour))
	hours := int(d/time.Hour) % 24
	mins := int(d/time.Minute) % 60
	var parts []string
	if days > 0 {
		parts = append(parts, plural(days, "day"))
	}
	if hours > 0 {
		parts = append(parts, plural(hours, "hour"))
	}
	if mins > 0 || len(parts) == 0 {
		parts = append(parts, plural(mins, "minute"))
	}
	return strings.Join(parts, ", ")
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}

func formatTime(t time.Time) string { return sysreport.FormatTime(t) }

// orDash stands in for an empty value in a table cell, so columns stay
// visibly aligned.
func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
