//go:build linux && cgo

package input

/*
#cgo LDFLAGS: -lX11 -ldl
#include <X11/Xlib.h>
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

// robotgo's own connection (robotgo v1.0.2, base/xdisplay_c.h): opened on
// first use from the name given to robotgo.SetXDisplayName, then $DISPLAY,
// then ":0.0".
extern Display *XGetMainDisplay(void);

static int lifeline_error_code;
static int lifeline_error_request;
static int lifeline_io_lost;

// Xlib's default handlers print and exit(1) the whole process, for a
// protocol error (BadValue for a key robotgo cannot map) as for a lost
// server. These record the failure instead, for Apply to return.
static int lifeline_on_error(Display *d, XErrorEvent *e) {
	lifeline_error_code = e->error_code;
	lifeline_error_request = e->request_code;
	return 0;
}

static int lifeline_on_io_error(Display *d) {
	lifeline_io_lost = 1;
	return 0;
}

static void lifeline_on_io_exit(Display *d, void *data) {
	lifeline_io_lost = 1;
}

typedef void (*lifeline_exit_setter)(Display *, XIOErrorExitHandler, void *);

// lifeline_open opens robotgo's connection and guards it. It returns 0 on
// success, 1 if no display could be opened, 2 if robotgo fell back to
// another display than want (its name is copied to got), and sets
// *exit_handler when the IO error can be survived (libX11 >= 1.8 has
// XSetIOErrorExitHandler; older ones always exit after an IO error).
static int lifeline_open(const char *want, char *got, int gotlen, int *exit_handler) {
	XSetErrorHandler(lifeline_on_error);
	XSetIOErrorHandler(lifeline_on_io_error);
	*exit_handler = 0;
	// This closes robotgo's previous connection (perhaps to a server that
	// died, which reports an IO error again) and opens the new one.
	Display *d = XGetMainDisplay();
	lifeline_error_code = 0;
	lifeline_io_lost = 0;
	if (d == NULL) {
		return 1;
	}
	lifeline_exit_setter set = (lifeline_exit_setter)dlsym(RTLD_DEFAULT, "XSetIOErrorExitHandler");
	if (set != NULL) {
		set(d, lifeline_on_io_exit, NULL);
		*exit_handler = 1;
	}
	if (strcmp(DisplayString(d), want) != 0) {
		strncpy(got, DisplayString(d), gotlen - 1);
		got[gotlen - 1] = 0;
		return 2;
	}
	return 0;
}

// lifeline_take_error returns and clears the last X error (0: none) and
// whether the connection was lost.
static int lifeline_take_error(int *request, int *lost) {
	int code = lifeline_error_code;
	*request = lifeline_error_request;
	*lost = lifeline_io_lost;
	lifeline_error_code = 0;
	return code;
}
*/
import "C"

import (
	"errors"
	"fmt"
	"unsafe"

	"github.com/go-vgo/robotgo"
)

// errXLost is returned once robotgo's connection is gone.
var errXLost = errors.New("input: the X server closed the connection")

// openRobotgo points robotgo at display and opens its connection, making
// Xlib's errors non-fatal. Only call it once the display answered.
func openRobotgo(display string) (survivesIOError bool, err error) {
	// SetXDisplayName only records the name (and makes robotgo reopen its
	// connection on next use): no X call yet.
	if err := robotgo.SetXDisplayName(display); err != nil {
		return false, err
	}
	want := C.CString(display)
	defer C.free(unsafe.Pointer(want))
	var got [256]C.char
	var eh C.int
	switch C.lifeline_open(want, &got[0], C.int(len(got)), &eh) {
	case 1:
		return false, fmt.Errorf("input: no X display: Xlib cannot open %s", display)
	case 2:
		robotgo.CloseMainDisplay()
		return false, fmt.Errorf("input: no X display: Xlib opened %s instead of %s", C.GoString(&got[0]), display)
	}
	return eh != 0, nil
}

// takeXError returns the X error robotgo's last calls caused, if any.
func takeXError() error {
	var req, lost C.int
	code := C.lifeline_take_error(&req, &lost)
	if lost != 0 {
		return errXLost
	}
	if code != 0 {
		return fmt.Errorf("input: X error %d (request %d)", int(code), int(req))
	}
	return nil
}
