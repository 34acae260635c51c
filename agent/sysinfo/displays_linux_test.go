package sysinfo

import (
	"context"
	"io"
	"log"
	"slices"
	"strings"
	"testing"

	"github.com/jezek/xgb"

	"lifeline/shared/xvfbtest"
)

func init() {
	// xgb logs "Could not get authority info" for every connection to an
	// Xvfb without a cookie; keep the test output readable.
	xgb.Logger = log.New(io.Discard, "", 0)
}

func collectOnly(t *testing.T, id string, opt Options) Category {
	t.Helper()
	opt.Categories, opt.Timeout = []string{id}, testTimeout
	return Collect(context.Background(), opt).Categories[0]
}

func TestDisplaysXvfb(t *testing.T) {
	d := xvfbtest.Start(t, 1366, 768)
	c := collectOnly(t, CatDisplays, Options{Display: d.Name})
	if c.Error != "" {
		t.Fatalf("error %q", c.Error)
	}
	text := c.Text()
	main := c.Sections[0].Rows
	for _, want := range [][2]string{{"Display", d.Name}, {"Screen size", "1366 x 768 pixels"}, {"Colour depth", "24 bits"}} {
		if !slices.Contains(main, want) {
			t.Errorf("no row %q in\n%s", want, text)
		}
	}
	// Xvfb speaks RandR 1.5 with one output "screen".
	if !strings.Contains(text, "Monitors\n") || !strings.Contains(text, "1366 x 768") || !strings.Contains(text, "Outputs\n") {
		t.Errorf("no monitor or output listed:\n%s", text)
	}
}

func TestDisplaysNoDisplay(t *testing.T) {
	t.Setenv("DISPLAY", "")
	t.Setenv("WAYLAND_DISPLAY", "")
	c := collectOnly(t, CatDisplays, Options{})
	if c.Error != "" || len(c.Sections) != 1 || !strings.Contains(c.Sections[0].Note, "DISPLAY is not set") {
		t.Errorf("without a display:\n%s", c.Text())
	}
	t.Setenv("WAYLAND_DISPLAY", "wayland-0")
	if c := collectOnly(t, CatDisplays, Options{}); !strings.Contains(c.Sections[0].Note, "Wayland") {
		t.Errorf("Wayland session:\n%s", c.Text())
	}
}

func TestDisplaysBadDisplay(t *testing.T) {
	for _, name := range []string{":4242", "::::", "bad display"} {
		c := collectOnly(t, CatDisplays, Options{Display: name})
		if !strings.Contains(c.Error, "connecting to X display") {
			t.Errorf("display %q: error %q", name, c.Error)
		}
	}
}
