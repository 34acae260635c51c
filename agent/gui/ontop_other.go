//go:build !((linux || freebsd || openbsd || netbsd) && !android)

package gui

// newStacker: on Windows and macOS the banner relies on Fyne's
// RequestAlwaysOnTop alone, and stays where the driver put it.
func newStacker(string) stacker { return noStacker{} }
