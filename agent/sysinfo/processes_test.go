package sysinfo

import (
	"slices"
	"testing"

	"github.com/shirou/gopsutil/v3/process"
)

func TestPick(t *testing.T) {
	mk := func(pid int32, rss uint64, cpu float64) *proc {
		return &proc{p: &process.Process{Pid: pid}, rss: rss, cpuPct: cpu, cpuKnown: true}
	}
	all := []*proc{
		mk(1, 100, 0), mk(2, 500, 0), mk(3, 300, 0), mk(4, 1, 90), // 4: small but busy
		mk(5, 200, 0), mk(6, 200, 0),
	}
	pids := func(ps []*proc) []int32 {
		var out []int32
		for _, p := range ps {
			out = append(out, p.p.Pid)
		}
		return out
	}
	if got := pids(pick(all, 4, 1)); !slices.Equal(got, []int32{2, 3, 5, 4}) {
		t.Errorf("pick 4 with 1 busy = %v, want the 3 biggest and the busy one, by memory", got)
	}
	if got := pids(pick(all, 3, 0)); !slices.Equal(got, []int32{2, 3, 5}) {
		t.Errorf("pick 3 = %v", got)
	}
	if got := pids(pick(all, 10, 1)); !slices.Equal(got, []int32{2, 3, 5, 6, 1, 4}) {
		t.Errorf("pick all = %v, want all by memory then PID", got)
	}
	// Idle processes are not "busy", whatever busy says.
	idle := []*proc{mk(1, 10, 0), mk(2, 5, 0), mk(3, 1, 0)}
	if got := pids(pick(idle, 2, 2)); !slices.Equal(got, []int32{1, 2}) {
		t.Errorf("pick idle = %v", got)
	}
}
