package gui

// ScreenArea is the widget that shows the customer's screen in the sharing
// window. It is exported for the viewer benchmark
// (console/gui/internal/viewerbench), which runs the real GLFW driver and
// so needs a TestMain of its own, out of this package's tests.
type ScreenArea = screenArea

// NewScreenArea returns the sharing window's screen widget, empty and in
// fit mode.
func NewScreenArea() *ScreenArea { return newScreenArea() }
