package localfs

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"lifeline/shared/filetransfer"
)

// tree makes files (content = their name) and folders (ending in /) under
// a new temporary folder.
func tree(t *testing.T, items ...string) string {
	t.Helper()
	dir := t.TempDir()
	for _, it := range items {
		p := filepath.Join(dir, filepath.FromSlash(it))
		if strings.HasSuffix(it, "/") {
			if err := os.MkdirAll(p, 0o755); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(it), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestList(t *testing.T) {
	dir := tree(t, "b.txt", "A/", "A/inner.txt", "c/")
	if err := os.Symlink(filepath.Join(dir, "A"), filepath.Join(dir, "link-to-A")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(dir, "gone"), filepath.Join(dir, "dangling")); err != nil {
		t.Fatal(err)
	}
	l, err := FS{}.List(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]filetransfer.DirEntry{}
	for _, e := range l.Entries {
		got[e.Name] = e
	}
	for _, c := range []struct {
		name string
		kind filetransfer.Kind
		size int64
	}{
		{"b.txt", filetransfer.KindFile, 5},
		{"A", filetransfer.KindDir, 0},
		{"c", filetransfer.KindDir, 0},
		{"link-to-A", filetransfer.KindDir, 0},  // can be opened
		{"dangling", filetransfer.KindOther, 0}, // listed, so that it can be deleted
	} {
		e, ok := got[c.name]
		if !ok || e.Kind != c.kind || e.Size != c.size || e.ModTime.IsZero() {
			t.Errorf("%s: got %+v (listed %v), want kind %v size %d", c.name, e, ok, c.kind, c.size)
		}
	}
	if len(l.Entries) != 5 {
		t.Errorf("%d entries, want 5: %+v", len(l.Entries), l.Entries)
	}
	if _, err := (FS{}).List(context.Background(), filepath.Join(dir, "missing")); !errors.Is(err, filetransfer.ErrNotFound) {
		t.Errorf("missing folder: %v, want ErrNotFound", err)
	}
}

func TestCheckName(t *testing.T) {
	for _, c := range []struct {
		name string
		ok   bool
	}{
		{"Reports 2026", true},
		{"ünïcödé.txt", true},
		{".hidden", true},
		{"", false},
		{"   ", false},
		{".", false},
		{"..", false},
		{"a/b", false},
		{"tab\there", false},
		{"nul\x00", false},
	} {
		err := CheckName(c.name)
		if (err == nil) != c.ok {
			t.Errorf("CheckName(%q) = %v, want ok %v", c.name, err, c.ok)
		}
		if err != nil && !errors.Is(err, filetransfer.ErrUnsafePath) {
			t.Errorf("CheckName(%q) = %v, not ErrUnsafePath", c.name, err)
		}
	}
}

func TestMkdirRenameRemove(t *testing.T) {
	ctx := context.Background()
	dir := tree(t, "a.txt", "b.txt", "full/", "full/x/y.txt", "empty/")
	var fsys FS
	for _, c := range []struct {
		what    string
		do      func() error
		want    error // nil for success
		present []string
		absent  []string
	}{
		{"new folder", func() error { return fsys.Mkdir(ctx, filepath.Join(dir, "New")) }, nil, []string{"New"}, nil},
		{"new folder that exists", func() error { return fsys.Mkdir(ctx, filepath.Join(dir, "New")) }, filetransfer.ErrExists, nil, nil},
		{"new folder in a missing folder", func() error { return fsys.Mkdir(ctx, filepath.Join(dir, "no", "New")) }, filetransfer.ErrNotFound, nil, nil},
		{"new folder with a bad name", func() error { return fsys.Mkdir(ctx, filepath.Join(dir, "bell\a")) }, filetransfer.ErrUnsafePath, nil, nil},
		{"rename", func() error { return fsys.Rename(ctx, filepath.Join(dir, "a.txt"), "c.txt") }, nil, []string{"c.txt"}, []string{"a.txt"}},
		{"rename onto an existing file", func() error { return fsys.Rename(ctx, filepath.Join(dir, "c.txt"), "b.txt") },
			filetransfer.ErrExists, []string{"c.txt", "b.txt"}, nil},
		{"rename that moves", func() error { return fsys.Rename(ctx, filepath.Join(dir, "c.txt"), "full/c.txt") },
			filetransfer.ErrUnsafePath, []string{"c.txt"}, []string{"full/c.txt"}},
		{"rename a missing file", func() error { return fsys.Rename(ctx, filepath.Join(dir, "zz"), "yy") }, filetransfer.ErrNotFound, nil, nil},
		{"delete a file", func() error { return fsys.Remove(ctx, filepath.Join(dir, "b.txt"), false) }, nil, nil, []string{"b.txt"}},
		{"delete a full folder, not recursive", func() error { return fsys.Remove(ctx, filepath.Join(dir, "full"), false) },
			filetransfer.ErrNotEmpty, []string{"full/x/y.txt"}, nil},
		{"delete a full folder, recursive", func() error { return fsys.Remove(ctx, filepath.Join(dir, "full"), true) }, nil, nil, []string{"full"}},
		{"delete an empty folder", func() error { return fsys.Remove(ctx, filepath.Join(dir, "empty"), false) }, nil, nil, []string{"empty"}},
		{"delete something missing", func() error { return fsys.Remove(ctx, filepath.Join(dir, "gone"), true) }, filetransfer.ErrNotFound, nil, nil},
		{"delete the top of the file system", func() error { return fsys.Remove(ctx, string(filepath.Separator), true) }, filetransfer.ErrDenied, nil, nil},
	} {
		err := c.do()
		switch {
		case c.want == nil && err != nil:
			t.Errorf("%s: %v", c.what, err)
		case c.want != nil && !errors.Is(err, c.want):
			t.Errorf("%s: %v, want %v", c.what, err, c.want)
		case err != nil && strings.Contains(err.Error(), dir):
			t.Errorf("%s: the message names the whole path: %v", c.what, err)
		}
		for _, p := range c.present {
			if _, err := os.Lstat(filepath.Join(dir, p)); err != nil {
				t.Errorf("%s: %s is gone: %v", c.what, p, err)
			}
		}
		for _, p := range c.absent {
			if _, err := os.Lstat(filepath.Join(dir, p)); err == nil {
				t.Errorf("%s: %s is still there", c.what, p)
			}
		}
	}
}

func TestSize(t *testing.T) {
	dir := tree(t, "a.txt", "f/", "f/bb.txt", "f/g/ccc.txt")
	if err := os.Symlink(filepath.Join(dir, "a.txt"), filepath.Join(dir, "f", "link")); err != nil {
		t.Fatal(err)
	}
	n, err := Size(context.Background(), []string{filepath.Join(dir, "a.txt"), filepath.Join(dir, "f")})
	if err != nil {
		t.Fatal(err)
	}
	// The names are the contents: a.txt 5, f/bb.txt 8, f/g/ccc.txt 11; the
	// link is not followed.
	if n != 5+8+11 {
		t.Errorf("Size = %d, want %d", n, 5+8+11)
	}
	if _, err := Size(context.Background(), []string{filepath.Join(dir, "missing")}); !errors.Is(err, filetransfer.ErrNotFound) {
		t.Errorf("missing: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Size(ctx, []string{dir}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

func TestParentAndHome(t *testing.T) {
	root := string(filepath.Separator)
	if p, ok := Parent(filepath.Join(root, "home", "carol")); !ok || p != filepath.Join(root, "home") {
		t.Errorf("Parent = %q %v", p, ok)
	}
	if _, ok := Parent(root); ok {
		t.Error("the top of the file system has a parent")
	}
	t.Setenv("HOME", t.TempDir())
	if h := Home(); h != os.Getenv("HOME") {
		t.Errorf("Home = %q, want $HOME", h)
	}
}
