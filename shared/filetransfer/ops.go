package filetransfer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path"
	"sort"
	"time"
)

// Op names a file-manager request.
type Op string

// Requests a Server answers.
const (
	OpList   Op = "list"
	OpMkdir  Op = "mkdir"
	OpRename Op = "rename"
	OpRemove Op = "remove"
	OpPut    Op = "put" // the client sends files into Path
	OpGet    Op = "get" // the client fetches Paths
)

// Request is a request as the Server's Allow hook sees it. Every path is
// relative to the Server's root and already checked.
type Request struct {
	Op        Op
	Path      string    // list, mkdir, rename, remove; put: the destination folder
	NewName   string    // rename
	Recursive bool      // remove
	Paths     []string  // get
	Manifest  *Manifest // put
}

// Server answers the advanced file-transfer window's requests on one
// Conn, all inside Root, the folder the person on this side chose: list,
// new folder, rename, delete, and transfers in both directions.
type Server struct {
	Root *os.Root
	// Allow, if set, is asked before every request except list; an error
	// refuses it (reported as ErrDenied). It is where the agent asks the
	// customer.
	Allow func(ctx context.Context, r Request) error
	// Done, if set, is told how each transfer that Allow let through
	// ended (err nil: complete), for the session's record. r.Manifest is
	// set for gets too.
	Done func(r Request, res Result, err error)
	// Receiver configures puts (its Accept is replaced by Allow) and
	// Sender configures gets; Receiver.Limits also bound gets.
	Receiver Receiver
	Sender   Sender
	Log      *slog.Logger
}

// Listings are cut into messages of this many bytes, and capped.
const (
	listingBudget  = MaxMessageSize - 64
	maxListEntries = 100_000
)

// nextRequest reads the next request of a Server or Publisher. A request
// that does not decode is answered with an error and skipped: the other
// side may go on.
func nextRequest(ctx context.Context, conn Conn, log *slog.Logger) (message, error) {
	for {
		m, err := recv(ctx, conn, 0)
		if errors.Is(err, ErrProtocol) || errors.Is(err, ErrVersion) {
			log.Warn("filetransfer: bad request", "err", err)
			if err := send(conn, wireError(0, err)); err != nil {
				return nil, err
			}
			continue
		}
		return m, err
	}
}

// Serve answers requests until conn fails or ctx ends. Transfers run on
// the same Conn, one at a time; messages left over from an aborted
// transfer are ignored.
func (s *Server) Serve(ctx context.Context, conn Conn) error {
	log := s.Log
	if log == nil {
		log = slog.Default()
	}
	for {
		m, err := nextRequest(ctx, conn, log)
		if err != nil {
			return err
		}
		var reply message
		switch m := m.(type) {
		case *msgList:
			reply, err = s.list(conn, m)
		case *msgMkdir:
			err = s.mkdir(ctx, m)
		case *msgRename:
			err = s.rename(ctx, m)
		case *msgRemove:
			err = s.remove(ctx, m)
		case *msgGet:
			var terr error
			err, terr = s.get(ctx, conn, m)
			if errors.Is(terr, ErrInterrupted) {
				return terr
			}
			if err == nil {
				continue // the transfer told the client how it went
			}
		case *msgManifest:
			_, err = s.put(ctx, conn, m)
			if errors.Is(err, ErrInterrupted) {
				return err
			}
			continue // the transfer reported its own result
		case *msgChunk, *msgFileBegin, *msgFileEnd, *msgDone, *msgAck, *msgComplete, *msgAbort, *msgError, *msgManifestMore, *msgAccept:
			continue // late messages of an ended transfer
		default:
			err = fmt.Errorf("%w: unexpected message 0x%02x", ErrProtocol, m.kind())
		}
		id := requestID(m)
		if err != nil {
			log.Warn("filetransfer: request refused", "err", err)
			reply = wireError(id, err)
		} else if reply == nil {
			reply = &msgOK{id: id}
		}
		if err := send(conn, reply); err != nil {
			return err
		}
	}
}

func requestID(m message) uint64 {
	switch m := m.(type) {
	case *msgList:
		return m.id
	case *msgMkdir:
		return m.id
	case *msgRename:
		return m.id
	case *msgRemove:
		return m.id
	case *msgGet:
		return m.id
	}
	return 0
}

func (s *Server) allow(ctx context.Context, r Request) error {
	if s.Allow == nil {
		return nil
	}
	if err := s.Allow(ctx, r); err != nil {
		if errors.Is(err, ErrDenied) {
			return err
		}
		return fmt.Errorf("%w: %v", ErrDenied, err)
	}
	return nil
}

// list sends all pages but the last itself and returns the last.
func (s *Server) list(conn Conn, m *msgList) (message, error) {
	dir, err := checkDir(m.path)
	if err != nil {
		return nil, err
	}
	fi, err := lstat(s.Root, dir)
	if err != nil {
		return nil, err
	}
	if fi == nil {
		return nil, errAt(ErrNotFound, dir, "the folder %q does not exist", dir)
	}
	if !fi.IsDir() {
		return nil, refuse(dir, "it is not a folder")
	}
	f, err := s.Root.Open(rootName(dir))
	if err != nil {
		return nil, ioErr("open", dir, err)
	}
	defer f.Close()
	var entries []DirEntry
	var hidden uint64
	for len(entries) < maxListEntries {
		des, err := f.ReadDir(1024)
		for _, d := range des {
			if CheckName(d.Name()) != nil {
				hidden++ // the client could not name it in a request anyway
				continue
			}
			e := DirEntry{Name: d.Name(), Kind: KindOther}
			if info, err := d.Info(); err == nil { // Info does not follow links
				e.ModTime = time.Unix(info.ModTime().Unix(), 0)
				switch {
				case info.Mode().IsRegular():
					e.Kind, e.Size = KindFile, info.Size()
				case info.IsDir():
					e.Kind = KindDir
				}
			}
			entries = append(entries, e)
		}
		if err == io.EOF || len(des) == 0 {
			break
		}
		if err != nil {
			return nil, ioErr("read folder", dir, err)
		}
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].Name < entries[j].Name })
	return pages(conn, m.id, entries, hidden)
}

// pages sends a listing in messages that fit, all but the last, and
// returns the last.
func pages(conn Conn, id uint64, entries []DirEntry, hidden uint64) (message, error) {
	page := &msgListing{id: id}
	size := 0
	for _, e := range entries {
		n := len(appendDirEntry(nil, e))
		if size+n > listingBudget {
			page.more = true
			if err := send(conn, page); err != nil {
				return nil, err
			}
			page, size = &msgListing{id: id}, 0
		}
		page.entries = append(page.entries, e)
		size += n
	}
	page.hidden = hidden
	return page, nil
}

func (s *Server) mkdir(ctx context.Context, m *msgMkdir) error {
	if err := CheckPath(m.path); err != nil {
		return err
	}
	if hasReservedSuffix(m.path) {
		return reservedRefusal(m.path)
	}
	if err := s.parentDir(m.path); err != nil {
		return err
	}
	if fi, err := lstatParent(s.Root, m.path); err != nil {
		return err
	} else if fi != nil {
		return errAt(ErrExists, m.path, "%q already exists", m.path)
	}
	if err := s.allow(ctx, Request{Op: OpMkdir, Path: m.path}); err != nil {
		return err
	}
	if err := s.Root.Mkdir(m.path, 0o700); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return errAt(ErrExists, m.path, "%q already exists", m.path)
		}
		return ioErr("create folder", m.path, err)
	}
	return nil
}

// parentDir checks that p's folder exists, with no link on the way.
func (s *Server) parentDir(p string) error {
	dir := path.Dir(p)
	if dir == "." {
		return nil
	}
	fi, err := lstat(s.Root, dir)
	if err != nil {
		return err
	}
	if fi == nil {
		return errAt(ErrNotFound, dir, "the folder %q does not exist", dir)
	}
	if !fi.IsDir() {
		return refuse(p, "%q is not a folder", dir)
	}
	return nil
}

func (s *Server) rename(ctx context.Context, m *msgRename) error {
	if err := CheckPath(m.path); err != nil {
		return err
	}
	if err := CheckName(m.name); err != nil {
		return err
	}
	if hasReservedSuffix(m.name) {
		return reservedRefusal(m.name)
	}
	if err := s.parentDir(m.path); err != nil {
		return err
	}
	src, err := lstatParent(s.Root, m.path)
	if err != nil {
		return err
	}
	if src == nil {
		return errAt(ErrNotFound, m.path, "%q does not exist", m.path)
	}
	to := path.Join(path.Dir(m.path), m.name)
	if dst, err := lstatParent(s.Root, to); err != nil {
		return err
	} else if dst != nil && !os.SameFile(src, dst) { // same file: a change of case
		return errAt(ErrExists, to, "%q already exists", to)
	}
	if err := s.allow(ctx, Request{Op: OpRename, Path: m.path, NewName: m.name}); err != nil {
		return err
	}
	if err := s.Root.Rename(m.path, to); err != nil {
		return ioErr("rename", m.path, err)
	}
	return nil
}

func (s *Server) remove(ctx context.Context, m *msgRemove) error {
	p, err := checkDir(m.path)
	if err != nil {
		return err
	}
	if p == "" {
		return refuse(m.path, "the chosen folder itself cannot be deleted")
	}
	if err := s.parentDir(p); err != nil {
		return err
	}
	fi, err := lstatParent(s.Root, p)
	if err != nil {
		return err
	}
	if fi == nil {
		return errAt(ErrNotFound, p, "%q does not exist", p)
	}
	if fi.IsDir() && !m.recursive {
		f, err := s.Root.Open(p)
		if err != nil {
			return ioErr("open", p, err)
		}
		names, _ := f.Readdirnames(1)
		f.Close()
		if len(names) > 0 {
			return errAt(ErrNotEmpty, p, "the folder %q is not empty; delete it with its contents (recursive) or empty it first", p)
		}
	}
	if err := s.allow(ctx, Request{Op: OpRemove, Path: p, Recursive: m.recursive}); err != nil {
		return err
	}
	// A link is removed itself (Remove and RemoveAll never follow one),
	// and os.Root keeps RemoveAll inside the folder.
	if fi.IsDir() && m.recursive {
		err = s.Root.RemoveAll(p)
	} else {
		err = s.Root.Remove(p)
	}
	if err != nil {
		return ioErr("delete", p, err)
	}
	return nil
}

// get answers a get request: refusal is why it was refused before the
// transfer began (answered under the request's id), err how the transfer
// ended.
func (s *Server) get(ctx context.Context, conn Conn, m *msgGet) (refusal, err error) {
	if len(m.paths) == 0 {
		return fmt.Errorf("%w: nothing to send", ErrProtocol), nil
	}
	for _, p := range m.paths {
		if err := CheckPath(p); err != nil {
			return err, nil
		}
	}
	plan, err := PlanRoot(s.Root, m.paths, s.Receiver.Limits)
	if err != nil {
		return err, nil
	}
	defer plan.Close()
	if err := s.allow(ctx, Request{Op: OpGet, Paths: m.paths}); err != nil {
		return err, nil
	}
	snd := s.Sender
	if snd.Log == nil {
		snd.Log = s.Log
	}
	res, err := snd.Send(ctx, conn, plan, "")
	if s.Done != nil {
		man := plan.Manifest()
		s.Done(Request{Op: OpGet, Paths: m.paths, Manifest: &man}, res, err)
	}
	return nil, err
}

func (s *Server) put(ctx context.Context, conn Conn, m *msgManifest) (Result, error) {
	r := s.Receiver
	if r.Log == nil {
		r.Log = s.Log
	}
	var allowed *Request
	r.Accept = func(man *Manifest) error {
		req := Request{Op: OpPut, Path: man.Dest, Manifest: man}
		if err := s.allow(ctx, req); err != nil {
			return err
		}
		allowed = &req
		return nil
	}
	res, err := r.receive(ctx, conn, s.Root, m)
	if allowed != nil && s.Done != nil {
		s.Done(*allowed, res, err)
	}
	return res, err
}
