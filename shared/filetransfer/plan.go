package filetransfer

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"
)

// Plan is what a Sender sends: the manifest, and where each file is read.
// Build it with PlanPaths (files and folders a person picked on this
// machine) or PlanRoot (names inside a chosen folder, as requested by the
// other side), and Close it when done.
type Plan struct {
	entries []Entry
	srcs    []source
	skipped []Skip
	top     map[string]bool
	owned   []*os.Root
	total   int64
	lim     Limits
}

// Skip is an item left out of a folder being sent, and why: symbolic
// links (never followed, so a folder cannot smuggle out what it points
// to), devices and pipes, and names the other side would refuse.
type Skip struct {
	Path   string
	Reason string
}

type source struct {
	root *os.Root
	rel  string
}

// PlanPaths plans sending local files and folders (absolute or relative
// to the working directory); each keeps its base name in the transfer.
// Folders are sent whole. A named item that is a symbolic link is refused;
// links inside folders are skipped (see Skipped).
func PlanPaths(paths []string, lim Limits) (*Plan, error) {
	p := newPlan(lim)
	for _, name := range paths {
		abs, err := filepath.Abs(name)
		if err != nil {
			p.Close()
			return nil, fmt.Errorf("filetransfer: %w", err)
		}
		root, err := os.OpenRoot(filepath.Dir(abs))
		if err != nil {
			p.Close()
			return nil, ioErr("open folder of", name, err)
		}
		p.owned = append(p.owned, root)
		if err := p.add(root, filepath.Base(abs), filepath.Base(abs)); err != nil {
			p.Close()
			return nil, err
		}
	}
	if err := p.finish(); err != nil {
		return nil, err
	}
	return p, nil
}

// PlanRoot plans sending names inside root (CheckPath-clean, refused
// otherwise); each keeps its base name in the transfer. The plan does not
// close root.
func PlanRoot(root *os.Root, names []string, lim Limits) (*Plan, error) {
	p := newPlan(lim)
	for _, name := range names {
		if err := CheckPath(name); err != nil {
			return nil, err
		}
		if err := p.add(root, name, path.Base(name)); err != nil {
			return nil, err
		}
	}
	if err := p.finish(); err != nil {
		return nil, err
	}
	return p, nil
}

func newPlan(lim Limits) *Plan {
	return &Plan{top: map[string]bool{}, lim: lim.withDefaults()}
}

// Manifest returns the entries to send.
func (p *Plan) Manifest() Manifest {
	return Manifest{Entries: append([]Entry(nil), p.entries...)}
}

// Skipped lists what was left out of the folders, for the person and the
// log.
func (p *Plan) Skipped() []Skip { return append([]Skip(nil), p.skipped...) }

// Close releases the folders PlanPaths opened.
func (p *Plan) Close() error {
	var errs []error
	for _, r := range p.owned {
		errs = append(errs, r.Close())
	}
	p.owned = nil
	return errors.Join(errs...)
}

func (p *Plan) finish() error {
	if len(p.entries) > p.lim.MaxEntries {
		p.Close()
		return p.lim.tooManyEntries(len(p.entries))
	}
	if p.total > p.lim.MaxTotalBytes {
		p.Close()
		return p.lim.tooManyBytes(p.total)
	}
	return nil
}

func (p *Plan) push(e Entry, s source) {
	p.entries = append(p.entries, e)
	p.srcs = append(p.srcs, s)
	p.total += e.Size
}

func entryOf(name string, fi fs.FileInfo) Entry {
	e := Entry{Path: name, Kind: KindDir, ModTime: time.Unix(fi.ModTime().Unix(), 0)}
	if fi.Mode().IsRegular() {
		e.Kind, e.Size, e.Mode = KindFile, fi.Size(), fi.Mode().Perm()&permMask
	}
	return e
}

// add plans rel (inside root) under name.
func (p *Plan) add(root *os.Root, rel, name string) error {
	if err := p.lim.checkEntry(Entry{Path: name}); err != nil {
		return err
	}
	if p.top[name] {
		return refuse(name, "two selected items have this name; send them separately")
	}
	p.top[name] = true
	fi, err := lstat(root, rel)
	if err != nil {
		return err
	}
	if fi == nil {
		return fmt.Errorf("%w: %q does not exist", ErrNotFound, rel)
	}
	switch {
	case fi.Mode().IsRegular():
		p.push(entryOf(name, fi), source{root, rel})
		return nil
	case !fi.IsDir():
		return refuse(rel, "it is not a regular file or folder")
	}
	p.push(entryOf(name, fi), source{})
	// WalkDir goes through root, so it stays inside; it reports links as
	// links (from the directory entry) and never descends into them.
	return fs.WalkDir(root.FS(), rel, func(fp string, d fs.DirEntry, err error) error {
		if fp == rel {
			if err != nil {
				return ioErr("read folder", rel, err)
			}
			return nil
		}
		ep := name + "/" + strings.TrimPrefix(fp, rel+"/")
		skip := func(reason string) error {
			p.skipped = append(p.skipped, Skip{Path: ep, Reason: reason})
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if err != nil {
			return skip(bare(err).Error())
		}
		if len(p.entries) > p.lim.MaxEntries {
			return p.lim.tooManyEntries(len(p.entries))
		}
		if err := p.lim.checkEntry(Entry{Path: ep}); err != nil {
			var pe *PathError
			if errors.As(err, &pe) {
				return skip(pe.Reason)
			}
			return skip(err.Error())
		}
		t := d.Type()
		switch {
		case t&fs.ModeSymlink != 0:
			return skip("it is a symbolic link, and links are never followed")
		case !d.IsDir() && !t.IsRegular():
			return skip("it is not a regular file or folder")
		}
		info, err := d.Info()
		if err != nil {
			return skip(bare(err).Error())
		}
		if d.IsDir() {
			p.push(entryOf(ep, info), source{})
		} else {
			p.push(entryOf(ep, info), source{root, fp})
		}
		return nil
	})
}
