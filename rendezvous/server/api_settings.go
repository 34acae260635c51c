package server

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"lifeline/rendezvous/room"
	"lifeline/rendezvous/settings"
	"lifeline/rendezvous/store"
)

// settingsJSON is the answer to GET /api/v1/settings: the site's settings
// as they apply to the caller, whose own session mode and maximum beat the
// site's.
type settingsJSON struct {
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
	pol, err := s.loadPolicy(ctx, u)
	if err != nil {
		s.writeErr(w, err)
		return
	}
	phrases, err := s.Store.QuickPhrases(ctx)
	if err != nil {
		s.writeErr(w, err)
		return
	}
	out := settingsJSON{
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

// policy is what applies to one CSR starting a session. It is read from the
// database on every request, never cached, so that a setting changed with
// the command line while the server runs applies to the next request.
type policy struct {
	site  settings.Site
	mode  string // the effective session mode
	max   int    // the effective maximum of hosted sessions
	types []string
}

func (s *Server) loadPolicy(ctx context.Context, u *store.User) (policy, error) {
	site, err := s.Store.SiteSettings(ctx)
	if err != nil {
		return policy{}, fmt.Errorf("load settings: %w", err)
	}
	types, err := s.Store.SessionTypes(ctx)
	if err != nil {
		return policy{}, fmt.Errorf("load session types: %w", err)
	}
	p := policy{site: site, types: types}
	p.mode, p.max = site.Effective(u.Limits)
	return p, nil
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
			Msg: "Enter a tracking code: this site needs one for every session."}
	}
	return code, nil
}

// tooMany is the refusal of a session start beyond the CSR's maximum.
func (p policy) tooMany(hosted int) error {
	var msg string
	switch {
	case p.mode == settings.ModeSingle && hosted == 1:
		msg = "You already have a session open, and your account works on one session at a time. End it before starting another."
	case p.mode == settings.ModeSingle:
		// Switched to single mode while these sessions were open.
		msg = fmt.Sprintf("You already have %d sessions open, and your account now works on one session at a time. End them before starting another.", hosted)
	case hosted > p.max:
		// The maximum was lowered while these sessions were open.
		msg = fmt.Sprintf("You already have %d sessions open, and your account now allows %d. End %d of them before starting another.",
			hosted, p.max, hosted-p.max+1)
	case hosted == 1:
		msg = "You already have 1 session open, the most your account allows. End it before starting another."
	default:
		msg = fmt.Sprintf("You already have %d sessions open, the most your account allows. End one before starting another.", hosted)
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
