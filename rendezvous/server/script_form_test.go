package server

import (
	"bytes"
	"errors"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"lifeline/rendezvous/room"
	"lifeline/rendezvous/scriptlib"
	"lifeline/rendezvous/store"
)

// seedForm is a multipart body with the boundary "B", built part by part:
// a part whose value starts with "file:" is a file of that name, the rest
// after a second colon its content.
func seedForm(parts ...[2]string) []byte {
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	_ = w.SetBoundary("B")
	for _, p := range parts {
		if rest, ok := strings.CutPrefix(p[1], "file:"); ok {
			name, content, _ := strings.Cut(rest, ":")
			fw, _ := w.CreateFormFile(p[0], name)
			_, _ = fw.Write([]byte(content))
		} else {
			_ = w.WriteField(p[0], p[1])
		}
	}
	_ = w.Close()
	return b.Bytes()
}

// FuzzParseScriptForm: whatever the body, parsing ends in a form within the
// limits or in a refusal a client can read, never in a panic or a 500.
func FuzzParseScriptForm(f *testing.F) {
	const ct = "multipart/form-data; boundary=B"
	for _, seed := range [][]byte{
		seedForm([2]string{"name", "Flush DNS"}, [2]string{"category", "Network"}, [2]string{"description", "two\nlines"},
			[2]string{"published", "on"}, [2]string{"time_limit", "60"},
			[2]string{"script", "file:flush.bat:ipconfig /flushdns"}, [2]string{"input", "file:in.txt:data"}),
		seedForm([2]string{"name", "a"}, [2]string{"name", "b"}),
		seedForm([2]string{"input", "file::"}, [2]string{"remove_input", "yes"}),
		seedForm([2]string{"script", "no file name"}),
		seedForm([2]string{"time_limit", "-1"}, [2]string{"published", "maybe"}),
		seedForm([2]string{"unknown", "file:x.bin:\x00\x01"}, [2]string{"script", "file:../../x.sh:echo"}),
		[]byte("--B\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nunfinished"),
		[]byte("--B--\r\n"),
		[]byte(""),
	} {
		f.Add(ct, seed)
	}
	f.Add("text/plain", []byte("name=x"))
	f.Add("multipart/form-data", []byte("--B--\r\n"))

	f.Fuzz(func(t *testing.T, contentType string, body []byte) {
		r := http.MaxBytesReader(httptest.NewRecorder(), nopCloser{bytes.NewReader(body)}, maxScriptUpload)
		form, err := parseScriptForm(r, contentType)
		if err != nil {
			var re *room.Error
			if !errors.As(err, &re) || re.Status < 400 || re.Status > 499 || re.Code == "" || re.Msg == "" {
				t.Fatalf("a refusal that is not a client error: %#v", err)
			}
			return
		}
		for _, file := range []*store.ScriptFile{form.script, form.input} {
			if file == nil {
				continue
			}
			if len(file.Data) > scriptlib.MaxFileSize || file.Size != int64(len(file.Data)) {
				t.Fatalf("a file of %d bytes (size %d) was taken", len(file.Data), file.Size)
			}
			if file.Name == "" {
				t.Fatalf("a file of %d bytes without a name was taken", len(file.Data))
			}
		}
		for _, v := range []*string{form.name, form.category, form.description} {
			if v != nil && len(*v) > maxFormField {
				t.Fatalf("a text field of %d bytes was taken", len(*v))
			}
		}
		if form.timeLimit != nil && scriptlib.CheckTimeLimit(*form.timeLimit) != nil {
			t.Fatalf("a time limit of %d was taken", *form.timeLimit)
		}
	})
}

type nopCloser struct{ *bytes.Reader }

func (nopCloser) Close() error { return nil }

func TestParseFormBool(t *testing.T) {
	for in, want := range map[string][2]bool{
		"true": {true, true}, "ON": {true, true}, " yes ": {true, true}, "1": {true, true},
		"false": {false, true}, "off": {false, true}, "No": {false, true}, "0": {false, true},
		"": {false, false}, "maybe": {false, false}, "2": {false, false},
	} {
		if v, ok := parseFormBool(in); v != want[0] || ok != want[1] {
			t.Errorf("parseFormBool(%q) = %v, %v; want %v, %v", in, v, ok, want[0], want[1])
		}
	}
}
