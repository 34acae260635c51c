package client

import (
	"context"
	"net/url"

	"lifeline/shared/protocol"
)

// Session modes (Settings.SessionMode).
const (
	SessionModeSingle = "single" // one session at a time
	SessionModeMulti  = "multi"  // several side by side, up to MaxCustomers
)

// Tracking code policies (Settings.TrackingCode).
const (
	TrackingCodeOff      = "off"      // not asked
	TrackingCodeOptional = "optional" // asked, may be left empty
	TrackingCodeRequired = "required" // asked, CreateSession refuses an empty one
)

// Viewer defaults (Settings.DefaultMode and Settings.DefaultColors).
const (
	ViewModeStandard = "standard"
	ViewModeSampling = "sampling"

	ColorsFull = "full"
	Colors16   = "16bit"
	Colors256  = "256"
)

// Error codes of CreateSession that follow from the settings; test with
// IsCode.
const (
	CodeTooManySessions      = "too_many_sessions"      // 409: at MaxCustomers; end one first
	CodeSessionTypeRequired  = "session_type_required"  // 400: SessionTypes is not empty
	CodeUnknownSessionType   = "unknown_session_type"   // 400: not one of SessionTypes
	CodeTrackingCodeRequired = "tracking_code_required" // 400: TrackingCode is "required"
)

// Settings are the site's settings as they apply to the logged-in CSR: the
// account's own session mode and maximum, where it has them, beat the
// site's. The server enforces SessionMode, MaxCustomers, TrackingCode and
// SessionTypes when a session starts; the rest are for the console to
// follow.
type Settings struct {
	// Queue is the support queue whose own settings apply, from
	// SessionSettings for a session that came through one.
	Queue        string `json:"queue,omitempty"`
	SessionMode  string `json:"session_mode"`  // SessionModeSingle or SessionModeMulti
	MaxCustomers int    `json:"max_customers"` // live sessions the CSR may host at once; 1 in single mode
	TrackingCode string `json:"tracking_code"` // TrackingCodeOff, …Optional or …Required
	// SessionTypes to choose from when a session starts, in the site's
	// order; empty when no type is asked.
	SessionTypes  []string      `json:"session_types"`
	QuickPhrases  []QuickPhrase `json:"quick_phrases"` // prepared chat lines, in order
	Features      Features      `json:"features"`
	DefaultMode   string        `json:"default_mode"`   // ViewModeStandard or ViewModeSampling
	DefaultColors string        `json:"default_colors"` // ColorsFull, Colors16 or Colors256
	// MaxTransferMB is the largest file transfer the site allows, in MiB
	// (State.MaxTransferBytes carries it in bytes into every session).
	MaxTransferMB int `json:"max_transfer_mb"`
	// RetentionDays is how long the record of an ended session is kept
	// for the reports.
	RetentionDays int `json:"retention_days"`
}

// QuickPhrase is a prepared chat line.
type QuickPhrase struct {
	ID   string `json:"id"`
	Text string `json:"text"`
}

// Features says which support features the site has switched on: the
// same set, in the same JSON, as a session's State names.
type Features = protocol.Features

// Settings returns the site's settings as they apply to the logged-in CSR.
// They are read afresh on each call: an administrator may change them
// while the server runs.
func (c *Client) Settings(ctx context.Context) (Settings, error) {
	var s Settings
	_, err := c.do(ctx, "GET", "/api/v1/settings", nil, &s)
	return s, err
}

// SessionSettings returns the settings of a session the logged-in CSR is
// in: the site's with the own values of the queue the session came through
// laid over (Queue names it), and that queue's quick phrases after the
// site's. A session started directly has the site's.
func (c *Client) SessionSettings(ctx context.Context, sessionID string) (Settings, error) {
	var s Settings
	_, err := c.do(ctx, "GET", "/api/v1/settings?session="+url.QueryEscape(sessionID), nil, &s)
	return s, err
}
