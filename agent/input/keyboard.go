package input

import (
	"fmt"
	"time"
	"unicode"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/xproto"
	"github.com/jezek/xgb/xtest"
)

// keyboard types characters with XTEST on a pure-Go X connection.
//
// A character whose keysym is on the current keyboard map (in the active
// layout group, at level 1 or 2) is typed with that key, with Shift when
// needed and Caps Lock compensated; this is layout-independent: on a German
// map 'z' is the key the map says, not the US one. Any other character
// (accents missing from the layout, other scripts, symbols) is typed the
// way xdotool does: a keycode that has no keysyms ("scratch" key) is
// temporarily mapped to the character's keysym and pressed.
//
// Why not robotgo.Type: on X11 it remaps one fixed keycode (max-1, which it
// never restores) for every non-ASCII character in turn. Clients read the
// keyboard map lazily when they process the key event, by which time the
// next character has often been mapped: measured on Xvfb + xterm, 3 runs
// out of 5 garbled "äöü ßéè ñ …" (ä → ü, é → ñ, € → ¥). Characters outside
// the BMP are silently dropped. Here each distinct character gets its own
// scratch key, kept until it is needed for another character, and a
// scratch key is not remapped until settle has passed since it was last
// pressed.
type keyboard struct {
	conn     *xgb.Conn
	root     xproto.Window
	min, max xproto.Keycode
	per      int      // keysyms per keycode
	syms     []keysym // (max-min+1)*per, refreshed before each use
	slots    []*slot  // scratch keycodes
	settle   time.Duration
	expect   func(n int) // told how many key presses are about to be injected
	stopped  func() bool // typing stops (ErrPaused) once it returns true
}

type slot struct {
	kc   xproto.Keycode
	sym  keysym // what we mapped on it; noSymbol when free
	used time.Time
}

// maxSlots bounds how many empty keycodes are borrowed.
const maxSlots = 32

func newKeyboard(conn *xgb.Conn, root xproto.Window, expect func(int)) (*keyboard, error) {
	if err := xtest.Init(conn); err != nil {
		return nil, fmt.Errorf("input: the X server has no XTEST extension: %w", err)
	}
	setup := xproto.Setup(conn)
	k := &keyboard{conn: conn, root: root, min: setup.MinKeycode, max: setup.MaxKeycode,
		settle: 250 * time.Millisecond, expect: expect}
	if err := k.refresh(); err != nil {
		return nil, err
	}
	return k, nil
}

// refresh reloads the keyboard map (the customer may switch layouts at any
// time) and updates the scratch keys.
func (k *keyboard) refresh() error {
	n := int(k.max) - int(k.min) + 1
	rep, err := xproto.GetKeyboardMapping(k.conn, k.min, byte(n)).Reply()
	if err != nil {
		return fmt.Errorf("input: reading the keyboard map: %w", err)
	}
	k.per = int(rep.KeysymsPerKeycode)
	if k.per == 0 || len(rep.Keysyms) < n*k.per {
		return fmt.Errorf("input: bad keyboard map (%d keysyms per keycode)", k.per)
	}
	k.syms = k.syms[:0]
	for _, s := range rep.Keysyms[:n*k.per] {
		k.syms = append(k.syms, keysym(s))
	}
	// Keep the slots that are still empty or still carry our keysym.
	mine := map[xproto.Keycode]bool{}
	kept := k.slots[:0]
	for _, s := range k.slots {
		switch {
		case k.empty(s.kc):
			s.sym = noSymbol
		case s.sym != noSymbol && k.at(s.kc, 0) == s.sym:
		default:
			continue // someone else uses it now
		}
		kept = append(kept, s)
		mine[s.kc] = true
	}
	k.slots = kept
	// Keycode 8 is reserved by XKB; start above it.
	for kc := int(k.min); kc <= int(k.max) && len(k.slots) < maxSlots; kc++ {
		if kc <= 8 || mine[xproto.Keycode(kc)] || !k.empty(xproto.Keycode(kc)) {
			continue
		}
		k.slots = append(k.slots, &slot{kc: xproto.Keycode(kc)})
	}
	return nil
}

func (k *keyboard) at(kc xproto.Keycode, col int) keysym {
	if col >= k.per || kc < k.min || kc > k.max {
		return noSymbol
	}
	return k.syms[(int(kc)-int(k.min))*k.per+col]
}

func (k *keyboard) empty(kc xproto.Keycode) bool {
	for c := 0; c < k.per; c++ {
		if k.at(kc, c) != noSymbol {
			return false
		}
	}
	return true
}

// find returns the keycode typing ks in layout group g (0-based) and the
// level (0 plain, 1 shifted). The core keyboard map holds group 1 in
// columns 0-1 and group 2 in columns 2-3; other groups are not searched.
func (k *keyboard) find(ks keysym, g int) (xproto.Keycode, int, bool) {
	if g > 1 {
		return 0, 0, false
	}
	for level := 0; level < 2; level++ {
		for kc := int(k.min); kc <= int(k.max); kc++ {
			if k.at(xproto.Keycode(kc), 2*g+level) == ks {
				return xproto.Keycode(kc), level, true
			}
		}
	}
	return 0, 0, false
}

// findAny returns a keycode carrying ks in any column, as XKeysymToKeycode
// (which robotgo uses) does.
func (k *keyboard) findAny(ks keysym) (xproto.Keycode, bool) {
	for c := 0; c < k.per; c++ {
		for kc := int(k.min); kc <= int(k.max); kc++ {
			if k.at(xproto.Keycode(kc), c) == ks {
				return xproto.Keycode(kc), true
			}
		}
	}
	return 0, false
}

// has reports whether ks is on the map (so robotgo can press it: robotgo
// sends keycode 0 for a keysym missing from the map, which the server
// rejects with BadValue).
func (k *keyboard) has(ks keysym) bool {
	_, ok := k.findAny(ks)
	return ok
}

// state returns the active layout group and whether Caps Lock is on, from
// the pointer's modifier state (XKB puts the group in bits 13-14).
func (k *keyboard) state() (group int, caps bool, err error) {
	rep, err := xproto.QueryPointer(k.conn, k.root).Reply()
	if err != nil {
		return 0, false, err
	}
	return int(rep.Mask>>13) & 3, rep.Mask&xproto.KeyButMaskLock != 0, nil
}

// scratch returns a scratch keycode that types ks, mapping one if needed.
func (k *keyboard) scratch(ks keysym) (xproto.Keycode, error) {
	var pick *slot
	for _, s := range k.slots {
		if s.sym == ks {
			s.used = time.Now()
			return s.kc, nil
		}
		if pick == nil || (pick.sym != noSymbol && (s.sym == noSymbol || s.used.Before(pick.used))) {
			pick = s
		}
	}
	if pick == nil {
		return 0, fmt.Errorf("input: no free keycode to type keysym %#x", uint32(ks))
	}
	if pick.sym != noSymbol {
		// A client may not have looked this key up yet: let it settle.
		if d := k.settle - time.Since(pick.used); d > 0 {
			time.Sleep(d)
		}
	}
	list := make([]xproto.Keysym, k.per)
	list[0] = xproto.Keysym(ks)
	if k.per > 1 {
		list[1] = xproto.Keysym(ks)
	}
	if err := xproto.ChangeKeyboardMappingChecked(k.conn, 1, pick.kc, byte(k.per), list).Check(); err != nil {
		return 0, fmt.Errorf("input: mapping keycode %d: %w", pick.kc, err)
	}
	base := (int(pick.kc) - int(k.min)) * k.per
	for i := range list {
		k.syms[base+i] = keysym(list[i])
	}
	pick.sym, pick.used = ks, time.Now()
	return pick.kc, nil
}

// resolve returns the keycode for ks and whether Shift must be held.
func (k *keyboard) resolve(ks keysym, group int, caps bool) (xproto.Keycode, bool, error) {
	if kc, level, ok := k.find(ks, group); ok {
		shift := level == 1
		if caps && cased(ks) {
			shift = !shift
		}
		return kc, shift, nil
	}
	kc, err := k.scratch(ks)
	return kc, false, err
}

// modKeycode returns the keycode of a modifier key.
func (k *keyboard) modKeycode(ks keysym) (xproto.Keycode, error) {
	if kc, ok := k.findAny(ks); ok {
		return kc, nil
	}
	return 0, fmt.Errorf("input: keysym %#x (modifier) is not on the keyboard map", uint32(ks))
}

// tap presses mods, then kc, and releases them in reverse order.
func (k *keyboard) tap(kc xproto.Keycode, mods []xproto.Keycode) {
	if k.expect != nil {
		k.expect(1 + len(mods))
	}
	for _, m := range mods {
		xtest.FakeInput(k.conn, xproto.KeyPress, byte(m), 0, k.root, 0, 0, 0)
	}
	xtest.FakeInput(k.conn, xproto.KeyPress, byte(kc), 0, k.root, 0, 0, 0)
	xtest.FakeInput(k.conn, xproto.KeyRelease, byte(kc), 0, k.root, 0, 0, 0)
	for i := len(mods) - 1; i >= 0; i-- {
		xtest.FakeInput(k.conn, xproto.KeyRelease, byte(mods[i]), 0, k.root, 0, 0, 0)
	}
}

// sync waits until the server has processed everything sent so far.
func (k *keyboard) sync() error {
	_, err := xproto.GetInputFocus(k.conn).Reply()
	return err
}

// typeText types s, character by character.
func (k *keyboard) typeText(s string) error {
	if err := k.refresh(); err != nil {
		return err
	}
	group, caps, err := k.state()
	if err != nil {
		return err
	}
	var shiftKC xproto.Keycode
	prev := rune(0)
	for _, r := range s {
		if r == '\n' && prev == '\r' {
			prev = r
			continue // CR LF is one Return
		}
		prev = r
		ks := runeKeysym(r)
		if ks == noSymbol {
			continue
		}
		if k.stopped != nil && k.stopped() {
			return ErrPaused // the customer took over in the middle
		}
		kc, shift, err := k.resolve(ks, group, caps)
		if err != nil {
			return err
		}
		var mods []xproto.Keycode
		if shift {
			if shiftKC == 0 {
				if shiftKC, err = k.modKeycode(ksShiftL); err != nil {
					return err
				}
			}
			mods = []xproto.Keycode{shiftKC}
		}
		k.tap(kc, mods)
		if err := k.sync(); err != nil {
			return err
		}
	}
	return nil
}

// tapChar presses the key for character r with modifiers (ctrl+c,
// alt+shift+1, ...). Without ctrl, alt or super it types the character
// (upper-cased by shift for letters).
func (k *keyboard) tapChar(r rune, mods []modifier) error {
	shifted := false
	var held []modifier
	for _, m := range mods {
		if m.name == "shift" {
			shifted = true
		} else {
			held = append(held, m)
		}
	}
	if len(held) == 0 {
		if shifted {
			r = unicode.ToUpper(r)
		}
		return k.typeText(string(r))
	}
	if err := k.refresh(); err != nil {
		return err
	}
	group, _, err := k.state()
	if err != nil {
		return err
	}
	ks := runeKeysym(r)
	if ks == noSymbol {
		return fmt.Errorf("input: cannot press %q", r)
	}
	kc, shift, err := k.resolve(ks, group, false)
	if err != nil {
		return err
	}
	if shifted {
		shift = true
	}
	var mkc []xproto.Keycode
	for _, m := range held {
		c, err := k.modKeycode(m.sym)
		if err != nil {
			return err
		}
		mkc = append(mkc, c)
	}
	if shift {
		c, err := k.modKeycode(ksShiftL)
		if err != nil {
			return err
		}
		mkc = append(mkc, c)
	}
	k.tap(kc, mkc)
	return k.sync()
}

// restore gives the scratch keycodes back (empty, as they were).
func (k *keyboard) restore() error {
	if err := k.refresh(); err != nil {
		return err
	}
	empty := make([]xproto.Keysym, k.per)
	for _, s := range k.slots {
		if s.sym != noSymbol && k.at(s.kc, 0) == s.sym {
			xproto.ChangeKeyboardMapping(k.conn, 1, s.kc, byte(k.per), empty)
			s.sym = noSymbol
		}
	}
	return k.sync()
}
