// Package agentconfig is the configuration a rendezvous server bakes into
// the agent a customer downloads from its join page — the server's URL, how
// to trust its certificate, the session number and the customer's name and
// email — and how the agent finds it again in its own executable.
//
// # Where it lives
//
// The configuration travels as a block, the JSON payload followed by a
// footer:
//
//	payload (JSON, at most MaxPayload bytes)
//	SHA-256 of the payload (32 bytes)
//	length of the payload (uint32, big-endian)
//	magic "LIFELINE-CONFIG1" (16 bytes)
//
// Bake puts the block at the end of the program, where neither ELF nor
// an unsigned Windows program looks (the loaders map only what their headers
// name). A signed Windows program keeps its Authenticode signature: the
// block goes into an extra certificate inside the signature (see pe.go),
// which is the one place Windows leaves out of the signed hash and still
// accepts with the certificate padding check on. Either way the block is
// in the last part of the file, so the agent reads the last SearchWindow
// bytes of its executable and looks for the last magic there (Find) — one
// reader for every format.
//
// # Why a checksum and not a signature
//
// The SHA-256 catches a truncated or damaged download and a block edited
// without care; it is not a signature. A signature would need a key the
// agent already trusts, and the agent binary is the same for every server
// that installs it, so there is none to check against. Whoever can change
// the block of a downloaded file can as well replace the whole file, and
// on a signed Windows program the block is, by design, outside what the
// signature covers. The protection is elsewhere: the agent asks the
// customer before anything happens, shows the server it talks to, and
// refuses a block that does not decode to a valid configuration (a wrong
// checksum, a length past the file, unknown magic version, a field that
// fails Validate) with a sentence instead of using any part of it.
package agentconfig

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"strings"
	"unicode"
	"unicode/utf8"

	"lifeline/shared/tlsutil"
)

// Limits of a block.
const (
	// MaxPayload bounds the JSON payload: five short fields never need more.
	MaxPayload = 4096
	// FooterSize is the checksum, the length and the magic.
	FooterSize = sha256.Size + 4 + magicSize
	// SearchWindow is how much of the end of an executable Find is given:
	// room for the block plus what follows it inside a Windows signature
	// (the signer's information and a timestamp with its certificates).
	SearchWindow = 256 << 10

	magicSize = 16
)

// magic ends every block. It is assembled at start rather than written as
// one literal, so that the agent's own program text never contains it and
// Find cannot mistake the agent's code for a block.
var magic = []byte(reverse("1GIFNOC-ENILEFIL"))

func reverse(s string) string {
	b := []byte(s)
	for i, j := 0, len(b)-1; i < j; i, j = i+1, j-1 {
		b[i], b[j] = b[j], b[i]
	}
	return string(b)
}

// Config is what a downloaded agent starts with.
type Config struct {
	// Server is the rendezvous server's URL, "https://host[:port]" (plain
	// "http" only for a server on the same machine).
	Server string `json:"server"`
	// Fingerprint pins the server's self-signed certificate (SHA-256, as
	// tlsutil prints it). Empty: the system's trusted roots decide.
	Fingerprint string `json:"server_fingerprint,omitempty"`
	// Session is the 9-digit session number (empty for a queue ticket).
	Session string `json:"session,omitempty"`
	// QueueTicket is a place in a support queue taken on the help page
	// ("<request id>.<token>"), instead of a session number; Queue is
	// the queue's name as customers read it.
	QueueTicket string `json:"queue_ticket,omitempty"`
	Queue       string `json:"queue,omitempty"`
	// Name is the customer's name as typed on the join page.
	Name string `json:"name"`
	// Email is the customer's email address, or empty.
	Email string `json:"email,omitempty"`
}

// Limits of the customer's fields, the same as the server's join API.
const (
	MaxNameRunes = 100
	MaxEmailLen  = 254
)

// FieldError is a field a customer typed that cannot be used, as a
// sentence the customer can act on: the server shows it on the join page,
// the agent inside its refusal.
type FieldError struct{ Sentence string }

func (e *FieldError) Error() string { return e.Sentence }

// The customer's fields that fail validation.
var (
	ErrName    = &FieldError{"Please enter your name (at most 100 characters, without control characters)."}
	ErrEmail   = &FieldError{"The email address does not look right."}
	ErrSession = &FieldError{"A session number has 9 digits; please check the number your support representative gave you."}
	ErrTicket  = &FieldError{"The place in line this agent was downloaded for is not valid; please ask for help on the help page again."}
)

// Validate checks every field as an agent must before using it.
func (c Config) Validate() error {
	if err := ValidateServer(c.Server); err != nil {
		return err
	}
	if c.Fingerprint != "" {
		if _, err := tlsutil.ParseFingerprint(c.Fingerprint); err != nil {
			return fmt.Errorf("the server's certificate fingerprint is not valid: %w", err)
		}
	}
	switch {
	case c.QueueTicket != "":
		if c.Session != "" || !validTicket(c.QueueTicket) || ValidateName(c.Queue) != nil {
			return ErrTicket
		}
	case len(c.Session) != 9 || strings.Trim(c.Session, "0123456789") != "":
		return ErrSession
	}
	if err := ValidateName(c.Name); err != nil {
		return err
	}
	return ValidateEmail(c.Email)
}

// ValidateName accepts a name as the join API does (1–100 characters, no
// surrounding blanks) and refuses control characters, which would reach a
// support representative's screen and the customer's terminal.
func ValidateName(name string) error {
	n := utf8.RuneCountInString(name)
	if name == "" || n > MaxNameRunes || !utf8.ValidString(name) || strings.TrimSpace(name) != name || hasControl(name) {
		return ErrName
	}
	return nil
}

// ValidateEmail accepts an empty address or one with an "@", without
// blanks or control characters, of at most 254 bytes.
func ValidateEmail(email string) error {
	if email == "" {
		return nil
	}
	if len(email) > MaxEmailLen || !strings.Contains(email, "@") || !utf8.ValidString(email) ||
		strings.ContainsFunc(email, unicode.IsSpace) || hasControl(email) {
		return ErrEmail
	}
	return nil
}

// ValidateServer accepts "https://host[:port]" with an optional trailing
// slash, and "http://" only to a loopback host: a baked configuration must
// not send an agent over the network in the clear.
func ValidateServer(s string) error {
	if s == "" || len(s) > 2048 || hasControl(s) {
		return errors.New("the support server's address is missing or not valid")
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || u.Opaque != "" || u.User != nil || (u.Path != "" && u.Path != "/") ||
		u.RawQuery != "" || u.Fragment != "" || u.ForceQuery {
		return fmt.Errorf("the support server's address %q is not a plain https://host:port address", s)
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !loopback(u.Hostname()) {
			return fmt.Errorf("the support server's address %q is plain http to another machine; only https is allowed there", s)
		}
	default:
		return fmt.Errorf("the support server's address %q does not start with https://", s)
	}
	return nil
}

func loopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func hasControl(s string) bool { return strings.ContainsFunc(s, unicode.IsControl) }

// Block encodes c, after validating it, as the bytes baked into an agent.
func (c Config) Block() ([]byte, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	payload, err := json.Marshal(c)
	if err != nil {
		return nil, fmt.Errorf("agentconfig: encode: %w", err)
	}
	if len(payload) > MaxPayload {
		return nil, fmt.Errorf("agentconfig: the configuration is %d bytes, more than %d", len(payload), MaxPayload)
	}
	sum := sha256.Sum256(payload)
	b := make([]byte, 0, len(payload)+FooterSize)
	b = append(b, payload...)
	b = append(b, sum[:]...)
	b = binary.BigEndian.AppendUint32(b, uint32(len(payload)))
	return append(b, magic...), nil
}

// DamagedError is a block that was found but cannot be used.
type DamagedError struct{ Reason string }

func (e *DamagedError) Error() string {
	return "the session details built into this program are damaged (" + e.Reason +
		"); please download the agent again from your support server's join page, or start it with --server and --session"
}

func damaged(format string, a ...any) error { return &DamagedError{Reason: fmt.Sprintf(format, a...)} }

// Find looks for a block in tail, the last bytes of a program (at most
// SearchWindow are read by Read). It returns found == false when tail
// holds no magic: a program downloaded without a configuration. A magic
// with anything wrong around it is a *DamagedError, never a partial
// configuration.
func Find(tail []byte) (c Config, found bool, err error) {
	i := bytes.LastIndex(tail, magic)
	if i < 0 {
		return Config{}, false, nil
	}
	if i < sha256.Size+4 {
		return Config{}, true, damaged("the block is cut short")
	}
	n := binary.BigEndian.Uint32(tail[i-4 : i])
	sumAt := i - 4 - sha256.Size
	if n > MaxPayload || int64(n) > int64(sumAt) {
		return Config{}, true, damaged("the block claims %d bytes of settings, which it does not have", n)
	}
	payload := tail[sumAt-int(n) : sumAt]
	if sum := sha256.Sum256(payload); !bytes.Equal(sum[:], tail[sumAt:i-4]) {
		return Config{}, true, damaged("the checksum does not match")
	}
	dec := json.NewDecoder(bytes.NewReader(payload))
	if err := dec.Decode(&c); err != nil {
		return Config{}, true, damaged("the settings are not valid JSON: %v", err)
	}
	if dec.More() {
		return Config{}, true, damaged("the settings have data after their end")
	}
	if err := c.Validate(); err != nil {
		return Config{}, true, damaged("%s", strings.TrimSuffix(err.Error(), "."))
	}
	return c, true, nil
}

// Read finds the configuration baked into the program at path.
func Read(path string) (Config, bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return Config{}, false, fmt.Errorf("read the session details built into %s: %w", path, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return Config{}, false, fmt.Errorf("read the session details built into %s: %w", path, err)
	}
	n := min(fi.Size(), SearchWindow)
	tail := make([]byte, n)
	if _, err := f.ReadAt(tail, fi.Size()-n); err != nil && !errors.Is(err, io.EOF) {
		return Config{}, false, fmt.Errorf("read the session details built into %s: %w", path, err)
	}
	return Find(tail)
}

// Self finds the configuration baked into the running program. A program
// file that cannot be found or read counts as one without a configuration,
// not as an error: an agent installed for everyone may be executable but
// not readable, and a downloaded one is always readable by the customer
// who downloaded it.
func Self() (Config, bool, error) {
	exe, err := os.Executable()
	if err != nil {
		return Config{}, false, nil
	}
	c, found, err := Read(exe)
	if err != nil && !found {
		return Config{}, false, nil
	}
	return c, found, err
}

// Fields are the agent's command-line settings that a baked configuration
// can supply. An empty field was not given.
type Fields struct {
	Server, Fingerprint, CAFile, Session, Name, Email string
	QueueTicket, Queue                                string
}

// Fill completes f from c; what the command line gave wins. The server's
// trust comes with the server: with --server given, c's fingerprint is for
// another server and is not used, and a --ca-file or --server-fingerprint
// given replaces it.
func (c Config) Fill(f Fields) Fields {
	if f.Server == "" {
		f.Server = c.Server
		if f.Fingerprint == "" && f.CAFile == "" {
			f.Fingerprint = c.Fingerprint
		}
	}
	if f.Session == "" && f.QueueTicket == "" {
		f.Session, f.QueueTicket, f.Queue = c.Session, c.QueueTicket, c.Queue
	}
	if f.Name == "" {
		f.Name = c.Name
	}
	if f.Email == "" {
		f.Email = c.Email
	}
	return f
}

// validTicket accepts "<request id>.<token>" of plain characters, as the
// server makes them.
func validTicket(t string) bool {
	id, tok, ok := strings.Cut(t, ".")
	plain := func(s string) bool {
		return s != "" && len(s) <= 100 && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") == ""
	}
	return ok && plain(id) && plain(tok)
}
