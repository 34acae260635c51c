package terminal

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"lifeline/shared/filetransfer"
)

func TestFormatSize(t *testing.T) {
	for _, c := range []struct {
		n    int64
		want string
	}{
		{0, "0 bytes"}, {1, "1 byte"}, {1023, "1023 bytes"}, {1024, "1.0 KB"}, {15_360, "15.0 KB"},
		{2_202_010, "2.1 MB"}, {150 << 20, "150.0 MB"}, {150_000_000, "143.1 MB"}, {3 << 30, "3.0 GB"},
	} {
		if got := FormatSize(c.n); got != c.want {
			t.Errorf("FormatSize(%d) = %q, want %q", c.n, got, c.want)
		}
	}
}

func TestPercent(t *testing.T) {
	for _, c := range []struct {
		done, total int64
		want        int
	}{{0, 0, 0}, {5, 0, 0}, {-1, 10, 0}, {1, 3, 33}, {999, 1000, 99}, {10, 10, 100}, {11, 10, 100}} {
		if got := Percent(c.done, c.total); got != c.want {
			t.Errorf("Percent(%d, %d) = %d, want %d", c.done, c.total, got, c.want)
		}
	}
}

func TestDownloaded(t *testing.T) {
	for _, c := range []struct {
		r    filetransfer.Result
		want string
	}{
		{filetransfer.Result{Files: 3, Total: 2_202_010}, "Downloaded 3 files (2.1 MB) to /home/ana/Downloads."},
		{filetransfer.Result{Files: 1, Total: 12}, "Downloaded 1 file (12 bytes) to /home/ana/Downloads."},
		{filetransfer.Result{Files: 4, Dirs: 2, Total: 5_120}, "Downloaded 4 files and 2 folders (5.0 KB) to /home/ana/Downloads."},
		{filetransfer.Result{Files: 2, Total: 3 << 20, Resumed: 1 << 20},
			"Downloaded 2 files (3.0 MB) to /home/ana/Downloads. 1.0 MB of it was already there and was not downloaded again."},
		{filetransfer.Result{Files: 1, Total: 10, Skipped: []filetransfer.Skip{{Path: "logs/sock\x1b", Reason: "not a file or folder"}}},
			"Downloaded 1 file (10 bytes) to /home/ana/Downloads. Not downloaded: “logs/sock?” (not a file or folder)."},
	} {
		if got := Downloaded(c.r, "/home/ana/Downloads"); got != c.want {
			t.Errorf("Downloaded(%+v)\n got %q\nwant %q", c.r, got, c.want)
		}
	}
}

func TestFolderProblem(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		dir, want string
	}{
		{dir, ""},
		{"", "Choose a folder to download the files into."},
		{"Downloads", "Downloads is not a full path to a folder; give one such as /home/ana/Downloads."},
		{filepath.Join(dir, "nope"), "The folder " + filepath.Join(dir, "nope") + " does not exist. Choose another folder."},
		{file, file + " is a file, not a folder. Choose a folder."},
		{filepath.Join(file, "x"), "The folder " + filepath.Join(file, "x") + " cannot be used: not a directory."},
	} {
		if got := FolderProblem(c.dir); got != c.want {
			t.Errorf("FolderProblem(%q)\n got %q\nwant %q", c.dir, got, c.want)
		}
	}
}

func TestDownloadError(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"a.txt", "b.txt"} {
		if err := os.WriteFile(filepath.Join(dir, name), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "logs"), 0o700); err != nil {
		t.Fatal(err)
	}
	remote := func(code filetransfer.Code, path, msg string) error {
		return fmt.Errorf("download: %w", &filetransfer.RemoteError{Code: code, Path: path, Msg: msg})
	}
	for _, c := range []struct {
		name  string
		err   error
		names []string
		want  string
	}{
		{"exists, one", filetransfer.ErrExists, []string{"a.txt", "c.txt", "logs"},
			"“a.txt” is already in $DIR and was kept as it is. Choose another folder, or move it away and try again."},
		{"exists, several", filetransfer.ErrExists, []string{"a.txt", "b.txt", "logs"},
			"“a.txt” and “b.txt” are already in $DIR and were kept as they are. Choose another folder, or move them away and try again."},
		{"exists, the sender named it", remote(filetransfer.CodeExists, "logs/today.txt", "x"), []string{"logs"},
			"“logs/today.txt” is already in $DIR and was kept as it is. Choose another folder, or move it away and try again."},
		{"exists, inside a folder", filetransfer.ErrExists, []string{"logs", "../a.txt"},
			"A file of the same name is already in $DIR and was kept as it is. Choose another folder, or move it away and try again."},
		{"no space", &fs.PathError{Op: "write", Path: "/x", Err: syscall.ENOSPC}, nil,
			"There is not enough space in $DIR for these files. Free some space or choose another folder, then try again."},
		{"no permission here", fmt.Errorf("%w: %w", filetransfer.ErrIO, &fs.PathError{Op: "open", Path: "/x", Err: syscall.EACCES}), nil,
			"Lifeline may not write into $DIR. Choose another folder."},
		{"no permission there", remote(filetransfer.CodeIO, "", "permission denied"), nil,
			"Your support representative's computer could not send the files: Permission denied."},
		{"aborted by the CSR", remote(filetransfer.CodeAborted, "", "Carol pressed Abort"), nil,
			"Your support representative aborted the transfer. Files that were not complete were removed."},
		{"refused", remote(filetransfer.CodeDenied, "", ""), nil, "The transfer was refused."},
		{"not published any more", remote(filetransfer.CodeNotFound, "a.txt", "gone"), nil,
			"A file you selected is no longer offered. Look at the list again and choose again."},
		{"folder gone", fmt.Errorf("%w: the destination folder cannot be opened", filetransfer.ErrNotFound), nil,
			"The folder $DIR cannot be opened. Choose another folder."},
		{"too large", remote(filetransfer.CodeTooLarge, "", "too big"), nil,
			"These files are too large to download at once. Select fewer files and try again."},
		{"interrupted", fmt.Errorf("%w: EOF", filetransfer.ErrInterrupted), nil,
			"The connection was interrupted during the download. Try again: it continues where it stopped."},
		{"damaged", filetransfer.ErrChecksum, nil, "A file arrived damaged and was deleted. Try again."},
		{"unsafe", &filetransfer.PathError{Path: "../x", Reason: "no"}, nil,
			"The download was refused because a name in it is not safe to use. Nothing was written outside $DIR."},
		{"anything else", errors.New("you are not connected to the session right now"), nil,
			"You are not connected to the session right now."},
	} {
		t.Run(c.name, func(t *testing.T) {
			want := strings.ReplaceAll(c.want, "$DIR", dir)
			if got := DownloadError(c.err, dir, c.names); got != want {
				t.Errorf("DownloadError(%v)\n got %q\nwant %q", c.err, got, want)
			}
		})
	}
}

func TestPublished(t *testing.T) {
	usable, hidden := Published([]filetransfer.DirEntry{
		{Name: "b.txt"}, {Name: "a\u202etxt.exe"}, {Name: ""}, {Name: "dir/x"}, {Name: "b.txt"}, {Name: "a.txt"},
	})
	if len(usable) != 2 || usable[0].Name != "b.txt" || usable[1].Name != "a.txt" || hidden != 4 {
		t.Fatalf("usable %v, hidden %d", usable, hidden)
	}
	if got := HiddenSentence(1); got != "1 published file is not shown because its name is not safe to use." {
		t.Errorf("HiddenSentence(1) = %q", got)
	}
}
