package session

import (
	"context"
	"errors"
	"fmt"
	"time"

	"lifeline/shared/client"
	"lifeline/shared/protocol"
)

// Queue puts the customer in a support queue instead of joining a session
// by number (the guide's inbound sessions): the agent shows the place in
// line and the estimated wait, and joins the session a CSR starts with
// Accept Next, without the customer typing anything.
type Queue struct {
	Name    string // the queue (as in /help/NAME)
	Problem string // a short description for the CSR
	// Ticket is a place taken already (on the /help page): the request id
	// and its token in one string (client.ParseQueueTicket).
	Ticket string
}

// ErrLeftLine is the end of a wait in a queue the customer gave up.
var ErrLeftLine = errors.New("you left the line")

// waitInQueue takes a place in the queue (or the ticket's) and waits
// until a CSR accepts, then leaves the agent ready to connect as the
// session's customer.
func (a *Agent) waitInQueue(ctx context.Context) error {
	q := a.cfg.Queue
	ctx, cancel := context.WithCancel(ctx)
	a.mu.Lock()
	a.queueCancel = cancel
	a.mu.Unlock()
	defer func() {
		cancel()
		a.mu.Lock()
		a.queueCancel = nil
		a.mu.Unlock()
	}()
	var id, token string
	if q.Ticket != "" {
		var err error
		if id, token, err = client.ParseQueueTicket(q.Ticket); err != nil {
			return fmt.Errorf("the place in line is not valid: %w", err)
		}
	} else {
		a.ui.Show(Event{Kind: EventStatus, Text: "Asking for help in " + q.Name + "…"})
		t, err := a.cfg.API.EnterQueue(ctx, q.Name, client.QueueEntry{Name: a.cfg.Name, Email: a.cfg.Email, Problem: q.Problem})
		if err != nil {
			return apiSentence(err)
		}
		id, token = t.ID, t.Token
	}
	api := a.cfg.API.WithToken(token)
	var version int64
	last := ""
	delay := time.Second
	for {
		st, err := api.WaitQueueStatus(ctx, id, version, client.MaxPollWait)
		switch {
		case ctx.Err() != nil && a.leavingQueue():
			lctx, lcancel := context.WithTimeout(context.Background(), 10*time.Second)
			_ = api.LeaveQueue(lctx, id)
			lcancel()
			return ErrLeftLine
		case ctx.Err() != nil:
			return ctx.Err()
		case err != nil:
			var ae *client.APIError
			if errors.As(err, &ae) {
				return fmt.Errorf("%s", ae.Message)
			}
			// The network: try again, a little later each time.
			a.log.Info("queue status", "err", err)
			select {
			case <-time.After(delay):
			case <-ctx.Done():
			}
			delay = min(2*delay, 10*time.Second)
			continue
		}
		delay, version = time.Second, st.Version
		if j, ok := st.Joined(token); ok {
			a.api = api
			a.mu.Lock()
			a.session, a.me = j.SessionID, j.ParticipantID
			a.mu.Unlock()
			return nil
		}
		if st.State == client.QueueAbandoned {
			return errors.New("your place in line was given up; please ask for help again")
		}
		if line := queueLine(st); line != last {
			a.ui.Show(Event{Kind: EventStatus, Text: line})
			last = line
		}
	}
}

// queueLine is the customer's place in line in words.
func queueLine(st client.QueueStatus) string {
	where := st.QueueName
	if where == "" {
		where = st.Queue
	}
	if st.OfferedTo != "" {
		return "Waiting for " + st.OfferedTo + " to take your session."
	}
	line := fmt.Sprintf("You are number %d in line for %s.", st.Position, where)
	if st.Position == 1 {
		line = "You are next in line for " + where + "."
	}
	if d, ok := st.EstimatedWait(); ok {
		line += fmt.Sprintf(" Estimated wait: %s.", minutes(d))
	}
	return line
}

func minutes(d time.Duration) string {
	m := int((d + time.Minute - 1) / time.Minute)
	if m <= 1 {
		return "about a minute"
	}
	return fmt.Sprintf("about %d minutes", m)
}

func (a *Agent) leavingQueue() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.queueLeft
}

// apiSentence is a server's refusal in its own words.
func apiSentence(err error) error {
	var ae *client.APIError
	if errors.As(err, &ae) {
		return fmt.Errorf("%s", ae.Message)
	}
	return fmt.Errorf("could not reach the support server: %w", err)
}

// transferred tells the customer their session went to another queue or
// CSR: they stay connected and wait for the next one.
func (a *Agent) transferred(m *protocol.SessionTransferred) {
	to := m.ToName
	if to == "" {
		to = m.QueueName
		if to == "" {
			to = m.Queue
		}
	}
	a.ui.Show(Event{Kind: EventStatus, Text: fmt.Sprintf("%s transferred your session to %s. Please stay: the next support representative will be with you.", m.FromName, to)})
}
