// Package consent is the customer's permissions, kept by the agent itself:
// nothing is captured, injected, read or written unless the customer
// granted it, whatever the console or the server sends.
package consent

import (
	"sync"

	"lifeline/shared/protocol"
)

// Answer is the customer's answer to one request.
type Answer int

// Answers, as the terminal prompt spells them: n, y, a.
const (
	Deny      Answer = iota
	AllowOnce        // this request only
	AllowAll         // this and every further request during this session
)

// Grants records what the customer allowed, per CSR. It is safe for
// concurrent use: the input path checks it on every event.
type Grants struct {
	mu      sync.RWMutex
	all     bool
	allowed map[string]map[string]bool // participant → action → allowed
}

// New returns an empty set: nothing is allowed.
func New() *Grants { return &Grants{allowed: map[string]map[string]bool{}} }

// AllowsAll reports whether the customer granted every request for the
// session, so that a new request is allowed without asking again.
func (g *Grants) AllowsAll() bool {
	g.mu.RLock()
	defer g.mu.RUnlock()
	return g.all
}

// Record stores an answer for one request from a participant.
func (g *Grants) Record(participant, action string, a Answer) {
	if a == Deny {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if a == AllowAll {
		g.all = true
	}
	m := g.allowed[participant]
	if m == nil {
		m = map[string]bool{}
		g.allowed[participant] = m
	}
	m[action] = true
	// Control without view would be blind: granting control grants view.
	if action == protocol.ActionControl {
		m[protocol.ActionView] = true
	}
}

// Allowed reports whether participant may do action now.
func (g *Grants) Allowed(participant, action string) bool {
	g.mu.RLock()
	defer g.mu.RUnlock()
	return g.allowed[participant][action]
}

// Holders lists the participants allowed to do action.
func (g *Grants) Holders(action string) []string {
	g.mu.RLock()
	defer g.mu.RUnlock()
	var out []string
	for p, m := range g.allowed {
		if m[action] {
			out = append(out, p)
		}
	}
	return out
}

// Take uses up a grant for a one-off action (a script run, a system
// information report, a reboot): it reports whether participant may do
// action now, and unless the customer allowed everything for the session,
// the next such action is asked for again.
func (g *Grants) Take(participant, action string) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.allowed[participant][action] {
		return false
	}
	if !g.all {
		delete(g.allowed[participant], action)
	}
	return true
}

// RevokeActions withdraws the given actions from everyone (the screen
// sharing ended: view and control, but not a file transfer).
func (g *Grants) RevokeActions(actions ...string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, m := range g.allowed {
		for _, a := range actions {
			delete(m, a)
		}
	}
}

// Revoke withdraws everything, including "allow all": after the customer
// presses Stop, every further action is asked for again.
func (g *Grants) Revoke() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.all = false
	clear(g.allowed)
}

// RevokeParticipant withdraws what one participant was allowed (it left).
func (g *Grants) RevokeParticipant(participant string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	delete(g.allowed, participant)
}
