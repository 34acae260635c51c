package controller

import (
	"context"
	"errors"
	"strings"

	"lifeline/shared/protocol"
)

// Assist joins a live session by its number as an assistant: the CSR
// observes sharing, chats, and may receive control from the host. The
// server refuses numbers it does not know (and slows down guessing).
func (c *Controller) Assist(ctx context.Context, number string) (*Session, error) {
	if !c.isLoggedIn() {
		return nil, ErrNotLoggedIn
	}
	number = strings.Join(strings.Fields(number), "")
	if number == "" {
		return nil, errors.New("enter the session number you want to assist in")
	}
	// The server answers with the session's state (for a session this
	// console has not attached yet, so the router drops it) and an ack
	// naming the session; attaching then replays the state to the session.
	env, err := c.request(ctx, "", &protocol.Assist{Number: number})
	if err != nil {
		return nil, err
	}
	if env.Session == "" {
		return nil, errors.New("the server did not say which session was joined")
	}
	return c.attach(ctx, env.Session, "")
}

// MakePrimary makes a secondary customer the primary customer. Every
// sharing activity ends; the former primary becomes secondary.
func (s *Session) MakePrimary(ctx context.Context, participant string) error {
	if s.isEnded() {
		return ErrEnded
	}
	_, err := s.c.request(ctx, s.id, &protocol.MakePrimary{Participant: participant})
	return err
}

// TransferControl hands the session to an assistant, who becomes the
// host. Every support activity ends; this CSR becomes an assistant who
// may leave but not end the session.
func (s *Session) TransferControl(ctx context.Context, participant string) error {
	if s.isEnded() {
		return ErrEnded
	}
	_, err := s.c.request(ctx, s.id, &protocol.TransferControl{Participant: participant})
	return err
}

// IsHost reports whether this console is the session's host CSR (who
// may end it; an assistant or a CSR who transferred control may only
// leave).
func IsHost(st protocol.State) bool {
	for _, p := range st.Participants {
		if p.ID == st.You {
			return p.Role == protocol.RoleCSR
		}
	}
	return false
}

// Observe opens the shared screen for a CSR who is not the host (an
// assistant): everyone in a session sees what a customer shares. The
// console does this by itself when sharing starts; Observe is for a CSR
// who closed the window and wants to watch again.
func (s *Session) Observe(ctx context.Context) error {
	return s.call(ctx, func(l *loop) error {
		if l.ended {
			return ErrEnded
		}
		if l.st.Sharing == "" {
			return errors.New("no one is sharing their screen")
		}
		l.observed = l.st.Sharing
		return s.openStream(l, l.st.Sharing)
	})
}

// StopObserving closes the shared screen for this console only; the
// sharing goes on for the others.
func (s *Session) StopObserving() {
	_ = s.call(context.Background(), func(l *loop) error {
		if l.stream != nil {
			l.stream.stop("You stopped watching the shared screen.")
			l.stream = nil
		}
		return nil
	})
}
