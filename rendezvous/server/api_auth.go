package server

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"lifeline/rendezvous/auth"
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
	ctx := r.Context()
	bad := func() {
		s.Metrics.Logins.WithLabelValues("failed").Inc()
		writeError(w, http.StatusUnauthorized, "invalid_credentials", "The email address or password is not correct.")
	}
	u, err := s.Store.UserByEmail(ctx, strings.TrimSpace(req.Email))
	if errors.Is(err, store.ErrNotFound) {
		auth.BurnTime(req.Password)
		bad()
		return
	} else if err != nil {
		s.writeErr(w, err)
		return
	}
	now := s.Now()
	if now.Before(u.LockedUntil) {
		wait := u.LockedUntil.Sub(now)
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
		s.Metrics.Logins.WithLabelValues("locked").Inc()
		writeError(w, http.StatusLocked, "account_locked", fmt.Sprintf(
			"This account is locked after %d failed logins. Try again in %d minutes, or ask an administrator to reset the password.",
			auth.MaxFailures, int(math.Ceil(wait.Minutes()))))
		return
	}
	ok, err := auth.VerifyPassword(u.PasswordHash, req.Password)
	if err != nil {
		s.writeErr(w, fmt.Errorf("verify password of %s: %w", u.Email, err))
		return
	}
	if !ok {
		failures, until := auth.AfterFailure(u.FailedLogins, now)
		if err := s.Store.SetLoginState(ctx, u.ID, failures, until); err != nil {
			s.writeErr(w, err)
			return
		}
		bad()
		return
	}
	if u.Disabled {
		s.writeErr(w, errDisabled)
		return
	}
	if u.FailedLogins != 0 || !u.LockedUntil.IsZero() {
		if err := s.Store.SetLoginState(ctx, u.ID, 0, time.Time{}); err != nil {
			s.writeErr(w, err)
			return
		}
	}
	tok, hash, err := auth.NewToken(auth.UserTokenPrefix)
	if err != nil {
		s.writeErr(w, err)
		return
	}
	if err := s.Store.CreateToken(ctx, store.Token{Hash: hash, UserID: u.ID, CreatedAt: now, ExpiresAt: now.Add(auth.TokenLifetime)}); err != nil {
		s.writeErr(w, err)
		return
	}
	s.Metrics.Logins.WithLabelValues("ok").Inc()
	writeJSON(w, http.StatusOK, map[string]any{"token": tok, "user": toUserJSON(&u), "expires_at": now.Add(auth.TokenLifetime).UTC()})
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
	writeJSON(w, http.StatusOK, map[string]any{"ok": true})
}

func (s *Server) handleMe(w http.ResponseWriter, r *http.Request) {
	u, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"user": toUserJSON(u)})
}
