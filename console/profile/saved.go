package profile

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// SavedLoginFile is the name of the saved-login file in the profile folder.
const SavedLoginFile = "login.json"

const savedVersion = 1

// userTokenPrefix marks a CSR's login token (rendezvous/auth.UserTokenPrefix;
// repeated here so the console does not import server code). A participant
// token (llp_) reaches one session only and must never be saved as a login.
const userTokenPrefix = "llu_"

// Login is a remembered login: enough to resume without the password.
//
// Token is the credential. Like the tokens gh or docker keep in their
// configuration, anyone who can read it can act as the CSR until it expires
// or is revoked, which is why the file is private to its owner. Logging out
// must call the server's logout (which invalidates the token) and Clear
// (which deletes the file); Clear first, or regardless of whether the server
// answers, so that logging out while offline still forgets the token here.
type Login struct {
	// Server is the server's URL as the CSR logged in to it.
	Server string `json:"server"`
	// Email is the CSR's login name, to show and to prefill.
	Email string `json:"email"`
	// Token is the bearer token from the server's login ("llu_…").
	Token string `json:"token"`
	// Fingerprint is the certificate pin the login was made under
	// (Decision.Pin), "" for system or configured trust. The token is only
	// sent again to a server presenting the same certificate; see
	// ResumableWith.
	Fingerprint string `json:"fingerprint,omitempty"`
	// SavedAt is when it was saved; Save fills it in when zero.
	SavedAt time.Time `json:"saved_at"`
}

// ResumableWith reports whether the token may be sent to the server Check
// described in d; nil means yes. It may not when d is for another server,
// is refused or still awaits the CSR's confirmation, or when the trust the
// login was made under is not the trust the server has now: a pinned login
// resumes only with the same certificate, and a login made under system or
// configured trust does not resume with a pin. In all those cases the CSR
// logs in again with the password; the saved token is not proof that the
// new certificate is the right one.
func (l Login) ResumableWith(d Decision) error {
	key, err := ServerKey(l.Server)
	if err != nil {
		return err
	}
	if key != d.Server {
		return fmt.Errorf("the saved login is for %s, not %s", key, d.Server)
	}
	if err := d.Err(); err != nil {
		return err
	}
	if d.NeedsConfirmation() {
		return fmt.Errorf("the certificate of %s must be confirmed before the saved login is used", d.Server)
	}
	if l.Fingerprint != "" {
		fp, err := canonicalFingerprint(l.Fingerprint)
		if err != nil {
			return err
		}
		if fp != d.Probe.Fingerprint {
			return fmt.Errorf("the saved login was made with another certificate of %s; log in again", d.Server)
		}
		return nil
	}
	if d.Kind == TrustedByPin {
		return fmt.Errorf("the saved login for %s was made when an authority vouched for its certificate, which it no longer does; log in again", d.Server)
	}
	return nil
}

// Saved keeps at most one Login in the profile folder (see DefaultDir).
// Methods are safe for concurrent use within one process.
type Saved struct {
	path string
	mu   sync.Mutex
}

// NewSaved returns the saved login kept in dir. Nothing is read or created
// until it is used.
func NewSaved(dir string) *Saved {
	return &Saved{path: filepath.Join(dir, SavedLoginFile)}
}

// Path is the file, to name it in messages.
func (s *Saved) Path() string { return s.path }

type savedFile struct {
	Version int `json:"version"`
	Login
}

// Save replaces the saved login with l, in a file only its owner can read.
func (s *Saved) Save(l Login) error {
	l.Server = strings.TrimSpace(l.Server)
	l.Email = strings.TrimSpace(l.Email)
	if err := l.validate(); err != nil {
		return fmt.Errorf("cannot save the login: %w", err)
	}
	if l.Fingerprint != "" {
		l.Fingerprint, _ = canonicalFingerprint(l.Fingerprint) // validated above
	}
	if l.SavedAt.IsZero() {
		l.SavedAt = time.Now().UTC()
	}
	data, err := json.MarshalIndent(savedFile{Version: savedVersion, Login: l}, "", "  ")
	if err != nil {
		return fmt.Errorf("cannot encode the login: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	// An unreadable old file is overwritten, unlike the known servers: it
	// held nothing but a login, and the CSR has just made a new one.
	return writeFile(s.path, append(data, '\n'))
}

// Load returns the saved login, ok=false when there is none. A file that
// cannot be used is an error; the caller shows the login window and may
// Clear it.
func (s *Saved) Load() (l Login, ok bool, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	data, ok, err := readFile(s.path)
	if err != nil || !ok {
		return Login{}, false, err
	}
	tightenMode(s.path)
	var f savedFile
	if err := json.Unmarshal(data, &f); err != nil {
		return Login{}, false, fmt.Errorf("the saved login in %s cannot be read (%v); log in again", s.path, err)
	}
	if f.Version != savedVersion {
		return Login{}, false, fmt.Errorf("the saved login in %s has an unknown format (%d); log in again", s.path, f.Version)
	}
	if err := f.Login.validate(); err != nil {
		return Login{}, false, fmt.Errorf("the saved login in %s cannot be used: %w; log in again", s.path, err)
	}
	return f.Login, true, nil
}

// Clear deletes the saved login (at logout, or when the server no longer
// accepts the token). Clearing when nothing is saved is not an error.
func (s *Saved) Clear() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := os.Remove(s.path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("cannot delete the saved login %s: %w", s.path, err)
	}
	return nil
}

func (l Login) validate() error {
	if _, err := parseAddress(l.Server); err != nil {
		return err
	}
	if l.Email == "" {
		return errors.New("it has no email address")
	}
	if !strings.HasPrefix(l.Token, userTokenPrefix) || len(l.Token) == len(userTokenPrefix) {
		return errors.New("its token is not a CSR login token (llu_…)")
	}
	if l.Fingerprint != "" {
		if _, err := canonicalFingerprint(l.Fingerprint); err != nil {
			return err
		}
	}
	return nil
}
