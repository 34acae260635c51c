package main

import (
	"fmt"
	"lifeline/shared/benchdoc"
	"strconv"
	"strings"
	"time"
)

const (
	// aimSessions in aimMiB is the product's stated aim.
	aimSessions = 10000
	aimMiB      = 1024
)

// derived figures of a result.
type figures struct {
	perSessionKiB   float64 // (hold RSS - baseline RSS) / sessions ready
	connsPerSession float64
	peerPerConnKiB  float64
	ratio           float64 // per session / (peer per connection × connections per session)
	projectedMiB    float64 // baseline + per session × aimSessions
	// settleMiB is where the RSS is expected to settle while idle: the
	// heap grows with garbage (pings) up to the collector's goal before
	// each collection, so RSS ≈ the idle server + goroutine stacks + goal.
	settleMiB float64
}

func (r *result) figures() figures {
	var f figures
	if r.Ready > 0 {
		f.perSessionKiB = float64(r.HoldMem.RSS-r.BaseMem.RSS) / float64(r.Ready)
		f.connsPerSession = float64(r.Conns) / float64(r.Ready)
		f.projectedMiB = (float64(r.BaseMem.RSS) + f.perSessionKiB*aimSessions) / 1024
	}
	if m := r.MetricsAfter; m != nil && m["go_memstats_next_gc_bytes"] > 0 {
		f.settleMiB = r.BaseMem.rssMiB() + (m["go_memstats_stack_inuse_bytes"]+m["go_memstats_next_gc_bytes"])/(1<<20)
	}
	if p := r.Peer; p != nil && p.Conns > 0 {
		f.peerPerConnKiB = float64(p.HoldMem.RSS-p.BaseMem.RSS) / float64(p.Conns)
		if f.peerPerConnKiB > 0 && f.connsPerSession > 0 {
			f.ratio = f.perSessionKiB / (f.peerPerConnKiB * f.connsPerSession)
		}
	}
	return f
}

// group writes an integer with thousands separators.
func group(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

func ms(d time.Duration) string {
	v := float64(d) / float64(time.Millisecond)
	if v < 10 {
		return strconv.FormatFloat(v, 'f', 1, 64)
	}
	return strconv.FormatFloat(v, 'f', 0, 64)
}

// markdown renders the section, markers excluded.
func (r *result) markdown(command string, when time.Time) string {
	f := r.figures()
	c := r.Config
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }

	p("## Rendezvous server\n\n")
	p("Command: `%s`  \n", command)
	p("Date: %s  \n", when.UTC().Format("2006-01-02 15:04 UTC"))
	p("Machine: %s, %d cores, %.1f GiB RAM, %s, Linux; the tool and the server share the cores", r.Machine.CPU, r.Machine.Cores, float64(r.Machine.MemTotal)/(1<<20), r.Machine.Go)
	if r.Machine.Load != "" {
		p(", with other work running (load average %s when the run started)", r.Machine.Load)
	}
	p(".\n\n")
	p("The tool builds `lifeline-rendezvous` and runs `serve --listen 127.0.0.1:PORT --turn-listen off --ping-interval %s` on embedded SQLite, "+
		"then drives it over real TLS sockets on loopback. Every session has its CSR and one customer connected: "+
		"a CSR console is one WebSocket attached to %d sessions (the multi-session window), logged in with one of %d CSR accounts; "+
		"each customer joins by number (`POST /api/v1/join`) and has its own WebSocket. "+
		"Setups run on %d concurrent workers; the sessions are then held idle for %s with only the server's pings flowing. "+
		"Memory per session is VmRSS of the server process while holding (median of one sample a second) minus VmRSS of the idle server before any login, divided by the sessions; "+
		"it includes the Go garbage collector's headroom, as a deployed server's RSS does. "+
		"The peer is a bare TLS WebSocket server (same `coder/websocket` library, certificate type, read loop and ping interval, nothing else), "+
		"started by the same tool and holding as many connections.\n\n",
		c.PingInterval, c.PerCSR, c.Accounts, c.Workers, c.Hold)

	p("| Measure | Value |\n|---|---|\n")
	p("| Sessions held (CSR + one customer, all ready) | %s of %s |\n", group(r.Ready), group(r.Target))
	p("| Server WebSocket connections | %s (%s CSR consoles + %s customers); %s open files |\n",
		group(r.Conns), group(r.CSRConns), group(r.Conns-r.CSRConns), group(r.ServerFDs))
	first, last := 0.0, 0.0
	if n := len(r.HoldSamples); n > 0 {
		first, last = float64(r.HoldSamples[0])/1024, float64(r.HoldSamples[n-1])/1024
	}
	p("| Server RSS (MiB): idle baseline → holding, median (first → last sample) | %.1f → **%.1f** (%.0f → %.0f); peak VmHWM %.1f |\n",
		r.BaseMem.rssMiB(), r.HoldMem.rssMiB(), first, last, r.EndMem.hwmMiB())
	p("| Memory per session (KiB) | **%.1f** |\n", f.perSessionKiB)
	if m := r.Metrics; m != nil {
		p("| Server goroutines / Go heap in use / goroutine stacks, holding (from /metrics) | %s / %.1f MiB / %.1f MiB |\n",
			group(int(m["go_goroutines"])), m["go_memstats_heap_inuse_bytes"]/(1<<20), m["go_memstats_stack_inuse_bytes"]/(1<<20))
	}
	if f.settleMiB > 0 {
		m := r.MetricsAfter
		p("| Expected idle RSS once the heap reaches the GC goal: baseline + stacks + goal (MiB) | %.0f + %.0f + %.0f = **%.0f** |\n",
			r.BaseMem.rssMiB(), m["go_memstats_stack_inuse_bytes"]/(1<<20), m["go_memstats_next_gc_bytes"]/(1<<20), f.settleMiB)
	}
	if pr := r.Peer; pr != nil {
		p("| Bare WebSocket peer: RSS baseline → holding %s connections (MiB) | %.1f → %.1f |\n", group(pr.Conns), pr.BaseMem.rssMiB(), pr.HoldMem.rssMiB())
		p("| Bare WebSocket peer, per connection (KiB) | %.1f |\n", f.peerPerConnKiB)
		if pr.Goroutines > 0 {
			p("| Peer goroutines / Go heap in use / goroutine stacks, holding | %s / %.1f MiB / %.1f MiB |\n",
				group(pr.Goroutines), pr.HeapInuse/(1<<20), pr.StackInuse/(1<<20))
		}
		p("| Ratio: Lifeline per session ÷ (peer per connection × %.2f connections) | %.2f |\n", f.connsPerSession, f.ratio)
	} else {
		p("| Bare WebSocket peer | not measured in this run |\n")
	}
	p("| Server CPU while holding idle (%% of one core) | %.2f %%", r.HoldCPU)
	if r.Peer != nil {
		p(" (peer: %.2f %%)", r.Peer.HoldCPU)
	}
	p(" |\n")
	p("| Keep-alive traffic per connection over the %.0f s hold, bytes in / out at the client (a ping every %s) | %.0f / %.0f |\n",
		r.HoldFor.Seconds(), c.PingInterval, r.PingBytesIn, r.PingBytesOut)
	p("| Session setups per second (%d workers, whole ramp-up) | %.0f (%s sessions in %.1f s; CPU of a core: server %.0f %%, tool %.0f %%) |\n",
		c.Workers, r.SetupsPerS, group(r.Ready), r.RampDur.Seconds(), r.RampCPU, r.RampToolCPU)
	p("| Join-to-ready, median / p90 / p99 (ms) | %s / %s / %s |\n",
		ms(percentile(r.JoinToReady, 50)), ms(percentile(r.JoinToReady, 90)), ms(percentile(r.JoinToReady, 99)))
	shut := fmt.Sprintf("exited cleanly in %.1f s; %s of %s connections told \"going away\"", r.ShutdownDur.Seconds(), group(r.GoingAway), group(r.Conns))
	if r.ShutdownErr != nil {
		shut = "FAILED: " + r.ShutdownErr.Error()
	}
	p("| SIGTERM with every connection open | %s |\n\n", shut)

	p("%s\n", r.interpretation(f))
	if len(r.Problems) > 0 {
		p("\n**Problems in this run:**\n\n")
		for _, pr := range r.Problems {
			p("- %s\n", strings.ReplaceAll(strings.TrimSpace(pr), "\n", "\n  "))
		}
	}
	return b.String()
}

// interpretation is one or two honest sentences about the figures.
func (r *result) interpretation(f figures) string {
	var s []string
	holdMiB := r.HoldMem.rssMiB()
	var firstMiB, lastMiB float64
	if n := len(r.HoldSamples); n > 0 {
		firstMiB, lastMiB = float64(r.HoldSamples[0])/1024, float64(r.HoldSamples[n-1])/1024
	}
	// The verdict weighs the worst of what was measured and where the RSS
	// is heading, with a band of 5 % around the aim for the estimate's
	// imprecision.
	worst := max(holdMiB, lastMiB, r.EndMem.hwmMiB(), f.settleMiB)
	rising := ""
	if lastMiB > firstMiB*1.03 {
		rising = fmt.Sprintf(", still rising during the hold (%.0f → %.0f MiB) as idle pings make garbage that the collector only reclaims when the heap reaches its goal", firstMiB, lastMiB)
	}
	settle := ""
	if f.settleMiB > 0 {
		settle = fmt.Sprintf("; with a GC goal of %.0f MiB and %.0f MiB of goroutine stacks, the idle RSS settles near %.0f MiB (default GOGC, no GOMEMLIMIT)",
			r.MetricsAfter["go_memstats_next_gc_bytes"]/(1<<20), r.MetricsAfter["go_memstats_stack_inuse_bytes"]/(1<<20), f.settleMiB)
	}
	switch {
	case r.Ready >= aimSessions && worst <= 0.95*aimMiB:
		s = append(s, fmt.Sprintf("The aim of %s live sessions within 1 GiB is met: %s sessions held in %.0f MiB (median; peak VmHWM %.0f MiB)%s%s.",
			group(aimSessions), group(r.Ready), holdMiB, r.EndMem.hwmMiB(), rising, settle))
	case r.Ready >= aimSessions && worst <= 1.05*aimMiB:
		s = append(s, fmt.Sprintf("The aim of %s live sessions within 1 GiB is at the limit, met with no headroom at best: %s sessions held in %.0f MiB (median; peak VmHWM %.0f MiB)%s%s.",
			group(aimSessions), group(r.Ready), holdMiB, r.EndMem.hwmMiB(), rising, settle))
	case r.Ready >= aimSessions:
		s = append(s, fmt.Sprintf("The aim of %s live sessions within 1 GiB is NOT met: %s sessions held in %.0f MiB (median; peak VmHWM %.0f MiB)%s%s.",
			group(aimSessions), group(r.Ready), holdMiB, r.EndMem.hwmMiB(), rising, settle))
	case r.Ready < aimSessions && r.Ready > 0:
		s = append(s, fmt.Sprintf("This run held only %s sessions, too few to test the aim (%s within 1 GiB): a linear projection from it (%.0f MiB) is rough, "+
			"because the garbage collector's headroom and the goroutine stacks do not scale linearly from a small heap; run the default %s sessions.",
			group(r.Ready), group(aimSessions), f.projectedMiB, group(aimSessions)))
	default:
		s = append(s, "The run did not hold its sessions; see the problems below.")
	}
	if f.ratio > 0 {
		s = append(s, fmt.Sprintf("A session costs %.2f× what its %.2f bare TLS WebSocket connections cost in the peer (%.1f KiB each): most of the memory is the connections themselves, the rest is session state, the session's goroutine and bookkeeping.",
			f.ratio, f.connsPerSession, f.peerPerConnKiB))
		s = append(s, fmt.Sprintf("Idle, the server used %.1f %% of a core against the peer's %.1f %%: that is the cost of pinging %s connections every %s, and it shrinks in proportion with a longer --ping-interval.",
			r.HoldCPU, r.Peer.HoldCPU, group(r.Conns), r.Config.PingInterval))
	} else {
		s = append(s, fmt.Sprintf("Idle, the server used %.1f %% of a core, pinging %s connections every %s.", r.HoldCPU, group(r.Conns), r.Config.PingInterval))
	}
	s = append(s, "Setup rates and latencies depend on the load of this shared machine; memory figures much less.")
	return strings.Join(s, " ")
}

// writeSection replaces the text between the markers in the file, or
// appends the markers and the section when they are absent. The rest of
// the file is left as it was.
func writeSection(path, section string) error {
	return benchdoc.UpdateSection(path, "rendezvous", section)
}
