package profile

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"lifeline/shared/tlsutil"
)

// get fetches srv's URL with conf, as client.New would.
func get(conf *tls.Config, url string) error {
	tr := &http.Transport{TLSClientConfig: conf}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr}).Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if string(body) != "ok" {
		return errors.New("unexpected answer " + string(body))
	}
	return nil
}

func TestCheck(t *testing.T) {
	pki := newPKI(t)
	caCert := pki.serverCert(t, loopbackIP, nil, true)
	caSrv := startTLS(t, &caCert)
	self := selfSigned(t)
	other := selfSigned(t) // a second certificate, to impersonate self
	selfURL := strings.Replace(self.URL, "https://", "HTTPS://", 1) + "/"

	pinned, err := tlsutil.ClientConfig(tlsutil.ClientOptions{Fingerprint: fingerprintOf(self)})
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name    string
		url     string
		known   map[string]string // URL → fingerprint remembered beforehand
		opts    Options
		kind    Kind
		refused bool
		pin     string
		message []string // parts the message must contain
		// connect is the server a connection with TLSConfig must reach
		// (nil: none is made).
		connect *httptest.Server
	}{
		{
			name: "CA certificate", url: caSrv.URL, opts: Options{Roots: pki.roots},
			kind: TrustedBySystem, message: []string{"Test Intermediate CA", "authority this computer trusts"}, connect: caSrv,
		},
		{
			// A stale pin does not turn a CA-valid certificate into Changed.
			name: "CA certificate with an old pin", url: caSrv.URL, opts: Options{Roots: pki.roots},
			known: map[string]string{caSrv.URL: fpA}, kind: TrustedBySystem, connect: caSrv,
		},
		{
			name: "first use", url: self.URL, kind: FirstUse, pin: fingerprintOf(self),
			message: []string{fingerprintOf(self), "administrator"}, connect: self,
		},
		{
			name: "known and unchanged", url: self.URL, known: map[string]string{self.URL: fingerprintOf(self)},
			kind: TrustedByPin, pin: fingerprintOf(self), message: []string{fingerprintOf(self)}, connect: self,
		},
		{
			// Remembered under one spelling, checked under another.
			name: "known, address written differently", url: selfURL, known: map[string]string{self.URL: fingerprintOf(self)},
			kind: TrustedByPin, pin: fingerprintOf(self), connect: self,
		},
		{
			name: "certificate changed", url: self.URL, known: map[string]string{self.URL: fingerprintOf(other)},
			kind: Changed, refused: true,
			message: []string{fingerprintOf(self), fingerprintOf(other), "forget", "intercepting"},
		},
		{
			name: "http on 127.0.0.1", url: "http://127.0.0.1:1", kind: Unencrypted,
			message: []string{"not encrypted"},
		},
		{name: "http on localhost", url: "http://localhost:8080", kind: Unencrypted},
		{name: "http on ::1", url: "http://[::1]:8080", kind: Unencrypted},
		{
			// Refused without being contacted (nothing is dialled for http).
			name: "http elsewhere", url: "http://support.example.com", kind: Unencrypted, refused: true,
			message: []string{"https://", "this computer"},
		},
		{
			name: "configured pin", url: self.URL, opts: Options{Override: pinned},
			known: map[string]string{self.URL: fingerprintOf(other)}, // not consulted
			kind:  TrustedByConfig, message: []string{fingerprintOf(self)}, connect: self,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := NewKnownServers(t.TempDir())
			for u, fp := range tt.known {
				if _, err := store.Remember(u, fp); err != nil {
					t.Fatal(err)
				}
			}
			d, err := Check(context.Background(), store, tt.url, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if d.Kind != tt.kind || d.Refused() != tt.refused || d.Pin() != tt.pin || d.NeedsConfirmation() != (tt.kind == FirstUse) {
				t.Errorf("Check = %v (refused %v, pin %q), want %v (refused %v, pin %q)", d.Kind, d.Refused(), d.Pin(), tt.kind, tt.refused, tt.pin)
			}
			if d.Message == "" {
				t.Error("no message")
			}
			for _, part := range tt.message {
				if !strings.Contains(d.Message, part) {
					t.Errorf("message %q does not mention %q", d.Message, part)
				}
			}
			if key, _ := ServerKey(tt.url); d.Server != key {
				t.Errorf("Server = %q, want %q", d.Server, key)
			}

			conf, err := TLSConfig(d)
			var refused *RefusedError
			switch {
			case tt.refused:
				if !errors.As(err, &refused) || err.Error() != d.Message || errors.As(d.Err(), &refused) == false {
					t.Errorf("TLSConfig of a refused decision = %v, %v", conf, err)
				}
				return
			case err != nil:
				t.Fatalf("TLSConfig = %v", err)
			case d.Err() != nil:
				t.Errorf("Err = %v", d.Err())
			}
			if tt.kind == Unencrypted && conf != nil {
				t.Errorf("TLSConfig for http = %v, want nil", conf)
			}
			if tt.connect != nil {
				if err := get(conf, tt.connect.URL); err != nil {
					t.Errorf("connecting with TLSConfig: %v", err)
				}
			}
		})
	}
}

// TestCheckPinsWhatWasShown: the configuration of a pinned decision reaches
// only the certificate the CSR saw, never another server on that address.
func TestCheckPinsWhatWasShown(t *testing.T) {
	self, other := selfSigned(t), selfSigned(t)
	store := NewKnownServers(t.TempDir())
	d, err := Check(context.Background(), store, self.URL, Options{})
	if err != nil || d.Kind != FirstUse {
		t.Fatalf("Check = %v, %v", d.Kind, err)
	}
	// The CSR confirms; the GUI remembers it.
	if _, err := store.Remember(d.URL, d.Probe.Fingerprint); err != nil {
		t.Fatal(err)
	}
	if d2, err := Check(context.Background(), store, self.URL, Options{}); err != nil || d2.Kind != TrustedByPin {
		t.Fatalf("Check after Remember = %v, %v", d2.Kind, err)
	}
	conf, err := TLSConfig(d)
	if err != nil {
		t.Fatal(err)
	}
	err = get(conf, other.URL)
	var mismatch *tlsutil.FingerprintMismatchError
	if !errors.As(err, &mismatch) || mismatch.Expected != fingerprintOf(self) || mismatch.Got != fingerprintOf(other) {
		t.Errorf("connecting to another server with the pin = %v, want a fingerprint mismatch", err)
	}

	// A system-trust configuration does not accept a self-signed server.
	pki := newPKI(t)
	caCert := pki.serverCert(t, loopbackIP, nil, true)
	caSrv := startTLS(t, &caCert)
	d, err = Check(context.Background(), store, caSrv.URL, Options{Roots: pki.roots})
	if err != nil || d.Kind != TrustedBySystem {
		t.Fatalf("Check(CA) = %v, %v", d.Kind, err)
	}
	conf, _ = TLSConfig(d)
	if err := get(conf, self.URL); err == nil {
		t.Error("the system-trust configuration accepted a self-signed certificate")
	}
}

// TestCheckChangedThenForget walks the way out of a Changed decision.
func TestCheckChangedThenForget(t *testing.T) {
	self := selfSigned(t)
	store := NewKnownServers(t.TempDir())
	if _, err := store.Remember(self.URL, fpA); err != nil {
		t.Fatal(err)
	}
	d, err := Check(context.Background(), store, self.URL, Options{})
	if err != nil || d.Kind != Changed || d.Known.Fingerprint != fpA || d.Probe.Fingerprint != fingerprintOf(self) {
		t.Fatalf("Check = %+v, %v", d, err)
	}
	// Remember alone cannot replace it.
	if _, err := store.Remember(d.URL, d.Probe.Fingerprint); err == nil {
		t.Fatal("Remember replaced a changed fingerprint")
	}
	if err := store.Forget(d.URL); err != nil {
		t.Fatal(err)
	}
	if d, err = Check(context.Background(), store, self.URL, Options{}); err != nil || d.Kind != FirstUse {
		t.Fatalf("Check after Forget = %v, %v", d.Kind, err)
	}
}

func TestCheckErrors(t *testing.T) {
	self := selfSigned(t)
	dir := t.TempDir()
	store := NewKnownServers(dir)

	// A configured pin the server does not match.
	wrong, err := tlsutil.ClientConfig(tlsutil.ClientOptions{Fingerprint: fpA})
	if err != nil {
		t.Fatal(err)
	}
	_, err = Check(context.Background(), nil, self.URL, Options{Override: wrong})
	var mismatch *tlsutil.FingerprintMismatchError
	if !errors.As(err, &mismatch) || !strings.Contains(err.Error(), "--server-fingerprint") {
		t.Errorf("Check with a wrong configured pin = %v", err)
	}
	// Configured system trust refuses a self-signed certificate.
	if _, err := Check(context.Background(), nil, self.URL, Options{Override: &tls.Config{}}); err == nil {
		t.Error("Check with a default configuration accepted a self-signed certificate")
	}

	if _, err := Check(context.Background(), store, "support.example.com", Options{}); err == nil {
		t.Error("Check of an address without scheme succeeded")
	}
	if _, err := Check(context.Background(), nil, self.URL, Options{}); err == nil {
		t.Error("Check without a store succeeded")
	}
	if _, err := Check(context.Background(), store, silent(t), Options{Timeout: 100e6}); err == nil {
		t.Error("Check of a silent server succeeded")
	}

	// An unreadable store is an error, not a first use.
	if err := os.WriteFile(store.Path(), []byte("{"), 0o600); err != nil {
		t.Fatal(err)
	}
	if d, err := Check(context.Background(), store, self.URL, Options{}); err == nil {
		t.Errorf("Check with a corrupt store = %v", d.Kind)
	}

	var zero Decision
	if !zero.Refused() || zero.Err() == nil {
		t.Error("the zero Decision is not refused")
	}
	if _, err := TLSConfig(zero); err == nil {
		t.Error("TLSConfig of the zero Decision succeeded")
	}
}

func TestKindString(t *testing.T) {
	for k := TrustedBySystem; k <= TrustedByConfig; k++ {
		if s := k.String(); s == "" || strings.HasPrefix(s, "Kind(") {
			t.Errorf("Kind %d has no name", int(k))
		}
	}
	if Kind(0).String() != "Kind(0)" {
		t.Error(Kind(0).String())
	}
}
