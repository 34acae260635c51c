package controller

import (
	"context"
	"errors"
	"fmt"

	"lifeline/shared/filetransfer"
	"lifeline/shared/filetransfer/dcconn"
	"lifeline/shared/toolwire"
)

// Basic file transfer: the CSR publishes files, the customer's agent lists
// them and the customer downloads what they pick into a folder they pick.
// The console serves the downloads (a filetransfer.Publisher on the
// "files/publish" channel) and sends the list on "tools/published"
// whenever it changes. Publishing asks nothing of the customer: their
// choosing to download is the consent.

// publishing is the basic transfer of one session; guarded by Session.pubMu.
type publishing struct {
	pub  *filetransfer.Publisher
	list *dcconn.Conn
	conn *dcconn.Conn
	tp   *toolsPeer
}

// Publish offers local files or folders to the customer for download,
// opening basic file transfer on first use.
func (s *Session) Publish(ctx context.Context, paths ...string) error {
	s.pubMu.Lock()
	defer s.pubMu.Unlock()
	if err := s.openPublishing(ctx); err != nil {
		return err
	}
	if err := s.pubs.pub.Publish(paths...); err != nil {
		return err
	}
	return s.sendPublishedLocked()
}

func (s *Session) openPublishing(ctx context.Context) error {
	if s.pubs != nil && !s.pubs.tp.closed() {
		select {
		case <-s.pubs.conn.Closed():
		case <-s.pubs.list.Closed():
		default:
			return nil
		}
	}
	s.closePublishingLocked("")
	tp, err := s.tools(ctx)
	if err != nil {
		return err
	}
	ch, err := tp.peer.OpenChannel(toolwire.LabelPublish)
	if err != nil {
		return fmt.Errorf("could not open file transfer to the customer's agent: %w", err)
	}
	conn := dcconn.New(ch)
	list, _, err := tp.channel(ctx, toolwire.LabelPublished)
	if err != nil {
		conn.Close()
		return err
	}
	p := &publishing{pub: &filetransfer.Publisher{Limits: filetransfer.Limits{MaxTotalBytes: s.maxTransfer()}, Log: s.c.log}, list: list, conn: conn, tp: tp}
	s.pubs = p
	s.c.wg.Add(1)
	go func() {
		defer s.c.wg.Done()
		err := p.pub.Serve(tp.ctx, conn)
		s.c.log.Debug("console: publishing ended", "err", err)
		s.pubMu.Lock()
		mine := s.pubs == p
		if mine {
			s.closePublishingLocked("")
		}
		s.pubMu.Unlock()
		if mine {
			s.emit(Event{Kind: EventPublishEnded, Text: "The customer ended file transfer."})
		}
	}()
	return nil
}

func (s *Session) maxTransfer() int64 {
	if n := s.State().MaxTransferBytes; n > 0 {
		return n
	}
	return filetransfer.DefaultMaxTotalBytes
}

func (s *Session) sendPublishedLocked() error {
	files := s.pubs.pub.Published()
	if files == nil {
		files = []filetransfer.DirEntry{}
	}
	if err := toolwire.SendJSON(s.pubs.list, toolwire.Published{Files: files}); err != nil {
		return fmt.Errorf("the list did not reach the customer: %w", err)
	}
	return nil
}

// Published lists what the customer is offered.
func (s *Session) Published() []filetransfer.DirEntry {
	s.pubMu.Lock()
	defer s.pubMu.Unlock()
	if s.pubs == nil {
		return nil
	}
	return s.pubs.pub.Published()
}

// ErrNotPublishing means basic file transfer is not open.
var ErrNotPublishing = errors.New("no files are published")

// Unpublish withdraws one published name.
func (s *Session) Unpublish(ctx context.Context, name string) error {
	s.pubMu.Lock()
	defer s.pubMu.Unlock()
	if s.pubs == nil {
		return ErrNotPublishing
	}
	s.pubs.pub.Unpublish(name)
	return s.sendPublishedLocked()
}

// EndPublish ends basic file transfer: the list closes on both sides.
func (s *Session) EndPublish(ctx context.Context) error {
	s.pubMu.Lock()
	defer s.pubMu.Unlock()
	if s.pubs == nil {
		return ErrNotPublishing
	}
	s.closePublishingLocked("The support representative ended file transfer.")
	return nil
}

// closePublishingLocked closes basic file transfer, telling the customer
// why (reason "" tells nothing: the connection is gone).
func (s *Session) closePublishingLocked(reason string) {
	p := s.pubs
	if p == nil {
		return
	}
	s.pubs = nil
	if reason != "" {
		_ = toolwire.SendJSON(p.list, toolwire.Published{Closed: true, Reason: reason})
	}
	p.list.Close()
	p.conn.Close()
}
