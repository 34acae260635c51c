package profile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
)

// Modes of the console's folder and files: both files hold decisions or
// credentials that are the user's alone.
const (
	dirMode  fs.FileMode = 0o700
	fileMode fs.FileMode = 0o600
)

// renameFile is os.Rename; tests replace it to fail the last step of a write.
var renameFile = os.Rename

// ensureDir creates dir (and its parents) and makes sure that dir itself is
// private. Parents are left alone: they may be shared folders such as
// ~/.config that the user chose the modes of.
func ensureDir(dir string) error {
	if err := os.MkdirAll(dir, dirMode); err != nil {
		return fmt.Errorf("cannot create the folder %s: %w", dir, err)
	}
	if runtime.GOOS == "windows" {
		return nil // modes mean little there; the profile folder is already per user
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("cannot use the folder %s: %w", dir, err)
	}
	if fi.Mode().Perm() != dirMode {
		if err := os.Chmod(dir, dirMode); err != nil {
			return fmt.Errorf("cannot make the folder %s private: %w", dir, err)
		}
	}
	return nil
}

// readFile returns the file's contents, or ok=false when it does not exist.
func readFile(path string) (data []byte, ok bool, err error) {
	data, err = os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("cannot read %s: %w", path, err)
	}
	return data, true, nil
}

// writeFile replaces path with data atomically: the data goes to a
// temporary file in the same folder, is flushed to disk, and is then renamed
// over path. A crash or a full disk leaves either the old file or the new
// one, never half of one, so the known servers can't be lost to a torn
// write and a reader never sees a partial file.
func writeFile(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := ensureDir(dir); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	tmp := f.Name()
	fail := func(err error) error {
		f.Close()
		os.Remove(tmp)
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	// CreateTemp already uses 0600; say so explicitly in case that changes.
	if runtime.GOOS != "windows" {
		if err := f.Chmod(fileMode); err != nil {
			return fail(err)
		}
	}
	if _, err := f.Write(data); err != nil {
		return fail(err)
	}
	if err := f.Sync(); err != nil {
		return fail(err)
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	if err := renameFile(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	syncDir(dir)
	return nil
}

// syncDir flushes the rename to disk where the system allows it. It is
// best effort: the data itself was already synced, and failing here would
// report an error for a write that did happen.
func syncDir(dir string) {
	if runtime.GOOS == "windows" {
		return
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
}

// tightenMode makes a file private again if someone loosened its mode.
func tightenMode(path string) {
	if runtime.GOOS == "windows" {
		return
	}
	if fi, err := os.Stat(path); err == nil && fi.Mode().Perm()&^fileMode != 0 {
		_ = os.Chmod(path, fileMode)
	}
}

// DefaultDir is the console's folder for its profile: lifeline/console
// under the user's configuration folder (os.UserConfigDir, so
// $XDG_CONFIG_HOME or ~/.config on Linux, ~/Library/Application Support on
// macOS, %AppData% on Windows). It is not created here; the stores create
// it, private, when they first write.
func DefaultDir() (string, error) {
	base, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("the console cannot find a folder for its settings: %w", err)
	}
	return filepath.Join(base, "lifeline", "console"), nil
}
