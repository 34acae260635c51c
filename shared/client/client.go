// Package client is the Go client of the rendezvous server's HTTP API and
// WebSocket control plane, used by the console, the agent and the tests.
package client

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"lifeline/shared/protocol"
)

// Client talks to one rendezvous server. Token is the bearer token sent
// with requests: a CSR's login token or a customer's participant token.
type Client struct {
	BaseURL string
	Token   string
	HTTP    *http.Client
	tls     *tls.Config
}

// New returns a client of the server at baseURL ("https://host:port").
// tlsConf may be nil for the system roots; use tlsutil.ClientConfig for a
// CA file or a pinned fingerprint.
func New(baseURL string, tlsConf *tls.Config) *Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	// A copy: net/http configures HTTP/2 on the transport's config (its
	// NextProtos) at the first request, which must not touch a config the
	// caller shares with other clients.
	tr.TLSClientConfig = tlsConf.Clone()
	return &Client{
		BaseURL: strings.TrimRight(baseURL, "/"),
		HTTP:    &http.Client{Transport: tr, Timeout: 30 * time.Second},
		tls:     tlsConf,
	}
}

// WithToken returns a copy of the client that sends another token.
func (c *Client) WithToken(token string) *Client {
	cp := *c
	cp.Token = token
	return &cp
}

// APIError is an error response of the server.
type APIError struct {
	Status     int
	Code       string
	Message    string
	RetryAfter time.Duration
}

func (e *APIError) Error() string {
	return fmt.Sprintf("%s (%s, HTTP %d)", e.Message, e.Code, e.Status)
}

// IsCode reports whether err is an APIError (or a refused WebSocket
// request) with the given code.
func IsCode(err error, code string) bool {
	var ae *APIError
	return errors.As(err, &ae) && ae.Code == code
}

// do sends a request with a JSON body (nil for none) and decodes a JSON
// answer into out (nil to discard). It returns the raw body for callers
// that want text or CSV.
func (c *Client) do(ctx context.Context, method, path string, in, out any) ([]byte, error) {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return nil, fmt.Errorf("%s %s: %w", method, path, err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.BaseURL+path, body)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, fmt.Errorf("%s %s: read answer: %w", method, path, err)
	}
	if resp.StatusCode >= 300 {
		ae := &APIError{Status: resp.StatusCode, Code: "http_error", Message: strings.TrimSpace(string(b))}
		var e struct{ Error, Code string }
		if json.Unmarshal(b, &e) == nil && e.Code != "" {
			ae.Code, ae.Message = e.Code, e.Error
		}
		if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil {
			ae.RetryAfter = time.Duration(s) * time.Second
		}
		return b, ae
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			return b, fmt.Errorf("%s %s: decode answer: %w", method, path, err)
		}
	}
	return b, nil
}

// LoginResult is the answer to Login.
type LoginResult struct {
	Token     string        `json:"token"`
	User      protocol.User `json:"user"`
	ExpiresAt time.Time     `json:"expires_at"`
}

// Login logs a CSR in and keeps the token for further requests.
func (c *Client) Login(ctx context.Context, email, password string) (LoginResult, error) {
	var r LoginResult
	_, err := c.do(ctx, "POST", "/api/v1/login", map[string]string{"email": email, "password": password}, &r)
	if err == nil {
		c.Token = r.Token
	}
	return r, err
}

// Logout ends the login of the current token.
func (c *Client) Logout(ctx context.Context) error {
	_, err := c.do(ctx, "POST", "/api/v1/logout", nil, nil)
	return err
}

// Me returns the logged-in user.
func (c *Client) Me(ctx context.Context) (protocol.User, error) {
	var r struct{ User protocol.User }
	_, err := c.do(ctx, "GET", "/api/v1/me", nil, &r)
	return r.User, err
}

// Created is the answer to CreateSession.
type Created struct {
	ID            string `json:"id"`
	Number        string `json:"number"`
	JoinURL       string `json:"join_url"`
	ParticipantID string `json:"participant_id"`
	Token         string `json:"token"`
}

// CreateSession starts a support session with the logged-in CSR as host.
// A refusal is an *APIError that keeps the server's code: the ones that
// follow from the site's Settings are CodeTooManySessions,
// CodeSessionTypeRequired, CodeUnknownSessionType and
// CodeTrackingCodeRequired, and its Message says what to do.
func (c *Client) CreateSession(ctx context.Context, sessionType, trackingCode string) (Created, error) {
	var r Created
	_, err := c.do(ctx, "POST", "/api/v1/sessions", map[string]string{"type": sessionType, "tracking_code": trackingCode}, &r)
	return r, err
}

// Joined is the answer to Join and to Resume.
type Joined struct {
	SessionID     string `json:"session_id"`
	Number        string `json:"number"`
	ParticipantID string `json:"participant_id"`
	Token         string `json:"token"`
	Role          string `json:"role"`
	Name          string `json:"name"`
}

// Join enters a session by number as a customer; no login is needed.
func (c *Client) Join(ctx context.Context, number, name, email string) (Joined, error) {
	var r Joined
	_, err := c.do(ctx, "POST", "/api/v1/join", map[string]string{"number": number, "name": name, "email": email}, &r)
	return r, err
}

// Session returns a session as the caller may see it.
func (c *Client) Session(ctx context.Context, id string) (protocol.State, error) {
	var r protocol.State
	_, err := c.do(ctx, "GET", "/api/v1/sessions/"+url.PathEscape(id), nil, &r)
	return r, err
}

// LiveSessions lists the live sessions the logged-in CSR is in.
func (c *Client) LiveSessions(ctx context.Context) ([]protocol.State, error) {
	var r struct{ Sessions []protocol.State }
	_, err := c.do(ctx, "GET", "/api/v1/sessions", nil, &r)
	return r.Sessions, err
}

// EndSession ends a session (host CSR only); notes, when not empty,
// replace the session notes.
func (c *Client) EndSession(ctx context.Context, id, notes string) error {
	_, err := c.do(ctx, "POST", "/api/v1/sessions/"+url.PathEscape(id)+"/end", map[string]string{"notes": notes}, nil)
	return err
}

// LeaveSession leaves a session.
func (c *Client) LeaveSession(ctx context.Context, id string) error {
	_, err := c.do(ctx, "POST", "/api/v1/sessions/"+url.PathEscape(id)+"/leave", nil, nil)
	return err
}

// Report is the Session Details report.
type Report struct {
	Session struct {
		ID, Number, State, Type, CSR string
		TrackingCode                 string     `json:"tracking_code"`
		CSREmail                     string     `json:"csr_email"`
		EndReason                    string     `json:"end_reason"`
		CreatedAt                    *time.Time `json:"created_at"`
		EndedAt                      *time.Time `json:"ended_at"`
	} `json:"session"`
	Participants []struct {
		ID, Name, Email, Role string
		JoinedAt              *time.Time `json:"joined_at"`
		LeftAt                *time.Time `json:"left_at"`
	} `json:"participants"`
	Events []struct {
		Seq                 int64
		At                  time.Time
		Type, Actor, Target string
		Data                json.RawMessage
	} `json:"events"`
	Chat []struct {
		At             time.Time
		From, To, Text string
	} `json:"chat"`
	ScriptRuns    []ReportScript    `json:"script_runs"`
	FileTransfers []ReportTransfer  `json:"file_transfers"`
	Recordings    []ReportRecording `json:"recordings"`
	QueueRequests []ReportRequest   `json:"queue_requests"`
	Notes         string            `json:"notes"`
}

// ReportRequest is a request for help a session came from, or a transfer
// of it, oldest first. Names, not ids: AcceptedBy, OfferedTo and
// TransferredBy are CSRs' names.
type ReportRequest struct {
	Queue         string     `json:"queue"` // "" for a transfer to one CSR
	QueueName     string     `json:"queue_name"`
	OfferedTo     string     `json:"offered_to"`
	Name          string     `json:"name"`
	Email         string     `json:"email"`
	Problem       string     `json:"problem"`
	Referrer      string     `json:"referrer"`
	State         string     `json:"state"`
	RequestedAt   time.Time  `json:"requested_at"`
	AcceptedAt    *time.Time `json:"accepted_at"`
	AcceptedBy    string     `json:"accepted_by"`
	EndedAt       *time.Time `json:"ended_at"`
	TransferredBy string     `json:"transferred_by"`
	Message       string     `json:"message"`
}

// ReportScript is one script of a run on the customer's computer, as its
// agent reported it (protocol.ScriptResult). Customer and RequestedBy are
// names.
type ReportScript struct {
	At          time.Time `json:"at"`
	Customer    string    `json:"customer"`
	RequestedBy string    `json:"requested_by"`
	RunID       string    `json:"run_id"`
	Index       int       `json:"index"` // 0-based, of Count
	Count       int       `json:"count"`
	Name        string    `json:"name"`
	Status      string    `json:"status"` // protocol.ScriptOK, …
	ExitCode    int       `json:"exit_code"`
	DurationMS  int64     `json:"duration_ms"`
	Output      string    `json:"output"` // the end of it
	Truncated   bool      `json:"truncated"`
	Error       string    `json:"error"`
}

// ReportRecording is one recording of the customer's shared screen, saved
// on the recording CSR's computer (protocol.Recording's start and stop).
// CSR is a name.
type ReportRecording struct {
	CSR       string     `json:"csr"`
	StartedAt time.Time  `json:"started_at"`
	StoppedAt *time.Time `json:"stopped_at"` // nil while recording
	Status    string     `json:"status"`     // RecordingStopped, …
	// Reason says why it stopped when the CSR did not stop it, or, for an
	// unconfirmed one, why StoppedAt is the latest it can have stopped.
	Reason string `json:"reason"`
	// What the file holds, when Status is RecordingStopped.
	DurationMS int64 `json:"duration_ms"`
	Frames     int64 `json:"frames"`
	Bytes      int64 `json:"bytes"`
}

// A report's recording statuses.
const (
	// RecordingStopped: the console said that it stopped, and what the
	// recording holds.
	RecordingStopped = "stopped"
	// RecordingRunning: it has not stopped, as far as the server knows.
	RecordingRunning = "recording"
	// RecordingUnconfirmed: the console never said that it stopped (it
	// crashed, or the session ended first); StoppedAt is the latest it can
	// have stopped, and what it holds is not known.
	RecordingUnconfirmed = "unconfirmed"
)

// ReportTransfer is one file transfer that ended (protocol.FileTransfer).
// RequestedBy is empty for the customer's own download of published files.
type ReportTransfer struct {
	At          time.Time `json:"at"`
	Customer    string    `json:"customer"`
	RequestedBy string    `json:"requested_by"`
	Direction   string    `json:"direction"` // protocol.ToCustomer or FromCustomer
	Folder      string    `json:"folder"`
	Files       int       `json:"files"`
	Bytes       int64     `json:"bytes"`
	Names       []string  `json:"names"` // the first protocol.MaxTransferNames
	Status      string    `json:"status"`
	Error       string    `json:"error"`
}

// Report returns the Session Details report of a session.
func (c *Client) Report(ctx context.Context, id string) (Report, error) {
	var r Report
	_, err := c.do(ctx, "GET", "/api/v1/sessions/"+url.PathEscape(id)+"/report", nil, &r)
	return r, err
}

// ReportText returns the Session Details report as plain text.
func (c *Client) ReportText(ctx context.Context, id string) (string, error) {
	b, err := c.do(ctx, "GET", "/api/v1/sessions/"+url.PathEscape(id)+"/report?format=txt", nil, nil)
	return string(b), err
}

// SessionsCSV returns the sessions report as CSV. Zero times and an empty
// csr do not filter.
func (c *Client) SessionsCSV(ctx context.Context, from, to time.Time, csr string) ([]byte, error) {
	q := url.Values{"format": {"csv"}}
	if !from.IsZero() {
		q.Set("from", from.UTC().Format(time.RFC3339))
	}
	if !to.IsZero() {
		q.Set("to", to.UTC().Format(time.RFC3339))
	}
	if csr != "" {
		q.Set("csr", csr)
	}
	return c.do(ctx, "GET", "/api/v1/reports/sessions?"+q.Encode(), nil, nil)
}
