package filetransfer

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
)

// Sentinel errors. Every error this package returns wraps one of them, and
// so does a RemoteError carrying the other side's refusal, so callers test
// with errors.Is whichever side refused.
var (
	// ErrUnsafePath: a name broke the path rules (see CheckPath) or led
	// through a symbolic link. The error is a *PathError.
	ErrUnsafePath = errors.New("unsafe path")
	// ErrTooLarge: the transfer exceeds the size or entry limit, or the
	// sender sent more bytes than its manifest announced.
	ErrTooLarge = errors.New("transfer too large")
	// ErrExists: the destination already holds a different file or folder
	// of that name and overwriting was not allowed.
	ErrExists = errors.New("already exists")
	// ErrNotFound: the named file or folder does not exist.
	ErrNotFound = errors.New("not found")
	// ErrNotEmpty: a folder to delete is not empty and the delete was not
	// recursive.
	ErrNotEmpty = errors.New("folder not empty")
	// ErrChecksum: a received file's SHA-256 did not match the sender's;
	// the partial file was deleted.
	ErrChecksum = errors.New("checksum mismatch")
	// ErrDenied: the person on the other side (or a local Allow hook)
	// declined.
	ErrDenied = errors.New("denied")
	// ErrAborted: one side aborted the transfer; partial files were deleted.
	ErrAborted = errors.New("transfer aborted")
	// ErrInterrupted: the connection failed or went silent mid-transfer.
	// Partial files are kept, and the same transfer started again resumes
	// from the last good chunk.
	ErrInterrupted = errors.New("transfer interrupted")
	// ErrProtocol: the other side broke the protocol.
	ErrProtocol = errors.New("protocol violation")
	// ErrCorrupt: a message could not be decoded.
	ErrCorrupt = errors.New("corrupt message")
	// ErrVersion: a message has an unknown protocol version.
	ErrVersion = errors.New("unsupported protocol version")
	// ErrIO: a local file operation failed (disk full, permissions, …).
	ErrIO = errors.New("file error")
)

// Code is an error class on the wire.
type Code uint8

// Error codes; each maps to one sentinel.
const (
	CodeIO         Code = 1
	CodeUnsafePath Code = 2
	CodeTooLarge   Code = 3
	CodeExists     Code = 4
	CodeNotFound   Code = 5
	CodeNotEmpty   Code = 6
	CodeChecksum   Code = 7
	CodeDenied     Code = 8
	CodeAborted    Code = 9
	CodeProtocol   Code = 10
	CodeVersion    Code = 11
	maxCode             = CodeVersion
)

var codeErrs = [...]error{
	CodeIO:         ErrIO,
	CodeUnsafePath: ErrUnsafePath,
	CodeTooLarge:   ErrTooLarge,
	CodeExists:     ErrExists,
	CodeNotFound:   ErrNotFound,
	CodeNotEmpty:   ErrNotEmpty,
	CodeChecksum:   ErrChecksum,
	CodeDenied:     ErrDenied,
	CodeAborted:    ErrAborted,
	CodeProtocol:   ErrProtocol,
	CodeVersion:    ErrVersion,
}

// codeOf classifies a local error for the wire.
func codeOf(err error) Code {
	for c := Code(1); c <= maxCode; c++ {
		if errors.Is(err, codeErrs[c]) {
			return c
		}
	}
	return CodeIO
}

// RemoteError is the other side's refusal or failure, as it reported it.
// Msg is a sentence meant for a person; it is untrusted text from the
// other side, so display it, never interpret it.
type RemoteError struct {
	Code Code
	Path string // the name concerned, if any
	Msg  string
}

func (e *RemoteError) Error() string { return "other side: " + e.Msg }

// Unwrap maps the code to its sentinel, so errors.Is(err, ErrExists) holds
// for a remote refusal too.
func (e *RemoteError) Unwrap() error {
	if e.Code >= 1 && e.Code <= maxCode {
		return codeErrs[e.Code]
	}
	return ErrIO
}

// opError is a failed local file operation. Its message names the path
// relative to the chosen folder and the system's reason, never the
// folder's absolute location: the message may be sent to the other side.
type opError struct {
	op   string // "create", "write", …
	path string // relative
	err  error
}

func (e *opError) Error() string {
	return fmt.Sprintf("could not %s %q: %v", e.op, e.path, bare(e.err))
}

func (e *opError) Unwrap() []error { return []error{ErrIO, e.err} }

func ioErr(op, rel string, err error) error {
	if rel == "" {
		rel = "."
	}
	return &opError{op: op, path: rel, err: err}
}

// bare strips the absolute path that *fs.PathError and *os.LinkError put
// in front of the system's reason.
func bare(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	var le *os.LinkError
	if errors.As(err, &le) {
		return le.Err
	}
	return err
}

// wireError turns a local error into the message sent to the other side.
func wireError(id uint64, err error) *msgError {
	m := &msgError{id: id, code: codeOf(err), text: err.Error()}
	var pe *PathError
	if errors.As(err, &pe) {
		m.path = pe.Path
	}
	var oe *opError
	if errors.As(err, &oe) {
		m.path = oe.path
	}
	var ne *nameError
	if errors.As(err, &ne) {
		m.path = ne.path
	}
	m.text = clip(m.text, maxText)
	if len(m.path) > maxString {
		m.path = ""
	}
	return m
}

func (m *msgError) err() error {
	return &RemoteError{Code: m.code, Path: m.path, Msg: m.text}
}

// clip shortens s to at most n bytes without splitting a character.
func clip(s string, n int) string {
	if len(s) <= n {
		return strings.ToValidUTF8(s, "?")
	}
	return strings.ToValidUTF8(s[:n], "")
}

// nameError is a refusal about one name (exists, not found, not empty,
// checksum): a sentence for a person, the path for the wire, and the
// sentinel for errors.Is.
type nameError struct {
	sentinel error
	path     string
	msg      string
}

func (e *nameError) Error() string { return e.msg }
func (e *nameError) Unwrap() error { return e.sentinel }

func errAt(sentinel error, p, format string, args ...any) error {
	return &nameError{sentinel: sentinel, path: p, msg: fmt.Sprintf(format, args...)}
}

// peerAbort is the other side's abort; it is not echoed back.
type peerAbort struct{ reason string }

func (e *peerAbort) Error() string { return "the other side aborted the transfer: " + e.reason }
func (e *peerAbort) Unwrap() error { return ErrAborted }

// fromPeer reports whether err came from the other side (so it must not
// be sent back).
func fromPeer(err error) bool {
	var re *RemoteError
	var pa *peerAbort
	return errors.As(err, &re) || errors.As(err, &pa)
}

func interrupted(err error) error {
	return fmt.Errorf("%w: %v", ErrInterrupted, err)
}
