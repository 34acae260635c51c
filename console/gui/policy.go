package gui

import (
	"time"

	"lifeline/console/controller"
	"lifeline/shared/client"
	"lifeline/shared/protocol"
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
// the settings switch on.
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
// is open; a change applies at the next login otherwise), the limits and,
// in the sessions that follow the site's alone, the features and quick
// phrases.
func (u *ui) applyPolicy(p policy) {
	u.policy = p
	if len(u.sessions) == 0 {
		u.main.SetSingle(p.single)
	}
	for _, su := range u.sessions {
		su.view.SetFeatures(u.sessionPolicy(su).tools())
		if su.phrases == nil {
			su.view.SetPhrases(p.phrases)
		}
	}
	u.updateLimits()
}

// sessionPolicy is the policy in one session: the site's, with the
// features and display defaults of the session's settings (which carry
// its queue's) laid over when the server sent them.
func (u *ui) sessionPolicy(su *sessionUI) policy {
	p := u.policy
	if s := su.settings; s != nil {
		p.features = client.Features(s.Features)
		p.defaultMode = orDefault(s.DefaultMode, p.defaultMode)
		p.defaultColors = orDefault(s.DefaultColors, p.defaultColors)
	}
	if su.phrases != nil {
		p.phrases = su.phrases
	}
	return p
}

// sessionDefaults are the screen mode and colours a session's viewer
// starts with.
func (u *ui) sessionDefaults(su *sessionUI) (mode, colors string) {
	p := u.sessionPolicy(su)
	return p.defaultMode, p.defaultColors
}

// followSettings follows a change of the session's settings that a State
// brought (an administrator's change, or a transfer to a queue of other
// settings): the tools shown, the display defaults where the CSR kept the
// old ones, and the quick phrases of a new queue.
func (u *ui) followSettings(su *sessionUI, st protocol.State) {
	if st.Settings == nil || (su.settings != nil && *su.settings == *st.Settings) {
		return
	}
	oldMode, oldColors := u.sessionDefaults(su)
	next := *st.Settings
	su.settings = &next
	su.view.SetFeatures(u.sessionPolicy(su).tools())
	if mode, colors := u.sessionDefaults(su); su.mode == oldMode && su.colors == oldColors && (mode != oldMode || colors != oldColors) {
		su.mode, su.colors = mode, colors
		if err := su.s.SetDefaults(mode, colors); err != nil {
			u.cfg.logger().Info("console: display defaults", "err", err)
		}
	}
	u.fetchSessionPhrases(su)
}

// fetchSessionPhrases reads the quick phrases of a session that came
// through a queue (the site's, then the queue's own), off the UI thread;
// a session of the site's alone has the site's, which the policy holds.
// Read again only when the queue changes.
func (u *ui) fetchSessionPhrases(su *sessionUI) {
	queue := ""
	if su.settings != nil {
		queue = su.settings.Queue
	}
	if queue == su.phrasesQueue {
		return
	}
	su.phrasesQueue = queue
	if queue == "" {
		su.phrases = nil
		su.view.SetPhrases(u.policy.phrases)
		return
	}
	c := u.controller()
	if c == nil {
		return
	}
	id := su.s.ID()
	u.goDo(func() {
		ctx, cancel := u.ctx(15 * time.Second)
		s, err := c.API().SessionSettings(ctx, id)
		cancel()
		if err != nil {
			// The site's phrases stay offered; the next change of queue
			// tries again.
			u.cfg.logger().Info("console: the session's quick phrases", "session", id, "err", err)
			return
		}
		phrases := make([]string, 0, len(s.QuickPhrases))
		for _, q := range s.QuickPhrases {
			phrases = append(phrases, q.Text)
		}
		u.do(func() {
			if u.sessions[id] != su || su.phrasesQueue != queue {
				return // closed, or moved to another queue meanwhile
			}
			su.phrases = phrases
			su.view.SetPhrases(phrases)
		})
	})
}
