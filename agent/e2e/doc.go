// Package e2e holds the end-to-end tests of the screen path with the real
// binaries: lifeline-rendezvous, lifeline-agent --no-gui on an Xvfb
// display, and lifeline-console --headless, as a support representative
// and a customer would run them.
package e2e
