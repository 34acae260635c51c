//go:build darwin

package reboot

import (
	"os"
	"path/filepath"
	"testing"
)

const autostartFile = LaunchAgentLabel + ".plist"

// autostartArgs reads what a LaunchAgent runs, and checks it runs at load.
func autostartArgs(t *testing.T, path string) []string {
	t.Helper()
	plist, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	args, runAtLoad := readPlist(t, string(plist))
	if !runAtLoad {
		t.Errorf("%s does not run at load", path)
	}
	return args
}

// defaultPaths are the ticket's folder and the LaunchAgent with HOME.
func defaultPaths(home string) (ticketDir, entry string) {
	return filepath.Join(home, "Library", "Application Support", "lifeline"),
		filepath.Join(home, "Library", "LaunchAgents", LaunchAgentLabel+".plist")
}
