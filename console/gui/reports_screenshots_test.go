package gui

import (
	"context"
	"errors"
	"fmt"
	"time"

	"fyne.io/fyne/v2"

	"lifeline/shared/client"
	"lifeline/shared/rendezvoustest"
)

// shootReports shows the Reports window over the sessions the screenshots
// had, the newest one's details open; then URL Referral, after customers
// came to the support queues from the shop's pages and the intranet.
func shootReports(u *ui, ts *rendezvoustest.Server, tb *mainTB, dir string) error {
	if err := referralWork(ts, tb); err != nil {
		return err
	}
	fyne.DoAndWait(func() { u.main.reportsBtn.OnTapped() })
	if err := until("the report", func() bool { return u.reports != nil && len(u.reports.view.Sessions()) > 0 }); err != nil {
		return err
	}
	fyne.DoAndWait(func() { u.reports.view.list.Select(0) })
	if err := until("the details", func() bool { return len(u.reports.view.details.Objects) > 1 }); err != nil {
		return err
	}
	if err := shoot(dir, "console-reports.png"); err != nil {
		return err
	}
	fyne.DoAndWait(func() { u.reports.view.tabs.SelectIndex(reportReferral) })
	if err := until("URL Referral", func() bool { return len(u.reports.view.refRows) > 2 }); err != nil {
		return err
	}
	if err := shoot(dir, "console-reports-referral.png"); err != nil {
		return err
	}
	fyne.DoAndWait(u.closeReports)
	return nil
}

// referralWork has customers ask for help in the printers and network
// queues from a few pages; Noah, a colleague of Carol's, takes most of
// them, the others leave the line.
func referralWork(ts *rendezvoustest.Server, tb *mainTB) error {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	noah := ts.CSR(tb, "noah@example.com", "Noah Berg")
	for _, q := range []string{"printers", "network"} {
		if err := ts.Store.AddQueueMember(ctx, q, "noah@example.com", time.Now()); err != nil {
			return err
		}
	}
	const (
		printers = "https://shop.example.com/support/printers"
		network  = "https://shop.example.com/support/network"
		intranet = "https://intranet.example.com/it-help"
		account  = "https://shop.example.com/account/orders?tab=returns"
	)
	for i, c := range []struct {
		queue, page string
		leaves      bool
	}{
		{"printers", printers, false}, {"printers", printers, false}, {"printers", printers, true}, {"printers", printers, false},
		{"printers", printers, false}, {"network", network, false}, {"network", network, true}, {"network", network, false},
		{"network", intranet, false}, {"printers", intranet, false}, {"network", intranet, true}, {"printers", account, false},
		{"printers", account, true}, {"network", "", false},
	} {
		name := fmt.Sprintf("Customer %d", i+1)
		tk, err := ts.Client().EnterQueue(ctx, c.queue, client.QueueEntry{Name: name, Email: fmt.Sprintf("customer%d@example.org", i+1),
			Problem: "Please help.", Referrer: c.page})
		if err != nil {
			return fmt.Errorf("%s asks for help: %w", name, err)
		}
		if c.leaves {
			if err := ts.Client().WithToken(tk.Token).LeaveQueue(ctx, tk.ID); err != nil {
				return fmt.Errorf("%s leaves the line: %w", name, err)
			}
		}
	}
	for _, q := range []string{"printers", "network"} {
		for {
			a, err := noah.AcceptNext(ctx, q, "", "")
			var ae *client.APIError
			if errors.As(err, &ae) && ae.Code == client.CodeQueueEmpty {
				break
			} else if err != nil {
				return fmt.Errorf("Noah accepts the next customer in %s: %w", q, err)
			}
			if err := noah.EndSession(ctx, a.ID, "Helped."); err != nil {
				return err
			}
		}
	}
	return nil
}
