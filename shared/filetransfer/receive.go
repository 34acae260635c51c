package filetransfer

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"
	"io"
	"log/slog"
	"os"
	"path"
	"time"
)

// Receiver receives transfers into a folder a person chose. The zero value
// uses the defaults; a Receiver may be used for many transfers.
//
// Every name in the manifest is checked (CheckPath, the Limits, no link
// anywhere on the way, nothing in the way) before anything is written;
// then each file is written to NAME.lifeline-part and renamed into place
// only once its SHA-256 matches the sender's.
type Receiver struct {
	Limits Limits
	// Overwrite replaces existing files of the same name. Without it, a
	// transfer that would replace a different file is refused up front.
	// Identical files (same size and SHA-256) are kept and not resent
	// either way. A folder never replaces a file or the other way round.
	Overwrite bool
	// Accept, if set, sees the manifest once it passed every check and
	// before anything is written: the place to ask a person. An error
	// refuses the transfer (reported to the sender as ErrDenied).
	Accept func(*Manifest) error
	// Progress, if set, is called on Receive's goroutine.
	Progress    func(Progress)
	IdleTimeout time.Duration // default DefaultIdleTimeout
	Log         *slog.Logger
}

// Receive receives one transfer from conn into dir (and the manifest's
// Dest inside it, which must exist). It returns once every file is
// verified and in place.
//
// Cancelling ctx aborts: the sender is told, partial files are deleted.
// If the connection fails, ErrInterrupted is returned and partial files
// are kept, so the same transfer sent again resumes.
func (r *Receiver) Receive(ctx context.Context, conn Conn, dir string) (Result, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		err = fmt.Errorf("%w: the destination folder cannot be opened: %v", ErrNotFound, bare(err))
		finish(conn, err)
		return Result{}, err
	}
	defer root.Close()
	return r.receive(ctx, conn, root, nil)
}

// receive runs a transfer into root; first is the manifest if the caller
// already read it.
func (r *Receiver) receive(ctx context.Context, conn Conn, root *os.Root, first message) (Result, error) {
	s := &recvSession{r: *r, conn: conn, root: root, offers: map[int]*recvOffer{}}
	s.lim = r.Limits.withDefaults()
	if s.r.IdleTimeout <= 0 {
		s.r.IdleTimeout = DefaultIdleTimeout
	}
	if s.r.Log == nil {
		s.r.Log = slog.Default()
	}
	err := s.run(ctx, first)
	switch {
	case err == nil:
	case errors.Is(err, ErrInterrupted):
		s.checkpoint()
	default:
		s.cleanup()
	}
	finish(conn, err)
	if err != nil {
		s.r.Log.Warn("filetransfer: receive failed", "err", err)
	}
	return s.res, err
}

type recvSession struct {
	r    Receiver
	lim  Limits
	conn Conn
	root *os.Root

	m       Manifest
	targets []string // per entry: Dest joined with the entry's path
	before  []int64  // bytes of the files before each entry
	offers  map[int]*recvOffer
	next    int // lowest entry index a FileBegin may name
	cur     *recvFile
	files   int   // files in the manifest
	done    int   // files verified and in place
	got     int64 // chunk bytes received in this session
	unacked int64
	res     Result
}

// recvOffer is what the receiver already has of one file.
type recvOffer struct {
	have     int64
	sum      [32]byte
	h        hash.Hash // holds the first have bytes (partial files)
	existing bool      // an identical file is already in place
}

type recvFile struct {
	index    int
	e        Entry
	target   string
	f        *os.File
	have     int64
	h        hash.Hash
	existing bool
	sum      [32]byte // for existing
	sinceCP  int64
}

func (s *recvSession) run(ctx context.Context, first message) error {
	if err := s.readManifest(ctx, first); err != nil {
		return err
	}
	if err := s.check(); err != nil {
		return err
	}
	if s.r.Accept != nil {
		if err := s.r.Accept(&s.m); err != nil {
			if !errors.Is(err, ErrDenied) {
				err = fmt.Errorf("%w: %v", ErrDenied, err)
			}
			return err
		}
	}
	if err := s.prepare(); err != nil {
		return err
	}
	for {
		m, err := recv(ctx, s.conn, s.r.IdleTimeout)
		if err != nil {
			return err
		}
		switch m := m.(type) {
		case *msgFileBegin:
			err = s.begin(m)
		case *msgChunk:
			err = s.chunk(m)
		case *msgFileEnd:
			err = s.end(m)
		case *msgDone:
			if s.cur != nil || s.done != s.files {
				return fmt.Errorf("%w: the sender finished after %d of %d files", ErrProtocol, s.done, s.files)
			}
			return send(s.conn, &msgComplete{})
		default:
			return unexpected(m, "during the transfer")
		}
		if err != nil {
			return err
		}
	}
}

// readManifest reads the manifest, refusing it as soon as its announced
// size or count is over the limits, before the rest arrives.
func (s *recvSession) readManifest(ctx context.Context, first message) error {
	for first == nil || leftover(first) {
		var err error
		if first, err = recv(ctx, s.conn, 0); err != nil { // the sender may be waiting for a person
			return err
		}
	}
	mm, ok := first.(*msgManifest)
	if !ok {
		return unexpected(first, "instead of a manifest")
	}
	if mm.count > s.lim.MaxEntries {
		return s.lim.tooManyEntries(mm.count)
	}
	if mm.total > s.lim.MaxTotalBytes {
		return s.lim.tooManyBytes(mm.total)
	}
	dest, err := checkDir(mm.dest)
	if err != nil {
		return err
	}
	s.m = Manifest{Dest: dest, Entries: mm.entries}
	for len(s.m.Entries) < mm.count {
		m, err := recv(ctx, s.conn, s.r.IdleTimeout)
		if err != nil {
			return err
		}
		more, ok := m.(*msgManifestMore)
		if !ok {
			return unexpected(m, "instead of the rest of the manifest")
		}
		if len(more.entries) > mm.count-len(s.m.Entries) {
			return fmt.Errorf("%w: more entries than the manifest announced", ErrProtocol)
		}
		s.m.Entries = append(s.m.Entries, more.entries...)
	}
	if err := s.lim.validate(&s.m); err != nil {
		return err
	}
	if t := s.m.TotalBytes(); t != mm.total {
		return fmt.Errorf("%w: the manifest announced %d bytes and lists %d", ErrProtocol, mm.total, t)
	}
	s.res.Total = mm.total
	return nil
}

// check looks at the destination before anything is written: it must be
// an existing folder, and nothing of the transfer's may be in the way.
func (s *recvSession) check() error {
	fi, err := lstat(s.root, s.m.Dest)
	if err != nil {
		return err
	}
	if fi == nil || !fi.IsDir() {
		return errAt(ErrNotFound, s.m.Dest, "the destination folder %q does not exist", s.m.Dest)
	}
	s.targets = make([]string, len(s.m.Entries))
	s.before = make([]int64, len(s.m.Entries))
	var before int64
	for i, e := range s.m.Entries {
		s.before[i] = before
		before += e.Size
		t := path.Join(s.m.Dest, e.Path)
		s.targets[i] = t
		fi, err := lstat(s.root, t)
		if err != nil {
			return err
		}
		if e.Kind == KindDir {
			s.res.Dirs++
			if fi != nil && !fi.IsDir() {
				return errAt(ErrExists, e.Path, "%q already exists in the destination folder and is not a folder", e.Path)
			}
			continue
		}
		s.files++
		if fi != nil {
			switch {
			case !fi.Mode().IsRegular():
				return errAt(ErrExists, e.Path, "%q already exists in the destination folder and is not a file", e.Path)
			case fi.Size() != e.Size && !s.r.Overwrite:
				return existsErr(e.Path)
			}
		}
		for _, p := range []string{t + partSuffix, t + stateSuffix} {
			if fi, err := lstat(s.root, p); err != nil {
				return err
			} else if fi != nil && !fi.Mode().IsRegular() {
				return refuse(p, "something other than a file is in the way of the partial file")
			}
		}
	}
	return nil
}

func existsErr(p string) error {
	return errAt(ErrExists, p, "%q already exists in the destination folder; choose another folder or allow overwriting", p)
}

// prepare creates the folders and works out what can be resumed, then
// answers the sender.
func (s *recvSession) prepare() error {
	for i, e := range s.m.Entries {
		dir := s.targets[i]
		if e.Kind == KindFile {
			dir = path.Dir(dir)
		}
		if dir != "." {
			if err := mkdirs(s.root, dir); err != nil {
				return err
			}
		}
	}
	var offers []offer
	for i, e := range s.m.Entries {
		if e.Kind != KindFile {
			continue
		}
		t := s.targets[i]
		o := &recvOffer{}
		if fi, err := lstat(s.root, t); err != nil {
			return err
		} else if fi != nil && fi.Size() == e.Size {
			// Maybe the same file, from an interrupted run of this
			// transfer: offer its hash, the sender decides.
			f, _, err := openRegular(s.root, t)
			if err != nil {
				return err
			}
			h := sha256.New()
			_, err = io.Copy(h, f)
			f.Close()
			if err != nil {
				return ioErr("read", e.Path, err)
			}
			o.have, o.h, o.existing = e.Size, h, true
		} else if o.have, o.h, err = partOffer(s.root, t, e); err != nil {
			return err
		}
		if o.h == nil {
			continue
		}
		o.sum = [32]byte(o.h.Sum(nil))
		s.offers[i] = o
		offers = append(offers, offer{index: uint64(i), have: o.have, keep: o.existing && !s.r.Overwrite, sum: o.sum})
	}
	const perMessage = (MaxMessageSize - 16) / (minOffer + 2*10)
	for len(offers) > perMessage {
		if err := send(s.conn, &msgAccept{more: true, offers: offers[:perMessage]}); err != nil {
			return err
		}
		offers = offers[perMessage:]
	}
	return send(s.conn, &msgAccept{offers: offers})
}

func (s *recvSession) begin(m *msgFileBegin) error {
	if s.cur != nil {
		return fmt.Errorf("%w: a file began before %q ended", ErrProtocol, s.cur.e.Path)
	}
	if m.index >= uint64(len(s.m.Entries)) || int(m.index) < s.next || s.m.Entries[m.index].Kind != KindFile {
		return fmt.Errorf("%w: file %d out of order", ErrProtocol, m.index)
	}
	i := int(m.index)
	s.next = i + 1
	e, t := s.m.Entries[i], s.targets[i]
	c := &recvFile{index: i, e: e, target: t}
	o := s.offers[i]
	switch {
	case o != nil && m.offset == o.have && o.existing:
		c.existing, c.have, c.sum = true, e.Size, o.sum
	case o != nil && m.offset == o.have:
		f, err := s.root.OpenFile(t+partSuffix, os.O_RDWR, 0)
		if err != nil {
			return ioErr("reopen", e.Path+partSuffix, err)
		}
		c.f, c.have, c.h = f, o.have, o.h
		if err := f.Truncate(o.have); err != nil {
			return ioErr("resume", e.Path, err)
		}
		if _, err := f.Seek(o.have, io.SeekStart); err != nil {
			return ioErr("resume", e.Path, err)
		}
	case m.offset == 0:
		if fi, err := lstat(s.root, t); err != nil {
			return err
		} else if fi != nil && !s.r.Overwrite {
			return existsErr(e.Path) // same size as ours, different content
		}
		if err := removeParts(s.root, t); err != nil {
			return err
		}
		f, err := s.root.OpenFile(t+partSuffix, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return ioErr("create", e.Path+partSuffix, err)
		}
		c.f, c.h = f, sha256.New()
	default:
		return fmt.Errorf("%w: %q resumed at %d, which was not offered", ErrProtocol, e.Path, m.offset)
	}
	delete(s.offers, i)
	s.cur = c
	s.res.Resumed += c.have
	return nil
}

func (s *recvSession) chunk(m *msgChunk) error {
	c := s.cur
	if c == nil || m.index != uint64(c.index) || c.existing || m.offset != c.have {
		return fmt.Errorf("%w: chunk of file %d at %d out of order", ErrProtocol, m.index, m.offset)
	}
	n := int64(len(m.data))
	if n > c.e.Size-c.have {
		return errAt(ErrTooLarge, c.e.Path, "the sender sent more than the %d bytes it announced for %q; the partial file was deleted", c.e.Size, c.e.Path)
	}
	if n > s.lim.MaxTotalBytes-s.got {
		return s.lim.tooManyBytes(s.got + n)
	}
	if _, err := c.f.Write(m.data); err != nil {
		return ioErr("write", c.e.Path, err)
	}
	c.h.Write(m.data)
	c.have += n
	s.got += n
	s.res.Bytes += n
	s.unacked += n
	c.sinceCP += n
	if c.sinceCP >= checkpointEvery {
		c.sinceCP = 0
		if err := writeState(s.root, c.target+stateSuffix, c.e, c.have, c.h); err != nil {
			return err
		}
	}
	if s.unacked >= ackEvery {
		return s.ack(c)
	}
	return nil
}

func (s *recvSession) ack(c *recvFile) error {
	s.unacked = 0
	if s.r.Progress != nil {
		s.r.Progress(Progress{Path: c.e.Path, FileDone: c.have, FileSize: c.e.Size, Done: s.before[c.index] + c.have, Total: s.res.Total})
	}
	return send(s.conn, &msgAck{index: uint64(c.index), have: c.have, total: s.got})
}

func (s *recvSession) end(m *msgFileEnd) error {
	c := s.cur
	if c == nil || m.index != uint64(c.index) {
		return fmt.Errorf("%w: end of file %d out of order", ErrProtocol, m.index)
	}
	if c.have != c.e.Size {
		return fmt.Errorf("%w: %q ended after %d of its %d bytes", ErrProtocol, c.e.Path, c.have, c.e.Size)
	}
	if c.existing {
		if m.sum != c.sum {
			return fmt.Errorf("%w: %q was confirmed identical, then its checksum differs", ErrProtocol, c.e.Path)
		}
	} else {
		if [32]byte(c.h.Sum(nil)) != m.sum {
			return errAt(ErrChecksum, c.e.Path, "%q arrived damaged (its SHA-256 does not match the sender's); the partial file was deleted, send it again", c.e.Path)
		}
		if err := s.place(c); err != nil {
			return err
		}
	}
	s.cur = nil
	s.done++
	s.res.Files++
	return s.ack(c)
}

// place moves a verified part to its name.
func (s *recvSession) place(c *recvFile) error {
	part := c.target + partSuffix
	err := c.f.Chmod(c.e.Mode&permMask | 0o400)
	if cerr := c.f.Close(); err == nil {
		err = cerr
	}
	c.f = nil
	if err != nil {
		return ioErr("finish", c.e.Path, err)
	}
	if err := s.root.Chtimes(part, c.e.ModTime, c.e.ModTime); err != nil {
		s.r.Log.Info("filetransfer: modification time not set", "path", c.e.Path, "err", bare(err))
	}
	// Checked again: something may have appeared since the manifest.
	if fi, err := lstat(s.root, c.target); err != nil {
		return err
	} else if fi != nil && (!fi.Mode().IsRegular() || !s.r.Overwrite) {
		return existsErr(c.e.Path)
	}
	if err := s.root.Rename(part, c.target); err != nil {
		return ioErr("rename into place", c.e.Path, err)
	}
	if err := removeIfExists(s.root, c.target+stateSuffix); err != nil {
		s.r.Log.Info("filetransfer: resume state not removed", "path", c.e.Path, "err", err)
	}
	return nil
}

// checkpoint records the file in progress so it resumes from its last
// good chunk.
func (s *recvSession) checkpoint() {
	c := s.cur
	if c == nil || c.f == nil {
		return
	}
	c.f.Close()
	c.f = nil
	if err := writeState(s.root, c.target+stateSuffix, c.e, c.have, c.h); err != nil {
		s.r.Log.Warn("filetransfer: resume state not saved", "path", c.e.Path, "err", err)
	}
}

// cleanup deletes the partial files of an aborted or failed transfer:
// the one in progress and those offered for resume and not yet reached.
// Files already verified and in place stay.
func (s *recvSession) cleanup() {
	var targets []string
	if c := s.cur; c != nil {
		if c.f != nil {
			c.f.Close()
			c.f = nil
		}
		if !c.existing {
			targets = append(targets, c.target)
		}
	}
	for i, o := range s.offers {
		if !o.existing {
			targets = append(targets, s.targets[i])
		}
	}
	for _, t := range targets {
		if err := removeParts(s.root, t); err != nil {
			s.r.Log.Warn("filetransfer: partial file not deleted", "path", t, "err", err)
		}
	}
}
