package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"lifeline/rendezvous/room"
	"lifeline/rendezvous/settings"
	"lifeline/rendezvous/store"
)

// settingsJSON is the answer to GET /api/v1/settings: the site's settings
// as they apply to the caller, whose own session mode and maximum beat the
// site's. With ?session=ID, those of that session: the site's with the own
// values of the queue it came through laid over, and the queue's quick
// phrases after the site's.
type settingsJSON struct {
	// Queue names the queue whose settings apply, with ?session= only.
	Queue         string       `json:"queue,omitempty"`
	SessionMode   string       `json:"session_mode"`
	MaxCustomers  int          `json:"max_customers"`
	TrackingCode  string       `json:"tracking_code"`
	SessionTypes  []string     `json:"session_types"`
	QuickPhrases  []phraseJSON `json:"quick_phrases"`
	Features      featuresJSON `json:"features"`
	DefaultMode   string       `json:"default_mode"`
	DefaultColors string       `json:"default_colors"`
	MaxTransferMB int          `json:"max_transfer_mb"`
	RetentionDays int          `json:"retention_days"`
}

type phraseJSON struct {
	ID   string `json:"id"`
	Text string `json:"text"`
}

type featuresJSON struct {
	FileTransfer bool `json:"file_transfer"`
	Scripts      bool `json:"scripts"`
	SystemInfo   bool `json:"system_info"`
	Reboot       bool `json:"reboot"`
	Recording    bool `json:"recording"`
}

func (s *Server) handleSettings(w http.ResponseWriter, r *http.Request) {
	u, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	var (
		pol     policy
		q       store.Queue
		phrases []store.QuickPhrase
		err     error
	)
	if id := r.URL.Query().Get("session"); id != "" {
		pol, q, err = s.sessionPolicy(ctx, u, id)
	} else {
		pol, err = s.loadPolicy(ctx, u)
	}
	if err == nil {
		phrases, err = s.Store.QuickPhrases(ctx)
	}
	if err == nil && q.ID != "" {
		var own []store.QuickPhrase
		own, err = s.Store.QueuePhrases(ctx, q.Name)
		if errors.Is(err, store.ErrNotFound) {
			// A removed queue's phrases went with it; its settings stay
			// with the sessions that came through it.
			own, err = nil, nil
		}
		phrases = append(phrases, own...)
	}
	if err != nil {
		s.writeErr(w, err)
		return
	}
	out := settingsJSON{
		Queue:       q.Name,
		SessionMode: pol.mode, MaxCustomers: pol.max, TrackingCode: pol.site.TrackingCode,
		SessionTypes: pol.types, QuickPhrases: make([]phraseJSON, 0, len(phrases)),
		Features: featuresJSON(pol.site.Features), DefaultMode: pol.site.DefaultMode, DefaultColors: pol.site.DefaultColors,
		MaxTransferMB: pol.site.MaxTransferMB, RetentionDays: pol.site.RetentionDays,
	}
	if out.SessionTypes == nil {
		out.SessionTypes = []string{} // [] rather than null: "no types" is a list too
	}
	for _, p := range phrases {
		out.QuickPhrases = append(out.QuickPhrases, phraseJSON{ID: p.ID, Text: p.Text})
	}
	writeJSON(w, http.StatusOK, out)
}

// sessionPolicy is the policy of CSR u in session id, which u must be in:
// the settings of the queue it came through, or the site's.
func (s *Server) sessionPolicy(ctx context.Context, u *store.User, id string) (policy, store.Queue, error) {
	if _, _, err := s.actor(ctx, principal{user: u}, id); err != nil {
		return policy{}, store.Queue{}, err
	}
	site, q, err := s.Store.SessionSettings(ctx, id)
	if err != nil {
		return policy{}, q, err
	}
	plain, err := s.Store.SiteSettings(ctx)
	if err != nil {
		return policy{}, q, fmt.Errorf("load settings: %w", err)
	}
	pol, err := s.policyFor(ctx, u, site, q, plain)
	return pol, q, err
}

// policy is what applies to one CSR starting a session, or accepting one
// from a queue. It is read from the database on every request, never
// cached, so that a setting changed with the command line while the server
// runs applies to the next request.
type policy struct {
	site  settings.Site
	mode  string // the effective session mode
	max   int    // the effective maximum of hosted sessions
	types []string
	// modeBy and maxBy name whose setting decided mode and max, for the
	// refusals: "your account" (its own, or the site's, which a CSR knows
	// as the account's), or "the Billing queue" when a queue's own value
	// did. where names whose tracking code policy applies.
	modeBy, maxBy, where string
}

func (s *Server) loadPolicy(ctx context.Context, u *store.User) (policy, error) {
	site, err := s.Store.SiteSettings(ctx)
	if err != nil {
		return policy{}, fmt.Errorf("load settings: %w", err)
	}
	return s.policyFor(ctx, u, site, store.Queue{}, site)
}

// policyFor is the policy of u under site, which is the site's settings
// (plain), or those of queue q: plain with q's own values laid over. The
// account's own limits are laid over either.
func (s *Server) policyFor(ctx context.Context, u *store.User, site settings.Site, q store.Queue, plain settings.Site) (policy, error) {
	types, err := s.Store.SessionTypes(ctx)
	if err != nil {
		return policy{}, fmt.Errorf("load session types: %w", err)
	}
	p := limitsFor(u, site, q, plain)
	p.types = types
	return p, nil
}

// limitsFor is policyFor without the session types: the limits and whose
// they are, read from nothing but its arguments, for the queue board,
// which asks it once per queue.
func limitsFor(u *store.User, site settings.Site, q store.Queue, plain settings.Site) policy {
	p := policy{site: site, modeBy: "your account", maxBy: "your account", where: "this site"}
	p.mode, p.max = site.Effective(u.Limits)
	if q.ID != "" {
		// Where the queue's value equals the site's, it does not matter
		// whose it is; where it differs, the queue's decided.
		queue := "the " + q.DisplayName + " queue"
		if site.SessionMode != plain.SessionMode && u.Limits.SessionMode == "" {
			p.modeBy = queue
		}
		if site.MaxCustomers != plain.MaxCustomers && u.Limits.MaxCustomers == 0 {
			p.maxBy = queue
		}
		if site.TrackingCode != plain.TrackingCode {
			p.where = queue
		}
	}
	return p
}

// sessionType checks the type asked for a new session and returns it as it
// is stored. Without configured types, any type is stored as given: nothing
// is asked, and a client that sends one anyway loses nothing.
func (p policy) sessionType(asked string) (string, error) {
	if len(p.types) == 0 {
		return asked, nil
	}
	asked = strings.TrimSpace(asked)
	if asked == "" {
		return "", &room.Error{Status: http.StatusBadRequest, Code: "session_type_required",
			Msg: fmt.Sprintf("Choose a session type: %s.", orList(p.types))}
	}
	for _, t := range p.types {
		if settings.FoldSessionType(t) == settings.FoldSessionType(asked) {
			return t, nil // as the site spells it, whatever the case asked
		}
	}
	return "", &room.Error{Status: http.StatusBadRequest, Code: "unknown_session_type",
		Msg: fmt.Sprintf("%q is not a session type of this site; choose %s.", asked, orList(p.types))}
}

// trackingCode checks the tracking code of a new session. When the site
// does not ask for one, a code given anyway is still stored: it is harmless
// and may matter to whoever sent it.
func (p policy) trackingCode(code string) (string, error) {
	code = strings.TrimSpace(code)
	if code == "" && p.site.TrackingCode == settings.TrackingRequired {
		return "", &room.Error{Status: http.StatusBadRequest, Code: "tracking_code_required",
			Msg: fmt.Sprintf("Enter a tracking code: %s needs one for every session.", p.where)}
	}
	return code, nil
}

// tooMany is the refusal of a session start beyond the CSR's maximum.
func (p policy) tooMany(hosted int) error {
	var msg string
	switch {
	case p.mode == settings.ModeSingle && hosted == 1:
		msg = fmt.Sprintf("You already have a session open, and %s works on one session at a time. End it before starting another.", p.modeBy)
	case p.mode == settings.ModeSingle:
		// Sessions from elsewhere (another queue, or before the mode changed).
		msg = fmt.Sprintf("You already have %d sessions open, and %s works on one session at a time. End them before starting another.", hosted, p.modeBy)
	case hosted > p.max:
		// The maximum is lower than before, or than another queue's.
		msg = fmt.Sprintf("You already have %d sessions open, and %s allows %d. End %d of them before starting another.",
			hosted, p.maxBy, p.max, hosted-p.max+1)
	case hosted == 1:
		msg = fmt.Sprintf("You already have 1 session open, the most %s allows. End it before starting another.", p.maxBy)
	default:
		msg = fmt.Sprintf("You already have %d sessions open, the most %s allows. End one before starting another.", hosted, p.maxBy)
	}
	return &room.Error{Status: http.StatusConflict, Code: "too_many_sessions", Msg: msg}
}

// orList renders ["A","B","C"] as "A, B or C".
func orList(items []string) string {
	if len(items) <= 1 {
		return strings.Join(items, "")
	}
	return strings.Join(items[:len(items)-1], ", ") + " or " + items[len(items)-1]
}
