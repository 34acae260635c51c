package sysinfo

import (
	"context"
	"fmt"

	"github.com/shirou/gopsutil/v3/mem"
)

// collectMemory reports physical memory and swap (the page file on
// Windows).
func collectMemory(ctx context.Context, _ *Options) ([]Section, error) {
	vm, err := mem.VirtualMemoryWithContext(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading memory usage: %w", err)
	}
	main := Section{Rows: [][2]string{
		{"Total", formatBytes(vm.Total)},
		{"Used", fmt.Sprintf("%s (%s)", formatBytes(vm.Used), formatPercent(vm.UsedPercent))},
		{"Available", formatBytes(vm.Available)},
		{"Free", formatBytes(vm.Free)},
	}}
	// Linux reports its caches separately; elsewhere these are zero and
	// left out rather than shown as a misleading "0 B".
	if vm.Cached > 0 {
		main.Rows = append(main.Rows, [2]string{"Cached", formatBytes(vm.Cached)})
	}
	if vm.Buffers > 0 {
		main.Rows = append(main.Rows, [2]string{"Buffers", formatBytes(vm.Buffers)})
	}

	swap := Section{Title: "Swap"}
	sw, err := mem.SwapMemoryWithContext(ctx)
	switch {
	case err != nil:
		swap.Note = fmt.Sprintf("Swap usage could not be read: %v", err)
	case sw.Total == 0:
		swap.Note = "No swap space is configured."
	default:
		swap.Rows = [][2]string{
			{"Total", formatBytes(sw.Total)},
			{"Used", fmt.Sprintf("%s (%s)", formatBytes(sw.Used), formatPercent(sw.UsedPercent))},
			{"Free", formatBytes(sw.Free)},
		}
	}
	return []Section{main, swap}, nil
}
