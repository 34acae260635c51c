package gui

import (
	"context"
	"fmt"
	"time"

	"fyne.io/fyne/v2"

	"lifeline/agent/session"
	"lifeline/console/controller"
	"lifeline/shared/client"
	"lifeline/shared/rendezvoustest"
)

// waitInLine starts a real agent that waits in a support queue (with the
// ticket of a place taken already, when ticket is not ""), and returns a
// stop function.
func waitInLine(ts *rendezvoustest.Server, queue, name, email, problem, ticket string) func() {
	a := session.New(session.Config{API: ts.Client(), Name: name, Email: email, LoopbackOnly: true,
		Queue: &session.Queue{Name: queue, Problem: problem, Ticket: ticket}}, allowUI{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = a.Run(ctx)
	}()
	return func() { cancel(); <-done }
}

// shootQueues fills two support queues — one customer came from the
// shop's printer page, one a colleague transferred with a message — and
// shoots the Queues tab, a session taken with Accept Next, and the
// Transfer Session dialog.
func shootQueues(u *ui, ts *rendezvoustest.Server, tb *mainTB, dir string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	ts.AddUser(tb, "mia@example.com", "Mia Santos", "csr", "mia-password-1")
	ts.AddQueue(tb, "printers", "Printer help", "carol@example.com")
	ts.AddQueue(tb, "network", "Network help", "carol@example.com", "mia@example.com")

	t, err := ts.Client().EnterQueue(ctx, "printers", client.QueueEntry{Name: "Paula Reyes", Email: "paula@example.com",
		Problem:  "The printer says it is offline since this morning's update.",
		Referrer: "https://shop.example.com/support/printers"})
	if err != nil {
		return err
	}
	defer waitInLine(ts, "printers", "Paula Reyes", "paula@example.com", "", t.Ticket)()

	// Mia takes Jon from the network line and sends him on to printers.
	defer waitInLine(ts, "network", "Jon Park", "jon@example.com", "I can't print from my laptop at the office.", "")()
	mia := controller.New(controller.Config{Server: ts.URL, TLS: ts.TLS, LoopbackOnly: true})
	defer mia.Close()
	if _, err := mia.Login(ctx, "mia@example.com", "mia-password-1"); err != nil {
		return err
	}
	for {
		b, err := mia.Queues(ctx)
		if err != nil {
			return err
		}
		if len(b.Queues) == 1 && len(b.Queues[0].Waiting) == 1 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	s, _, err := mia.AcceptNext(ctx, "network", "", "")
	if err != nil {
		return err
	}
	if _, err := s.WaitCustomer(ctx); err != nil {
		return err
	}
	if _, err := s.TransferSession(ctx, "printers", "The network is fine; his laptop can't see the office "+
		"printer. Please check the print server."); err != nil {
		return err
	}
	defer waitInLine(ts, "printers", "Omar Haddad", "omar@example.com", "Printing from Word is very slow; other programs are fine.", "")()
	defer waitInLine(ts, "network", "Lena Vogel", "lena@example.com", "The VPN disconnects every few minutes.", "")()

	if err := until("the queues", func() bool {
		return len(u.q.board.Queues) == 2 && u.q.view.Waiting() == 4
	}); err != nil {
		return err
	}
	time.Sleep(3 * time.Second) // the waits have grown a little
	fyne.DoAndWait(func() {
		u.main.SelectQueues()
		u.main.SetStatus("") // the end of the earlier sessions is old news here
	})
	if err := shoot(dir, "console-queues.png"); err != nil {
		return err
	}

	// Accept Next: Paula, with her problem on top of the session.
	fyne.DoAndWait(func() { u.q.view.acceptBtns["printers"].OnTapped() })
	if err := until("Paula's session", func() bool { return len(u.sessions) == 1 }); err != nil {
		return err
	}
	var su *sessionUI
	fyne.DoAndWait(func() { su = u.sessions[u.order[0]] })
	if err := until("Paula in the session", func() bool { return !su.view.transferBtn.Disabled() }); err != nil {
		return err
	}
	fyne.DoAndWait(func() {
		su.view.chatEntry.SetText("Hello Paula, I'm Carol. I see your printer is offline; let's have a look.")
		su.view.send()
	})
	if err := until("the greeting", func() bool { return len(su.view.chatBox.Objects) == 1 }); err != nil {
		return err
	}
	if err := shoot(dir, "console-accepted.png"); err != nil {
		return err
	}

	// Transfer Session, to the network queue with a message.
	fyne.DoAndWait(func() { su.view.transferBtn.OnTapped() })
	if err := until("the dialog", func() bool { return su.transfer != nil }); err != nil {
		return err
	}
	var d *transferView
	fyne.DoAndWait(func() { d = su.transfer.view })
	if err := until("the list of targets", func() bool { return len(d.rows) > 0 }); err != nil {
		return err
	}
	chose := false
	fyne.DoAndWait(func() {
		if chose = d.choose("network"); !chose {
			return
		}
		d.message.SetText("The printer works again. Her VPN drops every few minutes since the update; " +
			"she has tried another cable and the Wi-Fi.")
		u.win.Canvas().Focus(d.message)
	})
	if !chose {
		return fmt.Errorf("the network queue is not in the Transfer Session dialog")
	}
	if err := shoot(dir, "console-transfer.png"); err != nil {
		return err
	}
	fyne.DoAndWait(func() {
		if su.transfer != nil {
			su.transfer.view.OnCancel()
		}
	})
	if err := su.s.End(ctx, ""); err != nil {
		return fmt.Errorf("end Paula's session: %w", err)
	}
	return nil
}
