package sysinfo

import (
	"context"
	"fmt"
	"os/user"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/shirou/gopsutil/v3/process"
)

// busiestKept is how many of the busiest processes by CPU are listed even
// when they are not among the biggest by memory: a small process spinning
// a core is exactly what a CSR looks for.
const busiestKept = 10

// proc is what is known about one process while choosing which to list.
type proc struct {
	p        *process.Process
	rss      uint64
	cpu0     float64 // user+system seconds at the start of the sample
	cpuPct   float64 // share of all processors over the sample
	cpuKnown bool
}

// collectProcesses lists running processes: the MaxProcesses biggest by
// resident memory plus the busiest by CPU, sorted by memory, with their CPU
// share measured over cpuSample (not gopsutil's average since start-up,
// which hides a process that just started spinning).
func collectProcesses(ctx context.Context, _ *Options) ([]Section, error) {
	ps, err := process.ProcessesWithContext(ctx)
	if err != nil {
		return nil, fmt.Errorf("listing processes: %w", err)
	}
	all := make([]*proc, 0, len(ps))
	for _, p := range ps {
		pr := &proc{p: p}
		if m, err := p.MemoryInfoWithContext(ctx); err == nil {
			pr.rss = m.RSS
		}
		if t, err := p.TimesWithContext(ctx); err == nil {
			pr.cpu0, pr.cpuKnown = t.User+t.System, true
		}
		all = append(all, pr)
	}
	start := time.Now()
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-time.After(cpuSample):
	}
	elapsed := time.Since(start).Seconds()
	ncpu := float64(runtime.NumCPU())
	for _, pr := range all {
		if !pr.cpuKnown {
			continue
		}
		t, err := pr.p.TimesWithContext(ctx)
		if err != nil {
			pr.cpuKnown = false // ended during the sample
			continue
		}
		pr.cpuPct = max(0, (t.User+t.System-pr.cpu0)/elapsed/ncpu*100)
	}

	shown := pick(all, MaxProcesses, busiestKept)
	users := map[int32]string{}
	t := &Table{Columns: []string{"PID", "Name", "User", "CPU", "Memory", "Command line"}}
	for _, pr := range shown {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		name, err := pr.p.NameWithContext(ctx)
		if err != nil {
			if running, _ := pr.p.IsRunningWithContext(ctx); !running {
				continue // ended since it was listed
			}
		}
		cmd, _ := pr.p.CmdlineWithContext(ctx)
		cpu := "-"
		if pr.cpuKnown {
			cpu = formatPercent(pr.cpuPct)
		}
		t.Rows = append(t.Rows, []string{
			strconv.Itoa(int(pr.p.Pid)), orDash(name), orDash(owner(ctx, pr.p, users)),
			cpu, formatBytes(pr.rss), orDash(truncate(strings.TrimSpace(cmd), MaxCmdline)),
		})
	}
	note := fmt.Sprintf("%d processes running.", len(all))
	if len(shown) < len(all) {
		note += fmt.Sprintf(" Showing the %d using the most memory and the busiest.", len(t.Rows))
	}
	note += fmt.Sprintf(" CPU is the share of all %d processors over %v.", runtime.NumCPU(), cpuSample)
	return []Section{{Note: note, Table: t}}, nil
}

// pick chooses up to n processes: the busy ones by CPU (at most busy of
// them, only those that used any) and then the biggest by resident memory,
// returned sorted by memory, biggest first, then by PID.
func pick(all []*proc, n, busy int) []*proc {
	byMem := func(a, b *proc) int {
		if a.rss != b.rss {
			if a.rss > b.rss {
				return -1
			}
			return 1
		}
		return int(a.p.Pid) - int(b.p.Pid)
	}
	if len(all) <= n {
		out := slices.Clone(all)
		slices.SortFunc(out, byMem)
		return out
	}
	chosen := make(map[*proc]bool, n)
	byCPU := slices.Clone(all)
	slices.SortStableFunc(byCPU, func(a, b *proc) int {
		switch {
		case a.cpuPct > b.cpuPct:
			return -1
		case a.cpuPct < b.cpuPct:
			return 1
		}
		return 0
	})
	for _, pr := range byCPU[:min(busy, n)] {
		if pr.cpuPct > 0 {
			chosen[pr] = true
		}
	}
	mem := slices.Clone(all)
	slices.SortFunc(mem, byMem)
	for _, pr := range mem {
		if len(chosen) >= n {
			break
		}
		chosen[pr] = true
	}
	out := make([]*proc, 0, len(chosen))
	for _, pr := range mem {
		if chosen[pr] {
			out = append(out, pr)
		}
	}
	return out
}

// owner names the user running p, looking each user ID up once: on Linux
// gopsutil would parse the user database again for every process.
func owner(ctx context.Context, p *process.Process, cache map[int32]string) string {
	uids, err := p.UidsWithContext(ctx)
	if err != nil || len(uids) == 0 {
		// No numeric IDs on Windows; gopsutil asks for the account name.
		name, _ := p.UsernameWithContext(ctx)
		return name
	}
	uid := uids[0] // real user ID
	if name, ok := cache[uid]; ok {
		return name
	}
	name := strconv.Itoa(int(uid))
	if u, err := user.LookupId(name); err == nil {
		name = u.Username
	}
	cache[uid] = name
	return name
}
