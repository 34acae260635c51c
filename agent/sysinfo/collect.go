package sysinfo

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// DefaultTimeout is how long one category may take when Options.Timeout is
// zero. Generous because some sources are slow on a busy machine (WMI on
// Windows, rpm -qa on a large RPM database), and categories run in
// parallel, so the slowest one alone sets the pace.
const DefaultTimeout = 15 * time.Second

// Options selects what Collect gathers.
type Options struct {
	// Categories are the IDs to collect, in the order they should appear;
	// nil or empty means all of IDs(). An unknown ID yields a category with
	// an Error rather than being dropped silently.
	Categories []string
	// Display is the X display the displays category reads on Linux;
	// empty means $DISPLAY. The agent passes the display it shares.
	Display string
	// Timeout bounds each category; zero means DefaultTimeout.
	Timeout time.Duration
}

// catInfo is the fixed part of a category: ID, title and collector. A
// collector returns what it found and an error that makes the whole
// category fail; problems with one part of a category are reported as a
// Note in that part's section instead, so the rest still shows.
type catInfo struct {
	id, title string
	collect   func(ctx context.Context, opt *Options) ([]Section, error)
}

// categories are all categories, in display order.
var categories = []catInfo{
	{CatOS, "Operating system", collectOS},
	{CatCPU, "Processor", collectCPU},
	{CatMemory, "Memory", collectMemory},
	{CatDisks, "Disks", collectDisks},
	{CatNetwork, "Network", collectNetwork},
	{CatProcesses, "Processes", collectProcesses},
	{CatSoftware, "Installed software", collectSoftware},
	{CatDisplays, "Displays", collectDisplays},
}

// Collect gathers the selected categories concurrently, each bounded by
// opt.Timeout and by ctx, and returns them in order. It never fails as a
// whole: a category that fails, panics or times out carries its Error.
//
// A collector that times out is abandoned, not stopped (most system calls
// behind it take no context); its goroutine ends when the call returns and
// its result is dropped.
func Collect(ctx context.Context, opt Options) Report {
	timeout := opt.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ids := opt.Categories
	if len(ids) == 0 {
		ids = IDs()
	}
	// Drop duplicates, keeping the first position.
	var uniq []string
	for _, id := range ids {
		if !slices.Contains(uniq, id) {
			uniq = append(uniq, id)
		}
	}

	r := Report{
		CollectedAt: time.Now().Truncate(time.Second),
		Categories:  make([]Category, len(uniq)),
	}
	done := make(chan struct{}, len(uniq))
	for i, id := range uniq {
		go func() {
			defer func() { done <- struct{}{} }()
			r.Categories[i] = collectOne(ctx, id, &opt, timeout)
		}()
	}
	for range uniq {
		<-done
	}
	return r
}

// collectOne runs one category's collector under its timeout and bounds
// the result.
func collectOne(ctx context.Context, id string, opt *Options, timeout time.Duration) Category {
	i := slices.IndexFunc(categories, func(c catInfo) bool { return c.id == id })
	if i < 0 {
		return bound(Category{ID: id, Title: id, Error: fmt.Sprintf("unknown category %q", id)})
	}
	info := categories[i]
	cat := Category{ID: info.id, Title: info.title}

	cctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	type result struct {
		secs []Section
		err  error
	}
	ch := make(chan result, 1) // buffered: an abandoned collector never blocks
	go func() {
		defer func() {
			if p := recover(); p != nil {
				ch <- result{err: fmt.Errorf("internal error: %v", p)}
			}
		}()
		secs, err := info.collect(cctx, opt)
		ch <- result{secs, err}
	}()

	select {
	case res := <-ch:
		cat.Sections = res.secs
		switch {
		case res.err == nil:
		case cctx.Err() != nil:
			// The collector noticed the deadline itself; say so the same
			// way as when it is abandoned.
			cat.Error = stopped(ctx, timeout)
		default:
			cat.Error = res.err.Error()
		}
	case <-cctx.Done():
		cat.Error = stopped(ctx, timeout)
	}
	return bound(cat)
}

// stopped says why a category's context ended: its own timeout, or the
// caller's ctx.
func stopped(parent context.Context, timeout time.Duration) string {
	if err := parent.Err(); err != nil {
		return fmt.Sprintf("cancelled: %v", context.Cause(parent))
	}
	return fmt.Sprintf("timed out after %v", timeout)
}
