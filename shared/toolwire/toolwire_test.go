package toolwire

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"lifeline/shared/filetransfer"
)

func TestBlobRoundTrip(t *testing.T) {
	for _, n := range []int{0, 1, MaxFrame - 1, MaxFrame, 3*MaxFrame + 7} {
		a, b := filetransfer.Pipe()
		data := bytes.Repeat([]byte{byte(n)}, n)
		go func() { _ = SendBlob(a, data) }()
		got, err := RecvBlob(t.Context(), b, n)
		if err != nil || !bytes.Equal(got, data) {
			t.Errorf("%d bytes: got %d, %v", n, len(got), err)
		}
	}
}

func TestReadersRefuse(t *testing.T) {
	for _, tc := range []struct {
		name   string
		frames [][]byte
		read   func(context.Context, Conn) error
	}{
		{"blob larger than allowed", [][]byte{[]byte("Babc"), []byte("Bdef"), {kindBlobEnd}},
			func(ctx context.Context, c Conn) error { _, err := RecvBlob(ctx, c, 5); return err }},
		{"JSON where a blob belongs", [][]byte{[]byte(`J{}`)},
			func(ctx context.Context, c Conn) error { _, err := RecvBlob(ctx, c, 5); return err }},
		{"empty frame", [][]byte{{}},
			func(ctx context.Context, c Conn) error { var v Status; return RecvJSON(ctx, c, &v) }},
		{"blob where JSON belongs", [][]byte{[]byte("Bx")},
			func(ctx context.Context, c Conn) error { var v Status; return RecvJSON(ctx, c, &v) }},
		{"bad JSON", [][]byte{[]byte(`J{"error":`)},
			func(ctx context.Context, c Conn) error { var v Status; return RecvJSON(ctx, c, &v) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, b := filetransfer.Pipe()
			go func() {
				for _, f := range tc.frames {
					_ = a.Send(f)
				}
			}()
			if err := tc.read(t.Context(), b); !errors.Is(err, ErrProtocol) {
				t.Errorf("got %v, want a protocol error", err)
			}
		})
	}
}

func TestRunRequestCheck(t *testing.T) {
	ok := ScriptSpec{Name: "Clean up", FileName: "clean.sh", TimeoutMS: 5000}
	for _, tc := range []struct {
		name string
		edit func(*RunRequest)
		err  string
	}{
		{"valid", func(*RunRequest) {}, ""},
		{"no id", func(r *RunRequest) { r.RunID = "" }, "id"},
		{"no scripts", func(r *RunRequest) { r.Scripts = nil }, "1 to 20"},
		{"too many", func(r *RunRequest) {
			for range MaxScripts {
				r.Scripts = append(r.Scripts, ok)
			}
		}, "1 to 20"},
		{"traversing file name", func(r *RunRequest) { r.Scripts[0].FileName = "../x.sh" }, "file name"},
		{"input with a folder", func(r *RunRequest) { r.Scripts[0].InputName = "a/b" }, "input file name"},
		{"no name", func(r *RunRequest) { r.Scripts[0].Name = "" }, "name"},
		{"no time limit", func(r *RunRequest) { r.Scripts[0].TimeoutMS = 0 }, "time limit"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := RunRequest{RunID: "r1", Scripts: []ScriptSpec{ok}}
			tc.edit(&r)
			err := r.Check()
			if (tc.err == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.err)) {
				t.Errorf("got %v, want %q", err, tc.err)
			}
		})
	}
}

func FuzzReaders(f *testing.F) {
	f.Add([]byte(`J{"run_id":"r","scripts":[{"name":"a","file_name":"a.sh","timeout_ms":1000}]}`), []byte("Bhello"), []byte("E"))
	f.Add([]byte(`J{"output":{"index":0,"stream":"stdout","data":"x"}}`), []byte("E"), []byte(""))
	f.Add([]byte(`J{"started":true}`), []byte(""), []byte(""))
	f.Add([]byte(`J{"error":"The run was refused: toolwire: protocol violation"}`), []byte(""), []byte(""))
	f.Fuzz(func(t *testing.T, f1, f2, f3 []byte) {
		a, b := filetransfer.Pipe()
		go func() {
			for _, fr := range [][]byte{f1, f2, f3} {
				_ = a.Send(fr)
			}
			a.Close()
		}()
		// The handshake's messages, each side's, from the first frame.
		var q SysinfoRequest
		_ = decodeJSON(f1, &q)
		var rp Reply
		_ = decodeJSON(f1, &rp)
		var r RunRequest
		if RecvJSON(t.Context(), b, &r) == nil {
			_ = r.Check()
		}
		_, _ = RecvBlob(t.Context(), b, 1<<10)
	})
}
