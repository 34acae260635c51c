// Package server is the rendezvous server's HTTP API and WebSocket control
// plane. It authenticates every request and message, and hands session
// rules to the session's room. Configure a Server through its exported
// fields, call Start, then serve its Handler.
package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"lifeline/rendezvous/ratelimit"
	"lifeline/rendezvous/room"
	"lifeline/rendezvous/store"
	"lifeline/shared/protocol"
)

// Defaults for the zero values of Server's fields.
const (
	DefaultGrace        = 5 * time.Minute
	DefaultRestartGrace = 15 * time.Minute
	DefaultPingInterval = 20 * time.Second
	DefaultICETTL       = 12 * time.Hour
)

// Relay describes the TURN relay whose credentials are handed to
// participants. Nil means no relay.
type Relay struct {
	UDPPort, TCPPort int
	Secret           []byte
	// TTL bounds a credential's life; it also stops working as soon as its
	// participant leaves. Long enough that an allocation can be refreshed
	// for a whole working day.
	TTL time.Duration
}

// Server is the rendezvous server.
type Server struct {
	Store store.Store
	Log   *slog.Logger
	// PublicHost is the host name clients use to reach the server, for
	// join links and relay addresses. Empty: the Host of each request.
	PublicHost string
	// PublicURL, when set, is the address clients use, such as the
	// https:// address of a reverse proxy in front of the server (see
	// proxy.go and CheckPublicURL); links and downloaded agents name it.
	PublicURL string
	// TrustedProxies are the reverse proxies whose X-Forwarded-For and
	// X-Forwarded-Proto headers are believed (proxy.go).
	TrustedProxies []netip.Prefix
	Grace          time.Duration
	// RestartGrace is how long a customer whose computer restarts keeps its
	// place and its resume token is valid (see POST /sessions/{id}/restart).
	// A reboot and a login take longer than a dropped connection.
	RestartGrace time.Duration
	PingInterval time.Duration
	Relay        *Relay
	Now          func() time.Time
	// JoinLimiter counts wrong session numbers per address (IPv6 per /64).
	JoinLimiter *ratelimit.Limiter
	// Metrics are registered on a registry of their own.
	Metrics *Metrics
	// Agents are the agent programs the join page offers (downloads.go).
	Agents AgentDownloads
	// RetentionInterval is how often the report data past the site's
	// retention period is deleted (retention.go); the first purge is at
	// Start. Zero: DefaultRetentionInterval.
	RetentionInterval time.Duration
	// SettingsInterval is how often live sessions read their settings
	// again (settings_watch.go). Zero: DefaultSettingsInterval.
	SettingsInterval time.Duration

	hub     *room.Hub
	roomCfg *room.Config
	mux     *http.ServeMux
	conns   sync.Map // *wsConn → struct{}
	stop    chan struct{}
	// settingsNow wakes watchSettings (settingsChanged).
	settingsNow chan struct{}
	stopOnce    sync.Once
	wg          sync.WaitGroup
	// boardChanged is told when what the queue board shows may have
	// changed outside the queues: a session opened or closed (how many
	// sessions its CSR hosts, and so whether they may Accept Next), or
	// settings changed (a queue's tracking code, session mode, maximum).
	// The board's long polls answer again. The desk sets it; rooms
	// reopened at Start, before the desk exists, have nobody to tell yet.
	boardChanged atomic.Pointer[func()]
}

// Start fills in defaults, reopens the sessions that were live when the
// server last stopped (their participants get the grace period to come
// back), and starts the keep-alive loop.
func (s *Server) Start(ctx context.Context) error {
	if s.Store == nil {
		return errors.New("server: no store")
	}
	if s.Log == nil {
		s.Log = slog.Default()
	}
	if s.Grace == 0 {
		s.Grace = DefaultGrace
	}
	if s.RestartGrace == 0 {
		s.RestartGrace = DefaultRestartGrace
	}
	if s.PingInterval == 0 {
		s.PingInterval = DefaultPingInterval
	}
	if s.Now == nil {
		s.Now = time.Now
	}
	if s.JoinLimiter == nil {
		s.JoinLimiter = ratelimit.New(10, 10*time.Minute)
	}
	if s.Metrics == nil {
		s.Metrics = NewMetrics()
	}
	if s.Relay != nil && s.Relay.TTL == 0 {
		s.Relay.TTL = DefaultICETTL
	}
	if s.RetentionInterval <= 0 {
		s.RetentionInterval = DefaultRetentionInterval
	}
	if s.SettingsInterval <= 0 {
		s.SettingsInterval = DefaultSettingsInterval
	}
	s.hub = room.NewHub()
	s.stop = make(chan struct{})
	s.settingsNow = make(chan struct{}, 1)
	s.roomCfg = &room.Config{
		Store: s.Store, Log: s.Log, Grace: s.Grace, RestartGrace: s.RestartGrace, Now: s.Now,
		Presence: func(id string, present bool) {
			s.hub.SetPresent(id, present)
			if present {
				s.Metrics.Participants.Inc()
			} else {
				s.Metrics.Participants.Dec()
			}
		},
		Closed: func(id string) {
			s.hub.Remove(id)
			s.Metrics.LiveSessions.Dec()
			s.tellBoard()
		},
	}
	if s.Relay != nil {
		s.roomCfg.ICE = func(participantID string) []protocol.ICEServer {
			return iceServers(s.Relay, s.relayHost(), participantID, s.Now())
		}
	}
	s.Metrics.hub = s.hub
	live, err := s.Store.LiveSessions(ctx)
	if err != nil {
		return fmt.Errorf("server: load live sessions: %w", err)
	}
	for _, sess := range live {
		if err := s.reopen(ctx, sess); err != nil {
			return err
		}
	}
	if len(live) > 0 {
		s.Log.Info("reopened live sessions", "count", len(live), "grace", s.Grace)
	}
	s.routes()
	s.wg.Add(3)
	go s.keepAlive()
	go s.retain()
	go s.watchSettings()
	return nil
}

func (s *Server) reopen(ctx context.Context, sess store.Session) error {
	parts, err := s.Store.Participants(ctx, sess.ID)
	if err != nil {
		return fmt.Errorf("server: reopen session %s: %w", sess.ID, err)
	}
	last, err := s.Store.LastSeq(ctx, sess.ID)
	if err != nil {
		return fmt.Errorf("server: reopen session %s: %w", sess.ID, err)
	}
	s.openRoom(sess, parts, last)
	return nil
}

func (s *Server) openRoom(sess store.Session, parts []store.Participant, lastSeq int64) *room.Room {
	s.Metrics.LiveSessions.Inc()
	r := room.Open(s.roomCfg, sess, parts, lastSeq)
	s.hub.Add(r)
	s.tellBoard()
	return r
}

func (s *Server) tellBoard() {
	if f := s.boardChanged.Load(); f != nil {
		(*f)()
	}
}

// Hub exposes the live sessions, for the relay's credential check.
func (s *Server) Hub() *room.Hub { return s.hub }

// Handler serves the API, the WebSocket, the join page, health and metrics.
func (s *Server) Handler() http.Handler { return s.fromProxy(s.mux) }

// Shutdown closes every WebSocket with "going away", so that clients
// reconnect (to this server after a restart, within the grace period), and
// stops the keep-alive loop and the report retention. It does not end any
// session.
func (s *Server) Shutdown(ctx context.Context) error {
	s.stopOnce.Do(func() { close(s.stop) })
	for _, r := range s.hub.Rooms() {
		r.Stop()
	}
	s.conns.Range(func(k, _ any) bool {
		k.(*wsConn).closeNow(websocketGoingAway, "server shutting down")
		return true
	})
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (s *Server) routes() {
	m := http.NewServeMux()
	m.HandleFunc("POST /api/v1/login", s.handleLogin)
	m.HandleFunc("POST /api/v1/logout", s.handleLogout)
	m.HandleFunc("GET /api/v1/me", s.handleMe)
	m.HandleFunc("GET /api/v1/settings", s.handleSettings)
	m.HandleFunc("POST /api/v1/sessions", s.handleCreateSession)
	m.HandleFunc("GET /api/v1/sessions", s.handleListSessions)
	m.HandleFunc("GET /api/v1/sessions/{id}", s.handleGetSession)
	m.HandleFunc("POST /api/v1/sessions/{id}/end", s.handleEndSession)
	m.HandleFunc("POST /api/v1/sessions/{id}/leave", s.handleLeaveSession)
	m.HandleFunc("GET /api/v1/sessions/{id}/report", s.handleReport)
	m.HandleFunc("POST /api/v1/sessions/{id}/restart", s.handleRestart)
	m.HandleFunc("POST /api/v1/join", s.handleJoin)
	m.HandleFunc("POST /api/v1/resume", s.handleResume)
	m.HandleFunc("GET /api/v1/reports/sessions", s.handleSessionsReport)
	m.HandleFunc("GET /api/v1/ws", s.handleWS)
	m.HandleFunc("GET /api/v1/scripts", s.handleListScripts)
	m.HandleFunc("POST /api/v1/scripts", s.handleCreateScript)
	m.HandleFunc("GET /api/v1/scripts/{id}", s.handleGetScript)
	m.HandleFunc("PUT /api/v1/scripts/{id}", s.handleUpdateScript)
	m.HandleFunc("DELETE /api/v1/scripts/{id}", s.handleDeleteScript)
	m.HandleFunc("GET /api/v1/scripts/{id}/script", s.handleScriptFile(false))
	m.HandleFunc("GET /api/v1/scripts/{id}/input", s.handleScriptFile(true))
	m.HandleFunc("GET /api/v1/script-categories", s.handleScriptCategories)
	s.queueRoutes(m)
	s.reportRoutes(m)
	s.reportPageRoutes(m)
	s.adminRoutes(m)
	m.HandleFunc("/api/v1/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "no_such_endpoint", fmt.Sprintf("There is no API endpoint %s %s.", r.Method, r.URL.Path))
	})
	s.joinRoutes(m)
	m.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"status": "ok", "live_sessions": s.hub.Len()})
	})
	m.Handle("GET /metrics", s.Metrics.Handler())
	s.mux = m
}

// apiError is the body of every error response.
type apiError struct {
	Error string `json:"error"`
	Code  string `json:"code"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, apiError{Error: msg, Code: code})
}

// writeErr maps a refusal from a room, or any other error, to a response.
func (s *Server) writeErr(w http.ResponseWriter, err error) {
	var re *room.Error
	if errors.As(err, &re) {
		writeError(w, re.Status, re.Code, re.Msg)
		return
	}
	s.Log.Error("request failed", "err", err)
	writeError(w, http.StatusInternalServerError, "internal_error", "The server could not complete this request; nothing was changed. Please try again.")
}

// readJSON decodes a request body of at most 1 MiB into v.
func readJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
	dec := json.NewDecoder(r.Body)
	if err := dec.Decode(v); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			writeError(w, http.StatusRequestEntityTooLarge, "body_too_large", "The request body is larger than 1 MiB.")
		} else {
			writeError(w, http.StatusBadRequest, "malformed_json", "The request body is not valid JSON: "+err.Error())
		}
		return false
	}
	return true
}

// relayHost is the host put in relay URLs: the public host, or localhost
// for a server that was not told its public name.
func (s *Server) relayHost() string {
	if s.PublicHost != "" {
		return s.PublicHost
	}
	return "localhost"
}
