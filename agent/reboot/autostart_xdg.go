//go:build unix && !darwin

package reboot

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
)

// autostartDir is the XDG autostart folder of the user.
func (c Config) autostartDir() (string, error) {
	if c.AutostartDir != "" {
		return filepath.Abs(c.AutostartDir)
	}
	if x := os.Getenv("XDG_CONFIG_HOME"); filepath.IsAbs(x) {
		return filepath.Join(x, "autostart"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(home, ".config", "autostart"), nil
}

// installAutostart writes the desktop entry. It holds no secret (the
// ticket's path, not the ticket), so it is readable like any other.
func installAutostart(cfg Config, args []string) error {
	dir, err := cfg.autostartDir()
	if err != nil {
		return err
	}
	entry, err := desktopEntry(args)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	return writeAtomic(filepath.Join(dir, DesktopFile), []byte(entry), 0o644)
}

func removeAutostart(cfg Config) error {
	dir, err := cfg.autostartDir()
	if err != nil {
		return err
	}
	if err := os.Remove(filepath.Join(dir, DesktopFile)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// AutostartPath is where Arrange puts the autostart entry.
func AutostartPath(cfg Config) (string, error) {
	dir, err := cfg.autostartDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, DesktopFile), nil
}
