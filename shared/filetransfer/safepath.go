package filetransfer

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"unicode/utf8"
)

// Hard limits on names. They hold on every platform, so a transfer that
// works from Linux to Windows also works back.
const (
	// MaxNameLen bounds one component in bytes: 255 (the common file
	// system limit) less room for the ".lifeline-state" suffix of a
	// partial file's state.
	MaxNameLen = 240
	// MaxPathLen bounds a relative path in bytes. Limits.MaxPathLen may
	// lower it.
	MaxPathLen = 1024
)

// Suffixes of a file being received, next to where it will land. Names
// ending in them are refused in manifests, so a transfer can never
// overwrite another's partial file or pass one off as finished.
const (
	partSuffix  = ".lifeline-part"
	stateSuffix = ".lifeline-state"
)

// PathError is a refused name. Reason is a sentence a person understands
// (the CSR in the console, the customer in the agent's log).
type PathError struct {
	Path   string
	Reason string
}

func (e *PathError) Error() string { return fmt.Sprintf("refused %q: %s", e.Path, e.Reason) }

// Unwrap makes errors.Is(err, ErrUnsafePath) true.
func (e *PathError) Unwrap() error { return ErrUnsafePath }

func refuse(p, format string, args ...any) error {
	return &PathError{Path: p, Reason: fmt.Sprintf(format, args...)}
}

// CheckPath reports whether rel is an acceptable name inside a transfer or
// inside the person-chosen folder: relative, "/"-separated, already clean.
// It refuses rather than cleans: "a/../b" is an error, not "b", because a
// name that needs cleaning came from a confused or hostile sender and the
// person should hear about it.
//
// Refused: the empty name; absolute names ("/x", "C:\x", "C:x",
// "\\server\share"); backslashes; "." and ".." components; empty
// components ("a//b", "a/"); NUL and other control characters; invisible
// text-direction marks; the characters Windows forbids (<>:"|?*); names
// ending in a dot or space; the Windows device names (CON, PRN, AUX, NUL,
// COM0-9, LPT0-9, with any extension, any case); components longer than
// MaxNameLen and paths longer than MaxPathLen.
func CheckPath(rel string) error {
	switch {
	case rel == "":
		return refuse(rel, "the name is empty")
	case len(rel) > MaxPathLen:
		return refuse(short(rel), "the path is %d bytes long; at most %d are allowed", len(rel), MaxPathLen)
	case !utf8.ValidString(rel):
		return refuse(rel, "the name is not valid UTF-8 text")
	case strings.HasPrefix(rel, `\\`) || strings.HasPrefix(rel, "//"):
		return refuse(rel, "network (UNC) paths are not allowed; names must be inside the chosen folder")
	case strings.HasPrefix(rel, "/"):
		return refuse(rel, "absolute paths are not allowed; names must be relative to the chosen folder")
	case len(rel) >= 2 && rel[1] == ':' && isASCIILetter(rel[0]):
		return refuse(rel, "drive letters are not allowed; names must be relative to the chosen folder")
	case strings.Contains(rel, `\`):
		return refuse(rel, `a backslash is not allowed; only "/" separates folders`)
	}
	for comp := range strings.SplitSeq(rel, "/") {
		if reason := nameProblem(comp); reason != "" {
			if comp == "" || comp == "." || comp == ".." {
				return refuse(rel, "%s", reason)
			}
			return refuse(rel, "%q %s", short(comp), reason)
		}
	}
	return nil
}

// CheckName reports whether name is an acceptable single component (a new
// name for rename, a folder to create): CheckPath's rules, and no "/".
func CheckName(name string) error {
	if strings.Contains(name, "/") {
		return refuse(name, `a name cannot contain "/"; renaming changes the name only and does not move`)
	}
	return CheckPath(name)
}

// Join returns root joined with rel after CheckPath accepts rel. It is for
// showing and logging local paths; to open or create anything, use an
// *os.Root (os.OpenRoot) for the chosen folder, which is what this package
// does internally: Join cannot see symbolic links, os.Root can.
func Join(root, rel string) (string, error) {
	if root == "" {
		return "", refuse(rel, "no destination folder was chosen")
	}
	if err := CheckPath(rel); err != nil {
		return "", err
	}
	return filepath.Join(root, filepath.FromSlash(rel)), nil
}

// checkDir accepts the chosen folder itself ("" or ".") or a CheckPath
// name, and returns the folder in the form the other helpers use ("" for
// the root).
func checkDir(rel string) (string, error) {
	if rel == "" || rel == "." {
		return "", nil
	}
	return rel, CheckPath(rel)
}

// nameProblem returns why comp cannot be a component, or "".
func nameProblem(comp string) string {
	switch comp {
	case "":
		return `an empty folder name (a doubled or trailing "/") is not allowed`
	case ".":
		return `"." is not allowed as a name`
	case "..":
		return `".." is not allowed: it would lead out of the chosen folder`
	}
	if len(comp) > MaxNameLen {
		return fmt.Sprintf("is %d bytes long; a name may have at most %d", len(comp), MaxNameLen)
	}
	for _, r := range comp {
		switch {
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f):
			return "contains a control character"
		case r == 0x200e || r == 0x200f || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069):
			// U+202E can show "evil‮txt.exe" as "evilexe.txt".
			return "contains an invisible text-direction mark that can disguise the real file type"
		case strings.ContainsRune(`<>:"|?*`, r):
			return fmt.Sprintf("contains %q, which Windows does not allow in names", r)
		}
	}
	if last := comp[len(comp)-1]; last == '.' || last == ' ' {
		return "ends with a dot or a space, which Windows silently drops"
	}
	if isDeviceName(comp) {
		return "is a reserved device name on Windows"
	}
	return ""
}

// isDeviceName reports Windows' reserved names. Windows treats "NUL.txt"
// and "nul .tar.gz" as the device too, so the part before the first dot,
// trailing spaces removed, is what counts.
func isDeviceName(comp string) bool {
	stem, _, _ := strings.Cut(comp, ".")
	stem = strings.ToUpper(strings.TrimRight(stem, " "))
	switch stem {
	case "CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$":
		return true
	}
	if len(stem) >= 4 && (stem[:3] == "COM" || stem[:3] == "LPT") {
		switch stem[3:] {
		case "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "¹", "²", "³":
			return true
		}
	}
	return false
}

func isASCIILetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

// short keeps error messages readable when a hostile name is huge.
func short(s string) string {
	if len(s) <= 80 {
		return s
	}
	return strings.ToValidUTF8(s[:77], "") + "..."
}

func hasReservedSuffix(p string) bool {
	return strings.HasSuffix(p, partSuffix) || strings.HasSuffix(p, stateSuffix)
}

func reservedRefusal(p string) error {
	return refuse(p, "names ending in %s or %s are reserved for unfinished transfers", partSuffix, stateSuffix)
}

// The helpers below work inside an *os.Root. os.Root (Go 1.24+) confines
// every operation to the folder with openat-style system calls: "..",
// absolute symbolic links and links that lead outside fail, even if a
// local process swaps a folder for a link halfway through. That is the
// guarantee; we rely on it rather than on our own string checks.
//
// os.Root does still follow links that stay inside the folder. A transfer
// must not: a link inside the customer's Downloads pointing at their
// Documents would let a sender write into Documents through it. So before
// acting, lstat walks the path one component at a time and refuses any
// link on the way. A race between that check and the operation can at
// worst follow a link that os.Root has already confined to the folder.

// rootName maps "" (the chosen folder itself) to what os.Root expects.
func rootName(rel string) string {
	if rel == "" {
		return "."
	}
	return rel
}

// lstat checks every component of rel (a CheckPath-clean name, or "" for
// the root) without following links. It returns the info of rel, or nil
// if rel or one of its parents does not exist yet. A link anywhere, or a
// file where a folder is needed, is refused.
func lstat(root *os.Root, rel string) (fs.FileInfo, error) {
	if rel == "" {
		fi, err := root.Stat(".")
		if err != nil {
			return nil, ioErr("open", "", err)
		}
		return fi, nil
	}
	var fi fs.FileInfo
	for i := 0; ; {
		j := strings.IndexByte(rel[i:], '/')
		last := j < 0
		prefix := rel
		if !last {
			prefix = rel[:i+j]
		}
		var err error
		fi, err = root.Lstat(prefix)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
		if err != nil {
			return nil, ioErr("look at", prefix, err)
		}
		if fi.Mode()&fs.ModeSymlink != 0 {
			if prefix == rel {
				return nil, refuse(rel, "it is a symbolic link, and links are never followed")
			}
			return nil, refuse(rel, "%q is a symbolic link, and links are never followed", prefix)
		}
		if last {
			return fi, nil
		}
		if !fi.IsDir() {
			return nil, refuse(rel, "%q is a file, not a folder", prefix)
		}
		i += j + 1
	}
}

// lstatParent checks the folders leading to rel, then lstats rel itself
// without refusing a link there: rename and delete act on a link itself,
// never on what it points to.
func lstatParent(root *os.Root, rel string) (fs.FileInfo, error) {
	if dir := path.Dir(rel); dir != "." {
		fi, err := lstat(root, dir)
		if err != nil {
			return nil, err
		}
		if fi == nil {
			return nil, nil
		}
		if !fi.IsDir() {
			return nil, refuse(rel, "%q is not a folder", dir)
		}
	}
	fi, err := root.Lstat(rel)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, ioErr("look at", rel, err)
	}
	return fi, nil
}

// mkdirs creates rel and its missing parents, refusing links and files on
// the way.
func mkdirs(root *os.Root, rel string) error {
	if rel == "" {
		return nil
	}
	for i := 0; ; {
		j := strings.IndexByte(rel[i:], '/')
		prefix := rel
		if j >= 0 {
			prefix = rel[:i+j]
		}
		fi, err := root.Lstat(prefix)
		if errors.Is(err, fs.ErrNotExist) {
			err = root.Mkdir(prefix, 0o700)
			if errors.Is(err, fs.ErrExist) { // created meanwhile: check what it is
				fi, err = root.Lstat(prefix)
			}
		}
		if err != nil {
			return ioErr("create folder", prefix, err)
		}
		if fi != nil {
			if fi.Mode()&fs.ModeSymlink != 0 {
				return refuse(rel, "%q is a symbolic link, and links are never followed", prefix)
			}
			if !fi.IsDir() {
				return refuse(rel, "%q is a file, not a folder", prefix)
			}
		}
		if j < 0 {
			return nil
		}
		i += j + 1
	}
}

// openRegular opens rel for reading after checking that it and its
// folders are not links and that it is a regular file (not a device or a
// pipe, which could block or never end). The file's identity is checked
// again once open.
func openRegular(root *os.Root, rel string) (*os.File, fs.FileInfo, error) {
	fi, err := lstat(root, rel)
	if err != nil {
		return nil, nil, err
	}
	if fi == nil {
		return nil, nil, fmt.Errorf("%w: %q does not exist", ErrNotFound, rel)
	}
	if !fi.Mode().IsRegular() {
		return nil, nil, refuse(rel, "it is not a regular file")
	}
	f, err := root.Open(rel)
	if err != nil {
		return nil, nil, ioErr("open", rel, err)
	}
	ofi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, ioErr("open", rel, err)
	}
	if !ofi.Mode().IsRegular() || !os.SameFile(fi, ofi) {
		f.Close()
		return nil, nil, refuse(rel, "it changed while being opened")
	}
	return f, ofi, nil
}
