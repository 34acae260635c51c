// Package scriptlib is the Script Library's rules: what a script's name,
// category, description, files and time limit may be, and which interpreter
// runs a script file. The store, the server and the command line all check
// through it, so that a value refused in one place is refused everywhere
// with the same sentence.
package scriptlib

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"lifeline/shared/scripttype"
)

// Limits of one script.
const (
	// MaxFileSize is the most a script file, and separately its input file,
	// may hold: the guide's "Scripts can be up to 1 MB in size", with a MB
	// of 1,048,576 bytes. Both are kept in the database and sent whole to
	// the agent, so the limit is what keeps either from growing large.
	MaxFileSize = 1 << 20

	MaxNameLen        = 100  // characters of a script's name: a line in a list
	MaxDescriptionLen = 2000 // characters of a description: a paragraph or two
	MaxCategoryLen    = 100  // bytes of a category name, like a session type
	MaxFileNameLen    = 255  // bytes of a file name, what most file systems allow

	// A script runs for at most its time limit, in seconds, and is then
	// stopped; the agent reads the same numbers from shared/scripttype.
	DefaultTimeLimit = scripttype.DefaultTimeLimit
	MinTimeLimit     = scripttype.MinTimeLimit
	MaxTimeLimit     = scripttype.MaxTimeLimit
)

// CheckName returns a script's name as it is stored (without surrounding
// space), or says why it is refused.
func CheckName(name string) (string, error) {
	name = strings.TrimSpace(name)
	switch {
	case name == "":
		return "", fmt.Errorf("a script needs a name")
	case !utf8.ValidString(name):
		return "", fmt.Errorf("a script's name must be valid UTF-8 text")
	case utf8.RuneCountInString(name) > MaxNameLen:
		return "", fmt.Errorf("a script's name can be at most %d characters long", MaxNameLen)
	case strings.ContainsFunc(name, unicode.IsControl):
		return "", fmt.Errorf("a script's name must be one line of text, without tabs or line breaks")
	}
	return name, nil
}

// CheckCategory returns a category name as it is stored (without
// surrounding space), or says why it is refused.
func CheckCategory(name string) (string, error) {
	name = strings.TrimSpace(name)
	switch {
	case name == "":
		return "", fmt.Errorf("a category needs a name")
	case !utf8.ValidString(name):
		return "", fmt.Errorf("a category name must be valid UTF-8 text")
	case len(name) > MaxCategoryLen:
		return "", fmt.Errorf("a category name can be at most %d bytes long", MaxCategoryLen)
	case strings.ContainsFunc(name, unicode.IsControl):
		return "", fmt.Errorf("a category name must be one line of text, without tabs or line breaks")
	}
	return name, nil
}

// Fold is the form in which script and category names are compared:
// "Flush DNS" and "flush dns " are one name. Done in Go because SQLite's
// lower() folds only ASCII.
func Fold(name string) string { return strings.ToLower(strings.TrimSpace(name)) }

// CheckDescription returns a description as it is stored (without
// surrounding space), or says why it is refused. Unlike a name it may have
// several lines.
func CheckDescription(desc string) (string, error) {
	desc = strings.TrimSpace(desc)
	switch {
	case !utf8.ValidString(desc):
		return "", fmt.Errorf("a description must be valid UTF-8 text")
	case utf8.RuneCountInString(desc) > MaxDescriptionLen:
		return "", fmt.Errorf("a description can be at most %d characters long", MaxDescriptionLen)
	case strings.ContainsFunc(desc, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t' }):
		return "", fmt.Errorf("a description must be text, without control characters")
	}
	return desc, nil
}

// CheckTimeLimit says why a time limit in seconds is refused.
func CheckTimeLimit(seconds int) error {
	if seconds < MinTimeLimit || seconds > MaxTimeLimit {
		return fmt.Errorf("the time limit must be from %d to %d seconds, not %d", MinTimeLimit, MaxTimeLimit, seconds)
	}
	return nil
}

// CheckFileName returns the name a file is stored under, or says why it is
// refused. what is "script file" or "input file". Only the last element of
// a path is kept: some browsers send the whole path of an upload, and the
// agent writes the file into a folder of its own, where a separator or ".."
// must not take it elsewhere.
func CheckFileName(what, name string) (string, error) {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.TrimSpace(name)
	switch {
	case name == "" || name == "." || name == "..":
		return "", fmt.Errorf("the %s needs a file name", what)
	case !utf8.ValidString(name):
		return "", fmt.Errorf("the %s's name must be valid UTF-8 text", what)
	case len(name) > MaxFileNameLen:
		return "", fmt.Errorf("the %s's name can be at most %d bytes long", what, MaxFileNameLen)
	case strings.ContainsFunc(name, unicode.IsControl) || strings.ContainsAny(name, `:*?"<>|`):
		// Characters Windows refuses in a file name, so that the same
		// script can be written on every customer's computer.
		return "", fmt.Errorf(`the %s's name %q has characters a file name cannot have (:*?"<>| or control characters)`, what, name)
	}
	return name, nil
}

// CheckFileSize says why a file of size bytes is refused: empty, or beyond
// MaxFileSize (a *TooLargeError).
func CheckFileSize(what string, size int64) error {
	switch {
	case size == 0:
		return fmt.Errorf("the %s is empty", what)
	case size > MaxFileSize:
		return &TooLargeError{What: what, Size: size}
	}
	return nil
}

// TooLargeError refuses a file beyond MaxFileSize. When AtLeast is set the
// upload was cut off after Size bytes, so the file is larger still.
type TooLargeError struct {
	What    string // "script file" or "input file"
	Size    int64
	AtLeast bool
}

func (e *TooLargeError) Error() string {
	if e.AtLeast {
		return fmt.Sprintf("The %s is more than %s; the most is %s.", e.What, FormatSize(e.Size), FormatSize(MaxFileSize))
	}
	return fmt.Sprintf("The %s is %s; the most is %s.", e.What, FormatSize(e.Size), FormatSize(MaxFileSize))
}

// FormatSize writes a size for people: "1 MB", "1.4 MB", "730 KB". A size
// just over a limit is written in bytes, so that "1.0 MB" never reads as
// refused for being 1 MB.
func FormatSize(n int64) string {
	const kb, mb = 1 << 10, 1 << 20
	switch {
	case n%mb == 0 && n >= mb:
		return fmt.Sprintf("%d MB", n/mb)
	case n > mb && n < mb+mb/20: // would print as 1.0 MB
		return groupDigits(n) + " bytes"
	case n >= mb:
		return fmt.Sprintf("%.1f MB", float64(n)/mb)
	case n >= kb:
		return fmt.Sprintf("%d KB", (n+kb/2)/kb)
	case n == 1:
		return "1 byte"
	}
	return fmt.Sprintf("%d bytes", n)
}

// groupDigits writes 1048577 as "1,048,577".
func groupDigits(n int64) string {
	s := fmt.Sprint(n)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}
