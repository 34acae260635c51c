package filetransfer

import (
	"encoding/binary"
	"fmt"
	"io/fs"
	"time"
	"unicode/utf8"
)

// Wire constants; the message table is in doc.go.
const (
	// Version is the first byte of every message. A receiver refuses any
	// other value, so a future format can never be half-understood.
	Version = 1
	// MaxMessageSize bounds every message, header included: 65 535 bytes
	// is the largest message a WebRTC data channel carries when the other
	// end does not announce a larger max-message-size (pion's default).
	MaxMessageSize = 1<<16 - 1
	// MaxChunkSize bounds a chunk's payload so the whole message fits.
	MaxChunkSize = MaxMessageSize - maxChunkHeader
	// DefaultChunkSize is the sender's default payload: the largest that
	// fits a message. The data channel cuts every message into datagrams of
	// about 1.2 kB anyway, so the chunk size does not change what crosses
	// the wire, only how often the engine, dcconn and pion's per-message
	// code run: 64 KiB chunks took about 6 % less CPU than 16 KiB ones on
	// a loopback peer connection (BENCHMARKS.md, file transfer). Nothing
	// sent after a chunk waits for it alone: other channels' messages
	// already queue behind up to dcconn.HighWater of file data, in order,
	// on the association's one send queue.
	DefaultChunkSize = MaxChunkSize

	maxChunkHeader = 2 + 2*binary.MaxVarintLen64
	maxString      = MaxPathLen     // paths and names
	maxText        = 1024           // error messages and abort reasons
	maxSize        = int64(1) << 46 // one file; sums of many never overflow
	maxMTime       = int64(1) << 40 // seconds either side of 1970
)

// Message kinds (second byte).
const (
	kindManifest     = 0x01
	kindManifestMore = 0x02
	kindAccept       = 0x03
	kindFileBegin    = 0x04
	kindChunk        = 0x05
	kindFileEnd      = 0x06
	kindAck          = 0x07
	kindDone         = 0x08
	kindComplete     = 0x09
	kindAbort        = 0x0a
	kindError        = 0x0b

	kindList    = 0x20
	kindListing = 0x21
	kindMkdir   = 0x22
	kindRename  = 0x23
	kindRemove  = 0x24
	kindGet     = 0x25
	kindOK      = 0x26
)

type message interface {
	kind() byte
	appendBody([]byte) []byte
}

// encode returns a fresh buffer holding m.
func encode(m message) []byte {
	return m.appendBody([]byte{Version, m.kind()})
}

// Transfer messages.
type (
	msgManifest struct {
		dest    string
		count   int   // entries in this and the following manifestMore messages
		total   int64 // sum of file sizes
		entries []Entry
	}
	msgManifestMore struct{ entries []Entry }
	msgAccept       struct {
		more   bool // more accept messages follow
		offers []offer
	}
	// offer: the receiver already has the first have bytes of file index,
	// and they hash to sum. have == the file's size means a complete
	// file (an identical one already in place, or all bytes received).
	// keep: a file of that name is in place and will not be replaced, so
	// if it differs the transfer is refused before anything is sent.
	offer struct {
		index uint64
		have  int64
		keep  bool
		sum   [32]byte
	}
	msgFileBegin struct {
		index  uint64
		offset int64 // 0, or an offer's have that the sender verified
	}
	msgChunk struct {
		index  uint64
		offset int64
		data   []byte
	}
	msgFileEnd struct {
		index uint64
		sum   [32]byte
	}
	msgAck struct {
		index uint64
		have  int64 // bytes of file index now written
		total int64 // chunk bytes received in this session, for the window
	}
	msgDone     struct{}
	msgComplete struct{}
	msgAbort    struct{ reason string }
	msgError    struct {
		id   uint64 // the request refused, 0 within a transfer
		code Code
		path string
		text string
	}
)

// File-manager messages.
type (
	msgList struct {
		id   uint64
		path string
	}
	msgListing struct {
		id      uint64
		more    bool
		hidden  uint64 // names the server left out because CheckName refuses them
		entries []DirEntry
	}
	msgMkdir struct {
		id   uint64
		path string
	}
	msgRename struct {
		id         uint64
		path, name string
	}
	msgRemove struct {
		id        uint64
		path      string
		recursive bool
	}
	msgGet struct {
		id    uint64
		paths []string
	}
	msgOK struct{ id uint64 }
)

// DirEntry is one item of a folder listing.
type DirEntry struct {
	Name    string
	Kind    Kind
	Size    int64 // files only
	ModTime time.Time
}

func (*msgManifest) kind() byte     { return kindManifest }
func (*msgManifestMore) kind() byte { return kindManifestMore }
func (*msgAccept) kind() byte       { return kindAccept }
func (*msgFileBegin) kind() byte    { return kindFileBegin }
func (*msgChunk) kind() byte        { return kindChunk }
func (*msgFileEnd) kind() byte      { return kindFileEnd }
func (*msgAck) kind() byte          { return kindAck }
func (*msgDone) kind() byte         { return kindDone }
func (*msgComplete) kind() byte     { return kindComplete }
func (*msgAbort) kind() byte        { return kindAbort }
func (*msgError) kind() byte        { return kindError }
func (*msgList) kind() byte         { return kindList }
func (*msgListing) kind() byte      { return kindListing }
func (*msgMkdir) kind() byte        { return kindMkdir }
func (*msgRename) kind() byte       { return kindRename }
func (*msgRemove) kind() byte       { return kindRemove }
func (*msgGet) kind() byte          { return kindGet }
func (*msgOK) kind() byte           { return kindOK }

func appendString(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

func appendBool(b []byte, v bool) []byte {
	if v {
		return append(b, 1)
	}
	return append(b, 0)
}

func appendEntry(b []byte, e Entry) []byte {
	b = appendString(b, e.Path)
	b = append(b, byte(e.Kind))
	b = binary.AppendUvarint(b, uint64(e.Size))
	b = binary.AppendUvarint(b, uint64(e.Mode&permMask))
	return binary.AppendVarint(b, e.ModTime.Unix())
}

func appendEntries(b []byte, es []Entry) []byte {
	b = binary.AppendUvarint(b, uint64(len(es)))
	for _, e := range es {
		b = appendEntry(b, e)
	}
	return b
}

func (m *msgManifest) appendBody(b []byte) []byte {
	b = appendString(b, m.dest)
	b = binary.AppendUvarint(b, uint64(m.count))
	b = binary.AppendUvarint(b, uint64(m.total))
	return appendEntries(b, m.entries)
}

func (m *msgManifestMore) appendBody(b []byte) []byte { return appendEntries(b, m.entries) }

func (m *msgAccept) appendBody(b []byte) []byte {
	b = appendBool(b, m.more)
	b = binary.AppendUvarint(b, uint64(len(m.offers)))
	for _, o := range m.offers {
		b = binary.AppendUvarint(b, o.index)
		b = binary.AppendUvarint(b, uint64(o.have))
		b = appendBool(b, o.keep)
		b = append(b, o.sum[:]...)
	}
	return b
}

func (m *msgFileBegin) appendBody(b []byte) []byte {
	return binary.AppendUvarint(binary.AppendUvarint(b, m.index), uint64(m.offset))
}

func (m *msgChunk) appendBody(b []byte) []byte {
	b = binary.AppendUvarint(binary.AppendUvarint(b, m.index), uint64(m.offset))
	return append(b, m.data...)
}

func (m *msgFileEnd) appendBody(b []byte) []byte {
	return append(binary.AppendUvarint(b, m.index), m.sum[:]...)
}

func (m *msgAck) appendBody(b []byte) []byte {
	b = binary.AppendUvarint(b, m.index)
	b = binary.AppendUvarint(b, uint64(m.have))
	return binary.AppendUvarint(b, uint64(m.total))
}

func (*msgDone) appendBody(b []byte) []byte     { return b }
func (*msgComplete) appendBody(b []byte) []byte { return b }
func (m *msgAbort) appendBody(b []byte) []byte  { return appendString(b, m.reason) }

func (m *msgError) appendBody(b []byte) []byte {
	b = binary.AppendUvarint(b, m.id)
	b = append(b, byte(m.code))
	b = appendString(b, m.path)
	return appendString(b, m.text)
}

func (m *msgList) appendBody(b []byte) []byte {
	return appendString(binary.AppendUvarint(b, m.id), m.path)
}

func appendDirEntry(b []byte, e DirEntry) []byte {
	b = appendString(b, e.Name)
	b = append(b, byte(e.Kind))
	b = binary.AppendUvarint(b, uint64(e.Size))
	return binary.AppendVarint(b, e.ModTime.Unix())
}

func (m *msgListing) appendBody(b []byte) []byte {
	b = binary.AppendUvarint(b, m.id)
	b = appendBool(b, m.more)
	b = binary.AppendUvarint(b, m.hidden)
	b = binary.AppendUvarint(b, uint64(len(m.entries)))
	for _, e := range m.entries {
		b = appendDirEntry(b, e)
	}
	return b
}

func (m *msgMkdir) appendBody(b []byte) []byte {
	return appendString(binary.AppendUvarint(b, m.id), m.path)
}

func (m *msgRename) appendBody(b []byte) []byte {
	return appendString(appendString(binary.AppendUvarint(b, m.id), m.path), m.name)
}

func (m *msgRemove) appendBody(b []byte) []byte {
	return appendBool(appendString(binary.AppendUvarint(b, m.id), m.path), m.recursive)
}

func (m *msgGet) appendBody(b []byte) []byte {
	b = binary.AppendUvarint(b, m.id)
	b = binary.AppendUvarint(b, uint64(len(m.paths)))
	for _, p := range m.paths {
		b = appendString(b, p)
	}
	return b
}

func (m *msgOK) appendBody(b []byte) []byte { return binary.AppendUvarint(b, m.id) }

// reader decodes a message body. The first error sticks; later reads
// return zero values, so decoders read straight through and check once.
type reader struct {
	b   []byte
	err error
}

func (r *reader) fail(format string, args ...any) {
	if r.err == nil {
		r.err = fmt.Errorf("%w: "+format, append([]any{ErrCorrupt}, args...)...)
	}
}

func (r *reader) u8() byte {
	if r.err != nil {
		return 0
	}
	if len(r.b) == 0 {
		r.fail("truncated")
		return 0
	}
	v := r.b[0]
	r.b = r.b[1:]
	return v
}

func (r *reader) uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.fail("bad number")
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) varint() int64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.fail("bad number")
		return 0
	}
	r.b = r.b[n:]
	return v
}

// size reads a byte count or offset, bounded so that sums stay in int64.
func (r *reader) size() int64 {
	v := r.uvarint()
	if v > uint64(maxSize) {
		r.fail("size %d out of range", v)
		return 0
	}
	return int64(v)
}

// count reads a number of items that each take at least min bytes, so a
// hostile count cannot make the decoder allocate beyond the message.
func (r *reader) count(min int) int {
	v := r.uvarint()
	if v > uint64(len(r.b)/min) {
		r.fail("count %d exceeds the message", v)
		return 0
	}
	return int(v)
}

func (r *reader) str(max int) string {
	n := r.uvarint()
	if r.err != nil {
		return ""
	}
	if n > uint64(max) || n > uint64(len(r.b)) {
		r.fail("string of %d bytes", n)
		return ""
	}
	s := string(r.b[:n])
	r.b = r.b[n:]
	return s
}

// text reads a person-readable string: valid UTF-8, bounded.
func (r *reader) text() string {
	s := r.str(maxText)
	if r.err == nil && !utf8.ValidString(s) {
		r.fail("text is not UTF-8")
	}
	return s
}

func (r *reader) boolean() bool {
	switch r.u8() {
	case 0:
		return false
	case 1:
		return true
	}
	r.fail("bad flag")
	return false
}

func (r *reader) sum() (s [32]byte) {
	if r.err != nil {
		return s
	}
	if len(r.b) < 32 {
		r.fail("truncated checksum")
		return s
	}
	copy(s[:], r.b)
	r.b = r.b[32:]
	return s
}

func (r *reader) mtime() time.Time {
	v := r.varint()
	if v > maxMTime || v < -maxMTime {
		r.fail("time out of range")
		return time.Time{}
	}
	return time.Unix(v, 0)
}

func (r *reader) end() {
	if r.err == nil && len(r.b) != 0 {
		r.fail("%d trailing bytes", len(r.b))
	}
}

const (
	minEntry    = 5 // path length, kind, size, mode, mtime: one byte each at least
	minOffer    = 35
	minDirEntry = 4
	minString   = 1
)

func (r *reader) entries() []Entry {
	n := r.count(minEntry)
	es := make([]Entry, 0, n)
	for range n {
		e := Entry{Path: r.str(maxString), Kind: Kind(r.u8()), Size: r.size()}
		mode := r.uvarint()
		e.ModTime = r.mtime()
		if r.err != nil {
			return nil
		}
		if e.Kind != KindFile && e.Kind != KindDir {
			r.fail("entry kind %d", e.Kind)
			return nil
		}
		if mode&^uint64(permMask) != 0 {
			r.fail("mode %o carries more than the owner's read and write bits", mode)
			return nil
		}
		e.Mode = fs.FileMode(mode)
		es = append(es, e)
	}
	return es
}

// decode parses one message. Every message is hostile until decoded: all
// lengths and counts are bounded by the message itself, and errors wrap
// ErrCorrupt or ErrVersion. A chunk's data aliases b.
func decode(b []byte) (message, error) {
	if len(b) < 2 {
		return nil, fmt.Errorf("%w: %d-byte message", ErrCorrupt, len(b))
	}
	if b[0] != Version {
		return nil, fmt.Errorf("%w: version %d (this side speaks %d)", ErrVersion, b[0], Version)
	}
	if len(b) > MaxMessageSize {
		return nil, fmt.Errorf("%w: %d-byte message", ErrCorrupt, len(b))
	}
	r := &reader{b: b[2:]}
	var m message
	switch b[1] {
	case kindManifest:
		mm := &msgManifest{dest: r.str(maxString)}
		c := r.uvarint()
		if c > uint64(maxEntriesWire) {
			r.fail("%d entries", c)
		}
		mm.count = int(c)
		mm.total = r.size()
		mm.entries = r.entries()
		if r.err == nil && len(mm.entries) > mm.count {
			r.fail("more entries than announced")
		}
		m = mm
	case kindManifestMore:
		m = &msgManifestMore{entries: r.entries()}
	case kindAccept:
		a := &msgAccept{more: r.boolean()}
		n := r.count(minOffer)
		a.offers = make([]offer, 0, n)
		for range n {
			a.offers = append(a.offers, offer{index: r.uvarint(), have: r.size(), keep: r.boolean(), sum: r.sum()})
		}
		m = a
	case kindFileBegin:
		m = &msgFileBegin{index: r.uvarint(), offset: r.size()}
	case kindChunk:
		c := &msgChunk{index: r.uvarint(), offset: r.size()}
		if r.err == nil {
			if len(r.b) == 0 {
				r.fail("empty chunk")
			}
			c.data, r.b = r.b, nil
		}
		m = c
	case kindFileEnd:
		m = &msgFileEnd{index: r.uvarint(), sum: r.sum()}
	case kindAck:
		m = &msgAck{index: r.uvarint(), have: r.size(), total: r.size()}
	case kindDone:
		m = &msgDone{}
	case kindComplete:
		m = &msgComplete{}
	case kindAbort:
		m = &msgAbort{reason: r.text()}
	case kindError:
		e := &msgError{id: r.uvarint(), code: Code(r.u8()), path: r.str(maxString), text: r.text()}
		if r.err == nil && (e.code < 1 || e.code > maxCode) {
			e.code = CodeIO // a newer peer's code: still an error, shown as is
		}
		m = e
	case kindList:
		m = &msgList{id: r.uvarint(), path: r.str(maxString)}
	case kindListing:
		l := &msgListing{id: r.uvarint(), more: r.boolean(), hidden: r.uvarint()}
		n := r.count(minDirEntry)
		l.entries = make([]DirEntry, 0, n)
		for range n {
			e := DirEntry{Name: r.str(maxString), Kind: Kind(r.u8()), Size: r.size(), ModTime: r.mtime()}
			if r.err == nil && e.Kind > KindOther {
				r.fail("entry kind %d", e.Kind)
			}
			l.entries = append(l.entries, e)
		}
		m = l
	case kindMkdir:
		m = &msgMkdir{id: r.uvarint(), path: r.str(maxString)}
	case kindRename:
		m = &msgRename{id: r.uvarint(), path: r.str(maxString), name: r.str(maxString)}
	case kindRemove:
		m = &msgRemove{id: r.uvarint(), path: r.str(maxString), recursive: r.boolean()}
	case kindGet:
		g := &msgGet{id: r.uvarint()}
		n := r.count(minString)
		g.paths = make([]string, 0, n)
		for range n {
			g.paths = append(g.paths, r.str(maxString))
		}
		m = g
	case kindOK:
		m = &msgOK{id: r.uvarint()}
	default:
		return nil, fmt.Errorf("%w: unknown message kind 0x%02x", ErrCorrupt, b[1])
	}
	r.end()
	if r.err != nil {
		return nil, fmt.Errorf("%w (message kind 0x%02x)", r.err, b[1])
	}
	return m, nil
}

// maxEntriesWire bounds a manifest's announced count before any limit of
// the receiver applies: enough for any Limits a site would set.
const maxEntriesWire = 1 << 24
