package input

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// keysym is an X keysym.
type keysym uint32

const (
	noSymbol keysym = 0

	ksReturn   keysym = 0xff0d
	ksTab      keysym = 0xff09
	ksShiftL   keysym = 0xffe1
	ksShiftR   keysym = 0xffe2
	ksControlL keysym = 0xffe3
	ksControlR keysym = 0xffe4
	ksAltL     keysym = 0xffe9
	ksAltR     keysym = 0xffea
	ksSuperL   keysym = 0xffeb
	ksSuperR   keysym = 0xffec
)

// namedKey is a key the console names (X keysym names such as Return,
// Page_Up, F5; a few browser spellings such as Enter, ArrowLeft, PageUp are
// accepted too), with the name robotgo knows it by and its keysym.
type namedKey struct {
	robot string // robotgo's key name
	sym   keysym // what robotgo presses (it looks the keycode up by keysym)
}

// namedKeys is indexed by the lower-cased console name.
var namedKeys = map[string]namedKey{
	"return":     {"enter", ksReturn},
	"enter":      {"enter", ksReturn},
	"tab":        {"tab", ksTab},
	"backspace":  {"backspace", 0xff08},
	"escape":     {"escape", 0xff1b},
	"esc":        {"escape", 0xff1b},
	"delete":     {"delete", 0xffff},
	"del":        {"delete", 0xffff},
	"insert":     {"insert", 0xff63},
	"home":       {"home", 0xff50},
	"end":        {"end", 0xff57},
	"page_up":    {"pageup", 0xff55},
	"pageup":     {"pageup", 0xff55},
	"prior":      {"pageup", 0xff55},
	"page_down":  {"pagedown", 0xff56},
	"pagedown":   {"pagedown", 0xff56},
	"next":       {"pagedown", 0xff56},
	"left":       {"left", 0xff51},
	"up":         {"up", 0xff52},
	"right":      {"right", 0xff53},
	"down":       {"down", 0xff54},
	"arrowleft":  {"left", 0xff51},
	"arrowup":    {"up", 0xff52},
	"arrowright": {"right", 0xff53},
	"arrowdown":  {"down", 0xff54},
	"space":      {"space", 0x20},
	"print":      {"print", 0xff61},
	"caps_lock":  {"capslock", 0xffe5},
	"capslock":   {"capslock", 0xffe5},
	"control_l":  {"ctrl", ksControlL},
	"control":    {"ctrl", ksControlL},
	"ctrl":       {"ctrl", ksControlL},
	"control_r":  {"rctrl", ksControlR},
	"shift_l":    {"shift", ksShiftL},
	"shift":      {"shift", ksShiftL},
	"shift_r":    {"rshift", ksShiftR},
	"alt_l":      {"alt", ksAltL},
	"alt":        {"alt", ksAltL},
	"alt_r":      {"ralt", ksAltR},
	"super_l":    {"cmd", ksSuperL},
	"super":      {"cmd", ksSuperL},
	"meta":       {"cmd", ksSuperL},
	"os":         {"cmd", ksSuperL},
	"super_r":    {"rcmd", ksSuperR},
}

func init() {
	for i := 1; i <= 24; i++ {
		namedKeys[fmt.Sprintf("f%d", i)] = namedKey{fmt.Sprintf("f%d", i), keysym(0xffbe + i - 1)}
	}
	for i := 0; i <= 9; i++ {
		namedKeys[fmt.Sprintf("kp_%d", i)] = namedKey{fmt.Sprintf("num%d", i), keysym(0xffb0 + i)}
	}
}

// modifier is one of the console's modifiers.
type modifier struct {
	name  string // console name
	robot string // robotgo flag
	sym   keysym // the key robotgo presses for it
}

var modifiers = []modifier{
	{"super", "cmd", ksSuperL},
	{"alt", "alt", ksAltL},
	{"ctrl", "ctrl", ksControlL},
	{"shift", "shift", ksShiftL},
}

// parseMods checks the console's modifiers and returns them without
// duplicates, in robotgo's pressing order (super, alt, ctrl, shift).
func parseMods(mods []string) ([]modifier, error) {
	var seen [4]bool
	for _, m := range mods {
		found := false
		for i, d := range modifiers {
			if strings.EqualFold(m, d.name) {
				seen[i], found = true, true
			}
		}
		if !found {
			return nil, fmt.Errorf("input: unknown modifier %q", m)
		}
	}
	var out []modifier
	for i, d := range modifiers {
		if seen[i] {
			out = append(out, d)
		}
	}
	return out, nil
}

// keyKind sorts a key event's name: a named key, or one character.
func lookupKey(name string) (nk namedKey, r rune, err error) {
	if utf8.RuneCountInString(name) == 1 {
		r, _ = utf8.DecodeRuneInString(name)
		if r == utf8.RuneError || r < 0x20 || r == 0x7f {
			return nk, 0, fmt.Errorf("input: bad key %q", name)
		}
		if r == ' ' {
			return namedKeys["space"], 0, nil
		}
		return nk, r, nil
	}
	if nk, ok := namedKeys[strings.ToLower(name)]; ok {
		return nk, 0, nil
	}
	return nk, 0, fmt.Errorf("input: unknown key %q", name)
}

// runeKeysym returns the keysym that types r: Latin-1 characters have
// keysyms of the same value, every other character the Unicode keysym
// 0x01000000+r (which Xlib, xkbcommon and toolkits all understand).
func runeKeysym(r rune) keysym {
	switch {
	case r == '\n' || r == '\r':
		return ksReturn
	case r == '\t':
		return ksTab
	case r >= 0x20 && r <= 0x7e, r >= 0xa0 && r <= 0xff:
		return keysym(r)
	case r < 0x20 || (r >= 0x7f && r < 0xa0):
		return noSymbol // other control characters are not typed
	case r > utf8.MaxRune || (r >= 0xd800 && r <= 0xdfff):
		return noSymbol
	}
	return keysym(0x01000000 | uint32(r))
}

// cased reports whether typing ks depends on Caps Lock: a letter with an
// upper and a lower case.
func cased(ks keysym) bool {
	var r rune
	switch {
	case ks < 0x100:
		r = rune(ks)
	case ks&0xff000000 == 0x01000000:
		r = rune(ks & 0x00ffffff)
	default:
		return false
	}
	return strings.ToUpper(string(r)) != strings.ToLower(string(r))
}
