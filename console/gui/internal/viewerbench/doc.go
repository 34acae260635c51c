// Package viewerbench holds the viewer benchmark (make bench): how many
// 1080p pictures a second the console's sharing window paints with the
// real GLFW/X11 driver, and how long each redraw holds the UI thread. It
// is a package of its own because Fyne's driver must run on the main
// thread, which only a TestMain has; see viewer_test.go.
package viewerbench
