package profile

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"lifeline/shared/tlsutil"
)

// KnownServersFile is the name of the known-servers file in the profile
// folder.
const KnownServersFile = "known_servers.json"

// knownVersion is the format of the file; a newer console may add one.
const knownVersion = 1

// KnownServer is a server the CSR decided to trust by its certificate.
type KnownServer struct {
	// Server is the key, host:port (see ServerKey).
	Server string
	// URL is the address the CSR typed when trusting it, for display.
	URL string
	// Fingerprint is the pinned SHA-256 of its certificate ("AB:CD:…").
	Fingerprint string
	// FirstTrusted is when the CSR confirmed the fingerprint.
	FirstTrusted time.Time
}

// KnownServers is the console's known_hosts: servers trusted on first use,
// each pinned to one certificate fingerprint. It is kept in a JSON file in
// the profile folder, read afresh on every call so that two consoles of the
// same user see each other's decisions, and replaced atomically on every
// change. A file that cannot be read is reported and left untouched: it
// holds decisions the CSR made, and silently starting over would turn every
// known server back into a first use that the CSR might confirm without a
// second thought.
//
// Methods are safe for concurrent use within one process. Two processes
// changing it at the same instant can lose one of the two changes; the lost
// server is simply asked about again.
type KnownServers struct {
	path string
	mu   sync.Mutex
}

// NewKnownServers returns the known servers kept in dir (see DefaultDir).
// Nothing is read or created until it is used.
func NewKnownServers(dir string) *KnownServers {
	return &KnownServers{path: filepath.Join(dir, KnownServersFile)}
}

// Path is the file, to name it in messages.
func (k *KnownServers) Path() string { return k.path }

type knownFile struct {
	Version int                   `json:"version"`
	Servers map[string]knownEntry `json:"servers"`
}

type knownEntry struct {
	URL          string    `json:"url,omitempty"`
	Fingerprint  string    `json:"fingerprint"`
	FirstTrusted time.Time `json:"first_trusted"`
}

// Lookup returns the remembered entry of the server at serverURL, ok=false
// when it has none.
func (k *KnownServers) Lookup(serverURL string) (KnownServer, bool, error) {
	a, err := parseAddress(serverURL)
	if err != nil {
		return KnownServer{}, false, err
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	f, err := k.load()
	if err != nil {
		return KnownServer{}, false, err
	}
	e, ok := f.Servers[a.key()]
	if !ok {
		return KnownServer{}, false, nil
	}
	return e.public(a.key()), true, nil
}

// List returns every remembered server, sorted by key, for a settings
// screen where the CSR can review and forget them.
func (k *KnownServers) List() ([]KnownServer, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	f, err := k.load()
	if err != nil {
		return nil, err
	}
	out := make([]KnownServer, 0, len(f.Servers))
	for key, e := range f.Servers {
		out = append(out, e.public(key))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Server < out[j].Server })
	return out, nil
}

// Remember pins the server at serverURL to the certificate fingerprint (any
// form tlsutil.ParseFingerprint accepts; it is stored as "AB:CD:…"). Call
// it only after the CSR confirmed the fingerprint of a FirstUse decision.
//
// Remembering the fingerprint a server already has keeps the original
// FirstTrusted time. Remembering a different one is refused: replacing a pin
// is a separate, deliberate step (Forget, then trust the new certificate on
// first use), so that no code path can quietly accept a changed key.
func (k *KnownServers) Remember(serverURL, fingerprint string) (KnownServer, error) {
	a, err := parseAddress(serverURL)
	if err != nil {
		return KnownServer{}, err
	}
	if a.scheme != "https" {
		return KnownServer{}, fmt.Errorf("%s is not encrypted (http), so there is no certificate to remember", a.key())
	}
	fp, err := canonicalFingerprint(fingerprint)
	if err != nil {
		return KnownServer{}, err
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	f, err := k.load()
	if err != nil {
		return KnownServer{}, err
	}
	key := a.key()
	if old, ok := f.Servers[key]; ok {
		if old.Fingerprint == fp {
			return old.public(key), nil
		}
		return KnownServer{}, fmt.Errorf("the console already trusts another certificate for %s (fingerprint %s, trusted on %s), not %s; forget the server first if the administrator confirmed that its certificate was replaced",
			key, old.Fingerprint, day(old.FirstTrusted), fp)
	}
	e := knownEntry{URL: strings.TrimSpace(serverURL), Fingerprint: fp, FirstTrusted: time.Now().UTC()}
	f.Servers[key] = e
	if err := k.save(f); err != nil {
		return KnownServer{}, err
	}
	return e.public(key), nil
}

// Forget removes the server at serverURL, so that the next Check offers its
// certificate as a first use again. Forgetting an unknown server is not an
// error.
func (k *KnownServers) Forget(serverURL string) error {
	a, err := parseAddress(serverURL)
	if err != nil {
		return err
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	f, err := k.load()
	if err != nil {
		return err
	}
	if _, ok := f.Servers[a.key()]; !ok {
		return nil
	}
	delete(f.Servers, a.key())
	return k.save(f)
}

// load reads the file; a missing file is an empty list.
func (k *KnownServers) load() (knownFile, error) {
	f := knownFile{Version: knownVersion, Servers: map[string]knownEntry{}}
	data, ok, err := readFile(k.path)
	if err != nil || !ok {
		return f, err
	}
	corrupt := func(why string) (knownFile, error) {
		return knownFile{}, fmt.Errorf("the list of trusted servers in %s cannot be used: %s; it was left as it is: repair it, or delete it and confirm each server's fingerprint again", k.path, why)
	}
	var read knownFile
	if err := json.Unmarshal(data, &read); err != nil {
		return corrupt("it is not valid (" + err.Error() + ")")
	}
	switch {
	case read.Version > knownVersion:
		return knownFile{}, fmt.Errorf("the list of trusted servers in %s was written by a newer version of the console (format %d); update this console", k.path, read.Version)
	case read.Version != knownVersion:
		return corrupt("it has no known format version")
	}
	for key, e := range read.Servers {
		a, err := parseAddress("https://" + key)
		if err != nil || a.key() != key {
			return corrupt(fmt.Sprintf("%q is not a server as host:port in lower case", key))
		}
		fp, err := canonicalFingerprint(e.Fingerprint)
		if err != nil {
			return corrupt(fmt.Sprintf("the fingerprint of %s is not valid", key))
		}
		e.Fingerprint = fp
		f.Servers[key] = e
	}
	return f, nil
}

func (k *KnownServers) save(f knownFile) error {
	data, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return fmt.Errorf("cannot encode the list of trusted servers: %w", err)
	}
	return writeFile(k.path, append(data, '\n'))
}

func (e knownEntry) public(key string) KnownServer {
	return KnownServer{Server: key, URL: e.URL, Fingerprint: e.Fingerprint, FirstTrusted: e.FirstTrusted}
}

// canonicalFingerprint parses any accepted form and returns "AB:CD:…", so
// that comparisons are plain string comparisons.
func canonicalFingerprint(s string) (string, error) {
	b, err := tlsutil.ParseFingerprint(s)
	if err != nil {
		return "", fmt.Errorf("not a certificate fingerprint: %w", err)
	}
	hexed := make([]byte, 0, len(b)*3)
	const digits = "0123456789ABCDEF"
	for i, c := range b {
		if i > 0 {
			hexed = append(hexed, ':')
		}
		hexed = append(hexed, digits[c>>4], digits[c&0x0f])
	}
	return string(hexed), nil
}

// day formats a time for a message to a person.
func day(t time.Time) string {
	if t.IsZero() {
		return "an unknown date"
	}
	return t.Local().Format("2 January 2006")
}
