package profile

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

const token = "llu_0123456789abcdefghijklmnopqrstuvwxyzABCDEFG"

func TestSavedRoundTrip(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "lifeline", "console")
	s := NewSaved(dir)

	if l, ok, err := s.Load(); ok || err != nil || l != (Login{}) {
		t.Fatalf("Load with nothing saved = %+v, %v, %v", l, ok, err)
	}

	before := time.Now()
	in := Login{Server: " https://support.example.com:8443 ", Email: "carol@example.com", Token: token,
		Fingerprint: strings.ToLower(strings.ReplaceAll(fpA, ":", ""))}
	if err := s.Save(in); err != nil {
		t.Fatal(err)
	}
	got, ok, err := NewSaved(dir).Load() // as after a restart
	if err != nil || !ok {
		t.Fatalf("Load = %v, %v", ok, err)
	}
	if got.Server != "https://support.example.com:8443" || got.Email != in.Email || got.Token != token || got.Fingerprint != fpA ||
		got.SavedAt.Before(before) || got.SavedAt.After(time.Now()) {
		t.Errorf("Load = %+v", got)
	}

	// A given SavedAt is kept; a new Save replaces the old login.
	at := time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC)
	second := Login{Server: "https://other.example.com", Email: "dave@example.com", Token: token + "x", SavedAt: at}
	if err := s.Save(second); err != nil {
		t.Fatal(err)
	}
	if got, _, _ := s.Load(); got.Email != "dave@example.com" || !got.SavedAt.Equal(at) || got.Fingerprint != "" {
		t.Errorf("Load after the second Save = %+v", got)
	}

	if runtime.GOOS != "windows" {
		assertMode(t, s.Path(), 0o600)
		assertMode(t, dir, 0o700)
	}
	assertOnly(t, dir, SavedLoginFile)

	if err := s.Clear(); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := s.Load(); ok || err != nil {
		t.Errorf("Load after Clear = %v, %v", ok, err)
	}
	if err := s.Clear(); err != nil {
		t.Errorf("Clear with nothing saved = %v", err)
	}
	assertOnly(t, dir)
}

func TestSavedRejects(t *testing.T) {
	s := NewSaved(t.TempDir())
	ok := Login{Server: "https://support.example.com", Email: "carol@example.com", Token: token}
	for name, mutate := range map[string]func(*Login){
		"participant token": func(l *Login) { l.Token = "llp_abc" },
		"bare prefix":       func(l *Login) { l.Token = "llu_" },
		"no token":          func(l *Login) { l.Token = "" },
		"no email":          func(l *Login) { l.Email = " " },
		"bad server":        func(l *Login) { l.Server = "support.example.com" },
		"bad fingerprint":   func(l *Login) { l.Fingerprint = "AB:CD" },
	} {
		l := ok
		mutate(&l)
		if err := s.Save(l); err == nil {
			t.Errorf("Save with %s succeeded", name)
		}
	}
	if _, found, _ := s.Load(); found {
		t.Error("a rejected login was saved")
	}
}

func TestSavedUnreadable(t *testing.T) {
	for name, content := range map[string]string{
		"garbage":        "{{{",
		"unknown format": `{"version":2,"server":"https://a.example","email":"e","token":"` + token + `"}`,
		"invalid token":  `{"version":1,"server":"https://a.example","email":"e","token":"secret"}`,
	} {
		t.Run(name, func(t *testing.T) {
			s := NewSaved(t.TempDir())
			if err := os.WriteFile(s.Path(), []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
			if _, ok, err := s.Load(); ok || err == nil || !strings.Contains(err.Error(), s.Path()) || !strings.Contains(err.Error(), "log in again") {
				t.Errorf("Load = %v, %v", ok, err)
			}
			// Logging in again replaces it; Clear removes it.
			if err := s.Save(Login{Server: "https://a.example", Email: "e@example.com", Token: token}); err != nil {
				t.Fatal(err)
			}
			if _, ok, err := s.Load(); !ok || err != nil {
				t.Errorf("Load after Save = %v, %v", ok, err)
			}
			if err := s.Clear(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestSavedTightensMode(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no Unix modes")
	}
	s := NewSaved(t.TempDir())
	if err := s.Save(Login{Server: "https://a.example", Email: "e@example.com", Token: token}); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(s.Path(), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Load(); err != nil {
		t.Fatal(err)
	}
	assertMode(t, s.Path(), 0o600)
}

func TestResumableWith(t *testing.T) {
	self, other := selfSigned(t), selfSigned(t)
	pki := newPKI(t)
	caCert := pki.serverCert(t, loopbackIP, nil, true)
	caSrv := startTLS(t, &caCert)

	store := NewKnownServers(t.TempDir())
	if _, err := store.Remember(self.URL, fingerprintOf(self)); err != nil {
		t.Fatal(err)
	}
	check := func(url string, opts Options) Decision {
		t.Helper()
		d, err := Check(context.Background(), store, url, opts)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	pinnedSelf := check(self.URL, Options{})
	firstUse := check(other.URL, Options{})
	system := check(caSrv.URL, Options{Roots: pki.roots})
	loopHTTP := check("http://127.0.0.1:8080", Options{})
	remoteHTTP := check("http://support.example.com", Options{})

	// A pin for other that its certificate does not match: Changed.
	if _, err := store.Remember(other.URL, fpB); err != nil {
		t.Fatal(err)
	}
	changed := check(other.URL, Options{})
	if changed.Kind != Changed {
		t.Fatalf("setup: %v", changed.Kind)
	}

	login := func(d Decision) Login {
		return Login{Server: d.URL, Email: "carol@example.com", Token: token, Fingerprint: d.Pin()}
	}
	tests := []struct {
		name  string
		login Login
		now   Decision
		ok    bool
	}{
		{"same pinned certificate", login(pinnedSelf), pinnedSelf, true},
		{"same server, address written differently", Login{Server: strings.ToUpper(self.URL), Email: "c", Token: token, Fingerprint: fingerprintOf(self)}, pinnedSelf, true},
		{"system trust again", login(system), system, true},
		{"loopback http again", login(loopHTTP), loopHTTP, true},
		{"another server", login(pinnedSelf), system, false},
		{"pinned login, server changed", Login{Server: other.URL, Email: "c", Token: token, Fingerprint: fpB}, changed, false},
		// Saved under one certificate; since then the CSR forgot it and
		// confirmed another one for the same address.
		{"pinned login, other certificate confirmed since", Login{Server: self.URL, Email: "c", Token: token, Fingerprint: fpA}, pinnedSelf, false},
		{"not yet confirmed", Login{Server: other.URL, Email: "c", Token: token}, firstUse, false},
		{"system login, now only pinned", Login{Server: self.URL, Email: "c", Token: token}, pinnedSelf, false},
		{"remote http", login(remoteHTTP), remoteHTTP, false},
	}
	for _, tt := range tests {
		err := tt.login.ResumableWith(tt.now)
		if (err == nil) != tt.ok {
			t.Errorf("%s: ResumableWith = %v, want ok %v", tt.name, err, tt.ok)
		}
	}
}
