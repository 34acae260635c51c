package controller

import (
	"encoding/json"
	"fmt"
	"time"
	"unicode/utf8"

	"lifeline/shared/transport"
)

// liveStream returns the open stream, or why there is none.
func (s *Session) liveStream(needControl bool) (*stream, error) {
	d := &s.disp
	d.mu.Lock()
	defer d.mu.Unlock()
	if !d.liveLocked() {
		return nil, ErrNotViewing
	}
	if needControl && !d.control {
		return nil, ErrNoControl
	}
	return d.cur, nil
}

// sendInput checks an event as the agent will, stamps it and sends it on
// the input channel.
func (s *Session) sendInput(in transport.Input) error {
	st, err := s.liveStream(true)
	if err != nil {
		return err
	}
	switch in.Kind {
	case transport.InputMove, transport.InputClick, transport.InputDown, transport.InputUp:
		if w, h := s.screenSize(); w > 0 && (in.X >= w || in.Y >= h) {
			return fmt.Errorf("%d,%d is outside the customer's screen, which is %d×%d", in.X, in.Y, w, h)
		}
	}
	in.SentAt = time.Now().UnixNano()
	b, err := json.Marshal(in)
	if err != nil {
		return err
	}
	if _, err := transport.ParseInput(b); err != nil {
		return fmt.Errorf("the input is not valid: %w", err)
	}
	if err := st.input.Send(b); err != nil {
		if st.isStopped() {
			return ErrNotViewing
		}
		return fmt.Errorf("could not send input to the customer's agent: %w", err)
	}
	s.lastInput.Store(in.SentAt)
	return nil
}

// screenSize is the decoded image's size (0, 0 before the first frame).
func (s *Session) screenSize() (int, int) {
	s.disp.mu.Lock()
	defer s.disp.mu.Unlock()
	if s.disp.img == nil {
		return 0, 0
	}
	return s.disp.img.Rect.Dx(), s.disp.img.Rect.Dy()
}

// Click clicks at x, y (pixels of the decoded screen) with button "left",
// "right" or "middle" ("" is left).
func (s *Session) Click(x, y int, button string) error {
	if button == "" {
		button = "left"
	}
	if err := checkButton(button); err != nil {
		return err
	}
	if x < 0 || y < 0 {
		return fmt.Errorf("%d,%d is not a position on the screen", x, y)
	}
	return s.sendInput(transport.Input{Kind: transport.InputClick, X: x, Y: y, Button: button})
}

// Button presses (down) or releases a mouse button at x, y, so that the
// CSR can drag on the customer's screen; every press must be followed by
// a release.
func (s *Session) Button(x, y int, button string, down bool) error {
	if button == "" {
		button = "left"
	}
	if err := checkButton(button); err != nil {
		return err
	}
	if x < 0 || y < 0 {
		return fmt.Errorf("%d,%d is not a position on the screen", x, y)
	}
	kind := transport.InputUp
	if down {
		kind = transport.InputDown
	}
	return s.sendInput(transport.Input{Kind: kind, X: x, Y: y, Button: button})
}

// Move moves the pointer to x, y.
func (s *Session) Move(x, y int) error {
	if x < 0 || y < 0 {
		return fmt.Errorf("%d,%d is not a position on the screen", x, y)
	}
	return s.sendInput(transport.Input{Kind: transport.InputMove, X: x, Y: y})
}

// Scroll turns the wheel by dy lines, positive is down (-100…100).
func (s *Session) Scroll(dy int) error {
	if dy == 0 || dy < -100 || dy > 100 {
		return fmt.Errorf("scroll by 1 to 100 lines, up (negative) or down (positive), not %d", dy)
	}
	return s.sendInput(transport.Input{Kind: transport.InputWheel, DY: dy})
}

// Key presses a key combination such as "ctrl+a", "shift+Tab", "Return" or
// "ctrl+alt+Delete" (see ParseKey).
func (s *Session) Key(combo string) error {
	in, err := ParseKey(combo)
	if err != nil {
		return err
	}
	return s.sendInput(in)
}

// Type types text as is, in any script. Long text is sent in pieces.
func (s *Session) Type(text string) error {
	if text == "" {
		return fmt.Errorf("there is no text to type")
	}
	if !utf8.ValidString(text) {
		return fmt.Errorf("the text is not valid UTF-8")
	}
	for text != "" {
		n := len(text)
		if n > maxTextPiece {
			n = maxTextPiece
			for n > 0 && !utf8.RuneStart(text[n]) {
				n--
			}
		}
		if err := s.sendInput(transport.Input{Kind: transport.InputText, Text: text[:n]}); err != nil {
			return err
		}
		text = text[n:]
	}
	return nil
}

// maxTextPiece is the longest text event: the transport accepts 4096 bytes
// of text in at most 8 KiB of JSON, and escaping can take 6 bytes a byte.
const maxTextPiece = 1024

func checkButton(b string) error {
	switch b {
	case "left", "right", "middle":
		return nil
	}
	return fmt.Errorf("%q is not a mouse button: use left, right or middle", b)
}

// SetMode chooses "standard" (lossless) or "sampling" (photos as JPEG).
func (s *Session) SetMode(mode string) error {
	switch mode {
	case "standard", "sampling":
	default:
		return fmt.Errorf("%q is not a mode: use standard or sampling", mode)
	}
	return s.setOption(func(c *transport.Control) { c.Mode = mode })
}

// SetColors chooses "full", "16bit" or "256" colours.
func (s *Session) SetColors(colors string) error {
	switch colors {
	case "full", "16bit", "256":
	default:
		return fmt.Errorf("%q is not a colour setting: use full, 16bit or 256", colors)
	}
	return s.setOption(func(c *transport.Control) { c.Colors = colors })
}

// SetMonitor chooses the monitor to show (0 is the first; -1 all as one
// screen).
func (s *Session) SetMonitor(n int) error {
	if n < -1 || n > 64 {
		return fmt.Errorf("%d is not a monitor: use 0 for the first, 1 for the second, … or -1 for all", n)
	}
	return s.setOption(func(c *transport.Control) { c.Monitor = &n })
}

// SetDefaults chooses the mode and colours the next screen connection
// starts with (the site's defaults), whether or not one is open now; ""
// leaves an option as it is. An open stream is not changed: use SetMode
// and SetColors for that.
func (s *Session) SetDefaults(mode, colors string) error {
	switch mode {
	case "", "standard", "sampling":
	default:
		return fmt.Errorf("%q is not a mode: use standard or sampling", mode)
	}
	switch colors {
	case "", "full", "16bit", "256":
	default:
		return fmt.Errorf("%q is not a colour setting: use full, 16bit or 256", colors)
	}
	s.disp.mu.Lock()
	defer s.disp.mu.Unlock()
	if mode != "" {
		s.disp.opts.Mode = mode
	}
	if colors != "" {
		s.disp.opts.Colors = colors
	}
	return nil
}

// setOption sends one option to the agent and remembers it for later
// streams of this session.
func (s *Session) setOption(set func(*transport.Control)) error {
	st, err := s.liveStream(false)
	if err != nil {
		return err
	}
	msg := transport.Control{Type: transport.ControlOptions}
	set(&msg)
	if err := st.sendControl(msg); err != nil {
		return err
	}
	s.disp.mu.Lock()
	set(&s.disp.opts)
	s.disp.mu.Unlock()
	return nil
}
