//go:build unix

package reboot

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
)

// On Linux, the BSDs and macOS the autostart entry is one file in a folder
// the desktop reads at login. The platform's file says which folder
// (defaultAutostartDir), the file's name (autostartName) and what it holds
// (autostartEntry); writing and removing it is the same everywhere.

// AutostartPath is where Arrange puts the autostart entry.
func AutostartPath(cfg Config) (string, error) {
	var dir string
	var err error
	if cfg.AutostartDir != "" {
		dir, err = filepath.Abs(cfg.AutostartDir)
	} else {
		dir, err = defaultAutostartDir()
	}
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, autostartName), nil
}

// installAutostart writes the entry. It holds no secret (the ticket's
// path, not the ticket), so it is readable like any other; the folder is
// made private when it is new.
func installAutostart(cfg Config, args []string) error {
	path, err := AutostartPath(cfg)
	if err != nil {
		return err
	}
	entry, err := autostartEntry(args)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	return writeAtomic(path, []byte(entry), 0o644)
}

func removeAutostart(cfg Config) error {
	path, err := AutostartPath(cfg)
	if err != nil {
		return err
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}
