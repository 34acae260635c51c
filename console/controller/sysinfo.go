package controller

import (
	"context"
	"fmt"

	"lifeline/shared/filetransfer/dcconn"
	"lifeline/shared/protocol"
	"lifeline/shared/sysreport"
	"lifeline/shared/toolwire"
)

// SystemInfo asks the customer to let the CSR read their system
// information and returns a fresh report. Every call asks again, unless
// the customer allowed everything for the session.
func (s *Session) SystemInfo(ctx context.Context) (sysreport.Report, error) {
	if err := s.grant(ctx, protocol.ActionSysinfo, ""); err != nil {
		return sysreport.Report{}, err
	}
	tp, err := s.tools(ctx)
	if err != nil {
		return sysreport.Report{}, err
	}
	conn, err := s.request(ctx, tp, toolwire.LabelSysinfo, "s", func(conn *dcconn.Conn, _ string) error {
		if err := toolwire.SendJSON(conn, toolwire.SysinfoRequest{}); err != nil {
			return fmt.Errorf("the request for the system information was not sent: %w", err)
		}
		return nil
	})
	if err != nil {
		return sysreport.Report{}, err
	}
	defer conn.Close()
	b, err := toolwire.RecvBlob(ctx, conn, sysreport.MaxReportBytes)
	if err != nil {
		return sysreport.Report{}, fmt.Errorf("the system information did not arrive: %w", err)
	}
	return sysreport.Decode(b)
}
