package controller

import (
	"context"
	"errors"
	"sync"

	"lifeline/shared/filetransfer"
	"lifeline/shared/filetransfer/dcconn"
	"lifeline/shared/protocol"
	"lifeline/shared/toolwire"
)

// Files is an open advanced file transfer with the customer's computer:
// the CSR browses, changes and transfers inside the folder the customer's
// agent offers (Root), for as long as the customer allows. Its methods
// are safe for concurrent use and run one at a time.
type Files struct {
	conn     *dcconn.Conn
	root     string
	maxBytes int64
	done     chan struct{}

	mu     sync.Mutex // one request or transfer at a time on the channel
	client filetransfer.Client

	errMu sync.Mutex
	err   error
}

// OpenFiles asks the customer for file transfer and opens it.
func (s *Session) OpenFiles(ctx context.Context) (*Files, error) {
	if err := s.grant(ctx, protocol.ActionFiles, ""); err != nil {
		return nil, err
	}
	tp, err := s.tools(ctx)
	if err != nil {
		return nil, err
	}
	conn, st, err := tp.channel(ctx, toolwire.LabelFiles+newID("f"))
	if err != nil {
		return nil, err
	}
	f := &Files{conn: conn, root: st.Root, maxBytes: st.MaxBytes, done: make(chan struct{}), client: filetransfer.Client{Conn: conn}}
	if f.maxBytes <= 0 {
		f.maxBytes = filetransfer.DefaultMaxTotalBytes
	}
	go func() {
		// The channel closes when the customer stops, the connection goes,
		// or Close.
		select {
		case <-conn.Closed():
			f.setErr(errors.New("the file transfer ended: the customer stopped it, or the connection was lost"))
		case <-tp.ctx.Done():
			f.setErr(errors.New("the connection to the customer's computer was closed"))
		}
		close(f.done)
	}()
	return f, nil
}

func (f *Files) setErr(err error) {
	f.errMu.Lock()
	defer f.errMu.Unlock()
	if f.err == nil {
		f.err = err
	}
}

// Root is the customer's folder the CSR may browse, for display; remote
// paths are relative to it ("" is the folder itself).
func (f *Files) Root() string { return f.root }

// MaxBytes is the largest transfer allowed.
func (f *Files) MaxBytes() int64 { return f.maxBytes }

// Done is closed when the file transfer has ended.
func (f *Files) Done() <-chan struct{} { return f.done }

// Err says why the file transfer ended, once Done is closed.
func (f *Files) Err() error {
	f.errMu.Lock()
	defer f.errMu.Unlock()
	return f.err
}

// Close ends the file transfer (End File Transfer).
func (f *Files) Close() error {
	f.setErr(errors.New("you ended the file transfer"))
	return f.conn.Close()
}

// List lists a folder of the customer's.
func (f *Files) List(ctx context.Context, dir string) (filetransfer.Listing, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.client.List(ctx, dir)
}

// Mkdir creates a folder on the customer's computer.
func (f *Files) Mkdir(ctx context.Context, p string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.client.Mkdir(ctx, p)
}

// Rename renames an entry on the customer's computer (in its folder).
func (f *Files) Rename(ctx context.Context, p, newName string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.client.Rename(ctx, p, newName)
}

// Remove deletes an entry on the customer's computer; a folder with
// contents only when recursive.
func (f *Files) Remove(ctx context.Context, p string, recursive bool) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.client.Remove(ctx, p, recursive)
}

// Put sends local files and folders into remoteDir. Cancelling ctx aborts
// the transfer; the customer's side removes partial files.
func (f *Files) Put(ctx context.Context, localPaths []string, remoteDir string, progress func(filetransfer.Progress)) (filetransfer.Result, error) {
	plan, err := filetransfer.PlanPaths(localPaths, filetransfer.Limits{MaxTotalBytes: f.maxBytes})
	if err != nil {
		return filetransfer.Result{}, err
	}
	defer plan.Close()
	f.mu.Lock()
	defer f.mu.Unlock()
	f.client.Sender.Progress = progress
	defer func() { f.client.Sender.Progress = nil }()
	return f.client.Put(ctx, plan, remoteDir)
}

// Get fetches remote entries into localDir, a folder the CSR chose.
// Cancelling ctx aborts the transfer and removes partial files.
func (f *Files) Get(ctx context.Context, remotePaths []string, localDir string, progress func(filetransfer.Progress)) (filetransfer.Result, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.client.Receiver = filetransfer.Receiver{Limits: filetransfer.Limits{MaxTotalBytes: f.maxBytes}, Progress: progress}
	defer func() { f.client.Receiver.Progress = nil }()
	return f.client.Get(ctx, remotePaths, localDir)
}
