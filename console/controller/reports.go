package controller

import (
	"context"

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

// SessionDetails is the Session Details report of one session.
func (c *Controller) SessionDetails(ctx context.Context, id string) (client.Report, error) {
	r, err := c.api.Report(ctx, id)
	if err != nil {
		return r, c.apiError("read the session's details", err)
	}
	return r, nil
}
