//go:build unix && !darwin

package reboot

import (
	"os"
	"path/filepath"
)

// The autostart entry on Linux and the BSDs is an XDG desktop entry
// (desktop.go).
const autostartName = DesktopFile

var autostartEntry = desktopEntry

// defaultAutostartDir is the XDG autostart folder of the user.
func defaultAutostartDir() (string, error) {
	if x := os.Getenv("XDG_CONFIG_HOME"); filepath.IsAbs(x) {
		return filepath.Join(x, "autostart"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(home, ".config", "autostart"), nil
}
