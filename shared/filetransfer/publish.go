package filetransfer

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"
)

// Publisher is the CSR's side of basic file transfer: the files the CSR
// published (Share File), for the customer's agent to list with
// Client.List("") and download with Client.Get(names, the folder the
// customer picked). Nothing else is offered: no browsing, no changes.
type Publisher struct {
	Sender Sender
	Limits Limits // per download
	Log    *slog.Logger

	mu    sync.Mutex
	files map[string]string // published name → local path
}

// Publish adds local files (or folders) under their base names.
func (p *Publisher) Publish(paths ...string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.files == nil {
		p.files = map[string]string{}
	}
	for _, lp := range paths {
		abs, err := filepath.Abs(lp)
		if err != nil {
			return fmt.Errorf("filetransfer: %w", err)
		}
		name := filepath.Base(abs)
		if err := CheckName(name); err != nil {
			return err
		}
		if old, ok := p.files[name]; ok && old != abs {
			return refuse(name, "another published file has this name")
		}
		fi, err := os.Lstat(abs)
		if err != nil {
			return ioErr("publish", name, err)
		}
		if !fi.Mode().IsRegular() && !fi.IsDir() {
			return refuse(name, "only files and folders can be published")
		}
		p.files[name] = abs
	}
	return nil
}

// Unpublish withdraws a published name.
func (p *Publisher) Unpublish(name string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.files, name)
}

// Published lists what is on offer, as the customer sees it.
func (p *Publisher) Published() []DirEntry {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []DirEntry
	for name, lp := range p.files {
		e := DirEntry{Name: name, Kind: KindOther}
		if fi, err := os.Lstat(lp); err == nil {
			e.ModTime = time.Unix(fi.ModTime().Unix(), 0)
			switch {
			case fi.Mode().IsRegular():
				e.Kind, e.Size = KindFile, fi.Size()
			case fi.IsDir():
				e.Kind = KindDir
			}
		}
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Serve answers the customer's agent on conn until it fails or ctx ends.
func (p *Publisher) Serve(ctx context.Context, conn Conn) error {
	log := p.Log
	if log == nil {
		log = slog.Default()
	}
	for {
		m, err := nextRequest(ctx, conn, log)
		if err != nil {
			return err
		}
		var reply message
		var refusal error
		switch m := m.(type) {
		case *msgList:
			if m.path != "" && m.path != "." {
				refusal = errAt(ErrNotFound, m.path, "only the published files can be listed")
				break
			}
			if reply, err = pages(conn, m.id, p.Published(), 0); err != nil {
				return err
			}
		case *msgGet:
			err := p.get(ctx, conn, m)
			if errors.Is(err, ErrInterrupted) {
				return err
			}
			if err != nil && !errors.Is(err, errStarted) {
				refusal = err
			}
		case *msgMkdir, *msgRename, *msgRemove, *msgManifest:
			refusal = fmt.Errorf("%w: basic file transfer only offers the published files for download", ErrDenied)
		default:
			continue // leftovers of an ended transfer
		}
		if refusal != nil {
			log.Warn("filetransfer: request refused", "err", refusal)
			reply = wireError(requestID(m), refusal)
		}
		if reply != nil {
			if err := send(conn, reply); err != nil {
				return err
			}
		}
	}
}

// errStarted marks the end of a download that started: the transfer
// itself told the other side how it went.
var errStarted = errors.New("transfer ended")

func (p *Publisher) get(ctx context.Context, conn Conn, m *msgGet) error {
	p.mu.Lock()
	var paths []string
	for _, name := range m.paths {
		lp, ok := p.files[name]
		if !ok {
			p.mu.Unlock()
			return errAt(ErrNotFound, name, "%q is not published (any more)", name)
		}
		paths = append(paths, lp)
	}
	p.mu.Unlock()
	if len(paths) == 0 {
		return fmt.Errorf("%w: nothing to send", ErrProtocol)
	}
	plan, err := PlanPaths(paths, p.Limits)
	if err != nil {
		return err
	}
	defer plan.Close()
	snd := p.Sender
	if snd.Log == nil {
		snd.Log = p.Log
	}
	if _, err := snd.Send(ctx, conn, plan, ""); err != nil {
		return fmt.Errorf("%w: %w", errStarted, err)
	}
	return nil
}
