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
)

// opsWorld is a Server on a chosen folder (with a link to a folder
// outside it) and a Client talking to it.
type opsWorld struct {
	chosen, outside string
	c               *Client
	raw             *peer // a second client without the Client's own checks
	mu              sync.Mutex
	asked           []Request
	deny            Op
	done            []string // Done: "op files bytes err"
}

func newOpsWorld(t *testing.T) *opsWorld {
	dir := t.TempDir()
	w := &opsWorld{chosen: filepath.Join(dir, "chosen"), outside: filepath.Join(dir, "outside")}
	writeFile(t, w.chosen, "docs/a.txt", 100)
	writeFile(t, w.chosen, "docs/sub/b.txt", 200)
	writeFile(t, w.chosen, "top.txt", 5)
	must(t, os.MkdirAll(filepath.Join(w.chosen, "empty"), 0o755))
	writeFile(t, w.outside, "secret", 10)
	must(t, os.Symlink(w.outside, filepath.Join(w.chosen, "evil")))

	srv := &Server{
		Root: openRoot(t, w.chosen),
		Log:  quiet,
		Allow: func(_ context.Context, r Request) error {
			w.mu.Lock()
			defer w.mu.Unlock()
			w.asked = append(w.asked, r)
			if r.Op == w.deny {
				return errors.New("the customer declined")
			}
			return nil
		},
		Done: func(r Request, res Result, err error) {
			w.mu.Lock()
			defer w.mu.Unlock()
			w.done = append(w.done, fmt.Sprintf("%s %d %d %v", r.Op, r.Manifest.Files(), res.Bytes, err))
		},
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for _, set := range []func(Conn){
		func(c Conn) { w.c = &Client{Conn: c, Sender: Sender{Log: quiet}, Receiver: Receiver{Log: quiet}} },
		func(c Conn) { w.raw = &peer{t: t, conn: c.(*PipeConn)} },
	} {
		a, b := Pipe()
		set(a)
		wg.Go(func() { srv.Serve(ctx, b) })
	}
	t.Cleanup(func() {
		cancel()
		wg.Wait()
	})
	return w
}

func (w *opsWorld) setDeny(op Op) {
	w.mu.Lock()
	w.deny = op
	w.mu.Unlock()
}

func (w *opsWorld) outsideUntouched(t *testing.T) {
	t.Helper()
	sameTree(t, tree(t, w.outside), map[string]string{"secret": tree(t, w.outside)["secret"]})
	if b, err := os.ReadFile(filepath.Join(w.outside, "secret")); err != nil || string(b) != string(randomBytes("secret", 10)) {
		t.Errorf("outside changed: %v", err)
	}
}

func TestList(t *testing.T) {
	w := newOpsWorld(t)
	writeFile(t, w.chosen, "what?.txt", 1)
	writeFile(t, w.chosen, "bad\nname", 1)
	l, err := w.c.List(t.Context(), "")
	must(t, err)
	var got []string
	for _, e := range l.Entries {
		got = append(got, fmt.Sprintf("%s:%s:%d", e.Name, e.Kind, e.Size))
	}
	want := "docs:folder:0 empty:folder:0 evil:other:0 top.txt:file:5"
	if strings.Join(got, " ") != want || l.Hidden != 2 {
		t.Errorf("listing %v, %d hidden; want %s, 2 hidden", got, l.Hidden, want)
	}
	if l, err := w.c.List(t.Context(), "docs/sub"); err != nil || len(l.Entries) != 1 || l.Entries[0].Name != "b.txt" {
		t.Errorf("docs/sub: %+v, %v", l, err)
	}

	for _, c := range []struct {
		dir  string
		want error
	}{
		{"../", ErrUnsafePath},
		{"..", ErrUnsafePath},
		{"/etc", ErrUnsafePath},
		{"evil", ErrUnsafePath},
		{"missing", ErrNotFound},
		{"top.txt", ErrUnsafePath},
	} {
		if _, err := w.c.List(t.Context(), c.dir); !errors.Is(err, c.want) {
			t.Errorf("List(%q) = %v, want %v", c.dir, err, c.want)
		}
		w.raw.send(&msgList{id: 7, path: c.dir})
		if e, ok := w.raw.recv().(*msgError); !ok || e.id != 7 || !errors.Is(e.err(), c.want) {
			t.Errorf("server, list %q: %+v", c.dir, e)
		}
	}
	if len(w.asked) != 0 {
		t.Errorf("listing asked the customer: %v", w.asked)
	}
}

// Large folders are listed over several messages.
func TestListManyPages(t *testing.T) {
	w := newOpsWorld(t)
	dir := filepath.Join(w.chosen, "many")
	must(t, os.MkdirAll(dir, 0o755))
	for i := range 2000 {
		must(t, os.WriteFile(filepath.Join(dir, fmt.Sprintf("%04d-%s", i, strings.Repeat("n", 60))), nil, 0o644))
	}
	l, err := w.c.List(t.Context(), "many")
	if err != nil || len(l.Entries) != 2000 || l.Entries[1999].Name[:4] != "1999" {
		t.Fatalf("%d entries, %v", len(l.Entries), err)
	}
}

func TestFileOps(t *testing.T) {
	type step struct {
		name string
		do   func(c *Client) error
		want error
		msg  string
	}
	ctx := context.Background()
	mkdir := func(p string) func(*Client) error { return func(c *Client) error { return c.Mkdir(ctx, p) } }
	rename := func(p, n string) func(*Client) error { return func(c *Client) error { return c.Rename(ctx, p, n) } }
	rm := func(p string, r bool) func(*Client) error {
		return func(c *Client) error { return c.Remove(ctx, p, r) }
	}
	steps := []step{
		{"new folder", mkdir("docs/new"), nil, ""},
		{"new folder again", mkdir("docs/new"), ErrExists, "already exists"},
		{"new folder, no parent", mkdir("nope/new"), ErrNotFound, "does not exist"},
		{"new folder through a link", mkdir("evil/new"), ErrUnsafePath, "symbolic link"},
		{"new folder with dot-dot", mkdir("../new"), ErrUnsafePath, `".."`},
		{"new folder, reserved name", mkdir("x" + partSuffix), ErrUnsafePath, "reserved"},
		{"rename", rename("top.txt", "renamed.txt"), nil, ""},
		{"rename to a name with a slash", rename("renamed.txt", "docs/moved.txt"), ErrUnsafePath, "does not move"},
		{"rename to dot-dot", rename("renamed.txt", ".."), ErrUnsafePath, `".."`},
		{"rename onto an existing name", rename("renamed.txt", "docs"), ErrExists, "already exists"},
		{"rename a missing file", rename("nope.txt", "x"), ErrNotFound, "does not exist"},
		{"rename through a link", rename("evil/secret", "x"), ErrUnsafePath, "symbolic link"},
		{"rename to a device name", rename("renamed.txt", "aux.txt"), ErrUnsafePath, "device name"},
		{"rename a link itself", rename("evil", "evil2"), nil, ""},
		{"delete a file", rm("renamed.txt", false), nil, ""},
		{"delete a missing file", rm("renamed.txt", false), ErrNotFound, "does not exist"},
		{"delete an empty folder", rm("empty", false), nil, ""},
		{"delete a full folder", rm("docs", false), ErrNotEmpty, "not empty"},
		{"delete the chosen folder", rm("", true), ErrUnsafePath, "cannot be deleted"},
		{"delete the chosen folder as dot", rm(".", true), ErrUnsafePath, "cannot be deleted"},
		{"delete through a link", rm("evil2/secret", false), ErrUnsafePath, "symbolic link"},
		{"delete dot-dot", rm("..", true), ErrUnsafePath, `".."`},
		{"delete a link itself", rm("evil2", true), nil, ""},
		{"delete a full folder, recursive", rm("docs", true), nil, ""},
	}
	w := newOpsWorld(t)
	for _, s := range steps {
		err := s.do(w.c)
		if !errors.Is(err, s.want) || (s.want != nil && !strings.Contains(err.Error(), s.msg)) {
			t.Errorf("%s: %v, want %v with %q", s.name, err, s.want, s.msg)
		}
	}
	sameTree(t, tree(t, w.chosen), map[string]string{})
	w.outsideUntouched(t)

	// The server checks again what a client without checks sends.
	for _, m := range []message{
		&msgMkdir{id: 1, path: "../x"},
		&msgRename{id: 2, path: "a", name: "b/c"},
		&msgRename{id: 3, path: "../x", name: "y"},
		&msgRemove{id: 4, path: "", recursive: true},
		&msgRemove{id: 5, path: "/tmp", recursive: true},
		&msgGet{id: 6, paths: []string{"../outside/secret"}},
	} {
		w.raw.send(m)
		if e, ok := w.raw.recv().(*msgError); !ok || e.id != requestID(m) || !errors.Is(e.err(), ErrUnsafePath) {
			t.Errorf("server accepted %+v: %+v", m, e)
		}
	}
	w.outsideUntouched(t)
}

// Every change asks the Allow hook first; a refusal is ErrDenied and
// changes nothing.
func TestAllowHook(t *testing.T) {
	w := newOpsWorld(t)
	w.setDeny(OpRename)
	err := w.c.Rename(t.Context(), "top.txt", "x.txt")
	if !errors.Is(err, ErrDenied) || !strings.Contains(err.Error(), "the customer declined") {
		t.Fatalf("rename: %v", err)
	}
	if _, err := os.Stat(filepath.Join(w.chosen, "top.txt")); err != nil {
		t.Error("renamed despite the refusal")
	}
	must(t, w.c.Remove(t.Context(), "top.txt", false))
	want := []Request{{Op: OpRename, Path: "top.txt", NewName: "x.txt"}, {Op: OpRemove, Path: "top.txt"}}
	if fmt.Sprint(w.asked) != fmt.Sprint(want) {
		t.Errorf("asked %+v, want %+v", w.asked, want)
	}
}

// Put and get through the Server, both directions, inside its folder.
func TestPutGet(t *testing.T) {
	w := newOpsWorld(t)
	local := t.TempDir()
	writeFile(t, local, "upload/x.bin", 300_000)
	writeFile(t, local, "upload/in/y.bin", 10)

	res, err := w.c.Put(t.Context(), planPaths(t, filepath.Join(local, "upload")), "docs/sub")
	if err != nil || res.Files != 2 {
		t.Fatalf("put: %+v, %v", res, err)
	}
	sameTree(t, tree(t, filepath.Join(w.chosen, "docs", "sub", "upload")), tree(t, filepath.Join(local, "upload")))
	if w.asked[0].Op != OpPut || w.asked[0].Path != "docs/sub" || w.asked[0].Manifest.Files() != 2 {
		t.Errorf("asked %+v", w.asked[0])
	}

	for _, c := range []struct {
		dest string
		want error
	}{
		{"../outside", ErrUnsafePath},
		{"evil", ErrUnsafePath},
		{"missing", ErrNotFound},
	} {
		if _, err := w.c.Put(t.Context(), planPaths(t, filepath.Join(local, "upload")), c.dest); !errors.Is(err, c.want) {
			t.Errorf("put into %q: %v, want %v", c.dest, err, c.want)
		}
	}

	into := t.TempDir()
	res, err = w.c.Get(t.Context(), []string{"docs", "top.txt"}, into)
	if err != nil || res.Files != 5 {
		t.Fatalf("get: %+v, %v", res, err)
	}
	want := tree(t, w.chosen)
	delete(want, "evil")
	delete(want, "empty")
	sameTree(t, tree(t, into), want)

	for _, c := range []struct {
		path string
		want error
	}{
		{"evil", ErrUnsafePath},
		{"evil/secret", ErrUnsafePath},
		{"../outside/secret", ErrUnsafePath},
		{"missing", ErrNotFound},
	} {
		if _, err := w.c.Get(t.Context(), []string{c.path}, t.TempDir()); !errors.Is(err, c.want) {
			t.Errorf("get %q: %v, want %v", c.path, err, c.want)
		}
	}
	// The client is still in step after the refusals.
	if _, err := w.c.List(t.Context(), ""); err != nil {
		t.Errorf("list after refusals: %v", err)
	}
	w.setDeny(OpGet)
	if _, err := w.c.Get(t.Context(), []string{"top.txt"}, t.TempDir()); !errors.Is(err, ErrDenied) {
		t.Errorf("denied get: %v", err)
	}
	w.outsideUntouched(t)
}

// Abort Transfer in the two-pane window, then carry on on the same
// channel: leftovers of the aborted transfer are skipped.
func TestAbortThenCarryOn(t *testing.T) {
	w := newOpsWorld(t)
	writeFile(t, w.chosen, "big.bin", 8<<20)
	into := t.TempDir()
	ctx, cancel := context.WithCancelCause(t.Context())
	w.c.Receiver.Progress = func(p Progress) {
		if p.FileDone > 1<<20 {
			cancel(errors.New("the CSR pressed Abort Transfer"))
		}
	}
	if _, err := w.c.Get(ctx, []string{"big.bin"}, into); !errors.Is(err, ErrAborted) {
		t.Fatalf("get: %v", err)
	}
	if got := tree(t, into); len(got) != 0 {
		t.Errorf("left after the abort: %v", got)
	}
	w.c.Receiver.Progress = nil
	if l, err := w.c.List(t.Context(), ""); err != nil || len(l.Entries) != 5 {
		t.Errorf("list after the abort: %+v, %v", l, err)
	}
	if _, err := w.c.Get(t.Context(), []string{"big.bin"}, into); err != nil {
		t.Errorf("get after the abort: %v", err)
	}
	sameTree(t, tree(t, into), map[string]string{"big.bin": tree(t, w.chosen)["big.bin"]})

	local := t.TempDir()
	writeFile(t, local, "up.bin", 8<<20)
	ctx, cancel = context.WithCancelCause(t.Context())
	w.c.Sender.Progress = func(p Progress) {
		if p.FileDone > 1<<20 {
			cancel(errors.New("the CSR pressed Abort Transfer"))
		}
	}
	if _, err := w.c.Put(ctx, planPaths(t, filepath.Join(local, "up.bin")), "docs"); !errors.Is(err, ErrAborted) {
		t.Fatalf("put: %v", err)
	}
	w.c.Sender.Progress = nil
	if _, err := w.c.Put(t.Context(), planPaths(t, filepath.Join(local, "up.bin")), "docs"); err != nil {
		t.Errorf("put after the abort: %v", err)
	}
	if tree(t, w.chosen)["docs/up.bin"] != tree(t, local)["up.bin"] {
		t.Error("upload after the abort differs")
	}
}

// Basic transfer: the customer lists what the CSR published and downloads
// it into a folder they picked; nothing else is possible.
func TestPublisher(t *testing.T) {
	csr, customer := t.TempDir(), t.TempDir()
	writeFile(t, csr, "manual.pdf", 70_000)
	writeFile(t, csr, "tools/fix.sh", 300)
	writeFile(t, csr, "private.txt", 10)
	pub := &Publisher{Log: quiet, Sender: Sender{Log: quiet}}
	must(t, pub.Publish(filepath.Join(csr, "manual.pdf"), filepath.Join(csr, "tools")))
	a, b := Pipe()
	ctx, cancel := context.WithCancel(t.Context())
	var wg sync.WaitGroup
	wg.Go(func() { pub.Serve(ctx, b) })
	defer func() {
		cancel()
		wg.Wait()
	}()
	agent := &Client{Conn: a, Receiver: Receiver{Log: quiet}}

	l, err := agent.List(t.Context(), "")
	if err != nil || len(l.Entries) != 2 || l.Entries[0].Name != "manual.pdf" || l.Entries[0].Size != 70_000 || l.Entries[1].Kind != KindDir {
		t.Fatalf("list: %+v, %v", l, err)
	}
	res, err := agent.Get(t.Context(), []string{"manual.pdf", "tools"}, customer)
	if err != nil || res.Files != 2 {
		t.Fatalf("get: %+v, %v", res, err)
	}
	want := tree(t, csr)
	delete(want, "private.txt")
	sameTree(t, tree(t, customer), want)

	for _, c := range []struct {
		name string
		do   func() error
		want error
	}{
		{"get an unpublished file", func() error { _, err := agent.Get(t.Context(), []string{"private.txt"}, t.TempDir()); return err }, ErrNotFound},
		{"get inside a published folder", func() error { _, err := agent.Get(t.Context(), []string{"tools/fix.sh"}, t.TempDir()); return err }, ErrNotFound},
		{"list a folder", func() error { _, err := agent.List(t.Context(), "tools"); return err }, ErrNotFound},
		{"new folder", func() error { return agent.Mkdir(t.Context(), "x") }, ErrDenied},
		{"rename", func() error { return agent.Rename(t.Context(), "manual.pdf", "x") }, ErrDenied},
		{"delete", func() error { return agent.Remove(t.Context(), "manual.pdf", false) }, ErrDenied},
		{"upload", func() error {
			_, err := agent.Put(t.Context(), planPaths(t, filepath.Join(customer, "manual.pdf")), "")
			return err
		}, ErrDenied},
	} {
		if err := c.do(); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
	pub.Unpublish("manual.pdf")
	if l, _ := agent.List(t.Context(), ""); len(l.Entries) != 1 {
		t.Errorf("after unpublishing: %+v", l)
	}
	if err := pub.Publish(filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Error("published a missing file")
	}
}

func TestServerDoneRecordsAllowedTransfers(t *testing.T) {
	w := newOpsWorld(t)
	local := t.TempDir()
	_, err := w.c.Get(t.Context(), []string{"docs"}, local)
	must(t, err)
	src := t.TempDir()
	writeFile(t, src, "up.bin", 1000)
	plan, err := PlanPaths([]string{filepath.Join(src, "up.bin")}, Limits{})
	must(t, err)
	_, err = w.c.Put(t.Context(), plan, "empty")
	plan.Close()
	must(t, err)
	w.setDeny(OpGet)
	if _, err := w.c.Get(t.Context(), []string{"top.txt"}, t.TempDir()); !errors.Is(err, ErrDenied) {
		t.Fatalf("denied get: %v", err)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	// The refused get is not a transfer: only Allow saw it.
	want := []string{"get 2 300 <nil>", "put 1 1000 <nil>"}
	if strings.Join(w.done, "|") != strings.Join(want, "|") {
		t.Errorf("Done saw %q, want %q", w.done, want)
	}
}
