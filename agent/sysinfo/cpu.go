package sysinfo

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/shirou/gopsutil/v3/cpu"
	"github.com/shirou/gopsutil/v3/load"
)

// cpuSample is how long CPU usage is measured. Long enough for a stable
// figure, short enough that Refresh feels immediate; the processes
// category measures over the same span concurrently.
var cpuSample = 500 * time.Millisecond

// collectCPU reports the processor model, core counts and frequency, then
// the usage measured over cpuSample, in total and per logical CPU.
func collectCPU(ctx context.Context, _ *Options) ([]Section, error) {
	// Start measuring first, so the model lookups (WMI on Windows can take
	// a while) overlap the sample.
	type usage struct {
		per []float64
		err error
	}
	uch := make(chan usage, 1)
	go func() {
		per, err := cpu.PercentWithContext(ctx, cpuSample, true)
		uch <- usage{per, err}
	}()

	main := Section{}
	var problems []string
	infos, err := cpu.InfoWithContext(ctx)
	if err != nil {
		problems = append(problems, fmt.Sprintf("model: %v", err))
	}
	for _, m := range models(infos) {
		main.Rows = append(main.Rows, [2]string{"Model", m})
	}
	if len(infos) > 0 {
		main.Rows = append(main.Rows, [2]string{"Vendor", infos[0].VendorID})
	}
	if n, err := cpu.CountsWithContext(ctx, false); err == nil && n > 0 {
		main.Rows = append(main.Rows, [2]string{"Physical cores", strconv.Itoa(n)})
	}
	if n, err := cpu.CountsWithContext(ctx, true); err == nil && n > 0 {
		main.Rows = append(main.Rows, [2]string{"Logical processors", strconv.Itoa(n)})
	} else if err != nil {
		problems = append(problems, fmt.Sprintf("core count: %v", err))
	}
	if mhz := maxMHz(infos); mhz > 0 {
		main.Rows = append(main.Rows, [2]string{"Frequency", fmt.Sprintf("%.0f MHz", mhz)})
	}
	if len(infos) > 0 && infos[0].CacheSize > 0 {
		main.Rows = append(main.Rows, [2]string{"Cache", fmt.Sprintf("%d KB", infos[0].CacheSize)})
	}
	// Load averages do not exist on Windows; gopsutil fakes them there, so
	// they are only shown where the kernel keeps them.
	if hasLoadAvg {
		if l, err := load.AvgWithContext(ctx); err == nil {
			main.Rows = append(main.Rows, [2]string{"Load average (1, 5, 15 min)", fmt.Sprintf("%.2f, %.2f, %.2f", l.Load1, l.Load5, l.Load15)})
		}
	}

	u := <-uch
	usageSec := Section{Title: fmt.Sprintf("Usage (measured over %v)", cpuSample)}
	if u.err != nil || len(u.per) == 0 {
		usageSec.Note = fmt.Sprintf("Usage could not be measured: %v", u.err)
	} else {
		total := 0.0
		for _, p := range u.per {
			total += p
		}
		main.Rows = append(main.Rows, [2]string{"Usage", formatPercent(total / float64(len(u.per)))})
		t := &Table{Columns: []string{"CPU", "Usage"}}
		for i, p := range u.per {
			t.Rows = append(t.Rows, []string{strconv.Itoa(i), formatPercent(p)})
		}
		usageSec.Table = t
	}
	main.Rows = dropEmpty(main.Rows)
	if len(problems) > 0 {
		main.Note = "Some details could not be read: " + strings.Join(problems, "; ")
	}
	if len(main.Rows) == 0 && u.err != nil {
		return nil, fmt.Errorf("reading processor information: %v; measuring usage: %w", err, u.err)
	}
	return []Section{main, usageSec}, nil
}

// models lists the distinct processor models with how many logical CPUs
// (Linux lists one entry per logical CPU) or packages (Windows, one per
// socket) report each: "2 x Intel(R) Xeon(R) ...". One model is shown
// without a count.
func models(infos []cpu.InfoStat) []string {
	var order []string
	count := map[string]int{}
	for _, in := range infos {
		m := strings.Join(strings.Fields(in.ModelName), " ")
		if m == "" {
			m = strings.TrimSpace(in.VendorID + " family " + in.Family + " model " + in.Model)
		}
		if count[m] == 0 {
			order = append(order, m)
		}
		count[m]++
	}
	if len(order) == 1 {
		return order
	}
	out := make([]string, len(order))
	for i, m := range order {
		out[i] = fmt.Sprintf("%d x %s", count[m], m)
	}
	return out
}

// maxMHz is the highest frequency reported: on Linux the entries are per
// core and may show current, scaled-down clocks.
func maxMHz(infos []cpu.InfoStat) float64 {
	m := 0.0
	for _, in := range infos {
		m = max(m, in.Mhz)
	}
	return m
}
