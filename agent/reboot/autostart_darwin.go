//go:build darwin

package reboot

import (
	"os"
	"path/filepath"
)

// The autostart entry on macOS is a LaunchAgent (launchd.go).
const autostartName = LaunchAgentLabel + ".plist"

var autostartEntry = launchAgentPlist

// defaultAutostartDir is the user's LaunchAgents folder.
func defaultAutostartDir() (string, error) {
	home, err := os.UserHomeDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(home, "Library", "LaunchAgents"), nil
}
