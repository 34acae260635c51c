// Package benchdoc writes benchmark figures into BENCHMARKS.md. Each
// benchmark owns one section between <!-- NAME:begin --> and
// <!-- NAME:end -->, so several tools update the file without touching
// each other's figures, and it describes the machine the figures come
// from (this machine is shared and noisy: figures are read with that).
package benchdoc

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
)

// UpdateSection replaces the named section of the Markdown file at path,
// creating the file or appending the section when it is missing.
func UpdateSection(path, name, content string) error {
	begin, end := "<!-- "+name+":begin -->", "<!-- "+name+":end -->"
	old, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		return fmt.Errorf("benchdoc: %w", err)
	}
	s := string(old)
	if !strings.HasSuffix(content, "\n") {
		content += "\n"
	}
	block := begin + "\n" + content + end
	i, j := strings.Index(s, begin), strings.Index(s, end)
	switch {
	case i >= 0 && j > i:
		s = s[:i] + block + s[j+len(end):]
	case i >= 0 || j >= 0:
		return fmt.Errorf("benchdoc: %s has a broken %s … %s pair; fix it by hand", path, begin, end)
	case s == "":
		s = "# Benchmarks\n\n" + block + "\n"
	default:
		if !strings.HasSuffix(s, "\n") {
			s += "\n"
		}
		s += "\n" + block + "\n"
	}
	// Write a new file and rename it, so an interrupted benchmark never
	// leaves the figures half written.
	tmp, err := os.CreateTemp(filepath.Dir(path), ".benchmarks-*.md")
	if err != nil {
		return fmt.Errorf("benchdoc: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.WriteString(s); err != nil {
		tmp.Close()
		return fmt.Errorf("benchdoc: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("benchdoc: %w", err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return fmt.Errorf("benchdoc: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("benchdoc: %w", err)
	}
	return nil
}

// CPUModel is the processor's name from /proc/cpuinfo.
func CPUModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "unknown CPU"
	}
	for _, l := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown CPU"
}

// Machine describes this machine in one line.
func Machine() string {
	return fmt.Sprintf("%s, %d cores, %s %s/%s, load average %s", CPUModel(), runtime.NumCPU(), runtime.Version(), runtime.GOOS, runtime.GOARCH, LoadAverage())
}

// LoadAverage is the 1-minute load average, or "?".
func LoadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	return strings.Fields(string(b))[0]
}

// Percentile returns the p-th percentile (0–100) of v, nearest rank.
func Percentile(v []float64, p float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	i := int(p/100*float64(len(s))+0.5) - 1
	return s[max(0, min(i, len(s)-1))]
}
