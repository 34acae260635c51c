package client

import "context"

// TargetQueue is a queue a session can be transferred to.
type TargetQueue struct {
	Name        string `json:"name"`
	DisplayName string `json:"display_name"`
	// Waiting is how many customers are in its line now, transferred
	// sessions included.
	Waiting int `json:"waiting"`
	// Members is how many enabled accounts serve it, MembersOnline how many
	// of those have a console connected to the server now. Admins serve
	// every queue without being counted here.
	Members       int  `json:"members"`
	MembersOnline int  `json:"members_online"`
	YouServe      bool `json:"you_serve"` // the logged-in CSR is a member
}

// TargetCSR is a colleague a session can be transferred to.
type TargetCSR struct {
	Email string `json:"email"`
	Name  string `json:"name"`
	// Online: a console of theirs is connected to the server now.
	Online bool `json:"online"`
}

// TransferTargets is where Transfer Session can send a session: every
// live queue, by name, and every enabled account but the logged-in one's,
// those online first, then by name.
type TransferTargets struct {
	Queues []TargetQueue `json:"queues"`
	CSRs   []TargetCSR   `json:"csrs"`
}

// TransferTargets lists the queues and colleagues a session can be
// transferred to. Any logged-in CSR may ask; the transfer itself checks
// the target again (a queue may be removed, an account disabled, in
// between).
func (c *Client) TransferTargets(ctx context.Context) (TransferTargets, error) {
	var r TransferTargets
	_, err := c.do(ctx, "GET", "/api/v1/transfer-targets", nil, &r)
	return r, err
}
