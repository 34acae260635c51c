package session

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"lifeline/shared/filetransfer"
	"lifeline/shared/filetransfer/dcconn"
	"lifeline/shared/protocol"
	"lifeline/shared/toolwire"
	"lifeline/shared/transport"
)

// waitClose is how long a tool waits for the console to close a channel
// after its last message, so that nothing queued is cut off.
const waitClose = 30 * time.Second

// maxTransfer is the site's limit on one transfer.
func (a *Agent) maxTransfer() int64 {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.maxBytes > 0 {
		return a.maxBytes
	}
	return filetransfer.DefaultMaxTotalBytes
}

// serveFiles is the customer's side of the advanced file transfer window:
// the CSR browses, changes and transfers inside the folder the agent was
// given (the customer's home), for as long as the customer's grant lasts.
func (a *Agent) serveFiles(tp *toolPeer, from string, ch *transport.Channel) {
	conn := dcconn.New(ch)
	defer conn.Close()
	if !a.grants.Allowed(from, protocol.ActionFiles) {
		_ = toolwire.SendJSON(conn, toolwire.Status{Error: notAllowed("file transfer")})
		awaitClose(tp.ctx, conn)
		return
	}
	root, err := os.OpenRoot(a.cfg.Tools.FilesRoot)
	if err != nil {
		_ = toolwire.SendJSON(conn, toolwire.Status{Error: "The customer's folder cannot be opened: " + err.Error()})
		awaitClose(tp.ctx, conn)
		return
	}
	defer root.Close()
	limit := a.maxTransfer()
	if err := toolwire.SendJSON(conn, toolwire.Status{Root: a.cfg.Tools.FilesRoot, MaxBytes: limit}); err != nil {
		return
	}
	who := a.nameOf(from)
	a.ui.Show(Event{Kind: EventNotice, Text: who + " opened file transfer on your computer (" + a.cfg.Tools.FilesRoot + ")."})
	lim := filetransfer.Limits{MaxTotalBytes: limit}
	srv := &filetransfer.Server{
		Root:     root,
		Receiver: filetransfer.Receiver{Limits: lim, Log: a.log},
		Sender:   filetransfer.Sender{Log: a.log},
		Log:      a.log,
		// Every step is checked against the grant, so the customer's Stop
		// ends the file transfer at once, and shown to the customer.
		Allow: func(_ context.Context, r filetransfer.Request) error {
			if !a.grants.Allowed(from, protocol.ActionFiles) {
				return errors.New("the customer ended file transfer")
			}
			a.ui.Show(Event{Kind: EventNotice, Text: describeFileOp(who, r)})
			return nil
		},
		Done: func(r filetransfer.Request, res filetransfer.Result, err error) {
			dir := protocol.FromCustomer
			folder := ""
			if r.Op == filetransfer.OpPut {
				dir, folder = protocol.ToCustomer, filepath.Join(a.cfg.Tools.FilesRoot, filepath.FromSlash(r.Path))
			}
			a.recordTransfer(dir, folder, from, r.Manifest, res, err)
		},
	}
	err = srv.Serve(tp.ctx, conn)
	a.log.Info("file transfer ended", "from", from, "err", err)
	// The window closed (End File Transfer): the next one is asked for.
	a.grants.RevokeActions(protocol.ActionFiles)
	a.ui.Show(Event{Kind: EventNotice, Text: who + " ended file transfer."})
}

func describeFileOp(who string, r filetransfer.Request) string {
	switch r.Op {
	case filetransfer.OpMkdir:
		return fmt.Sprintf("%s is creating the folder %s.", who, r.Path)
	case filetransfer.OpRename:
		return fmt.Sprintf("%s is renaming %s to %s.", who, r.Path, r.NewName)
	case filetransfer.OpRemove:
		return fmt.Sprintf("%s is deleting %s.", who, r.Path)
	case filetransfer.OpPut:
		return fmt.Sprintf("%s is sending you %s into %s.", who, filesText(r.Manifest), orHome(r.Path))
	case filetransfer.OpGet:
		return fmt.Sprintf("%s is copying %s from your computer.", who, strings.Join(r.Paths, ", "))
	}
	return who + " is using file transfer."
}

func orHome(p string) string {
	if p == "" {
		return "your folder"
	}
	return p
}

func filesText(m *filetransfer.Manifest) string {
	if m == nil {
		return "files"
	}
	n := m.Files()
	word := "files"
	if n == 1 {
		word = "file"
	}
	return fmt.Sprintf("%d %s (%s)", n, word, filetransfer.FormatSize(m.TotalBytes()))
}

// recordTransfer writes a transfer that ended into the session's log.
func (a *Agent) recordTransfer(direction, folder, requestedBy string, m *filetransfer.Manifest, res filetransfer.Result, err error) {
	rec := &protocol.FileTransfer{Direction: direction, Folder: folder, Files: res.Files, Bytes: res.Bytes + res.Resumed, Status: protocol.TransferDone, RequestedBy: requestedBy}
	if m != nil {
		for _, e := range m.Entries {
			if e.Kind == filetransfer.KindFile && len(rec.Names) < protocol.MaxTransferNames {
				rec.Names = append(rec.Names, e.Path)
			}
		}
	}
	switch {
	case errors.Is(err, filetransfer.ErrAborted) || errors.Is(err, context.Canceled):
		rec.Status, rec.Error = protocol.TransferAborted, "The transfer was aborted."
	case err != nil:
		rec.Status, rec.Error = protocol.TransferFailed, truncateText(err.Error(), 1000)
	}
	if err := a.send(rec); err != nil {
		a.log.Warn("file transfer record not sent", "err", err)
	}
}

func truncateText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}

// awaitClose waits until the console closes the channel (it has read
// everything), the peer ends, or a while has passed.
func awaitClose(ctx context.Context, conn *dcconn.Conn) {
	ctx, cancel := context.WithTimeout(ctx, waitClose)
	defer cancel()
	for {
		if _, err := conn.Recv(ctx); err != nil {
			return
		}
	}
}

// Basic file transfer: the console serves the files its CSR published on
// the "files/publish" channel and sends the list on "tools/published";
// the customer downloads what they pick into a folder they pick. Nothing
// is asked: the customer's own choice is the consent.

func (a *Agent) acceptPublish(tp *toolPeer, from string, ch *transport.Channel) bool {
	conn := dcconn.New(ch)
	a.mu.Lock()
	p := a.pubFor(from)
	old := p.conn
	p.conn, p.client = conn, &filetransfer.Client{Conn: conn}
	a.mu.Unlock()
	if old != nil {
		old.Close()
	}
	return true
}

// pubFor returns the basic transfer of participant from, replacing one of
// another CSR's. Callers hold a.mu.
func (a *Agent) pubFor(from string) *published {
	if a.pub != nil && a.pub.from != from {
		a.pub.close()
		a.pub = nil
	}
	if a.pub == nil {
		a.pub = &published{from: from}
	}
	return a.pub
}

// published is the CSR's list of files on offer.
type published struct {
	from   string
	conn   *dcconn.Conn // the downloads ("files/publish")
	client *filetransfer.Client
	list   *dcconn.Conn // the list ("tools/published")
	busy   bool
}

func (p *published) close() {
	for _, c := range []*dcconn.Conn{p.conn, p.list} {
		if c != nil {
			c.Close()
		}
	}
}

func (a *Agent) readPublished(tp *toolPeer, from string, ch *transport.Channel) {
	conn := dcconn.New(ch)
	defer conn.Close()
	a.mu.Lock()
	pub := a.pubFor(from)
	if pub.list != nil {
		pub.list.Close()
	}
	pub.list = conn
	a.mu.Unlock()
	if err := toolwire.SendJSON(conn, toolwire.Status{}); err != nil {
		return
	}
	for {
		var p toolwire.Published
		if err := toolwire.RecvJSON(tp.ctx, conn, &p); err != nil {
			if !errors.Is(err, dcconn.ErrClosed) && tp.ctx.Err() == nil {
				a.log.Warn("published list", "err", err)
			}
			a.do(func() { a.publishClosed(from, a.nameOf(from)+" ended file transfer.") })
			return
		}
		if p.Closed {
			reason := p.Reason
			if reason == "" {
				reason = a.nameOf(from) + " ended file transfer."
			}
			a.do(func() { a.publishClosed(from, reason) })
			return
		}
		files := p.Files
		if files == nil {
			files = []filetransfer.DirEntry{}
		}
		a.ui.Show(Event{Kind: EventFiles, From: a.nameOf(from), Files: files})
	}
}

// publishClosed ends basic file transfer from participant from (on the
// session's goroutine); reason "" says nothing to the customer.
func (a *Agent) publishClosed(from, reason string) {
	a.mu.Lock()
	p := a.pub
	if p != nil && p.from == from {
		a.pub = nil
	} else {
		p = nil
	}
	a.mu.Unlock()
	if p == nil {
		return
	}
	p.close()
	if reason == "" {
		reason = "File transfer ended."
	}
	a.ui.Show(Event{Kind: EventFiles, Text: reason})
}

// ErrNoFiles means no files are on offer (the CSR ended file transfer).
var ErrNoFiles = errors.New("no files are offered for download")

// Download fetches published files into dir, a folder the customer chose.
// One download at a time.
func (a *Agent) Download(ctx context.Context, names []string, dir string, progress func(filetransfer.Progress)) (filetransfer.Result, error) {
	a.mu.Lock()
	p := a.pub
	switch {
	case p == nil || p.client == nil:
		a.mu.Unlock()
		return filetransfer.Result{}, ErrNoFiles
	case p.busy:
		a.mu.Unlock()
		return filetransfer.Result{}, errors.New("a download is already running")
	}
	p.busy = true
	a.mu.Unlock()
	defer func() {
		a.mu.Lock()
		p.busy = false
		a.mu.Unlock()
	}()
	c := p.client // one download at a time (busy)
	c.Receiver = filetransfer.Receiver{Limits: filetransfer.Limits{MaxTotalBytes: a.maxTransfer()}, Progress: progress, Log: a.log}
	var man *filetransfer.Manifest
	c.Receiver.Accept = func(m *filetransfer.Manifest) error { man = m; return nil }
	res, err := c.Get(ctx, names, dir)
	if man != nil {
		a.recordTransfer(protocol.ToCustomer, dir, "", man, res, err)
	}
	return res, err
}

// EndFileTransfer is the customer closing the list of published files.
func (a *Agent) EndFileTransfer() {
	a.do(func() {
		a.mu.Lock()
		p := a.pub
		a.mu.Unlock()
		if p == nil {
			return
		}
		// Closing the channels tells the console.
		a.publishClosed(p.from, "You ended file transfer.")
	})
}
