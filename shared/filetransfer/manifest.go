package filetransfer

import (
	"fmt"
	"io/fs"
	"math"
	"path"
	"time"
)

// Kind is what an entry is.
type Kind uint8

// Kinds. Manifests hold files and folders only; KindOther appears in
// folder listings for links, devices and the like, which are shown but
// never transferred.
const (
	KindFile  Kind = 0
	KindDir   Kind = 1
	KindOther Kind = 2
)

func (k Kind) String() string {
	switch k {
	case KindFile:
		return "file"
	case KindDir:
		return "folder"
	case KindOther:
		return "other"
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

// Entry is one item of a transfer.
type Entry struct {
	// Path is relative to the transfer ("report.pdf", "photos/a.jpg"),
	// "/"-separated; the receiver checks it with CheckPath.
	Path string
	Kind Kind  // KindFile or KindDir
	Size int64 // bytes; 0 for folders
	// Mode carries the owner's read and write bits only (0o400, 0o200):
	// group and other bits, set-id and execute bits never travel.
	Mode    fs.FileMode
	ModTime time.Time // whole seconds
}

// Manifest lists a transfer's entries in sending order: every folder
// before what it contains. Dest is the folder on the receiving side,
// relative to the receiver's chosen folder ("" for that folder itself).
type Manifest struct {
	Dest    string
	Entries []Entry
}

// TotalBytes is the sum of the file sizes (saturating, so a hostile
// manifest cannot wrap it around).
func (m *Manifest) TotalBytes() int64 {
	var n int64
	for _, e := range m.Entries {
		if e.Size > 0 && n > math.MaxInt64-e.Size {
			return math.MaxInt64
		}
		n += max(e.Size, 0)
	}
	return n
}

// Files counts the file entries.
func (m *Manifest) Files() int {
	n := 0
	for _, e := range m.Entries {
		if e.Kind == KindFile {
			n++
		}
	}
	return n
}

// permMask is the part of a file's mode that travels.
const permMask fs.FileMode = 0o600

// Limits bound a transfer. Zero fields take the defaults. The receiver
// enforces them from the manifest, before anything is written, and again
// while bytes arrive in case the manifest lied; the sender checks them
// when it plans, so a person hears about an oversized selection at once.
type Limits struct {
	// MaxTotalBytes bounds the sum of file sizes (the site's setting;
	// default 150 MB).
	MaxTotalBytes int64
	// MaxEntries bounds files plus folders (default 10 000).
	MaxEntries int
	// MaxPathLen bounds each entry's relative path in bytes (default and
	// ceiling MaxPathLen).
	MaxPathLen int
}

// Defaults. A megabyte is 1 << 20 bytes, as file managers count it and as
// the site's max_transfer_mb setting does.
const (
	DefaultMaxTotalBytes = 150 << 20
	DefaultMaxEntries    = 10_000
)

func (l Limits) withDefaults() Limits {
	if l.MaxTotalBytes <= 0 {
		l.MaxTotalBytes = DefaultMaxTotalBytes
	}
	if l.MaxEntries <= 0 {
		l.MaxEntries = DefaultMaxEntries
	}
	if l.MaxPathLen <= 0 || l.MaxPathLen > MaxPathLen {
		l.MaxPathLen = MaxPathLen
	}
	return l
}

func (l Limits) tooManyBytes(total int64) error {
	return fmt.Errorf("%w: the transfer is %s; at most %s are allowed per transfer", ErrTooLarge, megabytes(total), megabytes(l.MaxTotalBytes))
}

func (l Limits) tooManyEntries(n int) error {
	return fmt.Errorf("%w: the transfer has %d files and folders; at most %d are allowed per transfer", ErrTooLarge, n, l.MaxEntries)
}

// megabytes formats like the user guide ("150 MB"), in megabytes of
// 1 << 20 bytes (see DefaultMaxTotalBytes).
func megabytes(n int64) string {
	if n < 1<<20 {
		return fmt.Sprintf("%d bytes", n)
	}
	return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
}

// checkEntry applies the path rules and limits to one entry.
func (l Limits) checkEntry(e Entry) error {
	if err := CheckPath(e.Path); err != nil {
		return err
	}
	if len(e.Path) > l.MaxPathLen {
		return refuse(short(e.Path), "the path is %d bytes long; at most %d are allowed", len(e.Path), l.MaxPathLen)
	}
	if hasReservedSuffix(e.Path) {
		return reservedRefusal(e.Path)
	}
	return nil
}

// validate checks a received manifest as a whole: names, kinds, sizes,
// limits, duplicates, and a name used both as a file and as a folder.
func (l Limits) validate(m *Manifest) error {
	if len(m.Entries) > l.MaxEntries {
		return l.tooManyEntries(len(m.Entries))
	}
	var total int64
	kinds := make(map[string]Kind, len(m.Entries))
	for _, e := range m.Entries {
		if err := l.checkEntry(e); err != nil {
			return err
		}
		switch e.Kind {
		case KindFile:
		case KindDir:
			if e.Size != 0 {
				return fmt.Errorf("%w: folder %q has a size", ErrProtocol, e.Path)
			}
		default:
			return fmt.Errorf("%w: %q is neither a file nor a folder", ErrProtocol, e.Path)
		}
		if e.Size < 0 || e.Size > l.MaxTotalBytes-total {
			return l.tooManyBytes(m.TotalBytes())
		}
		total += e.Size
		if _, dup := kinds[e.Path]; dup {
			return fmt.Errorf("%w: %q is listed twice", ErrProtocol, e.Path)
		}
		kinds[e.Path] = e.Kind
	}
	for _, e := range m.Entries {
		for dir := path.Dir(e.Path); dir != "."; dir = path.Dir(dir) {
			if k, ok := kinds[dir]; ok && k != KindDir {
				return fmt.Errorf("%w: %q is listed as a file and as a folder", ErrProtocol, dir)
			}
		}
	}
	return nil
}

// FormatSize is a size as people read it in Lifeline ("2.1 MB"), in units
// of 1 << 10 bytes like the limits.
func FormatSize(n int64) string {
	switch {
	case n == 1:
		return "1 byte"
	case n < 1<<10:
		return fmt.Sprintf("%d bytes", n)
	case n < 1<<20:
		return fmt.Sprintf("%.1f KB", float64(n)/(1<<10))
	case n < 1<<30:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%.1f GB", float64(n)/(1<<30))
}
