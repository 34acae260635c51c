package input

import (
	"errors"
	"image"
	"io"
	"log"
	"os"
	"sync/atomic"
	"testing"

	"github.com/jezek/xgb"

	"lifeline/shared/transport"
)

func TestMain(m *testing.M) {
	// xgb logs every connection without an Xauthority file and every
	// connection the tests' Xvfb closes.
	if os.Getenv("LIFELINE_XGB_LOG") == "" {
		xgb.Logger = log.New(io.Discard, "", 0)
	}
	os.Exit(m.Run())
}

func TestMapper(t *testing.T) {
	if _, err := NewMapper(image.Rectangle{}); err == nil {
		t.Fatal("empty region accepted")
	}
	m, err := NewMapper(image.Rect(1920, 0, 3840, 1080)) // second monitor
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ x, y, wx, wy int }{
		{0, 0, 1920, 0},
		{100, 50, 2020, 50},
		{1919, 1079, 3839, 1079},
		{5000, 5000, 3839, 1079}, // clamped inside the region
		{-10, -3, 1920, 0},
	} {
		if p := m.Map(c.x, c.y); p != image.Pt(c.wx, c.wy) {
			t.Errorf("Map(%d,%d) = %v, want (%d,%d)", c.x, c.y, p, c.wx, c.wy)
		}
	}
	// Monitor switch.
	if err := m.SetRegion(image.Rect(0, 0, 1920, 1080)); err != nil {
		t.Fatal(err)
	}
	if p := m.Map(100, 50); p != image.Pt(100, 50) {
		t.Errorf("after SetRegion: %v", p)
	}
	if err := m.SetRegion(image.Rect(5, 5, 5, 9)); err == nil {
		t.Error("empty region accepted by SetRegion")
	}
}

func TestLookupKey(t *testing.T) {
	for name, robot := range map[string]string{
		"Return": "enter", "Enter": "enter", "Tab": "tab", "BackSpace": "backspace",
		"Escape": "escape", "Delete": "delete", "Home": "home", "End": "end",
		"Page_Up": "pageup", "Page_Down": "pagedown", "Left": "left", "Up": "up",
		"Right": "right", "Down": "down", "ArrowLeft": "left", "F1": "f1", "F12": "f12",
		"Insert": "insert", "space": "space", " ": "space", "Control_L": "ctrl", "Super_L": "cmd",
	} {
		nk, r, err := lookupKey(name)
		if err != nil || r != 0 || nk.robot != robot || nk.sym == noSymbol {
			t.Errorf("lookupKey(%q) = %+v, %q, %v; want robotgo %q", name, nk, r, err, robot)
		}
	}
	for _, name := range []string{"a", "Z", "7", "!", "<", "é", "✓"} {
		if _, r, err := lookupKey(name); err != nil || string(r) != name {
			t.Errorf("lookupKey(%q) = %q, %v", name, r, err)
		}
	}
	for _, name := range []string{"", "NoSuchKey", "\x01"} {
		if _, _, err := lookupKey(name); err == nil {
			t.Errorf("lookupKey(%q) accepted", name)
		}
	}
	if nk, _, _ := lookupKey("F5"); nk.sym != 0xffc2 {
		t.Errorf("F5 keysym %#x", nk.sym)
	}
}

func TestParseMods(t *testing.T) {
	ms, err := parseMods([]string{"shift", "ctrl", "ctrl", "super", "alt"})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, m := range ms {
		names = append(names, m.robot)
	}
	if got := len(names); got != 4 || names[0] != "cmd" || names[1] != "alt" || names[2] != "ctrl" || names[3] != "shift" {
		t.Errorf("parseMods = %v", names)
	}
	if _, err := parseMods([]string{"hyper"}); err == nil {
		t.Error("unknown modifier accepted")
	}
}

func TestRuneKeysym(t *testing.T) {
	for r, want := range map[rune]keysym{
		'a': 0x61, 'A': 0x41, '~': 0x7e, 'ö': 0xf6, 'ß': 0xdf, '€': 0x10020ac, '✓': 0x1002713,
		'😀': 0x101f600, '\n': ksReturn, '\t': ksTab, '\x07': noSymbol, 0x85: noSymbol,
	} {
		if got := runeKeysym(r); got != want {
			t.Errorf("runeKeysym(%U) = %#x, want %#x", r, got, want)
		}
	}
	for ks, want := range map[keysym]bool{'a': true, 'Z': true, '1': false, 0xf6: true, 0x1000430: true, 0x1002713: false, ksReturn: false} {
		if cased(ks) != want {
			t.Errorf("cased(%#x) = %v", ks, !want)
		}
	}
}

func TestRecorderPause(t *testing.T) {
	r := NewRecorder()
	var locals, resumes atomic.Int32
	r.OnLocal(func() { locals.Add(1) })
	r.OnResume(func() { resumes.Add(1) })
	move := transport.Input{Kind: transport.InputMove, X: 1, Y: 2}
	if err := r.Apply(move); err != nil {
		t.Fatal(err)
	}
	r.SimulateLocal()
	r.SimulateLocal() // already paused: no second callback
	if !r.Paused() || locals.Load() != 1 {
		t.Fatalf("paused=%v locals=%d", r.Paused(), locals.Load())
	}
	for _, ev := range []transport.Input{move, {Kind: transport.InputUp}, {Kind: transport.InputKey, Key: "a"},
		{Kind: transport.InputText, Text: "x"}, {Kind: transport.InputWheel, DY: 1}} {
		if err := r.Apply(ev); !errors.Is(err, ErrPaused) {
			t.Errorf("%s while paused: %v", ev.Kind, err)
		}
	}
	click := transport.Input{Kind: transport.InputClick, X: 3, Y: 4}
	if err := r.Apply(click); err != nil {
		t.Fatal(err)
	}
	if r.Paused() || resumes.Load() != 1 {
		t.Fatalf("click did not resume: paused=%v resumes=%d", r.Paused(), resumes.Load())
	}
	r.SimulateLocal()
	if err := r.Apply(transport.Input{Kind: transport.InputDown}); err != nil || r.Paused() {
		t.Fatalf("down did not resume: %v", err)
	}
	evs := r.Events()
	if len(evs) != 3 || evs[0].Kind != move.Kind || evs[0].X != 1 || evs[1].Kind != transport.InputClick || evs[2].Kind != transport.InputDown {
		t.Fatalf("events %+v", evs)
	}
	if err := r.SetRegion(image.Rect(0, 0, 10, 10)); err != nil || r.Region() != image.Rect(0, 0, 10, 10) {
		t.Fatal("SetRegion")
	}
	r.Close()
	if err := r.Apply(move); !errors.Is(err, ErrClosed) {
		t.Fatalf("after Close: %v", err)
	}
}

func TestDialXBadDisplay(t *testing.T) {
	for _, d := range []string{"nocolon", ":x", "host:"} {
		if c, _, _, err := dialX(d); err == nil {
			c.Close()
			t.Errorf("dialX(%q) accepted", d)
		}
	}
}
