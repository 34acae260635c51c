// Package e2e holds the end-to-end test of the desktop console: the real
// lifeline-console window on an Xvfb display, logged in to a real
// lifeline-rendezvous, with a real lifeline-agent --no-gui sharing another
// Xvfb display. The test drives the console with its keyboard shortcuts
// (xdotool), checks the sharing window's picture against the customer's
// screen, and keeps screenshots of both screen sizes the console is
// expected to fit (1920×1080 and 1366×768).
//
// With LIFELINE_CONSOLE_E2E_SHOTS=DIR the screenshots are written to DIR
// (for docs/screenshots); otherwise to the test's temporary folder.
package e2e
