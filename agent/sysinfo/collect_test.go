package sysinfo

import (
	"context"
	"errors"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// testTimeout bounds each category in tests: generous for a loaded CI
// machine, still far below the go test timeout.
const testTimeout = 30 * time.Second

// collected is one Collect of this machine, shared by the tests that only
// read it (collection takes about half a second).
var collected = sync.OnceValue(func() Report {
	return Collect(context.Background(), Options{Timeout: testTimeout})
})

func hasContent(c Category) bool {
	for _, s := range c.Sections {
		if len(s.Rows) > 0 || (s.Table != nil && len(s.Table.Rows) > 0) {
			return true
		}
	}
	return false
}

func TestCollectThisMachine(t *testing.T) {
	r := collected()
	if got, want := categoryIDs(r), IDs(); !slices.Equal(got, want) {
		t.Fatalf("categories %q, want %q", got, want)
	}
	if time.Since(r.CollectedAt) > time.Minute || r.CollectedAt.After(time.Now()) {
		t.Errorf("CollectedAt %v", r.CollectedAt)
	}
	// These have a source on every machine the tests run on.
	must := []string{CatOS, CatCPU, CatMemory, CatDisks, CatNetwork, CatProcesses}
	for _, c := range r.Categories {
		if c.Title == "" || c.Title != Title(c.ID) {
			t.Errorf("%s: title %q", c.ID, c.Title)
		}
		switch {
		case slices.Contains(must, c.ID):
			if c.Error != "" || !hasContent(c) {
				t.Errorf("%s: error %q, content %v; want content\n%s", c.ID, c.Error, hasContent(c), c.Text())
			}
		default:
			// Software and displays depend on the machine: content, an
			// honest note, or an error, but never nothing.
			if c.Error == "" && !hasContent(c) && (len(c.Sections) == 0 || c.Sections[0].Note == "") {
				t.Errorf("%s: neither content, a note nor an error:\n%s", c.ID, c.Text())
			}
		}
	}

	osCat, _ := r.Category(CatOS)
	if host, err := os.Hostname(); err == nil && !slices.Contains(osCat.Sections[0].Rows, [2]string{"Host name", host}) {
		t.Errorf("os rows %q lack host name %q", osCat.Sections[0].Rows, host)
	}
	procs, _ := r.Category(CatProcesses)
	if rows := procs.Sections[0].Table.Rows; len(rows) == 0 || len(rows) > MaxProcesses {
		t.Errorf("%d processes listed", len(rows))
	}
}

// On a Debian-like machine (this project's CI) the software category is
// the dpkg list.
func TestCollectSoftwareDpkg(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("dpkg is Linux only")
	}
	if _, err := os.Stat(dpkgStatusPath); err != nil {
		t.Skipf("no dpkg database: %v", err)
	}
	c, _ := collected().Category(CatSoftware)
	if c.Error != "" || len(c.Sections) == 0 || c.Sections[0].Table == nil {
		t.Fatalf("software:\n%s", c.Text())
	}
	if !strings.Contains(c.Sections[0].Title, "dpkg") || len(c.Sections[0].Table.Rows) == 0 {
		t.Errorf("software:\n%s", c.Text())
	}
}

func TestReportTextThisMachine(t *testing.T) {
	r := collected()
	text := r.Text()
	for _, c := range r.Categories {
		if !strings.Contains(text, "\n"+c.Title+"\n"+strings.Repeat("=", len(c.Title))+"\n") {
			t.Errorf("text lacks the underlined title %q", c.Title)
		}
	}
}

func categoryIDs(r Report) []string {
	var ids []string
	for _, c := range r.Categories {
		ids = append(ids, c.ID)
	}
	return ids
}

func TestCollectSelection(t *testing.T) {
	r := Collect(context.Background(), Options{Categories: []string{CatMemory, "bogus", CatOS, CatMemory}, Timeout: testTimeout})
	if got := categoryIDs(r); !slices.Equal(got, []string{CatMemory, "bogus", CatOS}) {
		t.Fatalf("categories %q", got)
	}
	if e := r.Categories[1].Error; !strings.Contains(e, `unknown category "bogus"`) {
		t.Errorf("unknown category error %q", e)
	}
}

// withCategory adds a test collector for the duration of a test.
func withCategory(t *testing.T, id string, f func(context.Context, *Options) ([]Section, error)) {
	t.Helper()
	saved := categories
	categories = append(slices.Clone(categories), catInfo{id, "Test " + id, f})
	t.Cleanup(func() { categories = saved })
}

func TestCollectIsolatesFailures(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	withCategory(t, "hang", func(context.Context, *Options) ([]Section, error) {
		<-release // ignores its context, like a stuck system call
		return nil, nil
	})
	withCategory(t, "panic", func(context.Context, *Options) ([]Section, error) {
		panic("collector bug")
	})
	withCategory(t, "fail", func(context.Context, *Options) ([]Section, error) {
		return []Section{{Note: "partial"}}, errors.New("reading things: permission denied")
	})
	withCategory(t, "late", func(ctx context.Context, _ *Options) ([]Section, error) {
		<-ctx.Done() // notices its deadline itself
		return nil, ctx.Err()
	})

	start := time.Now()
	r := Collect(context.Background(), Options{Categories: []string{"hang", "panic", CatMemory, "fail", "late"}, Timeout: 200 * time.Millisecond})
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Collect took %v with a 200ms timeout", d)
	}
	want := map[string]string{
		"hang":  "timed out after 200ms",
		"panic": "internal error: collector bug",
		"fail":  "reading things: permission denied",
		"late":  "timed out after 200ms",
	}
	for _, c := range r.Categories {
		if c.ID == CatMemory {
			if c.Error != "" || !hasContent(c) {
				t.Errorf("memory broken by its neighbours: %q", c.Error)
			}
			continue
		}
		if c.Error != want[c.ID] {
			t.Errorf("%s: error %q, want %q", c.ID, c.Error, want[c.ID])
		}
	}
	if f, _ := r.Category("fail"); len(f.Sections) != 1 {
		t.Errorf("a failing category keeps what it found: %+v", f.Sections)
	}
}

func TestCollectCancelled(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	withCategory(t, "hang", func(context.Context, *Options) ([]Section, error) {
		<-release
		return nil, nil
	})
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	r := Collect(ctx, Options{Categories: []string{"hang"}, Timeout: time.Minute})
	if e := r.Categories[0].Error; !strings.HasPrefix(e, "cancelled") {
		t.Errorf("error %q, want cancelled", e)
	}
}
