package controller

import (
	"slices"
	"strings"
	"testing"
)

// Key combinations are written as people write them; the agent receives a
// key name and the modifiers held with it.
func TestParseKey(t *testing.T) {
	cases := []struct {
		combo string
		key   string
		mods  []string
		err   string // part of the error; "" when accepted
	}{
		{combo: "ctrl+a", key: "a", mods: []string{"ctrl"}},
		{combo: "shift+Tab", key: "Tab", mods: []string{"shift"}},
		{combo: "Return", key: "Return"},
		{combo: "ctrl+alt+Delete", key: "Delete", mods: []string{"ctrl", "alt"}},
		{combo: "A", key: "A"},
		{combo: "enter", key: "Return"},
		{combo: "ESC", key: "Escape"},
		{combo: "Control+Shift+Esc", key: "Escape", mods: []string{"ctrl", "shift"}},
		{combo: "cmd+space", key: "space", mods: []string{"super"}},
		{combo: "alt+F4", key: "F4", mods: []string{"alt"}},
		{combo: "f12", key: "F12"},
		{combo: "pgdn", key: "Page_Down"},
		{combo: "backspace", key: "BackSpace"},
		{combo: "ctrl++", key: "+", mods: []string{"ctrl"}},
		{combo: "+", key: "+"},
		{combo: "ctrl+é", key: "é", mods: []string{"ctrl"}},
		{combo: "super", key: "Super_L"},
		{combo: "ctrl+shift", key: "Shift_L", mods: []string{"ctrl"}},
		{combo: "", err: "name a key"},
		{combo: "ctrl+", err: "empty part"},
		{combo: "a+b", err: "not a modifier"},
		{combo: "ctrl+ctrl+a", err: "twice"},
		{combo: "ctrl+Retrun", err: "not a key this console knows"},
		{combo: "F25", err: "not a key"},
		{combo: "F0", err: "not a key"},
	}
	for _, c := range cases {
		t.Run(c.combo, func(t *testing.T) {
			in, err := ParseKey(c.combo)
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("ParseKey(%q) error = %v, want one saying %q", c.combo, err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseKey(%q): %v", c.combo, err)
			}
			if in.Kind != "key" || in.Key != c.key || !slices.Equal(in.Mods, c.mods) {
				t.Fatalf("ParseKey(%q) = kind %q key %q mods %q, want key %q mods %q", c.combo, in.Kind, in.Key, in.Mods, c.key, c.mods)
			}
		})
	}
}
