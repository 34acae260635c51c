// Package reboot restarts the customer's computer for the CSR and has the
// agent rejoin the session afterwards.
//
// The guide: "Once the customer's computer restarts, the customer can
// rejoin the support session automatically, without having to provide the
// session number or other information." So before restarting, the agent
// calls Arrange with a Ticket: how to reach the server and a single-use
// resume token from it. Arrange writes the ticket into a private file and
// has the agent started at the customer's next login with
// --rejoin <ticket>: an XDG autostart entry on Linux and the BSDs, a
// LaunchAgent on macOS, a Run value of the registry on Windows. The agent
// started so Loads the ticket, asks the customer whether to rejoin, and
// calls Cleanup whatever the answer: the token is good for one use.
//
// Reboot then starts the restart command, detached from the agent so that
// it outlives it. Tell the session before calling Reboot: once the
// command has been accepted the system may stop the agent at any moment.
package reboot

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"lifeline/shared/tlsutil"
)

// RejoinFlag is the agent's flag that names a ticket to rejoin with.
const RejoinFlag = "--rejoin"

// TicketFile is the ticket's file name in Config.Dir.
const TicketFile = "rejoin-ticket.json"

// maxTicketSize bounds what Load reads: a ticket is a few hundred bytes.
const maxTicketSize = 16 << 10

// ticketVersion is written into every ticket, so that a later agent can
// tell an older ticket from a damaged one.
const ticketVersion = 1

// Ticket is what the agent needs to rejoin without asking anything.
type Ticket struct {
	// How to reach and trust the server, as the agent's --server, --ca-file
	// and --server-fingerprint flags. Arrange makes CAFile absolute: the
	// agent started at login has another working folder.
	Server      string `json:"server"`
	CAFile      string `json:"ca_file,omitempty"`
	Fingerprint string `json:"fingerprint,omitempty"`
	// ResumeToken is the server's single-use token for this participant.
	ResumeToken string `json:"resume_token"`
	// SessionNumber and Name are for the customer's message ("Rejoin
	// support session 123 456 789 as Dana?").
	SessionNumber string    `json:"session_number,omitempty"`
	Name          string    `json:"name,omitempty"`
	CreatedAt     time.Time `json:"created_at"` // Arrange sets it when zero
}

// Config says where the rejoin is arranged and how the computer restarts.
type Config struct {
	Dir string // where the ticket lives; "" is os.UserConfigDir()/lifeline
	Exe string // the agent's binary; "" is os.Executable()
	// Args are the agent's flags to keep at the rejoin, e.g. --no-gui,
	// --display :5, --loopback-only. They follow --rejoin <ticket>.
	Args []string
	// Command restarts the computer (--reboot-command): run by sh -c on
	// Unix, cmd /c on Windows. "" is the system's own (DefaultCommands).
	Command string
	// AutostartDir is where the autostart entry goes: on Linux and the
	// BSDs "" is $XDG_CONFIG_HOME/autostart or ~/.config/autostart, on
	// macOS ~/Library/LaunchAgents. Windows keeps it in the registry and
	// ignores this.
	AutostartDir string
}

func (c Config) dir() (string, error) {
	if c.Dir != "" {
		return filepath.Abs(c.Dir)
	}
	base, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("no folder for the rejoin ticket: %w", err)
	}
	return filepath.Join(base, "lifeline"), nil
}

// command is what the autostart entry runs: Exe --rejoin ticketPath Args...
func (c Config) command(ticketPath string) ([]string, error) {
	exe := c.Exe
	if exe == "" {
		var err error
		if exe, err = os.Executable(); err != nil {
			return nil, fmt.Errorf("the agent cannot find its own program to start after the restart: %w", err)
		}
	}
	exe, err := filepath.Abs(exe)
	if err != nil {
		return nil, err
	}
	return append([]string{exe, RejoinFlag, ticketPath}, c.Args...), nil
}

// Arrange writes the ticket (mode 0600, replacing any earlier one at
// once) and the autostart entry that runs Exe --rejoin ticketPath Args...
// at the next login. It returns the ticket's path. When the entry cannot
// be written, the ticket is removed again: a secret nobody will use does
// not stay behind.
func Arrange(cfg Config, t Ticket) (ticketPath string, err error) {
	if t.CAFile != "" {
		if t.CAFile, err = filepath.Abs(t.CAFile); err != nil {
			return "", fmt.Errorf("the CA file: %w", err)
		}
	}
	if t.CreatedAt.IsZero() {
		t.CreatedAt = time.Now()
	}
	t.CreatedAt = t.CreatedAt.Round(0) // no monotonic reading: the ticket compares equal once read back
	if err := t.validate(); err != nil {
		return "", fmt.Errorf("the rejoin ticket is not complete: %w", err)
	}
	dir, err := cfg.dir()
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("the folder of the rejoin ticket: %w", err)
	}
	ticketPath = filepath.Join(dir, TicketFile)
	args, err := cfg.command(ticketPath)
	if err != nil {
		return "", err
	}
	data, err := encodeTicket(t)
	if err != nil {
		return "", err
	}
	if err := writeAtomic(ticketPath, data, 0o600); err != nil {
		return "", fmt.Errorf("writing the rejoin ticket: %w", err)
	}
	if err := installAutostart(cfg, args); err != nil {
		_ = os.Remove(ticketPath)
		return "", fmt.Errorf("arranging for the agent to start after the restart: %w", err)
	}
	return ticketPath, nil
}

// Cleanup removes the ticket and the autostart entry. What is missing
// already is fine, so it may be called any number of times. ticketPath ""
// is the ticket in cfg's folder.
func Cleanup(cfg Config, ticketPath string) error {
	if ticketPath == "" {
		dir, err := cfg.dir()
		if err != nil {
			return err
		}
		ticketPath = filepath.Join(dir, TicketFile)
	}
	var errs []error
	if err := os.Remove(ticketPath); err != nil && !errors.Is(err, fs.ErrNotExist) {
		errs = append(errs, fmt.Errorf("removing the rejoin ticket: %w", err))
	}
	if err := removeAutostart(cfg); err != nil {
		errs = append(errs, fmt.Errorf("removing the autostart entry: %w", err))
	}
	return errors.Join(errs...)
}

// Load reads a ticket and checks it. A ticket others could read is
// refused: its token would let them into the session as the customer.
func Load(path string) (Ticket, error) {
	fail := func(format string, args ...any) (Ticket, error) {
		return Ticket{}, fmt.Errorf("the rejoin ticket %s %s", path, fmt.Sprintf(format, args...))
	}
	link, err := os.Lstat(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return fail("does not exist (it is used once, and removed then)")
		}
		return Ticket{}, fmt.Errorf("the rejoin ticket: %w", err)
	}
	if !link.Mode().IsRegular() {
		return fail("is not a plain file")
	}
	f, err := os.Open(path)
	if err != nil {
		return Ticket{}, fmt.Errorf("the rejoin ticket: %w", err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return Ticket{}, fmt.Errorf("the rejoin ticket: %w", err)
	}
	if !os.SameFile(link, info) {
		return fail("was replaced while it was read")
	}
	if err := checkPrivate(info); err != nil {
		return fail("%v; it holds a secret, so it is not used", err)
	}
	data, err := io.ReadAll(io.LimitReader(f, maxTicketSize+1))
	if err != nil {
		return Ticket{}, fmt.Errorf("the rejoin ticket: %w", err)
	}
	t, err := decodeTicket(data)
	if err != nil {
		return fail("is damaged: %v", err)
	}
	return t, nil
}

// ticketFile is the ticket as it is stored.
type ticketFile struct {
	Version int `json:"version"`
	Ticket
}

func encodeTicket(t Ticket) ([]byte, error) {
	data, err := json.MarshalIndent(ticketFile{Version: ticketVersion, Ticket: t}, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(data, '\n'), nil
}

// decodeTicket reads a stored ticket, strictly: anything it does not know
// means it was not written by Arrange.
func decodeTicket(data []byte) (Ticket, error) {
	if len(data) > maxTicketSize {
		return Ticket{}, fmt.Errorf("it is larger than %d bytes", maxTicketSize)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var tf ticketFile
	if err := dec.Decode(&tf); err != nil {
		return Ticket{}, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return Ticket{}, errors.New("more follows the ticket")
	}
	if tf.Version != ticketVersion {
		return Ticket{}, fmt.Errorf("its version is %d, not %d", tf.Version, ticketVersion)
	}
	if err := tf.Ticket.validate(); err != nil {
		return Ticket{}, err
	}
	return tf.Ticket, nil
}

func (t Ticket) validate() error {
	u, err := url.Parse(t.Server)
	switch {
	case t.Server == "":
		return errors.New("it has no server")
	case err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil:
		return fmt.Errorf("its server %q is not an http or https address", t.Server)
	case t.ResumeToken == "":
		return errors.New("it has no resume token")
	case len(t.ResumeToken) > 512 || strings.ContainsFunc(t.ResumeToken, func(r rune) bool { return r <= ' ' || r > '~' }):
		return errors.New("its resume token is not a token")
	case t.CAFile != "" && (!filepath.IsAbs(t.CAFile) || !isText(t.CAFile, 4096)):
		return fmt.Errorf("its CA file %q is not a full path", t.CAFile)
	case !isText(t.SessionNumber, 32):
		return errors.New("its session number is not one line of text")
	case !isText(t.Name, 200):
		return errors.New("its name is not one line of text of at most 200 bytes")
	case t.CreatedAt.IsZero():
		return errors.New("it has no creation time")
	}
	if t.Fingerprint != "" {
		if _, err := tlsutil.ParseFingerprint(t.Fingerprint); err != nil {
			return fmt.Errorf("its server fingerprint: %w", err)
		}
	}
	return nil
}

// isText says whether s is one line of UTF-8 text of at most max bytes.
func isText(s string, max int) bool {
	return len(s) <= max && utf8.ValidString(s) && !strings.ContainsFunc(s, unicode.IsControl)
}

// writeAtomic writes a file under a temporary name beside it and renames
// it into place, so that a reader sees the old file or the new one, never
// half of one.
func writeAtomic(path string, data []byte, mode fs.FileMode) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp) // after a successful rename there is nothing left to remove
	if err := f.Chmod(mode); err != nil {
		f.Close()
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
