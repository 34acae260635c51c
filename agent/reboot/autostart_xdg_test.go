//go:build unix && !darwin

package reboot

import (
	"os"
	"path/filepath"
	"testing"
)

const autostartFile = DesktopFile

// autostartArgs reads what an autostart entry runs.
func autostartArgs(t *testing.T, path string) []string {
	t.Helper()
	entry, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return execOf(t, string(entry))
}

// defaultPaths are the ticket's folder and the autostart entry with HOME
// and XDG_CONFIG_HOME=HOME/xdg.
func defaultPaths(home string) (ticketDir, entry string) {
	return filepath.Join(home, "xdg", "lifeline"), filepath.Join(home, "xdg", "autostart", DesktopFile)
}
