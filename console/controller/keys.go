package controller

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"lifeline/shared/transport"
)

// Key names the console sends, as X11 keysym names (what the agent must
// understand). ParseKey accepts them in any case and the aliases below.
var keyNames = map[string]string{
	"return": "Return", "enter": "Return",
	"tab":    "Tab",
	"escape": "Escape", "esc": "Escape",
	"backspace": "BackSpace",
	"delete":    "Delete", "del": "Delete",
	"insert": "Insert", "ins": "Insert",
	"home":    "Home",
	"end":     "End",
	"page_up": "Page_Up", "pageup": "Page_Up", "pgup": "Page_Up", "prior": "Page_Up",
	"page_down": "Page_Down", "pagedown": "Page_Down", "pgdn": "Page_Down", "next": "Page_Down",
	"up":    "Up",
	"down":  "Down",
	"left":  "Left",
	"right": "Right",
	"space": "space",
	"menu":  "Menu",
	"print": "Print", "printscreen": "Print",
	"caps_lock": "Caps_Lock", "capslock": "Caps_Lock",
	"num_lock": "Num_Lock", "numlock": "Num_Lock",
	"scroll_lock": "Scroll_Lock", "scrolllock": "Scroll_Lock",
	"pause": "Pause",
}

// modifiers maps what people write to the transport's modifier names, and
// the key pressed when a modifier is the whole combination.
var modifiers = map[string]string{
	"ctrl": "ctrl", "control": "ctrl",
	"shift": "shift",
	"alt":   "alt", "option": "alt", "opt": "alt",
	"super": "super", "win": "super", "windows": "super", "cmd": "super", "command": "super", "meta": "super",
}

var modifierKeys = map[string]string{"ctrl": "Control_L", "shift": "Shift_L", "alt": "Alt_L", "super": "Super_L"}

// KeyNames lists the named keys ParseKey knows (besides single characters
// and F1–F24), for help texts.
func KeyNames() []string {
	seen := map[string]bool{}
	var out []string
	for _, v := range keyNames {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	slices.Sort(out)
	return out
}

// ParseKey parses a key combination as people write it: modifiers joined
// with "+" before one key, e.g. "ctrl+a", "shift+Tab", "Return",
// "ctrl+alt+Delete", "ctrl++" (the plus key). Modifiers are ctrl, shift,
// alt and super (aliases: control, option, win, cmd, meta). A key is one
// character (kept as written: "a" and "A" differ) or a name: Return, Tab,
// Escape, BackSpace, Delete, Insert, Home, End, Page_Up, Page_Down, Up,
// Down, Left, Right, space, Menu, Print, Caps_Lock, Num_Lock, Scroll_Lock,
// Pause, F1–F24 — in any case, with aliases such as enter, esc, del, pgup.
// A modifier alone presses that key ("super" is Super_L).
func ParseKey(combo string) (transport.Input, error) {
	in := transport.Input{Kind: transport.InputKey}
	s := strings.TrimSpace(combo)
	if s == "" {
		return in, fmt.Errorf("name a key, e.g. Return, ctrl+c or shift+Tab")
	}
	var parts []string
	switch {
	case s == "+":
		parts = []string{"+"}
	case strings.HasSuffix(s, "++"):
		parts = append(strings.Split(s[:len(s)-2], "+"), "+")
	default:
		parts = strings.Split(s, "+")
	}
	last := len(parts) - 1
	for i, p := range parts {
		p = strings.TrimSpace(p)
		if p == "" {
			return in, fmt.Errorf("%q has an empty part: write modifiers and a key joined by +, e.g. ctrl+alt+Delete", combo)
		}
		m, isMod := modifiers[strings.ToLower(p)]
		if i < last {
			if !isMod {
				return in, fmt.Errorf("%q in %q is not a modifier: use ctrl, shift, alt or super before the key", p, combo)
			}
			if slices.Contains(in.Mods, m) {
				return in, fmt.Errorf("%q names %s twice", combo, m)
			}
			in.Mods = append(in.Mods, m)
			continue
		}
		if isMod {
			if slices.Contains(in.Mods, m) {
				return in, fmt.Errorf("%q names %s twice", combo, m)
			}
			in.Key = modifierKeys[m]
			continue
		}
		key, err := keyName(p)
		if err != nil {
			return in, err
		}
		in.Key = key
	}
	return in, nil
}

func keyName(p string) (string, error) {
	if utf8.RuneCountInString(p) == 1 {
		return p, nil
	}
	lower := strings.ToLower(p)
	if k, ok := keyNames[lower]; ok {
		return k, nil
	}
	if len(lower) >= 2 && lower[0] == 'f' {
		if n, err := strconv.Atoi(lower[1:]); err == nil && n >= 1 && n <= 24 && lower[1] != '0' {
			return "F" + strconv.Itoa(n), nil
		}
	}
	return "", fmt.Errorf("%q is not a key this console knows: use one character, F1–F24, or one of %s", p, strings.Join(KeyNames(), ", "))
}
