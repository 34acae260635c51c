package server

import (
	"cmp"
	"net/http"
	"slices"
	"strings"

	"lifeline/rendezvous/store"
)

// Where a session can be transferred to: every live queue and every
// colleague, so that the Transfer Session dialog offers them all instead
// of only the queues the CSR serves. The list is a help for choosing; the
// transfer itself checks its target again when it is posted, since a
// queue may be removed or an account disabled in between.

// targetQueueJSON is one queue a session can be transferred to.
type targetQueueJSON struct {
	Name        string `json:"name"`
	DisplayName string `json:"display_name"`
	Waiting     int    `json:"waiting"`        // customers in line now, transferred sessions included
	Members     int    `json:"members"`        // enabled accounts that serve it
	Online      int    `json:"members_online"` // of those, how many have a console connected now
	YouServe    bool   `json:"you_serve"`
}

// targetCSRJSON is one colleague a session can be transferred to.
type targetCSRJSON struct {
	Email  string `json:"email"`
	Name   string `json:"name"`
	Online bool   `json:"online"`
}

// handleTransferTargets is GET /api/v1/transfer-targets: the live queues
// by name, and the enabled accounts other than the caller's, those online
// first, then by name. Any logged-in CSR, manager or admin may ask (each
// may transfer a session they host); a customer's token is refused.
func (d *desk) handleTransferTargets(w http.ResponseWriter, r *http.Request) {
	u, ok := d.s.requireUser(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	queues, err := d.s.Store.Queues(ctx)
	if err != nil {
		d.s.writeErr(w, err)
		return
	}
	waiting, err := d.s.Store.WaitingRequests(ctx, store.WaitingFilter{})
	if err != nil {
		d.s.writeErr(w, err)
		return
	}
	inLine := map[string]int{}
	for _, req := range waiting {
		if req.QueueID != "" {
			inLine[req.QueueID]++
		}
	}
	online := d.s.onlineUsers()

	outQ := make([]targetQueueJSON, 0, len(queues))
	for _, q := range queues {
		// One query per queue: a site has tens of queues, and the store
		// has no query for every membership at once.
		members, err := d.s.Store.QueueMembers(ctx, q.Name)
		if err != nil {
			d.s.writeErr(w, err)
			return
		}
		t := targetQueueJSON{Name: q.Name, DisplayName: q.DisplayName, Waiting: inLine[q.ID]}
		for _, m := range members {
			if m.Disabled {
				continue
			}
			t.Members++
			if online[m.ID] {
				t.Online++
			}
			if m.ID == u.ID {
				t.YouServe = true
			}
		}
		outQ = append(outQ, t)
	}

	users, err := d.s.Store.ListUsers(ctx)
	if err != nil {
		d.s.writeErr(w, err)
		return
	}
	outC := make([]targetCSRJSON, 0, len(users))
	for _, c := range users {
		// handleTransfer refuses the caller and disabled accounts: they are
		// no choice.
		if c.ID == u.ID || c.Disabled {
			continue
		}
		outC = append(outC, targetCSRJSON{Email: c.Email, Name: c.Name, Online: online[c.ID]})
	}
	slices.SortStableFunc(outC, func(a, b targetCSRJSON) int {
		if a.Online != b.Online {
			if a.Online {
				return -1
			}
			return 1
		}
		return cmp.Or(cmp.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)), cmp.Compare(a.Email, b.Email))
	})
	writeJSON(w, http.StatusOK, map[string]any{"queues": outQ, "csrs": outC})
}

// onlineUsers is the set of accounts with a control connection open to
// this server now: the console opens one at login and keeps it (it
// reconnects after a drop), so this is "has a console running". A
// connection that died without closing counts until the keep-alive finds
// it dead, within PingInterval and the write timeout.
func (s *Server) onlineUsers() map[string]bool {
	on := map[string]bool{}
	s.conns.Range(func(k, _ any) bool {
		c := k.(*wsConn)
		c.mu.Lock()
		closed := c.closed
		c.mu.Unlock()
		if c.user != nil && !closed {
			on[c.user.ID] = true
		}
		return true
	})
	return on
}
