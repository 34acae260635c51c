package filetransfer

import (
	"context"
	"fmt"
	"os"
	"sort"
	"sync"
)

// Client makes requests of a Server on the other side of Conn: the
// console's half of the advanced file-transfer window and of the headless
// "files" commands. Paths are relative to the folder the Server's side
// chose; they are checked here first, so a bad one fails at once with a
// clear message, and again over there. A Client runs one request at a
// time.
type Client struct {
	Conn     Conn
	Sender   Sender   // configures Put
	Receiver Receiver // configures Get

	mu sync.Mutex
	id uint64
}

// Listing is a folder's content.
type Listing struct {
	Entries []DirEntry // sorted by name
	// Hidden counts entries left out because their names could not be
	// used in a request (see CheckName).
	Hidden int
}

// List lists dir ("" or "." for the chosen folder itself).
func (c *Client) List(ctx context.Context, dir string) (Listing, error) {
	dir, err := checkDir(dir)
	if err != nil {
		return Listing{}, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	id := c.nextID()
	if err := send(c.Conn, &msgList{id: id, path: dir}); err != nil {
		return Listing{}, err
	}
	var l Listing
	for {
		m, err := c.reply(ctx, id)
		if err != nil {
			return Listing{}, err
		}
		page, ok := m.(*msgListing)
		if !ok {
			return Listing{}, fmt.Errorf("%w: unexpected answer to a listing", ErrProtocol)
		}
		for _, e := range page.entries {
			// The other side is not trusted to have filtered names; a
			// name with control characters must not reach a terminal.
			if CheckName(e.Name) != nil {
				l.Hidden++
				continue
			}
			if len(l.Entries) >= maxListEntries {
				return Listing{}, fmt.Errorf("%w: the folder listing exceeds %d entries", ErrProtocol, maxListEntries)
			}
			l.Entries = append(l.Entries, e)
		}
		if !page.more {
			l.Hidden += int(min(page.hidden, maxListEntries))
			sort.Slice(l.Entries, func(i, j int) bool { return l.Entries[i].Name < l.Entries[j].Name })
			return l, nil
		}
	}
}

// Mkdir creates the folder p; its parent must exist.
func (c *Client) Mkdir(ctx context.Context, p string) error {
	if err := CheckPath(p); err != nil {
		return err
	}
	return c.simple(ctx, func(id uint64) message { return &msgMkdir{id: id, path: p} })
}

// Rename gives p the name newName in the same folder (it never moves).
func (c *Client) Rename(ctx context.Context, p, newName string) error {
	if err := CheckPath(p); err != nil {
		return err
	}
	if err := CheckName(newName); err != nil {
		return err
	}
	return c.simple(ctx, func(id uint64) message { return &msgRename{id: id, path: p, name: newName} })
}

// Remove deletes the file or empty folder p, or a folder with everything
// in it when recursive is set. The chosen folder itself is refused.
func (c *Client) Remove(ctx context.Context, p string, recursive bool) error {
	if p == "" || p == "." {
		return refuse(p, "the chosen folder itself cannot be deleted")
	}
	if err := CheckPath(p); err != nil {
		return err
	}
	return c.simple(ctx, func(id uint64) message { return &msgRemove{id: id, path: p, recursive: recursive} })
}

// Put sends plan into the folder remoteDir on the other side.
func (c *Client) Put(ctx context.Context, plan *Plan, remoteDir string) (Result, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.Sender.Send(ctx, c.Conn, plan, remoteDir)
}

// Get fetches files and folders from the other side into localDir, the
// folder the person on this side chose.
func (c *Client) Get(ctx context.Context, remotePaths []string, localDir string) (Result, error) {
	for _, p := range remotePaths {
		if err := CheckPath(p); err != nil {
			return Result{}, err
		}
	}
	root, err := os.OpenRoot(localDir)
	if err != nil {
		return Result{}, fmt.Errorf("%w: the destination folder cannot be opened: %v", ErrNotFound, bare(err))
	}
	defer root.Close()
	c.mu.Lock()
	defer c.mu.Unlock()
	g := &msgGet{id: c.nextID(), paths: remotePaths}
	if b := encode(g); len(b) > MaxMessageSize {
		return Result{}, fmt.Errorf("%w: too many names in one request; fetch them in smaller groups", ErrTooLarge)
	}
	if err := send(c.Conn, g); err != nil {
		return Result{}, err
	}
	return c.Receiver.receive(ctx, c.Conn, root, nil)
}

func (c *Client) nextID() uint64 {
	c.id++
	return c.id
}

func (c *Client) simple(ctx context.Context, build func(uint64) message) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	id := c.nextID()
	if err := send(c.Conn, build(id)); err != nil {
		return err
	}
	m, err := c.reply(ctx, id)
	if err != nil {
		return err
	}
	if _, ok := m.(*msgOK); !ok {
		return fmt.Errorf("%w: unexpected answer 0x%02x", ErrProtocol, m.kind())
	}
	return nil
}

// reply waits (as long as a person on the other side takes to answer)
// for the answer to request id, skipping leftovers of earlier requests
// and transfers.
func (c *Client) reply(ctx context.Context, id uint64) (message, error) {
	for {
		m, err := recv(ctx, c.Conn, 0)
		if err != nil {
			return nil, err
		}
		switch m := m.(type) {
		case *msgOK:
			if m.id == id {
				return m, nil
			}
		case *msgListing:
			if m.id == id {
				return m, nil
			}
		case *msgError:
			// id 0 with CodeVersion: the server could not read the request.
			if m.id == id || (m.id == 0 && m.code == CodeVersion) {
				return nil, m.err()
			}
		}
	}
}
