package server

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"lifeline/rendezvous/auth"
	"lifeline/rendezvous/room"
	"lifeline/rendezvous/store"
)

type userJSON struct {
	ID    string `json:"id"`
	Email string `json:"email"`
	Name  string `json:"name"`
	Role  string `json:"role"`
}

func toUserJSON(u *store.User) userJSON {
	return userJSON{ID: u.ID, Email: u.Email, Name: u.Name, Role: u.Role}
}

func (s *Server) handleLogin(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Email    string `json:"email"`
		Password string `json:"password"`
	}
	if !readJSON(w, r, &req) {
		return
	}
	u, retry, err := s.checkLogin(r.Context(), req.Email, req.Password)
	if err != nil {
		if retry > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(retry.Seconds()))))
		}
		s.writeErr(w, err)
		return
	}
	tok, expires, err := s.newLoginToken(r.Context(), u, auth.TokenLifetime)
	if err != nil {
		s.writeErr(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"token": tok, "user": toUserJSON(u), "expires_at": expires.UTC()})
}

var errBadLogin = &room.Error{Status: http.StatusUnauthorized, Code: "invalid_credentials", Msg: "The email address or password is not correct."}

// checkLogin checks an email address and password, for the API's login
// and the report pages' alike: the same answer and the same time for an
// unknown email as for a wrong password, and the lockout after
// auth.MaxFailures wrong ones, when retry is how long it lasts. Refusals
// are *room.Error; each attempt is counted in lifeline_logins_total.
func (s *Server) checkLogin(ctx context.Context, email, password string) (_ *store.User, retry time.Duration, _ error) {
	u, err := s.Store.UserByEmail(ctx, strings.TrimSpace(email))
	if errors.Is(err, store.ErrNotFound) {
		auth.BurnTime(password)
		s.Metrics.Logins.WithLabelValues("failed").Inc()
		return nil, 0, errBadLogin
	} else if err != nil {
		return nil, 0, err
	}
	now := s.Now()
	if now.Before(u.LockedUntil) {
		wait := u.LockedUntil.Sub(now)
		s.Metrics.Logins.WithLabelValues("locked").Inc()
		return nil, wait, &room.Error{Status: http.StatusLocked, Code: "account_locked", Msg: fmt.Sprintf(
			"This account is locked after %d failed logins. Try again in %d minutes, or ask an administrator to reset the password.",
			auth.MaxFailures, int(math.Ceil(wait.Minutes())))}
	}
	ok, err := auth.VerifyPassword(u.PasswordHash, password)
	if err != nil {
		return nil, 0, fmt.Errorf("verify password of %s: %w", u.Email, err)
	}
	if !ok {
		failures, until := auth.AfterFailure(u.FailedLogins, now)
		if err := s.Store.SetLoginState(ctx, u.ID, failures, until); err != nil {
			return nil, 0, err
		}
		s.Metrics.Logins.WithLabelValues("failed").Inc()
		return nil, 0, errBadLogin
	}
	if u.Disabled {
		return nil, 0, errDisabled
	}
	if u.FailedLogins != 0 || !u.LockedUntil.IsZero() {
		if err := s.Store.SetLoginState(ctx, u.ID, 0, time.Time{}); err != nil {
			return nil, 0, err
		}
	}
	s.Metrics.Logins.WithLabelValues("ok").Inc()
	return &u, 0, nil
}

// newLoginToken stores a new login token of u, valid for lifetime.
func (s *Server) newLoginToken(ctx context.Context, u *store.User, lifetime time.Duration) (string, time.Time, error) {
	tok, hash, err := auth.NewToken(auth.UserTokenPrefix)
	if err != nil {
		return "", time.Time{}, err
	}
	now := s.Now()
	if err := s.Store.CreateToken(ctx, store.Token{Hash: hash, UserID: u.ID, CreatedAt: now, ExpiresAt: now.Add(lifetime)}); err != nil {
		return "", time.Time{}, err
	}
	return tok, now.Add(lifetime), nil
}

func (s *Server) handleLogout(w http.ResponseWriter, r *http.Request) {
	p, err := s.authenticate(r.Context(), r)
	if err != nil {
		s.writeErr(w, err)
		return
	}
	if p.user == nil {
		s.writeErr(w, errCSROnly)
		return
	}
	if err := s.Store.DeleteToken(r.Context(), p.tokenHash); err != nil {
		s.writeErr(w, err)
		return
	}
	s.closeLogin(p.tokenHash)
	writeJSON(w, http.StatusOK, map[string]any{"ok": true})
}

func (s *Server) handleMe(w http.ResponseWriter, r *http.Request) {
	u, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"user": toUserJSON(u)})
}
