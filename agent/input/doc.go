// Package input injects the CSR's mouse and keyboard events into the
// customer's desktop (the agent side of remote control). Whether input is
// allowed at all (the customer's consent) is decided elsewhere; this
// package only applies what it is given, and pauses when the customer
// takes back control.
//
//	x, err := input.OpenX11("", image.Rectangle{}) // $DISPLAY, whole screen
//	if err != nil { ... }                        // "input: no X display: ..." without X
//	defer x.Close()
//	x.OnLocal(func() { /* send transport.ControlPaused */ })
//	x.OnResume(func() { /* send transport.ControlResumed */ })
//	for ev := range events {
//		if err := x.Apply(ev); errors.Is(err, input.ErrPaused) { continue }
//	}
//
// NewX11 is the same as OpenX11 returning the Injector interface. Recorder
// is an Injector for tests of other packages: it records the events and
// follows the same pause rules (SimulateLocal plays the customer).
//
// # Coordinates
//
// Events carry pixels of the shared image. The shared image is a region of
// the X screen (one monitor, e.g. 1920,0-3840,1080, or the whole virtual
// screen) sent at its own size, and the viewer reports pixels of the image
// it decoded, so no scaling is needed: (x, y) goes to region.Min + (x, y),
// clamped to the region (see Mapper). When the viewer switches monitors,
// call SetRegion with the new region (empty: the whole screen).
//
// # The display
//
// robotgo's C code kills the process when there is no X server (it
// segfaults on a NULL Display), and Xlib's default handlers exit(1) on any
// protocol error (robotgo sends keycode 0 for a keysym that is not on the
// keyboard map: BadValue) or when the server goes away. So OpenX11 first
// connects with pure-Go xgb and returns "input: no X display: ..." if that
// fails, without touching robotgo; it then installs non-fatal Xlib error
// handlers (process-wide: XSetErrorHandler, XSetIOErrorHandler, and
// XSetIOErrorExitHandler on robotgo's connection where libX11 >= 1.8 has
// it) so that errors come back from Apply instead, and a server that dies
// mid-session (the customer logs out) makes Apply fail with "X display ...
// lost" rather than ending the agent. Named keys are also checked against
// the keyboard map before robotgo is asked to press them.
//
// robotgo keeps one Xlib connection in C globals and finds it through the
// DISPLAY environment variable and its SetXDisplayName: OpenX11 sets both
// (os.Setenv: the whole process and its children see it), so one process
// injects into one display, and only one X11 can be open at a time.
//
// # Mouse and keys
//
// Moves (XWarpPointer), buttons, clicks, double clicks, drags (down, moves,
// up) and the wheel (buttons 4-7: DY > 0 scrolls down, DX > 0 right) go
// through robotgo. Named keys (Return, Tab, BackSpace, Escape, Delete,
// Insert, Home, End, Page_Up, Page_Down, Left/Up/Right/Down, F1-F24,
// space, KP_0-KP_9, the modifier keys themselves; browser spellings such
// as Enter, ArrowLeft, PageUp too) with the modifiers ctrl, shift, alt and
// super go through robotgo's KeyTap.
//
// Characters (the "text" event, and "key" events naming one character,
// such as "a" with ctrl) are typed with XTEST on the xgb connection, by
// keysym, following the customer's keyboard map (see keyboard): robotgo's
// character typing assumes a US layout and garbles non-ASCII text (it
// remaps one keycode for every character in turn, racing the client; 3 of
// 5 runs garbled in a measurement) and drops characters outside the BMP.
// Characters missing from the layout are typed through spare keycodes
// temporarily mapped to their keysym (given back on Close), which works
// for any script and emoji, in any X client, without the clipboard (a paste
// shortcut differs between applications: ctrl+v does nothing in xterm).
// Newlines are typed as Return, tabs as Tab, other control characters are
// skipped. A paste stops (ErrPaused) as soon as the customer takes over.
//
// # The customer takes back control
//
// LocalActivity watches for the customer's own input: the pointer is
// polled, and key presses, button presses and motion are followed with the
// X RECORD extension (see LocalActivity for how our own input is told
// apart). On local input remote input pauses: OnLocal's function is
// called once, buttons the CSR holds are released, and Apply drops every
// event with ErrPaused, except a "down" or "click" (the CSR clicked in the
// viewer again), which resumes (OnResume's function is called) and is
// applied.
//
// # Building and testing
//
// X11 needs Linux and cgo, with gcc and the Debian packages libx11-dev and
// libxtst-dev (robotgo includes Xlib, Xutil, Xatom, Xresource, XF86keysym
// and XTest headers and links -lX11 -lXtst); at run time libx11-6 and
// libxtst6. Elsewhere, or with CGO_ENABLED=0, NewX11 returns an error and
// the rest of the package (Recorder, Mapper) still builds.
//
// The tests run under Xvfb (shared/xvfbtest) and type into xterm:
//
//	apt-get update && apt-get install -y xvfb xterm libx11-dev libxtst-dev
//
// Without Xvfb or xterm they skip, unless LIFELINE_REQUIRE_X=1 (then they
// fail). LIFELINE_XGB_LOG=1 shows xgb's log in tests.
package input
