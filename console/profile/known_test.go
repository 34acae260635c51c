package profile

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	fpA = "AA:01:02:03:04:05:06:07:08:09:0A:0B:0C:0D:0E:0F:10:11:12:13:14:15:16:17:18:19:1A:1B:1C:1D:1E:1F"
	fpB = "BB:01:02:03:04:05:06:07:08:09:0A:0B:0C:0D:0E:0F:10:11:12:13:14:15:16:17:18:19:1A:1B:1C:1D:1E:1F"
)

func TestServerKey(t *testing.T) {
	tests := []struct{ url, key string }{
		{"https://support.example.com", "support.example.com:443"},
		{"HTTPS://Support.Example.COM:443/", "support.example.com:443"},
		{"https://support.example.com.:443/api", "support.example.com:443"},
		{"  https://support.example.com:8443  ", "support.example.com:8443"},
		{"https://support.example.com:08443", "support.example.com:8443"},
		{"http://127.0.0.1", "127.0.0.1:80"},
		{"http://LOCALHOST:8080", "localhost:8080"},
		{"https://[::1]", "[::1]:443"},
		{"https://[0:0:0:0:0:0:0:1]:8443", "[::1]:8443"},
		{"https://[2001:DB8::1]", "[2001:db8::1]:443"},
	}
	for _, tt := range tests {
		got, err := ServerKey(tt.url)
		if err != nil || got != tt.key {
			t.Errorf("ServerKey(%q) = %q, %v; want %q", tt.url, got, err, tt.key)
		}
	}
	for _, bad := range []string{"", "support.example.com", "support.example.com:8443", "ftp://support.example.com", "https://", "https:///path",
		"https://user@support.example.com", "https://support.example.com@evil.example", "https://host:0", "https://host:65536", "https://host:https"} {
		if got, err := ServerKey(bad); err == nil {
			t.Errorf("ServerKey(%q) = %q, want an error", bad, got)
		}
	}
}

func TestKnownServersRememberLookupForget(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "lifeline", "console")
	k := NewKnownServers(dir)

	if _, ok, err := k.Lookup("https://support.example.com"); ok || err != nil {
		t.Fatalf("Lookup on a missing file = %v, %v; want not found", ok, err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a lookup created the folder (%v)", err)
	}

	before := time.Now()
	got, err := k.Remember("https://Support.Example.com/", strings.ToLower(strings.ReplaceAll(fpA, ":", "")))
	if err != nil {
		t.Fatal(err)
	}
	if got.Server != "support.example.com:443" || got.Fingerprint != fpA || got.FirstTrusted.Before(before) || got.URL != "https://Support.Example.com/" {
		t.Errorf("Remember = %+v", got)
	}

	// The same server however it is written.
	for _, u := range []string{"https://support.example.com", "HTTPS://SUPPORT.EXAMPLE.COM:443", "https://support.example.com:443/login"} {
		e, ok, err := k.Lookup(u)
		if err != nil || !ok || e.Fingerprint != fpA || !e.FirstTrusted.Equal(got.FirstTrusted) {
			t.Errorf("Lookup(%q) = %+v, %v, %v", u, e, ok, err)
		}
	}
	// Another port is another server.
	if _, ok, _ := k.Lookup("https://support.example.com:8443"); ok {
		t.Error("port 8443 found under port 443")
	}

	// Remembering the same fingerprint again keeps the first date.
	again, err := k.Remember("https://support.example.com:443", fpA)
	if err != nil || !again.FirstTrusted.Equal(got.FirstTrusted) {
		t.Errorf("Remember again = %+v, %v; want first trusted %v", again, err, got.FirstTrusted)
	}
	// A different one is refused, naming both, until the old one is forgotten.
	_, err = k.Remember("https://support.example.com", fpB)
	if err == nil || !strings.Contains(err.Error(), fpA) || !strings.Contains(err.Error(), fpB) || !strings.Contains(err.Error(), "forget") {
		t.Errorf("Remember(other fingerprint) error = %v", err)
	}
	if _, err := k.Remember("https://other.example.com:8443", fpB); err != nil {
		t.Fatal(err)
	}
	list, err := k.List()
	if err != nil || len(list) != 2 || list[0].Server != "other.example.com:8443" || list[1].Server != "support.example.com:443" {
		t.Errorf("List = %+v, %v", list, err)
	}

	if err := k.Forget("https://SUPPORT.example.com"); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := k.Lookup("https://support.example.com"); ok {
		t.Error("still known after Forget")
	}
	if err := k.Forget("https://support.example.com"); err != nil {
		t.Errorf("Forget(unknown) = %v", err)
	}
	if _, err := k.Remember("https://support.example.com", fpB); err != nil {
		t.Errorf("Remember after Forget = %v", err)
	}

	// Another store on the same folder (another console) sees it all.
	if e, ok, err := NewKnownServers(dir).Lookup("https://support.example.com"); !ok || err != nil || e.Fingerprint != fpB {
		t.Errorf("second store Lookup = %+v, %v, %v", e, ok, err)
	}

	for _, bad := range []struct{ url, fp string }{
		{"http://127.0.0.1:8080", fpA},     // nothing to pin
		{"https://x.example.com", "AB:CD"}, // too short
		{"https://x.example.com", ""},      // empty
		{"support.example.com", fpA},       // not a URL
	} {
		if _, err := k.Remember(bad.url, bad.fp); err == nil {
			t.Errorf("Remember(%q, %q) succeeded", bad.url, bad.fp)
		}
	}
}

func TestKnownServersModes(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no Unix modes")
	}
	parent := t.TempDir()
	dir := filepath.Join(parent, "lifeline", "console")
	k := NewKnownServers(dir)
	if _, err := k.Remember("https://support.example.com", fpA); err != nil {
		t.Fatal(err)
	}
	assertMode(t, dir, 0o700)
	assertMode(t, filepath.Join(parent, "lifeline"), 0o700)
	assertMode(t, k.Path(), 0o600)

	// A folder someone opened up is made private again on the next write.
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := k.Forget("https://support.example.com"); err != nil {
		t.Fatal(err)
	}
	assertMode(t, dir, 0o700)
	assertMode(t, k.Path(), 0o600)
}

func assertMode(t *testing.T, path string, want os.FileMode) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != want {
		t.Errorf("%s has mode %#o, want %#o", path, got, want)
	}
}

func TestKnownServersCorruptFile(t *testing.T) {
	valid := func(servers string) string { return `{"version":1,"servers":{` + servers + `}}` }
	tests := []struct {
		name, content, want string
	}{
		{"garbage", "not json at all", "not valid"},
		{"truncated", `{"version":1,"servers":{"a.example:443":{"fingerprint":"AA`, "not valid"},
		{"empty", "", "not valid"},
		{"wrong shape", `[1,2,3]`, "not valid"},
		{"no version", `{"servers":{}}`, "no known format version"},
		{"newer", `{"version":7,"servers":{}}`, "newer version"},
		{"bad fingerprint", valid(`"a.example:443":{"fingerprint":"nope"}`), "fingerprint of a.example:443"},
		{"bad key", valid(`"A.Example":{"fingerprint":"` + fpA + `"}`), `"A.Example"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			k := NewKnownServers(dir)
			if err := os.WriteFile(k.Path(), []byte(tt.content), 0o600); err != nil {
				t.Fatal(err)
			}
			check := func(op string, err error) {
				t.Helper()
				if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), k.Path()) {
					t.Errorf("%s error = %v; want one naming the file and %q", op, err, tt.want)
				}
			}
			_, _, err := k.Lookup("https://a.example")
			check("Lookup", err)
			_, err = k.Remember("https://a.example", fpB)
			check("Remember", err)
			check("Forget", k.Forget("https://a.example"))
			_, err = k.List()
			check("List", err)
			if data, _ := os.ReadFile(k.Path()); string(data) != tt.content {
				t.Errorf("the unreadable file was changed to %q", data)
			}
		})
	}
}

func TestKnownServersFileFormat(t *testing.T) {
	k := NewKnownServers(t.TempDir())
	if _, err := k.Remember("https://support.example.com:8443", fpA); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(k.Path())
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Version int
		Servers map[string]struct {
			URL          string    `json:"url"`
			Fingerprint  string    `json:"fingerprint"`
			FirstTrusted time.Time `json:"first_trusted"`
		}
	}
	if err := json.Unmarshal(data, &f); err != nil {
		t.Fatal(err)
	}
	e, ok := f.Servers["support.example.com:8443"]
	if f.Version != 1 || !ok || e.Fingerprint != fpA || e.FirstTrusted.IsZero() || e.URL != "https://support.example.com:8443" {
		t.Errorf("file = %s", data)
	}
}

func TestAtomicWriteFailureKeepsOldFile(t *testing.T) {
	dir := t.TempDir()
	k := NewKnownServers(dir)
	if _, err := k.Remember("https://support.example.com", fpA); err != nil {
		t.Fatal(err)
	}
	old, err := os.ReadFile(k.Path())
	if err != nil {
		t.Fatal(err)
	}

	renameFile = func(string, string) error { return errors.New("disk on fire") }
	t.Cleanup(func() { renameFile = os.Rename })
	if _, err := k.Remember("https://other.example.com", fpB); err == nil || !strings.Contains(err.Error(), "disk on fire") {
		t.Errorf("Remember with a failing rename = %v", err)
	}
	renameFile = os.Rename

	if now, _ := os.ReadFile(k.Path()); string(now) != string(old) {
		t.Errorf("the file changed although the write failed:\n%s\nwas\n%s", now, old)
	}
	assertOnly(t, dir, KnownServersFile)
}

// assertOnly checks that dir holds exactly the named files: no temporary
// files are left behind.
func assertOnly(t *testing.T, dir string, names ...string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	if strings.Join(got, ",") != strings.Join(names, ",") {
		t.Errorf("%s holds %v, want %v", dir, got, names)
	}
}

// TestAtomicWriteReaders rewrites the file while other goroutines read it
// directly: with write-then-rename, every read sees a whole file.
func TestAtomicWriteReaders(t *testing.T) {
	dir := t.TempDir()
	k := NewKnownServers(dir)
	if _, err := k.Remember("https://support.example.com", fpA); err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				data, err := os.ReadFile(k.Path())
				if err != nil {
					errs <- err
					return
				}
				if !json.Valid(data) {
					errs <- errors.New("a reader saw a partial file: " + string(data))
					return
				}
			}
		})
	}
	for i := range 50 {
		url := "https://host" + strings.Repeat("x", i%7) + ".example.com"
		if _, err := k.Remember(url, fpB); err != nil {
			t.Fatal(err)
		}
		if err := k.Forget(url); err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	assertOnly(t, dir, KnownServersFile)
}

func TestKnownServersConcurrentRemember(t *testing.T) {
	k := NewKnownServers(t.TempDir())
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			if _, err := k.Remember("https://host"+strings.Repeat("x", i)+".example.com", fpA); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if list, err := k.List(); err != nil || len(list) != 20 {
		t.Errorf("List after 20 concurrent Remember = %d entries, %v", len(list), err)
	}
}

func TestDefaultDir(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("XDG_CONFIG_HOME is a Linux (Unix) convention")
	}
	cfg := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", cfg)
	got, err := DefaultDir()
	if err != nil || got != filepath.Join(cfg, "lifeline", "console") {
		t.Errorf("DefaultDir = %q, %v", got, err)
	}
}
