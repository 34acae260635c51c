package filetransfer

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// A folder tree arrives with every file's SHA-256 equal, folders (empty
// ones too) in place, owner permissions and times kept, nothing left over.
func TestTreeRoundTrip(t *testing.T) {
	src, dst := t.TempDir(), t.TempDir()
	files := map[string]int{
		"docs/readme.txt":            100,
		"docs/empty.txt":             0,
		"docs/one":                   1,
		"docs/deep/er/still.bin":     DefaultChunkSize,
		"docs/deep/er/plus-one.bin":  DefaultChunkSize + 1,
		"docs/deep/three-chunks.bin": 3*DefaultChunkSize - 7,
		"docs/résumé.pdf":            5000,
	}
	for rel, n := range files {
		writeFile(t, src, rel, n)
	}
	must(t, os.MkdirAll(filepath.Join(src, "docs", "empty-folder"), 0o755))
	must(t, os.Chmod(filepath.Join(src, "docs", "one"), 0o444))
	old := time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
	must(t, os.Chtimes(filepath.Join(src, "docs", "readme.txt"), old, old))
	writeFile(t, src, "single.txt", 42)

	a, b := Pipe()
	o := transfer(context.Background(), planPaths(t, filepath.Join(src, "docs"), filepath.Join(src, "single.txt")), &Sender{}, &Receiver{}, dst, a, b)
	if o.sendErr != nil || o.recErr != nil {
		t.Fatalf("send: %v, receive: %v", o.sendErr, o.recErr)
	}
	sameTree(t, tree(t, dst), tree(t, src))
	if o.sent.Files != 8 || o.got.Files != 8 || o.sent.Dirs != 4 {
		t.Errorf("results: sent %+v, got %+v", o.sent, o.got)
	}
	if o.sent.Bytes != o.sent.Total || o.got.Bytes != o.sent.Total || o.sent.Resumed != 0 {
		t.Errorf("bytes: sent %+v, got %+v", o.sent, o.got)
	}
	fi, err := os.Stat(filepath.Join(dst, "docs", "readme.txt"))
	must(t, err)
	if !fi.ModTime().Equal(old) {
		t.Errorf("mtime %v, want %v", fi.ModTime(), old)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v: only the owner's read and write bits travel", fi.Mode())
	}
	if fi, _ := os.Stat(filepath.Join(dst, "docs", "one")); fi.Mode().Perm() != 0o400 {
		t.Errorf("read-only file arrived as %v", fi.Mode())
	}
}

// 20 MB in one file, with progress reported on both sides up to the total.
func TestLargeFile(t *testing.T) {
	src, dst := t.TempDir(), t.TempDir()
	const size = 20 << 20
	writeFile(t, src, "big.bin", size)
	var mu sync.Mutex
	var sendLast, recvLast Progress
	monotonic := func(last *Progress) func(Progress) {
		return func(p Progress) {
			mu.Lock()
			defer mu.Unlock()
			if p.Done < last.Done || p.Total != size || p.FileSize != size || p.Path != "big.bin" {
				t.Errorf("progress %+v after %+v", p, *last)
			}
			*last = p
		}
	}
	a, b := Pipe()
	o := transfer(context.Background(), planPaths(t, filepath.Join(src, "big.bin")),
		&Sender{Progress: monotonic(&sendLast)}, &Receiver{Progress: monotonic(&recvLast)}, dst, a, b)
	if o.sendErr != nil || o.recErr != nil {
		t.Fatalf("send: %v, receive: %v", o.sendErr, o.recErr)
	}
	sameTree(t, tree(t, dst), tree(t, src))
	if sendLast.Done != size || recvLast.Done != size || sendLast.FileDone != size {
		t.Errorf("final progress: sender %+v, receiver %+v", sendLast, recvLast)
	}
}

// A connection that drops mid-file leaves the part and its state; the
// same transfer again sends only what is missing, from the last good
// chunk, and the file arrives whole.
func TestResumeAfterDrop(t *testing.T) {
	for _, c := range []struct {
		name    string
		dropAt  int64 // bytes through the receiver's conn
		change  bool  // the source changes between the attempts
		wantMin int64 // bytes the second run may skip at least
	}{
		{"mid file, before the first checkpoint", 700 << 10, false, 700<<10 - DefaultChunkSize - 1024},
		{"mid file, after checkpoints", 3 << 20, false, 3<<20 - DefaultChunkSize - 1024},
		{"source changed meanwhile: sent whole", 3 << 20, true, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			src, dst := t.TempDir(), t.TempDir()
			const size = 8 << 20
			writeFile(t, src, "f.bin", size)
			a, b := Pipe()
			o := transfer(context.Background(), planPaths(t, filepath.Join(src, "f.bin")), &Sender{}, &Receiver{},
				dst, a, &dropConn{PipeConn: b, after: c.dropAt})
			if !errors.Is(o.sendErr, ErrInterrupted) || !errors.Is(o.recErr, ErrInterrupted) {
				t.Fatalf("first run: send %v, receive %v", o.sendErr, o.recErr)
			}
			left := tree(t, dst)
			if left["f.bin"+partSuffix] == "" || left["f.bin"+stateSuffix] == "" || left["f.bin"] != "" {
				t.Fatalf("after the drop: %v", left)
			}
			if c.change {
				b := randomBytes("other", size)
				must(t, os.WriteFile(filepath.Join(src, "f.bin"), b, 0o644))
			}

			a, b = Pipe()
			o = transfer(context.Background(), planPaths(t, filepath.Join(src, "f.bin")), &Sender{}, &Receiver{}, dst, a, b)
			if o.sendErr != nil || o.recErr != nil {
				t.Fatalf("second run: send %v, receive %v", o.sendErr, o.recErr)
			}
			sameTree(t, tree(t, dst), tree(t, src))
			if o.sent.Bytes+o.sent.Resumed != size || o.sent.Resumed < c.wantMin {
				t.Errorf("second run sent %d and skipped %d of %d, want at least %d skipped", o.sent.Bytes, o.sent.Resumed, size, c.wantMin)
			}
			if !c.change && o.sent.Bytes >= size {
				t.Errorf("resent %d of %d bytes", o.sent.Bytes, size)
			}
		})
	}
}

// In a folder transfer that drops, files already in place are not sent
// again and the file in progress resumes.
func TestResumeFolder(t *testing.T) {
	src, dst := t.TempDir(), t.TempDir()
	for _, n := range []string{"a", "b", "c", "d"} {
		writeFile(t, src, "set/"+n, 1<<20)
	}
	a, b := Pipe()
	o := transfer(context.Background(), planPaths(t, filepath.Join(src, "set")), &Sender{}, &Receiver{},
		dst, a, &dropConn{PipeConn: b, after: 2<<20 + 300<<10})
	if !errors.Is(o.sendErr, ErrInterrupted) {
		t.Fatalf("first run: %v", o.sendErr)
	}
	a, b = Pipe()
	o = transfer(context.Background(), planPaths(t, filepath.Join(src, "set")), &Sender{}, &Receiver{}, dst, a, b)
	if o.sendErr != nil || o.recErr != nil {
		t.Fatalf("second run: send %v, receive %v", o.sendErr, o.recErr)
	}
	sameTree(t, tree(t, dst), tree(t, src))
	if o.sent.Resumed < 2<<20+200<<10 || o.sent.Bytes > 2<<20-200<<10 {
		t.Errorf("second run sent %d, skipped %d", o.sent.Bytes, o.sent.Resumed)
	}
	if o.sent.Files != 4 || o.got.Files != 4 {
		t.Errorf("files: %d sent, %d received", o.sent.Files, o.got.Files)
	}
}

// Abort Transfer, from either side: the other side hears it, partial
// files are deleted, files already verified stay.
func TestAbort(t *testing.T) {
	for _, side := range []string{"sender", "receiver"} {
		t.Run(side, func(t *testing.T) {
			src, dst := t.TempDir(), t.TempDir()
			writeFile(t, src, "set/1-small", 1000)
			writeFile(t, src, "set/2-big", 16<<20)
			sctx, scancel := context.WithCancelCause(context.Background())
			rctx, rcancel := context.WithCancelCause(context.Background())
			defer scancel(nil)
			defer rcancel(nil)
			cancel := scancel
			if side == "receiver" {
				cancel = rcancel
			}
			var once sync.Once
			abortSoon := func(p Progress) {
				if p.Path == "set/2-big" && p.FileDone > 2<<20 {
					once.Do(func() { cancel(errors.New("the CSR pressed Abort Transfer")) })
				}
			}
			s, r := &Sender{Log: quiet}, &Receiver{Log: quiet}
			if side == "sender" {
				s.Progress = abortSoon
			} else {
				r.Progress = abortSoon
			}
			a, b := Pipe()
			var wg sync.WaitGroup
			var recErr error
			wg.Go(func() { _, recErr = r.Receive(rctx, b, dst) })
			_, sendErr := s.Send(sctx, a, planPaths(t, filepath.Join(src, "set")), "")
			wg.Wait()
			if !errors.Is(sendErr, ErrAborted) || !errors.Is(recErr, ErrAborted) {
				t.Fatalf("send: %v, receive: %v", sendErr, recErr)
			}
			if !strings.Contains(sendErr.Error()+recErr.Error(), "Abort Transfer") {
				t.Errorf("the reason is lost: %v / %v", sendErr, recErr)
			}
			got := tree(t, dst)
			want := tree(t, src)
			delete(want, "set/2-big")
			sameTree(t, got, want)
		})
	}
}

// Too large is refused from the manifest, before a single byte or folder
// is written, with a message that says the limit.
func TestTooLargeRefusedUpFront(t *testing.T) {
	src, dst := t.TempDir(), t.TempDir()
	writeFile(t, src, "set/a", 600<<10)
	writeFile(t, src, "set/b", 600<<10)
	a, b := Pipe()
	o := transfer(context.Background(), planPaths(t, filepath.Join(src, "set")), &Sender{},
		&Receiver{Limits: Limits{MaxTotalBytes: 1 << 20}}, dst, a, b)
	if !errors.Is(o.sendErr, ErrTooLarge) || !errors.Is(o.recErr, ErrTooLarge) {
		t.Fatalf("send: %v, receive: %v", o.sendErr, o.recErr)
	}
	if !strings.Contains(o.sendErr.Error(), "the transfer is 1.2 MB; at most 1.0 MB are allowed") {
		t.Errorf("message: %v", o.sendErr)
	}
	if got := tree(t, dst); len(got) != 0 {
		t.Errorf("written despite the refusal: %v", got)
	}
	if o.sent.Bytes != 0 {
		t.Errorf("sent %d bytes", o.sent.Bytes)
	}

	// The sender's own limit refuses when planning.
	if _, err := PlanPaths([]string{filepath.Join(src, "set")}, Limits{MaxTotalBytes: 1_000_000}); !errors.Is(err, ErrTooLarge) {
		t.Errorf("plan over the limit: %v", err)
	}
	if _, err := PlanPaths([]string{filepath.Join(src, "set")}, Limits{MaxEntries: 2}); !errors.Is(err, ErrTooLarge) {
		t.Errorf("plan over the entry limit: %v", err)
	}
	// Too many entries is refused up front too.
	a, b = Pipe()
	o = transfer(context.Background(), planPaths(t, filepath.Join(src, "set")), &Sender{}, &Receiver{Limits: Limits{MaxEntries: 2}}, dst, a, b)
	if !errors.Is(o.sendErr, ErrTooLarge) || !strings.Contains(o.sendErr.Error(), "3 files and folders; at most 2") {
		t.Errorf("too many entries: %v", o.sendErr)
	}
}

// Existing files are not replaced unless asked; identical ones are kept
// and not sent again.
func TestExistingFiles(t *testing.T) {
	cases := []struct {
		name      string
		existing  []byte // content already in the destination
		overwrite bool
		wantErr   error
		wantBytes int64 // sent
	}{
		{"different size refused", []byte("mine"), false, ErrExists, 0},
		{"same size, different content refused", randomBytes("other", 5000), false, ErrExists, 0},
		{"identical kept, nothing sent", randomBytes("f.txt", 5000), false, nil, 0},
		{"overwrite replaces", []byte("mine"), true, nil, 5000},
		{"overwrite, same size", randomBytes("other", 5000), true, nil, 5000},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			src, dst := t.TempDir(), t.TempDir()
			writeFile(t, src, "f.txt", 5000)
			must(t, os.WriteFile(filepath.Join(dst, "f.txt"), c.existing, 0o644))
			a, b := Pipe()
			o := transfer(context.Background(), planPaths(t, filepath.Join(src, "f.txt")), &Sender{}, &Receiver{Overwrite: c.overwrite}, dst, a, b)
			if !errors.Is(o.sendErr, c.wantErr) || !errors.Is(o.recErr, c.wantErr) {
				t.Fatalf("send: %v, receive: %v, want %v", o.sendErr, o.recErr, c.wantErr)
			}
			if o.sent.Bytes != c.wantBytes {
				t.Errorf("sent %d bytes, want %d", o.sent.Bytes, c.wantBytes)
			}
			got, _ := os.ReadFile(filepath.Join(dst, "f.txt"))
			if c.wantErr != nil {
				if string(got) != string(c.existing) {
					t.Error("the existing file was changed")
				}
				if !strings.Contains(o.sendErr.Error(), `"f.txt" already exists in the destination folder`) {
					t.Errorf("message: %v", o.sendErr)
				}
			} else {
				sameTree(t, tree(t, dst), tree(t, src))
			}
		})
	}
	// An empty file over an empty file is identical too.
	src, dst := t.TempDir(), t.TempDir()
	writeFile(t, src, "empty", 0)
	writeFile(t, dst, "empty", 0)
	a, b := Pipe()
	if o := transfer(context.Background(), planPaths(t, filepath.Join(src, "empty")), &Sender{}, &Receiver{}, dst, a, b); o.sendErr != nil || o.got.Files != 1 {
		t.Errorf("empty over empty: %v, %+v", o.sendErr, o.got)
	}

	// A folder never replaces a file, nor the other way round.
	src, dst = t.TempDir(), t.TempDir()
	writeFile(t, src, "x/f", 10)
	writeFile(t, dst, "x", 10)
	a, b = Pipe()
	o := transfer(context.Background(), planPaths(t, filepath.Join(src, "x")), &Sender{}, &Receiver{Overwrite: true}, dst, a, b)
	if !errors.Is(o.sendErr, ErrExists) {
		t.Errorf("folder over a file: %v", o.sendErr)
	}
}

// The sender checks its own side: a link given by name is refused, links
// and unsendable names inside a folder are skipped and reported.
func TestPlanRefusesLinks(t *testing.T) {
	src, outside := t.TempDir(), t.TempDir()
	writeFile(t, outside, "secret", 10)
	writeFile(t, src, "set/ok.txt", 10)
	must(t, os.Symlink(outside, filepath.Join(src, "set", "out")))
	must(t, os.Symlink(filepath.Join(outside, "secret"), filepath.Join(src, "set", "secret-link")))
	must(t, os.Symlink(filepath.Join(src, "set"), filepath.Join(src, "setlink")))
	writeFile(t, src, "set/what?.txt", 10)
	writeFile(t, src, "set/x"+partSuffix, 10)

	if _, err := PlanPaths([]string{filepath.Join(src, "setlink")}, Limits{}); !errors.Is(err, ErrUnsafePath) {
		t.Errorf("a named link: %v", err)
	}
	p := planPaths(t, filepath.Join(src, "set"))
	var names []string
	for _, e := range p.Manifest().Entries {
		names = append(names, e.Path)
	}
	if strings.Join(names, " ") != "set set/ok.txt" {
		t.Errorf("planned %v", names)
	}
	skipped := map[string]string{}
	for _, s := range p.Skipped() {
		skipped[s.Path] = s.Reason
	}
	for name, reason := range map[string]string{
		"set/out":            "symbolic link",
		"set/secret-link":    "symbolic link",
		"set/what?.txt":      "'?'",
		"set/x" + partSuffix: "reserved",
	} {
		if !strings.Contains(skipped[name], reason) {
			t.Errorf("skipped %q: %q, want %q", name, skipped[name], reason)
		}
	}
	if _, err := PlanPaths([]string{filepath.Join(src, "set"), filepath.Join(src, "set")}, Limits{}); err == nil {
		t.Error("the same name twice was planned")
	}
	if _, err := PlanPaths([]string{filepath.Join(src, "missing")}, Limits{}); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing: %v", err)
	}
}

// A file that changes while it is being sent is reported, not delivered
// half old, half new.
func TestSourceChanged(t *testing.T) {
	src, dst := t.TempDir(), t.TempDir()
	writeFile(t, src, "f", 1000)
	p := planPaths(t, filepath.Join(src, "f"))
	writeFile(t, src, "f", 2000)
	a, b := Pipe()
	o := transfer(context.Background(), p, &Sender{}, &Receiver{}, dst, a, b)
	if !errors.Is(o.sendErr, ErrIO) || !strings.Contains(o.sendErr.Error(), "changed since it was selected") {
		t.Errorf("send: %v", o.sendErr)
	}
	if o.recErr == nil || len(tree(t, dst)) != 0 {
		t.Errorf("receive: %v, left %v", o.recErr, tree(t, dst))
	}
}

// Thousands of files: the manifest and the resume offers span several
// messages. Sending the same folder again finds every file identical and
// sends nothing.
func TestManyFiles(t *testing.T) {
	src, dst := t.TempDir(), t.TempDir()
	for i := range 1500 {
		writeFile(t, src, fmt.Sprintf("many/folder-%02d/a-rather-long-file-name-%04d.txt", i%30, i), 10)
	}
	a, b := Pipe()
	o := transfer(t.Context(), planPaths(t, filepath.Join(src, "many")), &Sender{}, &Receiver{}, dst, a, b)
	if o.sendErr != nil || o.recErr != nil {
		t.Fatalf("send: %v, receive: %v", o.sendErr, o.recErr)
	}
	sameTree(t, tree(t, dst), tree(t, src))
	a, b = Pipe()
	o = transfer(t.Context(), planPaths(t, filepath.Join(src, "many")), &Sender{}, &Receiver{}, dst, a, b)
	if o.sendErr != nil || o.recErr != nil {
		t.Fatalf("again: send %v, receive %v", o.sendErr, o.recErr)
	}
	if o.sent.Bytes != 0 || o.sent.Resumed != 15000 || o.got.Files != 1500 {
		t.Errorf("again: %+v", o.sent)
	}
}
