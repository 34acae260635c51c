// Package localfs is the CSR's own side of the advanced file transfer
// window: listing a folder, creating, renaming and deleting on the CSR's
// computer. It has the shape of the customer's side (filetransfer.Listing,
// a context on every call, refusals that wrap the filetransfer sentinels),
// so that the window drives both panes the same way and turns every
// refusal into a sentence with one mapping.
//
// Paths are absolute paths of the CSR's file system: the CSR may browse
// all of it, unlike the customer's side, which is confined to the folder
// the customer allowed.
package localfs

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"lifeline/shared/filetransfer"
)

// FS is the CSR's file system. The zero value is ready to use.
type FS struct{}

// List lists the folder dir. An entry that is a symbolic link is shown as
// what it points to (a link to a folder can be opened), or as "other" when
// it points nowhere; the transfer engine decides what it sends.
func (FS) List(ctx context.Context, dir string) (filetransfer.Listing, error) {
	des, err := os.ReadDir(dir)
	if err != nil {
		return filetransfer.Listing{}, opErr("read the folder", dir, err)
	}
	l := filetransfer.Listing{Entries: make([]filetransfer.DirEntry, 0, len(des))}
	for i, de := range des {
		if i%256 == 0 && ctx.Err() != nil {
			return filetransfer.Listing{}, ctx.Err()
		}
		full := filepath.Join(dir, de.Name())
		fi, err := os.Stat(full)
		if err != nil {
			// A dangling link or an entry that vanished: still listed, so
			// that the CSR can delete or rename it.
			if fi, err = os.Lstat(full); err != nil {
				continue
			}
		}
		e := filetransfer.DirEntry{Name: de.Name(), ModTime: fi.ModTime(), Kind: filetransfer.KindOther}
		switch {
		case fi.IsDir():
			e.Kind = filetransfer.KindDir
		case fi.Mode().IsRegular():
			e.Kind, e.Size = filetransfer.KindFile, fi.Size()
		}
		l.Entries = append(l.Entries, e)
	}
	return l, nil
}

// Mkdir creates the folder p; its parent must exist and p must not. The
// caller checks the new name with CheckName before joining it to the
// folder (filepath.Join would turn "a/.." into the folder itself).
func (FS) Mkdir(_ context.Context, p string) error {
	if err := CheckName(filepath.Base(p)); err != nil {
		return err
	}
	if err := os.Mkdir(p, 0o755); err != nil {
		return opErr("create the folder", p, err)
	}
	return nil
}

// Rename gives p the name newName in the same folder. Unlike os.Rename it
// never replaces what already has that name.
func (FS) Rename(_ context.Context, p, newName string) error {
	if err := CheckName(newName); err != nil {
		return err
	}
	to := filepath.Join(filepath.Dir(p), newName)
	if to == p {
		return nil
	}
	if fi, err := os.Lstat(to); err == nil {
		// On a file system that ignores case, "notes" → "Notes" finds the
		// file itself, which is no conflict.
		if self, err := os.Lstat(p); err != nil || !os.SameFile(fi, self) {
			return fmt.Errorf("%w: %q is already the name of something in this folder", filetransfer.ErrExists, newName)
		}
	}
	if err := os.Rename(p, to); err != nil {
		return opErr("rename", p, err)
	}
	return nil
}

// Remove deletes the file or empty folder p, or a folder with everything
// in it when recursive is set. A file system root is refused.
func (FS) Remove(_ context.Context, p string, recursive bool) error {
	if p == "" || filepath.Dir(p) == p {
		return fmt.Errorf("%w: %q is the top of the file system and cannot be deleted", filetransfer.ErrDenied, p)
	}
	if _, err := os.Lstat(p); err != nil {
		return opErr("delete", p, err)
	}
	var err error
	if recursive {
		err = os.RemoveAll(p)
	} else {
		err = os.Remove(p)
	}
	if err != nil {
		return opErr("delete", p, err)
	}
	return nil
}

// CheckName refuses what cannot be a new file or folder name in a folder:
// nothing, "." and "..", separators (a rename never moves) and control
// characters.
func CheckName(name string) error {
	var why string
	switch {
	case strings.TrimSpace(name) == "":
		why = "a name cannot be empty"
	case name == "." || name == "..":
		why = "“.” and “..” are not names"
	case strings.ContainsRune(name, '/') || strings.ContainsRune(name, filepath.Separator):
		why = "a name cannot contain " + string(filepath.Separator)
	case strings.ContainsFunc(name, func(r rune) bool { return r < 0x20 || r == 0x7f }):
		why = "a name cannot contain control characters"
	}
	if why != "" {
		return &filetransfer.PathError{Path: name, Reason: why}
	}
	return nil
}

// Size is the number of file bytes the transfer engine would send for
// paths: regular files, and everything regular inside folders, symbolic
// links not followed. It stops when ctx ends.
func Size(ctx context.Context, paths []string) (int64, error) {
	var total int64
	for _, p := range paths {
		err := filepath.WalkDir(p, func(q string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if !d.Type().IsRegular() {
				return nil
			}
			fi, err := d.Info()
			if err != nil {
				return err
			}
			total += fi.Size()
			return nil
		})
		if ctx.Err() != nil {
			return 0, ctx.Err()
		}
		if err != nil {
			return 0, opErr("measure", p, err)
		}
	}
	return total, nil
}

// Home is the folder the CSR's pane starts in: the home folder, else the
// working folder, else the top of the file system.
func Home() string {
	if h, err := os.UserHomeDir(); err == nil && h != "" {
		if fi, err := os.Stat(h); err == nil && fi.IsDir() {
			return h
		}
	}
	if wd, err := os.Getwd(); err == nil {
		return wd
	}
	return string(filepath.Separator)
}

// Parent is the folder holding dir; ok is false at the top of the file
// system.
func Parent(dir string) (parent string, ok bool) {
	parent = filepath.Dir(dir)
	return parent, parent != dir
}

// opErr is a failed file operation as a sentence (the system's reason, the
// name rather than the path: the pane already shows the folder), wrapping
// the filetransfer sentinel that fits.
func opErr(what, p string, err error) error {
	sentinel := filetransfer.ErrIO
	switch {
	case errors.Is(err, syscall.ENOTEMPTY): // before ErrExist, which it also matches
		sentinel = filetransfer.ErrNotEmpty
	case errors.Is(err, fs.ErrExist):
		sentinel = filetransfer.ErrExists
	case errors.Is(err, fs.ErrNotExist):
		sentinel = filetransfer.ErrNotFound
	}
	return &Error{Sentinel: sentinel, Op: what, Name: filepath.Base(p), Err: bare(err)}
}

// Error is a refused or failed operation on the CSR's computer.
type Error struct {
	Sentinel error  // a filetransfer sentinel: ErrExists, ErrNotFound, ErrNotEmpty or ErrIO
	Op       string // "create the folder", "rename", …
	Name     string // the file or folder concerned
	Err      error  // the system's reason
}

func (e *Error) Error() string {
	return fmt.Sprintf("could not %s %q: %v", e.Op, e.Name, e.Err)
}

func (e *Error) Unwrap() []error { return []error{e.Sentinel, e.Err} }

// bare strips the path that *fs.PathError and *os.LinkError put in front
// of the system's reason.
func bare(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	var le *os.LinkError
	if errors.As(err, &le) {
		return le.Err
	}
	return err
}
