package server

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"

	"lifeline/rendezvous/auth"
	"lifeline/rendezvous/ratelimit"
	"lifeline/rendezvous/room"
	"lifeline/rendezvous/store"
)

// handleRestart gives a customer's agent, about to reboot the computer
// with the customer's permission, the resume token it comes back with.
func (s *Server) handleRestart(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p, err := s.authenticate(ctx, r)
	if err != nil {
		s.writeErr(w, err)
		return
	}
	if p.part == nil {
		writeError(w, http.StatusForbidden, "customers_only", "Only a customer's computer can ask to restart and rejoin; support representatives cannot.")
		return
	}
	rm, id, err := s.actor(ctx, p, r.PathValue("id"))
	if err != nil {
		s.writeErr(w, err)
		return
	}
	tok, hash, err := auth.NewToken(auth.ResumeTokenPrefix)
	if err != nil {
		s.writeErr(w, err)
		return
	}
	until, err := rm.Restart(ctx, id, hash)
	if err != nil {
		s.writeErr(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"resume_token": tok, "expires_at": until.UTC()})
}

var errUnknownResume = &room.Error{Status: http.StatusNotFound, Code: "invalid_resume_token",
	Msg: "This resume token is not valid. Join the session again with its number."}

// handleResume brings a customer's agent back into its session after the
// reboot, in the same place, with a new participant token. A resume token
// is as good as a session number, so wrong ones are counted with wrong
// numbers.
func (s *Server) handleResume(w http.ResponseWriter, r *http.Request) {
	key := ratelimit.Key(r.RemoteAddr)
	if blocked, wait := s.JoinLimiter.Blocked(key); blocked {
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
		s.Metrics.JoinFailures.WithLabelValues("rate_limited").Inc()
		writeError(w, http.StatusTooManyRequests, "too_many_attempts", fmt.Sprintf(
			"Too many wrong session numbers or resume tokens from your network. Please try again in %d minutes.",
			int(math.Ceil(wait.Minutes()))))
		return
	}
	var req struct {
		ResumeToken string `json:"resume_token"`
	}
	if !readJSON(w, r, &req) {
		return
	}
	ctx := r.Context()
	fail := func(reason string, err error) {
		s.Metrics.JoinFailures.WithLabelValues(reason).Inc()
		s.writeErr(w, err)
	}
	// Tokens are 47 bytes; anything much longer is not one.
	if !strings.HasPrefix(req.ResumeToken, auth.ResumeTokenPrefix) || len(req.ResumeToken) > 100 {
		s.JoinLimiter.Fail(key)
		fail("invalid_resume_token", errUnknownResume)
		return
	}
	hash := auth.HashToken(req.ResumeToken)
	t, err := s.Store.ResumeTokenByHash(ctx, hash)
	switch {
	case errors.Is(err, store.ErrNotFound):
		s.JoinLimiter.Fail(key)
		fail("invalid_resume_token", errUnknownResume)
		return
	case err != nil:
		s.writeErr(w, err)
		return
	case !t.UsedAt.IsZero():
		fail("resume_token_used", room.ErrResumeUsed)
		return
	case !s.Now().Before(t.ExpiresAt):
		fail("resume_token_expired", room.ErrResumeExpired)
		return
	}
	rm, live := s.hub.Get(t.SessionID)
	if !live {
		fail("session_ended", room.ErrEnded)
		return
	}
	tok, newHash, err := auth.NewToken(auth.ParticipantTokenPrefix)
	if err != nil {
		s.writeErr(w, err)
		return
	}
	p, err := rm.Resume(ctx, t.ParticipantID, hash, newHash, r.RemoteAddr)
	if err != nil {
		var re *room.Error
		if errors.As(err, &re) {
			fail(re.Code, err)
		} else {
			s.writeErr(w, err)
		}
		return
	}
	s.Metrics.Resumes.Inc()
	writeJSON(w, http.StatusOK, joinedJSON(rm, p, rm.Number, tok))
}
