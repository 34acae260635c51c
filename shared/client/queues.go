package client

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Support queues (the guide's inbound sessions). A customer enters a
// queue (EnterQueue, or the server's /help page, which hands out a
// ticket) and its agent follows its place (WaitQueueStatus) until a CSR
// accepts it; the agent then connects with the same token, as a
// participant of the session (QueueStatus.Joined). CSRs who serve a queue
// watch it (WaitQueues), accept the next customer (AcceptNext), and
// transfer sessions to a queue or to a colleague (TransferSession).

// States of a queue request.
const (
	QueueWaiting     = "waiting"
	QueueAccepted    = "accepted"
	QueueAbandoned   = "abandoned"
	QueueTransferred = "transferred" // accepted, then its session was transferred on
)

// Error codes of the queue endpoints; test with IsCode.
const (
	CodeNoSuchQueue     = "no_such_queue"     // 404
	CodeNotAMember      = "not_a_member"      // 403: the CSR does not serve the queue
	CodeQueueEmpty      = "queue_empty"       // 409: Accept Next with nobody waiting
	CodeNoSuchRequest   = "no_such_request"   // 404: or not your token
	CodeAlreadyAccepted = "already_accepted"  // 409: leaving a request a CSR accepted
	CodeTooManyRequests = "too_many_requests" // 429, with RetryAfter
	CodeInvalidMessage  = "invalid_message"   // 400: a transfer message over 345 characters
	CodeNoSuchCSR       = "no_such_csr"       // 404: transfer to an unknown email
	CodeNoCustomer      = "no_customer"       // 409: transfer of a session without a customer
	CodeNoSuchOffer     = "no_such_offer"     // 404
	CodeOfferGone       = "offer_gone"        // 410: its customer left
)

// MaxPollWait is the longest wait the server grants a long poll.
const MaxPollWait = 25 * time.Second

// QueueEntry is what a customer gives when asking for help. Email is
// required; Problem (at most 500 characters) and Referrer (the page the
// customer came from, an http or https URL) are optional.
type QueueEntry struct {
	Name     string `json:"name"`
	Email    string `json:"email"`
	Problem  string `json:"problem"`
	Referrer string `json:"referrer"`
}

// QueueSession is the customer's place in the session its request
// became, or (after a transfer) belongs to: Joined without the token.
type QueueSession struct {
	SessionID     string `json:"session_id"`
	Number        string `json:"number"`
	ParticipantID string `json:"participant_id"`
	Role          string `json:"role"`
	Name          string `json:"name"`
}

// QueueStatus is a request as its customer sees it.
type QueueStatus struct {
	ID        string `json:"id"`
	Queue     string `json:"queue"`      // the queue's name ("" for an offer)
	QueueName string `json:"queue_name"` // the name to show
	OfferedTo string `json:"offered_to"` // the CSR's name, for a session transferred to one
	State     string `json:"state"`      // QueueWaiting, …
	// Position in line (1: next) and how many wait in it, while waiting.
	Position int `json:"position"`
	Waiting  int `json:"waiting"`
	// EstimatedWaitSeconds is nil when there is nothing to go by yet; see
	// EstimatedWait.
	EstimatedWaitSeconds *int64        `json:"estimated_wait_seconds"`
	RequestedAt          time.Time     `json:"requested_at"`
	Session              *QueueSession `json:"session"`
	// Version is what to wait past with WaitQueueStatus.
	Version int64 `json:"version"`
}

// EstimatedWait is the wait the server expects, in whole minutes: the
// median wait of the queue's latest 20 accepted customers times the
// position. ok is false when the queue has accepted nobody yet.
func (s QueueStatus) EstimatedWait() (d time.Duration, ok bool) {
	if s.EstimatedWaitSeconds == nil {
		return 0, false
	}
	return time.Duration(*s.EstimatedWaitSeconds) * time.Second, true
}

// Joined is where an accepted request's customer is, as Join answers it,
// with token (the one the request was made with, which is now the
// customer's participant token). ok is false until a CSR accepted it.
func (s QueueStatus) Joined(token string) (j Joined, ok bool) {
	if s.State != QueueAccepted || s.Session == nil {
		return Joined{}, false
	}
	return Joined{SessionID: s.Session.SessionID, Number: s.Session.Number, ParticipantID: s.Session.ParticipantID,
		Token: token, Role: s.Session.Role, Name: s.Session.Name}, true
}

// QueueTicket is the answer to EnterQueue: the request, the token that
// follows it (and is the customer's participant token once accepted), and
// both in one string, the ticket, for an agent started separately.
type QueueTicket struct {
	ID     string      `json:"id"`
	Token  string      `json:"token"`
	Ticket string      `json:"ticket"`
	Status QueueStatus `json:"status"`
}

// EnterQueue asks for help in the queue named queue; no login is needed.
// Keep the token (or the ticket): it is the only way back to the place in
// line. The client that follows the request must send it (WithToken).
func (c *Client) EnterQueue(ctx context.Context, queue string, e QueueEntry) (QueueTicket, error) {
	var r QueueTicket
	_, err := c.WithToken("").do(ctx, "POST", "/api/v1/queues/"+url.PathEscape(queue)+"/requests", e, &r)
	return r, err
}

// ParseQueueTicket splits a ticket (as EnterQueue and the /help page give
// it) into the request's id and its token.
func ParseQueueTicket(ticket string) (requestID, token string, err error) {
	ticket = strings.TrimSpace(ticket)
	id, tok, ok := strings.Cut(ticket, ".")
	if !ok || !strings.HasPrefix(id, "qrq_") || !strings.HasPrefix(tok, "llp_") || len(ticket) > 200 ||
		strings.ContainsFunc(ticket, func(r rune) bool {
			return (r < 'a' || r > 'z') && (r < 'A' || r > 'Z') && (r < '0' || r > '9') && r != '_' && r != '-' && r != '.'
		}) || strings.Count(ticket, ".") != 1 {
		return "", "", fmt.Errorf("%q is not a queue ticket: it looks like qrq_….llp_…", truncate(ticket, 40))
	}
	return id, tok, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// QueueStatus returns a request's state and place in line now. The token
// is the request's, or (after a transfer) a participant token of a
// customer of its session.
func (c *Client) QueueStatus(ctx context.Context, requestID string) (QueueStatus, error) {
	return c.WaitQueueStatus(ctx, requestID, 0, 0)
}

// WaitQueueStatus is QueueStatus, answered when something changed since
// version after, or after wait (at most MaxPollWait), whichever comes
// first. While a request waits, its agent keeps calling this: the place
// is kept while a call is open, and for the server's grace period (5
// minutes by default) after; then the customer has left the line.
func (c *Client) WaitQueueStatus(ctx context.Context, requestID string, after int64, wait time.Duration) (QueueStatus, error) {
	var r QueueStatus
	_, err := c.do(ctx, "GET", "/api/v1/queue-requests/"+url.PathEscape(requestID)+pollQuery(after, wait), nil, &r)
	return r, err
}

func pollQuery(after int64, wait time.Duration) string {
	if wait <= 0 {
		return ""
	}
	secs := int(min(wait, MaxPollWait) / time.Second)
	return "?after=" + strconv.FormatInt(after, 10) + "&wait=" + strconv.Itoa(max(secs, 1))
}

// LeaveQueue takes the customer out of the line (recorded as abandoned).
// After a transfer, with a participant token, the customer leaves the
// session. CodeAlreadyAccepted when a CSR accepted it: leave the session.
func (c *Client) LeaveQueue(ctx context.Context, requestID string) error {
	_, err := c.do(ctx, "DELETE", "/api/v1/queue-requests/"+url.PathEscape(requestID), nil, nil)
	return err
}

// QueueRequest is a customer's request as CSRs see it.
type QueueRequest struct {
	ID            string    `json:"id"`
	Position      int       `json:"position"` // 1: next; 0 when not waiting
	Queue         string    `json:"queue"`
	QueueName     string    `json:"queue_name"`
	OfferedTo     string    `json:"offered_to"` // the CSR's email, for a session transferred to one
	State         string    `json:"state"`
	Name          string    `json:"name"`
	Email         string    `json:"email"`
	Problem       string    `json:"problem"`
	Referrer      string    `json:"referrer"`
	RequestedAt   time.Time `json:"requested_at"` // waiting since
	WaitedSeconds int64     `json:"waited_seconds"`
	SessionID     string    `json:"session_id"`     // a transferred session
	TransferredBy string    `json:"transferred_by"` // the CSR's name
	Message       string    `json:"message"`        // the transferring CSR's personal message
}

// Queue is a queue with its customers in line, in order.
type Queue struct {
	Name        string `json:"name"`
	DisplayName string `json:"display_name"`
	Members     int    `json:"members"`
	// TrackingCode is the queue's tracking code policy (TrackingCodeOff,
	// …Optional or …Required): AcceptNext refuses an empty code when it is
	// required. "" from a server older than per-queue settings: the
	// site's (Settings.TrackingCode) applies then.
	TrackingCode string `json:"tracking_code,omitempty"`
	// CanAccept says whether the logged-in CSR's session limits, as they
	// apply to this queue (its session mode and maximum, with the
	// account's own laid over), let AcceptNext start one more session
	// now; Limit is the sentence AcceptNext would be refused with when
	// they do not. nil from a server older than per-queue limits on the
	// board: the site's (Settings) apply then. An empty line is refused
	// anyway, whatever it says.
	CanAccept *bool          `json:"can_accept,omitempty"`
	Limit     string         `json:"limit,omitempty"`
	Waiting   []QueueRequest `json:"waiting"`
}

// QueueBoard is the console's queue view: the queues the CSR serves
// (admins: all), and the sessions transferred to the CSR (Offers).
type QueueBoard struct {
	Version int64          `json:"version"`
	Queues  []Queue        `json:"queues"`
	Offers  []QueueRequest `json:"offers"`
}

// Queues returns the queue view now.
func (c *Client) Queues(ctx context.Context) (QueueBoard, error) { return c.WaitQueues(ctx, 0, 0) }

// WaitQueues is Queues, answered when something changed in any queue
// since version after (a QueueBoard's Version), or after wait (at most
// MaxPollWait). A console keeps calling it to show the queues live.
func (c *Client) WaitQueues(ctx context.Context, after int64, wait time.Duration) (QueueBoard, error) {
	var r QueueBoard
	_, err := c.do(ctx, "GET", "/api/v1/queues"+pollQuery(after, wait), nil, &r)
	return r, err
}

// Accepted is the answer to AcceptNext and AcceptOffer: the session, as
// CreateSession answers (Token is the CSR's participant token; a CSR
// connects with its login anyway), and the customer's request.
type Accepted struct {
	Created
	Request QueueRequest `json:"request"`
}

// AcceptNext is Accept Next: the customer who waited longest in the queue
// gets a session with the logged-in CSR, the customer in it (Request.
// SessionID set before: a transferred session, which the CSR takes over
// as its host). sessionType and trackingCode are as for CreateSession,
// and ignored for a transferred session. Refusals: CodeQueueEmpty,
// CodeNotAMember, CodeNoSuchQueue, and CreateSession's.
func (c *Client) AcceptNext(ctx context.Context, queue, sessionType, trackingCode string) (Accepted, error) {
	var r Accepted
	_, err := c.do(ctx, "POST", "/api/v1/queues/"+url.PathEscape(queue)+"/accept",
		map[string]string{"type": sessionType, "tracking_code": trackingCode}, &r)
	return r, err
}

// AcceptOffer takes over a session transferred to the logged-in CSR (one
// of QueueBoard.Offers). Refusals: CodeNoSuchOffer, CodeOfferGone.
func (c *Client) AcceptOffer(ctx context.Context, requestID string) (Accepted, error) {
	var r Accepted
	_, err := c.do(ctx, "POST", "/api/v1/queue-requests/"+url.PathEscape(requestID)+"/accept", nil, &r)
	return r, err
}

// Transfer says where TransferSession sends a session: to a queue by name
// or to a CSR by email (one of them), with a personal message of at most
// 345 characters for whoever accepts it.
type Transfer struct {
	Queue    string `json:"to_queue,omitempty"`
	CSREmail string `json:"to_csr_email,omitempty"`
	Message  string `json:"message"`
}

// TransferSession is Transfer Session: the session waits in the queue, or
// for the CSR, its customer connected and told; the logged-in CSR (its
// host) leaves it. It returns the request it now waits as.
func (c *Client) TransferSession(ctx context.Context, sessionID string, t Transfer) (QueueRequest, error) {
	var r struct {
		Request QueueRequest `json:"request"`
	}
	_, err := c.do(ctx, "POST", "/api/v1/sessions/"+url.PathEscape(sessionID)+"/transfer", t, &r)
	return r.Request, err
}

// Span is the least, mean and most of some durations, in seconds; Count
// is how many (0: the others mean nothing).
type Span struct {
	Count      int   `json:"count"`
	MinSeconds int64 `json:"min_seconds"`
	AvgSeconds int64 `json:"avg_seconds"`
	MaxSeconds int64 `json:"max_seconds"`
}

// QueueVolume is one queue's line of the Call Volume report. Queue is ""
// for the sessions transferred to one CSR (admins only).
type QueueVolume struct {
	Queue      string `json:"queue"`
	QueueName  string `json:"queue_name"`
	Requests   int    `json:"requests"`
	Successful int    `json:"successful"` // accepted
	Abandoned  int    `json:"abandoned"`
	Waiting    int    `json:"waiting"`
	// Wait of the successful requests, of the abandoned ones, and the
	// session times (with the CSR who accepted) of those that are over.
	Wait          Span `json:"wait"`
	AbandonedWait Span `json:"abandoned_wait"`
	Session       Span `json:"session"`
}

// Referral is one page's line of the URL Referral report: the support
// sessions customers coming from URL asked for, and how many were
// accepted. URL is "" for requests that named no page.
type Referral struct {
	URL        string `json:"url"`
	Requests   int    `json:"requests"`
	Successful int    `json:"successful"`
}

func reportQuery(from, to time.Time, csv bool) string {
	q := url.Values{}
	if !from.IsZero() {
		q.Set("from", from.UTC().Format(time.RFC3339))
	}
	if !to.IsZero() {
		q.Set("to", to.UTC().Format(time.RFC3339))
	}
	if csv {
		q.Set("format", "csv")
	}
	if len(q) == 0 {
		return ""
	}
	return "?" + q.Encode()
}

// CallVolume is the Call Volume report of the requests that joined a line
// in [from, to) (zero times do not limit): the queues the logged-in CSR
// serves, every queue for an admin.
func (c *Client) CallVolume(ctx context.Context, from, to time.Time) ([]QueueVolume, error) {
	var r struct {
		Queues []QueueVolume `json:"queues"`
	}
	_, err := c.do(ctx, "GET", "/api/v1/reports/queues"+reportQuery(from, to, false), nil, &r)
	return r.Queues, err
}

// CallVolumeCSV is CallVolume as CSV, durations in seconds.
func (c *Client) CallVolumeCSV(ctx context.Context, from, to time.Time) ([]byte, error) {
	return c.do(ctx, "GET", "/api/v1/reports/queues"+reportQuery(from, to, true), nil, nil)
}

// Referrals is the URL Referral report of the same requests as
// CallVolume, the most requests first.
func (c *Client) Referrals(ctx context.Context, from, to time.Time) ([]Referral, error) {
	var r struct {
		Referrals []Referral `json:"referrals"`
	}
	_, err := c.do(ctx, "GET", "/api/v1/reports/referrals"+reportQuery(from, to, false), nil, &r)
	return r.Referrals, err
}

// ReferralsCSV is Referrals as CSV.
func (c *Client) ReferralsCSV(ctx context.Context, from, to time.Time) ([]byte, error) {
	return c.do(ctx, "GET", "/api/v1/reports/referrals"+reportQuery(from, to, true), nil, nil)
}
