//go:build darwin

package reboot

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
)

// autostartDir is the user's LaunchAgents folder.
func (c Config) autostartDir() (string, error) {
	if c.AutostartDir != "" {
		return filepath.Abs(c.AutostartDir)
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(home, "Library", "LaunchAgents"), nil
}

func installAutostart(cfg Config, args []string) error {
	dir, err := cfg.autostartDir()
	if err != nil {
		return err
	}
	plist, err := launchAgentPlist(args)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	return writeAtomic(filepath.Join(dir, LaunchAgentLabel+".plist"), []byte(plist), 0o644)
}

func removeAutostart(cfg Config) error {
	dir, err := cfg.autostartDir()
	if err != nil {
		return err
	}
	if err := os.Remove(filepath.Join(dir, LaunchAgentLabel+".plist")); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// AutostartPath is where Arrange puts the LaunchAgent.
func AutostartPath(cfg Config) (string, error) {
	dir, err := cfg.autostartDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, LaunchAgentLabel+".plist"), nil
}
