package server

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"lifeline/rendezvous/auth"
	"lifeline/rendezvous/room"
	"lifeline/rendezvous/store"
)

// principal is who made a request: a logged-in CSR or admin (user), or a
// participant holding a participant token (part), never both.
type principal struct {
	user      *store.User
	part      *store.Participant
	tokenHash []byte
}

var (
	errNoToken  = &room.Error{Status: http.StatusUnauthorized, Code: "unauthenticated", Msg: "Log in first: this request needs a bearer token."}
	errBadToken = &room.Error{Status: http.StatusUnauthorized, Code: "invalid_token", Msg: "Your login has expired or is not valid; please log in again."}
	errDisabled = &room.Error{Status: http.StatusForbidden, Code: "account_disabled", Msg: "This account has been disabled by an administrator."}
	errLeft     = &room.Error{Status: http.StatusUnauthorized, Code: "participant_gone", Msg: "Your place in this session has expired or the session has ended; please join again."}
	errCSROnly  = &room.Error{Status: http.StatusForbidden, Code: "csr_only", Msg: "Only support representatives can do this."}
)

// authenticate checks the bearer token of a request.
func (s *Server) authenticate(ctx context.Context, r *http.Request) (principal, error) {
	tok := auth.BearerToken(r.Header.Get("Authorization"))
	if tok == "" {
		return principal{}, errNoToken
	}
	hash := auth.HashToken(tok)
	switch {
	case strings.HasPrefix(tok, auth.UserTokenPrefix):
		t, err := s.Store.TokenByHash(ctx, hash)
		if errors.Is(err, store.ErrNotFound) {
			return principal{}, errBadToken
		} else if err != nil {
			return principal{}, err
		}
		u, err := s.Store.UserByID(ctx, t.UserID)
		if errors.Is(err, store.ErrNotFound) {
			return principal{}, errBadToken
		} else if err != nil {
			return principal{}, err
		}
		if u.Disabled {
			return principal{}, errDisabled
		}
		return principal{user: &u, tokenHash: hash}, nil
	case strings.HasPrefix(tok, auth.ParticipantTokenPrefix):
		p, err := s.Store.ParticipantByTokenHash(ctx, hash)
		if errors.Is(err, store.ErrNotFound) {
			return principal{}, errBadToken
		} else if err != nil {
			return principal{}, err
		}
		if !p.LeftAt.IsZero() {
			return principal{}, errLeft
		}
		if _, live := s.hub.Get(p.SessionID); !live {
			return principal{}, errLeft
		}
		return principal{part: &p, tokenHash: hash}, nil
	}
	return principal{}, errBadToken
}

// requireUser authenticates a request that needs a CSR or admin.
func (s *Server) requireUser(w http.ResponseWriter, r *http.Request) (*store.User, bool) {
	p, err := s.authenticate(r.Context(), r)
	if err != nil {
		s.writeErr(w, err)
		return nil, false
	}
	if p.user == nil {
		s.writeErr(w, errCSROnly)
		return nil, false
	}
	return p.user, true
}

// actor finds who the principal is inside a live session.
func (s *Server) actor(ctx context.Context, p principal, sessionID string) (*room.Room, string, error) {
	rm, ok := s.hub.Get(sessionID)
	if !ok {
		return nil, "", s.missingSession(ctx, sessionID)
	}
	if p.part != nil {
		if p.part.SessionID != sessionID {
			return nil, "", &room.Error{Status: http.StatusForbidden, Code: "other_session", Msg: "Your token belongs to another session."}
		}
		return rm, p.part.ID, nil
	}
	id, err := rm.UserParticipant(ctx, p.user.ID)
	return rm, id, err
}

// missingSession tells an ended session from one that never existed.
func (s *Server) missingSession(ctx context.Context, id string) error {
	if _, err := s.Store.SessionByID(ctx, id); err == nil {
		return room.ErrEnded
	}
	return &room.Error{Status: http.StatusNotFound, Code: "no_such_session", Msg: "There is no such session."}
}
