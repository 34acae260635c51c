package filetransfer

import (
	"context"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"path"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

// seedMessages is one valid message of every kind, plus edge values.
func seedMessages() []message {
	data := []byte("some file bytes")
	return []message{
		manifestMsg("dest/sub", dirEntry("d"), fileEntry("d/f.txt", 15), fileEntry("g", 0)),
		&msgManifestMore{entries: []Entry{fileEntry("more.bin", 1<<30)}},
		&msgAccept{more: true, offers: []offer{{index: 1, have: 10, sum: sumOf(data)}, {index: 2, have: 0, keep: true}}},
		&msgFileBegin{index: 1, offset: 10},
		&msgChunk{index: 1, offset: 10, data: data},
		&msgFileEnd{index: 1, sum: sumOf(data)},
		&msgAck{index: 1, have: 15, total: 15},
		&msgDone{},
		&msgComplete{},
		&msgAbort{reason: "the CSR pressed Abort Transfer"},
		&msgError{id: 3, code: CodeExists, path: "f.txt", text: `"f.txt" already exists`},
		&msgList{id: 1, path: "docs"},
		&msgListing{id: 1, more: true, hidden: 2, entries: []DirEntry{{Name: "a", Kind: KindFile, Size: 5, ModTime: time.Unix(1, 0)}, {Name: "b", Kind: KindOther, ModTime: time.Unix(-5, 0)}}},
		&msgMkdir{id: 2, path: "new"},
		&msgRename{id: 3, path: "a/b", name: "c"},
		&msgRemove{id: 4, path: "x", recursive: true},
		&msgGet{id: 5, paths: []string{"a", "b/c"}},
		&msgOK{id: 5},
	}
}

// FuzzDecode: no input panics; errors wrap ErrCorrupt or ErrVersion; what
// decodes encodes back to the same message, within the size limit.
func FuzzDecode(f *testing.F) {
	for _, m := range seedMessages() {
		f.Add(encode(m))
	}
	f.Add([]byte{Version})
	f.Add([]byte{2, kindDone})
	f.Add([]byte{Version, kindManifest, 0, 0xff, 0xff, 0xff, 0xff, 0x0f, 0})
	f.Add([]byte{Version, kindAccept, 0, 0xff, 0xff, 0x03})
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := decode(b)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrVersion) {
				t.Fatalf("error without sentinel: %v", err)
			}
			return
		}
		again := encode(m)
		if len(again) > len(b) {
			t.Fatalf("re-encoded to %d bytes from %d", len(again), len(b))
		}
		m2, err := decode(again)
		if err != nil {
			t.Fatalf("re-encoded message does not decode: %v", err)
		}
		if !reflect.DeepEqual(m, m2) {
			t.Fatalf("round trip: %#v became %#v", m, m2)
		}
	})
}

// FuzzCheckPath: whatever CheckPath accepts is local, clean, free of
// backslashes, and joins to a path inside the root.
func FuzzCheckPath(f *testing.F) {
	for _, s := range []string{"a", "a/b.txt", "../x", "a/../b", "/x", `C:\x`, "c:x", `\\s\h`, "CON.txt", "a.", "a\x00", "日本/語", "COM¹", "a//b", ".", "nul .txt"} {
		f.Add(s)
	}
	root := filepath.Join(os.TempDir(), "chosen")
	f.Fuzz(func(t *testing.T, p string) {
		err := CheckPath(p)
		j, jerr := Join(root, p)
		if (err == nil) != (jerr == nil) {
			t.Fatalf("CheckPath %v, Join %v", err, jerr)
		}
		if err != nil {
			if !errors.Is(err, ErrUnsafePath) {
				t.Fatalf("error without sentinel: %v", err)
			}
			return
		}
		if !filepath.IsLocal(p) || path.Clean(p) != p || strings.ContainsAny(p, "\\:\x00") || len(p) > MaxPathLen {
			t.Fatalf("accepted %q", p)
		}
		for _, c := range strings.Split(p, "/") {
			if isDeviceName(c) || c == ".." || c == "." || c == "" {
				t.Fatalf("accepted %q", p)
			}
		}
		if rel, err := filepath.Rel(root, j); err != nil || !filepath.IsLocal(rel) {
			t.Fatalf("Join(%q) = %q, outside the root", p, j)
		}
	})
}

// FuzzParseState: a state file never panics the parser, and an accepted
// one has a sane prefix.
func FuzzParseState(f *testing.F) {
	f.Add([]byte(`{"v":1,"size":10,"mtime":5,"have":4,"sha256":"` + strings.Repeat("ab", 32) + `"}`))
	f.Add([]byte(`{"v":1,"size":10,"have":11,"sha256":""}`))
	f.Add([]byte(`{"v":2}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		st, _, err := parseState(b)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrVersion) {
				t.Fatalf("error without sentinel: %v", err)
			}
			return
		}
		if st.Have < 0 || st.Have > st.Size || st.Size > maxSize {
			t.Fatalf("accepted %+v", st)
		}
	})
}

// scriptConn plays back messages, then reports the connection closed.
type scriptConn struct {
	mu   sync.Mutex
	msgs [][]byte
	sent int
}

func (s *scriptConn) Send([]byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sent++
	return nil
}

func (s *scriptConn) Recv(ctx context.Context) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.msgs) == 0 {
		return nil, io.EOF
	}
	m := s.msgs[0]
	s.msgs = s.msgs[1:]
	return m, ctx.Err()
}

func joinMessages(msgs ...message) []byte {
	var b []byte
	for _, m := range msgs {
		e := encode(m)
		b = binary.AppendUvarint(b, uint64(len(e)))
		b = append(b, e...)
	}
	return b
}

func splitMessages(b []byte) [][]byte {
	var out [][]byte
	for len(b) > 0 && len(out) < 64 {
		n, k := binary.Uvarint(b)
		if k <= 0 || n > uint64(len(b)-k) {
			return append(out, b)
		}
		out = append(out, b[k:k+int(n)])
		b = b[k+int(n):]
	}
	return out
}

// fuzzWorld is a chosen folder with links to a folder beside it, the
// folder that must never change.
func fuzzWorld(t *testing.T) (base, chosen string) {
	base = t.TempDir()
	chosen = filepath.Join(base, "chosen")
	must(t, os.MkdirAll(filepath.Join(chosen, "d"), 0o755))
	must(t, os.MkdirAll(filepath.Join(base, "outside"), 0o755))
	must(t, os.WriteFile(filepath.Join(base, "outside", "secret"), []byte("secret"), 0o600))
	must(t, os.WriteFile(filepath.Join(chosen, "d", "f.txt"), []byte("some file bytes"), 0o600))
	must(t, os.Symlink("../outside", filepath.Join(chosen, "evil")))
	must(t, os.Symlink(filepath.Join(base, "outside"), filepath.Join(chosen, "abs")))
	return base, chosen
}

func checkConfined(t *testing.T, base string) {
	t.Helper()
	got := tree(t, base)
	links := 0
	for p, v := range got {
		switch {
		case p == "chosen" || p == "outside":
		case p == "outside/secret":
			if b, _ := os.ReadFile(filepath.Join(base, "outside", "secret")); string(b) != "secret" {
				t.Fatal("the outside file changed")
			}
		case strings.HasPrefix(p, "outside/") || !strings.HasPrefix(p, "chosen/"):
			t.Fatalf("written outside the chosen folder: %s", p)
		case v == "link":
			links++
		}
	}
	if links > 2 {
		t.Fatalf("a link was created: %v", got)
	}
}

var fuzzLimits = Limits{MaxTotalBytes: 1 << 20, MaxEntries: 64}

// FuzzReceive plays hostile senders against a Receiver: whatever arrives,
// it returns, and nothing outside the chosen folder changes.
func FuzzReceive(f *testing.F) {
	data := []byte("some file bytes")
	f.Add(joinMessages(manifestMsg("", dirEntry("n"), fileEntry("n/x", 15)), &msgFileBegin{index: 1}, &msgChunk{index: 1, data: data}, &msgFileEnd{index: 1, sum: sumOf(data)}, &msgDone{}))
	f.Add(joinMessages(manifestMsg("d", fileEntry("y", 15)), &msgFileBegin{}, &msgChunk{data: data[:5]}, &msgChunk{offset: 5, data: data[5:]}, &msgFileEnd{sum: sumOf(data)}, &msgDone{}))
	f.Add(joinMessages(manifestMsg("", fileEntry("d/f.txt", 15)), &msgFileBegin{offset: 15}, &msgFileEnd{sum: sumOf(data)}, &msgDone{}))
	f.Add(joinMessages(manifestMsg("evil", fileEntry("x", 1))))
	f.Add(joinMessages(manifestMsg("", fileEntry("../outside/secret", 6))))
	f.Add(joinMessages(manifestMsg("", fileEntry("abs/secret", 6))))
	f.Add(joinMessages(&msgManifest{count: 2, total: 2, entries: []Entry{fileEntry("a", 1)}}, &msgManifestMore{entries: []Entry{fileEntry("b", 1)}}, &msgFileBegin{}, &msgChunk{data: []byte{1, 2}}))
	f.Fuzz(func(t *testing.T, b []byte) {
		base, chosen := fuzzWorld(t)
		r := &Receiver{Limits: fuzzLimits, Log: quiet, IdleTimeout: time.Second}
		r.Receive(context.Background(), &scriptConn{msgs: splitMessages(b)}, chosen)
		checkConfined(t, base)
	})
}

// FuzzServe plays a hostile client against a Server: requests and
// transfers, and nothing outside the chosen folder changes.
func FuzzServe(f *testing.F) {
	data := []byte("some file bytes")
	f.Add(joinMessages(&msgList{id: 1}, &msgList{id: 2, path: "evil"}, &msgMkdir{id: 3, path: "evil/x"}, &msgRename{id: 4, path: "d/f.txt", name: "g"}))
	f.Add(joinMessages(&msgRename{id: 1, path: "evil", name: "e2"}, &msgRemove{id: 2, path: "e2", recursive: true}, &msgRemove{id: 3, path: "abs/secret"}))
	f.Add(joinMessages(&msgRemove{id: 1, path: "d", recursive: true}, &msgRemove{id: 2, path: ".."}, &msgMkdir{id: 3, path: "new"}))
	f.Add(joinMessages(&msgGet{id: 1, paths: []string{"d"}}, &msgAccept{}, &msgAck{index: 1, have: 15, total: 15}, &msgComplete{}))
	f.Add(joinMessages(manifestMsg("d", fileEntry("up", 15)), &msgFileBegin{}, &msgChunk{data: data}, &msgFileEnd{sum: sumOf(data)}, &msgDone{}, &msgList{id: 9, path: "d"}))
	f.Add(joinMessages(manifestMsg("evil", fileEntry("up", 15))))
	f.Fuzz(func(t *testing.T, b []byte) {
		base, chosen := fuzzWorld(t)
		root, err := os.OpenRoot(chosen)
		must(t, err)
		defer root.Close()
		s := &Server{Root: root, Log: quiet, Receiver: Receiver{Limits: fuzzLimits, IdleTimeout: time.Second}, Sender: Sender{IdleTimeout: time.Second}}
		s.Serve(context.Background(), &scriptConn{msgs: splitMessages(b)})
		checkConfined(t, base)
	})
}

// FuzzSend plays hostile receivers against a Sender: it returns, without
// panicking or hanging, whatever they answer.
func FuzzSend(f *testing.F) {
	f.Add(joinMessages(&msgAccept{}, &msgAck{total: 5}, &msgComplete{}))
	f.Add(joinMessages(&msgAccept{offers: []offer{{index: 0, have: 3}}}, &msgAck{index: 0, have: 15, total: 12}, &msgComplete{}))
	f.Add(joinMessages(&msgAccept{more: true}, &msgAccept{offers: []offer{{index: 0, have: 15, keep: true}}}))
	f.Add(joinMessages(&msgError{code: CodeDenied, text: "no"}))
	f.Add(joinMessages(&msgAccept{}, &msgAbort{reason: "stop"}))
	f.Fuzz(func(t *testing.T, b []byte) {
		_, chosen := fuzzWorld(t)
		p, err := PlanRoot(openRoot(t, chosen), []string{"d"}, Limits{})
		must(t, err)
		s := &Sender{Log: quiet, IdleTimeout: time.Second}
		s.Send(context.Background(), &scriptConn{msgs: splitMessages(b)}, p, "")
	})
}
