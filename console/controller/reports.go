package controller

import (
	"context"
	"strings"

	"lifeline/shared/client"
)

// The reports of the console's Reports window. The server decides what
// the CSR may see (their own sessions; managers and admins everyone's) and
// refuses a period of more than three months with a sentence, which
// comes back as a *Refused.

// QuerySessions is the Query tool: the sessions q finds, in its order.
func (c *Controller) QuerySessions(ctx context.Context, q client.ReportQuery) ([]client.QuerySession, error) {
	s, err := c.api.QuerySessions(ctx, q)
	if err != nil {
		return nil, c.apiError("read the sessions report", err)
	}
	return s, nil
}

// QuerySessionsCSV is the Query tool's report as the server's CSV.
func (c *Controller) QuerySessionsCSV(ctx context.Context, q client.ReportQuery) ([]byte, error) {
	b, err := c.api.QuerySessionsCSV(ctx, q)
	if err != nil {
		return nil, c.apiError("export the sessions report", err)
	}
	return b, nil
}

// CallVolume is the Call Volume report of q's period, day by day.
func (c *Controller) CallVolume(ctx context.Context, q client.ReportQuery) (client.CallVolumeReport, error) {
	r, err := c.api.CallVolumeByDay(ctx, q)
	if err != nil {
		return r, c.apiError("read the call volume report", err)
	}
	return r, nil
}

// CallVolumeCSV is the Call Volume report as the server's CSV.
func (c *Controller) CallVolumeCSV(ctx context.Context, q client.ReportQuery) ([]byte, error) {
	b, err := c.api.CallVolumeByDayCSV(ctx, q)
	if err != nil {
		return nil, c.apiError("export the call volume report", err)
	}
	return b, nil
}

// CSRActivity is the CSR Activity report of q's period.
func (c *Controller) CSRActivity(ctx context.Context, q client.ReportQuery) ([]client.CSRActivity, error) {
	r, err := c.api.CSRActivityReport(ctx, q)
	if err != nil {
		return nil, c.apiError("read the CSR activity report", err)
	}
	return r, nil
}

// CSRActivityCSV is the CSR Activity report as the server's CSV.
func (c *Controller) CSRActivityCSV(ctx context.Context, q client.ReportQuery) ([]byte, error) {
	b, err := c.api.CSRActivityCSV(ctx, q)
	if err != nil {
		return nil, c.apiError("export the CSR activity report", err)
	}
	return b, nil
}

// URLReferral is the URL Referral report of q's period and queues: the
// pages customers came from, the most requests first.
func (c *Controller) URLReferral(ctx context.Context, q client.ReportQuery) ([]client.Referral, error) {
	r, err := c.api.URLReferral(ctx, q)
	if err != nil {
		return nil, c.apiError("read the URL referral report", err)
	}
	return r, nil
}

// URLReferralCSV is the URL Referral report as the server's CSV.
func (c *Controller) URLReferralCSV(ctx context.Context, q client.ReportQuery) ([]byte, error) {
	b, err := c.api.URLReferralCSV(ctx, q)
	if err != nil {
		return nil, c.apiError("export the URL referral report", err)
	}
	return b, nil
}

// SeesAllReports says whether the logged-in account sees every CSR's
// sessions in the reports (a manager or an admin), as the server decides
// it; a CSR sees their own, and may not filter by another CSR.
func (c *Controller) SeesAllReports() bool {
	switch c.User().Role {
	case "manager", "admin":
		return true
	}
	return false
}

// ReportQueue is a queue the reports can be filtered by.
type ReportQueue struct {
	Name, DisplayName string
	// Counted: the queue reports (Call Volume, URL Referral) count its
	// requests for this account — a queue the CSR serves, or any queue
	// for a manager or admin. A CSR's sessions may have come from other
	// queues too (a colleague's transfer): the Query tool finds those.
	Counted bool
}

// ReportFilters are what the reports of a period can be filtered by.
type ReportFilters struct {
	Queues []ReportQueue
	// CSRs are the accounts that had sessions in the period; only for
	// a manager or admin (Everyone), since a CSR sees their own.
	CSRs     []client.ReportPerson
	Everyone bool
}

// ReportFilters lists the queues and CSRs the reports of q's period (its
// other fields are ignored) can be filtered by: the queues this account
// serves, and for a manager or admin also every queue with requests and
// every CSR with sessions in the period. The server has no list of
// accounts for the console; the reports themselves name everyone a
// manager may choose.
func (c *Controller) ReportFilters(ctx context.Context, q client.ReportQuery) (ReportFilters, error) {
	f := ReportFilters{Everyone: c.SeesAllReports()}
	seen := map[string]bool{}
	add := func(name, display string) {
		if name != "" && !seen[name] {
			seen[name] = true
			f.Queues = append(f.Queues, ReportQueue{Name: name, DisplayName: display, Counted: true})
		}
	}
	b, err := c.Queues(ctx)
	if err != nil {
		return f, err
	}
	for _, x := range b.Queues {
		add(x.Name, x.DisplayName)
	}
	if !f.Everyone {
		return f, nil
	}
	period := client.ReportQuery{From: q.From, To: q.To}
	vol, err := c.CallVolume(ctx, period)
	if err != nil {
		return f, err
	}
	for _, x := range vol.Queues {
		add(x.Queue, x.QueueName)
	}
	acts, err := c.CSRActivity(ctx, period)
	if err != nil {
		return f, err
	}
	emails := map[string]bool{}
	for _, a := range acts {
		if e := strings.ToLower(a.Email); e != "" && !emails[e] {
			emails[e] = true
			f.CSRs = append(f.CSRs, client.ReportPerson{Name: a.Name, Email: a.Email})
		}
	}
	return f, nil
}

// SessionDetails is the Session Details report of one session.
func (c *Controller) SessionDetails(ctx context.Context, id string) (client.Report, error) {
	r, err := c.api.Report(ctx, id)
	if err != nil {
		return r, c.apiError("read the session's details", err)
	}
	return r, nil
}
