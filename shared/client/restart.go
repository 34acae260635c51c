package client

import (
	"context"
	"net/url"
	"time"
)

// RestartTicket is the answer to Restart: the resume token the agent keeps
// across the reboot, and when it stops working.
type RestartTicket struct {
	ResumeToken string    `json:"resume_token"`
	ExpiresAt   time.Time `json:"expires_at"`
}

// Error codes of Restart and Resume; test with IsCode.
const (
	CodeCustomersOnly      = "customers_only"       // 403: Restart with a CSR's token
	CodeInvalidResumeToken = "invalid_resume_token" // 404: no such resume token
	CodeResumeTokenUsed    = "resume_token_used"    // 410: each works once
	CodeResumeTokenExpired = "resume_token_expired" // 410: the restart grace is over
	CodeSessionEnded       = "session_ended"        // 410: the session ended meanwhile
	CodeParticipantGone    = "participant_gone"     // 410: the place was given up meanwhile
)

// Restart tells the server that the customer's computer is about to
// reboot, with the customer's permission: the participant shows as
// restarting and keeps its place for the server's restart grace (15
// minutes by default) instead of the normal grace. The client's token
// must be the customer's participant token. Keep the ticket's token
// somewhere that survives the reboot, and come back with Resume.
func (c *Client) Restart(ctx context.Context, sessionID string) (RestartTicket, error) {
	var r RestartTicket
	_, err := c.do(ctx, "POST", "/api/v1/sessions/"+url.PathEscape(sessionID)+"/restart", nil, &r)
	return r, err
}

// Resume brings the agent back into its session after the reboot, as the
// same participant, with a new participant token in Joined.Token (the old
// one no longer works). No token is needed; the resume token works once.
func (c *Client) Resume(ctx context.Context, resumeToken string) (Joined, error) {
	var r Joined
	_, err := c.WithToken("").do(ctx, "POST", "/api/v1/resume", map[string]string{"resume_token": resumeToken}, &r)
	return r, err
}
