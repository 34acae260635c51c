package client

import (
	"context"
	"net/url"
	"time"
)

// The reports of the console's Reports tab: the Query tool, Call Volume
// by day, CSR Activity and URL Referral, over at most three months. A CSR
// gets their own sessions and the queues they serve; managers and admins
// everyone's. Refusals: "invalid_date", "range_reversed",
// "range_too_long" (each with a sentence to show), "invalid_sort",
// "not_your_sessions", "unknown_csr".

// NoQueue, among ReportQuery.Queues, stands for the sessions no queue
// had: started by a CSR (Query tool), or transferred to one CSR (Call
// Volume, URL Referral).
const NoQueue = "-"

// ReportQuery is what a report covers. Zero fields do not filter.
type ReportQuery struct {
	// From and To are the first and last day (UTC) of the period; zero:
	// 30 days, to today (or from From, or to To).
	From, To time.Time
	Queues   []string // queue names, or NoQueue
	CSRs     []string // account emails: the sessions one of them had
	Search   string   // in the customer's name or email address (Query tool)
	// Sort is a column of the Query tool: number, requested, wait,
	// started, ended, duration, queue, csr, customer or email; "" is
	// requested, newest first.
	Sort string
	Desc bool
}

func (q ReportQuery) encode(csv bool) string {
	v := url.Values{}
	if !q.From.IsZero() {
		v.Set("from", q.From.UTC().Format("2006-01-02"))
	}
	if !q.To.IsZero() {
		v.Set("to", q.To.UTC().Format("2006-01-02"))
	}
	v["queue"] = q.Queues
	v["csr"] = q.CSRs
	if q.Search != "" {
		v.Set("q", q.Search)
	}
	if q.Sort != "" {
		v.Set("sort", q.Sort)
		v.Set("dir", "asc")
	}
	if q.Desc {
		v.Set("dir", "desc")
	}
	if csv {
		v.Set("format", "csv")
	}
	if e := v.Encode(); e != "" {
		return "?" + e
	}
	return ""
}

// ReportPerson is a CSR as the reports name them.
type ReportPerson struct {
	Name  string `json:"name"`
	Email string `json:"email"`
}

// QuerySession is one session the Query tool found.
type QuerySession struct {
	ID           string `json:"id"`
	Number       string `json:"number"`
	State        string `json:"state"`
	Type         string `json:"type"`
	TrackingCode string `json:"tracking_code"`
	// RequestedAt is when help was asked for: the customer's request in a
	// queue, or when the CSR started the session.
	RequestedAt time.Time `json:"requested_at"`
	// WaitSeconds is until the first customer was in the session;
	// DurationSeconds from then to its end. Nil when they do not apply.
	WaitSeconds     *int64     `json:"wait_seconds"`
	StartedAt       *time.Time `json:"started_at"`
	EndedAt         *time.Time `json:"ended_at"`
	DurationSeconds *int64     `json:"duration_seconds"`
	Queue           string     `json:"queue"` // "" for a session a CSR started
	QueueName       string     `json:"queue_name"`
	// CSRs had the session, in turn: who started or accepted it, then who
	// took it over by a transfer.
	CSRs          []ReportPerson `json:"csrs"`
	CustomerName  string         `json:"customer_name"`
	CustomerEmail string         `json:"customer_email"`
}

// QuerySessions is the Query tool: the sessions q finds, in its order.
func (c *Client) QuerySessions(ctx context.Context, q ReportQuery) ([]QuerySession, error) {
	var r struct {
		Sessions []QuerySession `json:"sessions"`
	}
	_, err := c.do(ctx, "GET", "/api/v1/reports/query"+q.encode(false), nil, &r)
	return r.Sessions, err
}

// QuerySessionsCSV is QuerySessions as CSV.
func (c *Client) QuerySessionsCSV(ctx context.Context, q ReportQuery) ([]byte, error) {
	return c.do(ctx, "GET", "/api/v1/reports/query"+q.encode(true), nil, nil)
}

// Volume is a line of Call Volume: requests, and how they went.
type Volume struct {
	Requests      int  `json:"requests"`
	Successful    int  `json:"successful"`
	Abandoned     int  `json:"abandoned"`
	Waiting       int  `json:"waiting"`
	Wait          Span `json:"wait"`
	AbandonedWait Span `json:"abandoned_wait"`
	Session       Span `json:"session"`
}

// DayVolume is Call Volume of one day (UTC), "2026-03-01".
type DayVolume struct {
	Date string `json:"date"`
	Volume
}

// CallVolumeReport is Call Volume of a period: every day of it (quiet
// ones too), the total, and per queue.
type CallVolumeReport struct {
	From   string        `json:"from"`
	To     string        `json:"to"`
	Total  Volume        `json:"total"`
	Days   []DayVolume   `json:"days"`
	Queues []QueueVolume `json:"queues"`
}

// CallVolumeByDay is the Call Volume report of q's period and queues.
func (c *Client) CallVolumeByDay(ctx context.Context, q ReportQuery) (CallVolumeReport, error) {
	var r CallVolumeReport
	_, err := c.do(ctx, "GET", "/api/v1/reports/call-volume"+q.encode(false), nil, &r)
	return r, err
}

// CallVolumeByDayCSV is CallVolumeByDay as CSV, one row per day.
func (c *Client) CallVolumeByDayCSV(ctx context.Context, q ReportQuery) ([]byte, error) {
	return c.do(ctx, "GET", "/api/v1/reports/call-volume"+q.encode(true), nil, nil)
}

// CSRActivity is one CSR's line of CSR Activity: the sessions with a
// customer they had, and how long (of those that are over).
type CSRActivity struct {
	Name     string `json:"name"`
	Email    string `json:"email"`
	Sessions int    `json:"sessions"`
	Session  Span   `json:"session"`
}

// CSRActivityReport is the CSR Activity report of q's period and CSRs.
func (c *Client) CSRActivityReport(ctx context.Context, q ReportQuery) ([]CSRActivity, error) {
	var r struct {
		CSRs []CSRActivity `json:"csrs"`
	}
	_, err := c.do(ctx, "GET", "/api/v1/reports/csr-activity"+q.encode(false), nil, &r)
	return r.CSRs, err
}

// CSRActivityCSV is CSRActivityReport as CSV.
func (c *Client) CSRActivityCSV(ctx context.Context, q ReportQuery) ([]byte, error) {
	return c.do(ctx, "GET", "/api/v1/reports/csr-activity"+q.encode(true), nil, nil)
}

// URLReferral is the URL Referral report of q's period and queues.
func (c *Client) URLReferral(ctx context.Context, q ReportQuery) ([]Referral, error) {
	var r struct {
		Referrals []Referral `json:"referrals"`
	}
	_, err := c.do(ctx, "GET", "/api/v1/reports/url-referral"+q.encode(false), nil, &r)
	return r.Referrals, err
}

// URLReferralCSV is URLReferral as CSV.
func (c *Client) URLReferralCSV(ctx context.Context, q ReportQuery) ([]byte, error) {
	return c.do(ctx, "GET", "/api/v1/reports/url-referral"+q.encode(true), nil, nil)
}
