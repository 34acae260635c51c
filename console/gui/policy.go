package gui

import (
	"time"

	"lifeline/console/controller"
	"lifeline/shared/client"
)

const (
	trackingOff      = client.TrackingCodeOff
	trackingRequired = client.TrackingCodeRequired
)

// policy is what the server's settings mean for this console: how many
// sessions the CSR may host, whether a session type and tracking code are
// asked, the quick phrases and the display defaults. The server enforces
// the limits; the console follows them so that the CSR is not offered
// what would be refused.
type policy struct {
	single        bool
	maxCustomers  int
	sessionTypes  []string
	trackingCode  string
	phrases       []string
	defaultMode   string
	defaultColors string
	features      client.Features
}

func defaultPolicy() policy {
	// Every feature is offered until the server says otherwise; it refuses
	// the ones switched off anyway.
	return policy{maxCustomers: 4, trackingCode: trackingOff, defaultMode: client.ViewModeStandard, defaultColors: client.ColorsFull,
		features: client.Features{FileTransfer: true, Scripts: true, SystemInfo: true, Reboot: true, Recording: true}}
}

func policyFrom(s client.Settings) policy {
	p := defaultPolicy()
	p.single = s.SessionMode == client.SessionModeSingle
	if s.MaxCustomers > 0 {
		p.maxCustomers = s.MaxCustomers
	}
	if p.single {
		p.maxCustomers = 1
	}
	if s.TrackingCode != "" {
		p.trackingCode = s.TrackingCode
	}
	p.sessionTypes = s.SessionTypes
	for _, q := range s.QuickPhrases {
		p.phrases = append(p.phrases, q.Text)
	}
	if s.DefaultMode != "" {
		p.defaultMode = s.DefaultMode
	}
	if s.DefaultColors != "" {
		p.defaultColors = s.DefaultColors
	}
	p.features = s.Features
	return p
}

// tools are the session panel's tools for the customer's computer that
// the site has switched on.
func (p policy) tools() toolFeatures {
	f := p.features
	return toolFeatures{SystemInfo: f.SystemInfo, Scripts: f.Scripts, Reboot: f.Reboot,
		FileTransfer: f.FileTransfer, Publish: f.FileTransfer}
}

// fetchPolicy reads the settings (off the UI thread). A server that cannot
// say keeps the defaults; it still refuses what its rules forbid.
func (u *ui) fetchPolicy(c *controller.Controller) policy {
	ctx, cancel := u.ctx(15 * time.Second)
	defer cancel()
	s, err := c.API().Settings(ctx)
	if err != nil {
		u.cfg.logger().Info("console: settings", "err", err)
		return defaultPolicy()
	}
	return policyFrom(s)
}

// applyPolicy follows new settings: the session mode (before any session
// is open; a change applies at the next login otherwise), the limits and
// the quick phrases.
func (u *ui) applyPolicy(p policy) {
	u.policy = p
	if len(u.sessions) == 0 {
		u.main.SetSingle(p.single)
	}
	for _, su := range u.sessions {
		su.view.SetPhrases(p.phrases)
		su.view.SetFeatures(p.tools())
	}
	u.updateLimits()
}
