package server

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"lifeline/rendezvous/auth"
	"lifeline/rendezvous/ratelimit"
	"lifeline/rendezvous/room"
	"lifeline/rendezvous/store"
	"lifeline/shared/protocol"
)

func (s *Server) handleCreateSession(w http.ResponseWriter, r *http.Request) {
	u, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	var req struct {
		Type         string `json:"type"`
		TrackingCode string `json:"tracking_code"`
	}
	if r.ContentLength != 0 && !readJSON(w, r, &req) {
		return
	}
	if len(req.Type) > 100 || len(req.TrackingCode) > 200 {
		writeError(w, http.StatusBadRequest, "field_too_long", "The session type or tracking code is too long.")
		return
	}
	pol, err := s.loadPolicy(r.Context(), u)
	if err != nil {
		s.writeErr(w, err)
		return
	}
	if req.Type, err = pol.sessionType(req.Type); err != nil {
		s.writeErr(w, err)
		return
	}
	if req.TrackingCode, err = pol.trackingCode(req.TrackingCode); err != nil {
		s.writeErr(w, err)
		return
	}
	now := s.Now()
	tok, hash, err := auth.NewToken(auth.ParticipantTokenPrefix)
	if err != nil {
		s.writeErr(w, err)
		return
	}
	host := store.Participant{
		ID: store.NewID("par_"), UserID: u.ID, Name: u.Name, Email: u.Email, Role: store.RoleHost,
		TokenHash: hash, Addr: r.RemoteAddr, JoinedAt: now,
	}
	var sess store.Session
	// A clash with a live number is rare (1 in 900 million per live
	// session); draw again rather than fail.
	for attempt := 0; ; attempt++ {
		number, err := newNumber()
		if err != nil {
			s.writeErr(w, err)
			return
		}
		sess = store.Session{
			ID: store.NewID("ses_"), Number: number, Type: req.Type, TrackingCode: req.TrackingCode,
			State: store.StateLive, OwnerUserID: u.ID, CreatedAt: now,
		}
		host.SessionID = sess.ID
		// The store counts the sessions the CSR hosts and inserts this one
		// in one transaction, so two starts at once cannot both pass.
		err = s.Store.CreateHostedSession(r.Context(), sess, host, pol.max)
		if err == nil {
			break
		}
		if hle := (*store.HostLimitError)(nil); errors.As(err, &hle) {
			s.writeErr(w, pol.tooMany(hle.Hosted))
			return
		}
		if !errors.Is(err, store.ErrNumberTaken) || attempt == 10 {
			s.writeErr(w, fmt.Errorf("create session: %w", err))
			return
		}
	}
	if err := s.openRoom(sess, []store.Participant{host}, 0).Started(r.Context()); err != nil {
		s.writeErr(w, err)
		return
	}
	s.Metrics.SessionsStarted.Inc()
	writeJSON(w, http.StatusCreated, map[string]any{
		"id": sess.ID, "number": sess.Number, "join_url": s.baseURL(r) + "/join/" + sess.Number,
		"participant_id": host.ID, "token": tok,
	})
}

func (s *Server) handleListSessions(w http.ResponseWriter, r *http.Request) {
	u, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	out := []protocol.State{}
	for _, rm := range s.hub.Rooms() {
		id, err := rm.UserParticipant(r.Context(), u.ID)
		if err != nil {
			continue
		}
		if st, err := rm.Snapshot(r.Context(), id); err == nil {
			out = append(out, st)
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"sessions": out})
}

func (s *Server) handleGetSession(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p, err := s.authenticate(ctx, r)
	if err != nil {
		s.writeErr(w, err)
		return
	}
	id := r.PathValue("id")
	if rm, live := s.hub.Get(id); live {
		forID := ""
		if p.part != nil || p.user.Role != store.RoleAdmin {
			if _, forID, err = s.actor(ctx, p, id); err != nil {
				s.writeErr(w, err)
				return
			}
		}
		st, err := rm.Snapshot(ctx, forID)
		if err != nil {
			s.writeErr(w, err)
			return
		}
		writeJSON(w, http.StatusOK, st)
		return
	}
	// An ended session is history: only its CSRs and admins read it.
	if p.user == nil {
		s.writeErr(w, errLeft)
		return
	}
	rep, err := s.loadReport(ctx, p.user, id)
	if err != nil {
		s.writeErr(w, err)
		return
	}
	writeJSON(w, http.StatusOK, rep.state())
}

func (s *Server) handleEndSession(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Notes string `json:"notes"`
	}
	if r.ContentLength != 0 && !readJSON(w, r, &req) {
		return
	}
	if err := (&protocol.End{Notes: req.Notes}).Validate(); err != nil {
		writeError(w, http.StatusBadRequest, "invalid_notes", "The notes are too long: "+err.Error())
		return
	}
	s.sessionAction(w, r, func(rm *room.Room, id string) error { return rm.End(r.Context(), id, req.Notes) })
}

func (s *Server) handleLeaveSession(w http.ResponseWriter, r *http.Request) {
	s.sessionAction(w, r, func(rm *room.Room, id string) error { return rm.Leave(r.Context(), id) })
}

func (s *Server) sessionAction(w http.ResponseWriter, r *http.Request, f func(*room.Room, string) error) {
	p, err := s.authenticate(r.Context(), r)
	if err != nil {
		s.writeErr(w, err)
		return
	}
	rm, id, err := s.actor(r.Context(), p, r.PathValue("id"))
	if err == nil {
		err = f(rm, id)
	}
	if err != nil {
		s.writeErr(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"ok": true})
}

// handleJoin lets a customer without an account into a live session by its
// number. Wrong numbers are counted per address to make guessing slow.
func (s *Server) handleJoin(w http.ResponseWriter, r *http.Request) {
	key := ratelimit.Key(r.RemoteAddr)
	if blocked, wait := s.JoinLimiter.Blocked(key); blocked {
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
		s.Metrics.JoinFailures.WithLabelValues("rate_limited").Inc()
		writeError(w, http.StatusTooManyRequests, "too_many_attempts", fmt.Sprintf(
			"Too many wrong session numbers from your network. Please check the number with your support representative and try again in %d minutes.",
			int(math.Ceil(wait.Minutes()))))
		return
	}
	var req struct {
		Number string `json:"number"`
		Name   string `json:"name"`
		Email  string `json:"email"`
	}
	if !readJSON(w, r, &req) {
		return
	}
	req.Name, req.Email = strings.TrimSpace(req.Name), strings.TrimSpace(req.Email)
	if req.Name == "" || utf8.RuneCountInString(req.Name) > 100 || !utf8.ValidString(req.Name) {
		writeError(w, http.StatusBadRequest, "invalid_name", "Please enter your name (at most 100 characters).")
		return
	}
	if len(req.Email) > 254 || (req.Email != "" && !strings.Contains(req.Email, "@")) {
		writeError(w, http.StatusBadRequest, "invalid_email", "The email address does not look right.")
		return
	}
	number := normalizeNumber(req.Number)
	if len(number) != 9 {
		s.JoinLimiter.Fail(key)
		s.Metrics.JoinFailures.WithLabelValues("bad_number").Inc()
		writeError(w, http.StatusBadRequest, "invalid_number", "A session number has 9 digits; please check the number your support representative gave you.")
		return
	}
	ctx := r.Context()
	rm, err := s.liveRoomByNumber(r, number)
	if err != nil {
		s.JoinLimiter.Fail(key)
		s.Metrics.JoinFailures.WithLabelValues("unknown_number").Inc()
		s.writeErr(w, err)
		return
	}
	tok, hash, err := auth.NewToken(auth.ParticipantTokenPrefix)
	if err != nil {
		s.writeErr(w, err)
		return
	}
	p, err := rm.Join(ctx, store.Participant{
		ID: store.NewID("par_"), Name: req.Name, Email: req.Email, TokenHash: hash, Addr: r.RemoteAddr,
	})
	if err != nil {
		s.writeErr(w, err)
		return
	}
	s.Metrics.Joins.Inc()
	writeJSON(w, http.StatusOK, joinedJSON(rm, p, number, tok))
}

// joinedJSON is the answer to a join and to a resume: who the customer is
// in which session, and the participant token to connect with.
func joinedJSON(rm *room.Room, p store.Participant, number, token string) map[string]any {
	return map[string]any{
		"session_id": rm.ID, "number": number, "participant_id": p.ID, "token": token, "role": p.Role, "name": p.Name,
	}
}

var errUnknownNumber = &room.Error{Status: http.StatusNotFound, Code: "unknown_session_number",
	Msg: "There is no support session with this number. Please check the number with your support representative; a number stops working when its session ends."}

func (s *Server) liveRoomByNumber(r *http.Request, number string) (*room.Room, error) {
	sess, err := s.Store.LiveSessionByNumber(r.Context(), number)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errUnknownNumber
	} else if err != nil {
		return nil, err
	}
	rm, ok := s.hub.Get(sess.ID)
	if !ok {
		return nil, errUnknownNumber
	}
	return rm, nil
}

// timeOrNil renders a zero time as null.
func timeOrNil(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC()
}
