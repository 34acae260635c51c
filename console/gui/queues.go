package gui

import (
	"context"
	"fmt"
	"strings"
	"time"

	"lifeline/console/controller"
	"lifeline/shared/client"
)

// queuesUI is the console's side of the support queues: the Queues tab
// and the board it shows, kept live by a long poll while logged in. It is
// owned by the UI thread, but for tick and retry, which are set before
// the login and only read after.
type queuesUI struct {
	view  *queuesView
	board client.QueueBoard
	seen  bool            // a board arrived since the login
	known map[string]bool // the requests of the board, to tell new ones
	stop  context.CancelFunc
	// tick is how often the waits are brought up to date between boards.
	tick time.Duration
	// retry is how long to wait after the board could not be read for
	// the failures-th time in a row.
	retry func(failures int) time.Duration
}

func newQueuesUI() *queuesUI {
	return &queuesUI{view: newQueuesView(), tick: 5 * time.Second, retry: backoff}
}

// backoff doubles from one second up to half a minute: a server that is
// down is not hammered, and one that is back is noticed soon.
func backoff(failures int) time.Duration {
	d := time.Second
	for i := 1; i < failures && d < 30*time.Second; i++ {
		d *= 2
	}
	return min(d, 30*time.Second)
}

// initQueues wires the Queues tab into the main window.
func (u *ui) initQueues() {
	u.q = newQueuesUI()
	u.q.view.OnAcceptNext = u.askAcceptNext
	u.q.view.OnTake = u.doTake
	u.main.SetQueues(u.q.view.content)
}

// watchQueues keeps the board live while c is logged in: a long poll
// that answers when anything in the CSR's queues changed, and a tick that
// brings the waits up to date in between. Both stop at logout or quit.
func (u *ui) watchQueues(c *controller.Controller) {
	u.stopQueues()
	ctx, cancel := context.WithCancel(context.Background())
	u.q.stop = cancel
	tick, retry := u.q.tick, u.q.retry
	u.goDo(func() {
		select {
		case <-u.quit:
			cancel()
		case <-ctx.Done():
		}
	})
	u.goDo(func() { u.pollQueues(ctx, c, retry) })
	u.goDo(func() {
		t := time.NewTicker(tick)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case now := <-t.C:
				u.do(func() {
					if ctx.Err() == nil {
						u.q.view.Tick(now)
					}
				})
			}
		}
	})
}

// pollQueues reads the board each time it changes. A failure is shown as
// a sentence and tried again after a growing pause.
func (u *ui) pollQueues(ctx context.Context, c *controller.Controller, retry func(int) time.Duration) {
	var after int64
	failures := 0
	for ctx.Err() == nil {
		b, err := c.WaitQueues(ctx, after, client.MaxPollWait)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			failures++
			pause := retry(failures)
			u.cfg.logger().Info("console: queues", "err", err, "retry", pause)
			msg := fmt.Sprintf("The queues could not be updated: %s They are read again in %s.", sentence(err), pauseWords(pause))
			u.do(func() {
				if ctx.Err() == nil {
					u.q.view.SetStatus(msg)
				}
			})
			select {
			case <-ctx.Done():
				return
			case <-time.After(pause):
			}
			continue
		}
		failures = 0
		after = b.Version
		at := time.Now()
		u.do(func() {
			if ctx.Err() == nil {
				u.showBoard(b, at)
			}
		})
	}
}

func pauseWords(d time.Duration) string {
	if s := int(d.Round(time.Second) / time.Second); s != 1 {
		return fmt.Sprintf("%d seconds", s)
	}
	return "1 second"
}

// stopQueues ends the board's long poll and forgets the board (logout).
func (u *ui) stopQueues() {
	if u.q.stop != nil {
		u.q.stop()
		u.q.stop = nil
	}
	u.q.board, u.q.seen, u.q.known = client.QueueBoard{}, false, nil
	u.q.view.SetStatus("")
	u.q.view.SetBoard(client.QueueBoard{}, time.Now())
	u.showQueues()
}

// showBoard shows a new board, and tells a CSR whose console is in the
// background of the customers who started waiting.
func (u *ui) showBoard(b client.QueueBoard, at time.Time) {
	var fresh []client.QueueRequest
	known := map[string]bool{}
	for _, r := range boardRequests(b) {
		known[r.ID] = true
		if u.q.seen && !u.q.known[r.ID] {
			fresh = append(fresh, r)
		}
	}
	u.q.board, u.q.seen, u.q.known = b, true, known
	u.q.view.SetStatus("")
	u.q.view.SetBoard(b, at)
	u.showQueues()
	if len(fresh) > 0 {
		title, text := waitingNotice(fresh)
		u.notify(title, text)
	}
}

// boardRequests are the customers waiting for this CSR.
func boardRequests(b client.QueueBoard) []client.QueueRequest {
	rs := append([]client.QueueRequest(nil), b.Offers...)
	for _, q := range b.Queues {
		rs = append(rs, q.Waiting...)
	}
	return rs
}

// waitingNotice is the notification for customers who started waiting.
func waitingNotice(fresh []client.QueueRequest) (title, text string) {
	if len(fresh) > 1 {
		var names []string
		for _, r := range fresh[:min(len(fresh), 3)] {
			names = append(names, orDefault(r.Name, "a customer"))
		}
		if len(fresh) > 3 {
			names = append(names, "…")
		}
		return fmt.Sprintf("%d customers started waiting", len(fresh)), strings.Join(names, ", ")
	}
	r := fresh[0]
	name := orDefault(r.Name, "A customer")
	if r.Queue == "" {
		text := "Take it in the Queues tab."
		if m := strings.TrimSpace(r.Message); m != "" {
			text = m
		}
		return fmt.Sprintf("%s transferred %s's session to you", orDefault(r.TransferredBy, "A colleague"), name), text
	}
	return fmt.Sprintf("%s is waiting in %s", name, orDefault(r.QueueName, r.Queue)),
		orDefault(strings.TrimSpace(r.Problem), "Accept Next in the Queues tab starts the session.")
}

// showQueues shows the Queues tab when there is something in it, with
// the number of customers waiting in its title.
func (u *ui) showQueues() {
	title := "Queues"
	if n := u.q.view.Waiting(); n > 0 {
		title = fmt.Sprintf("Queues (%d)", n)
	}
	u.main.ShowQueues(u.q.view.Wanted(), title)
	u.setTray()
}

// queueNamed finds a queue of the board.
func (u *ui) queueNamed(name string) (client.Queue, bool) {
	for _, q := range u.q.board.Queues {
		if q.Name == name {
			return q, true
		}
	}
	return client.Queue{}, false
}

// askAcceptNext is Accept Next in a queue: first asking for the session
// type and tracking code when the server wants them, as Start Session
// does — but not for a transferred session, which has them already.
func (u *ui) askAcceptNext(queue string) {
	if u.starting {
		return
	}
	q, _ := u.queueNamed(queue)
	if len(q.Waiting) > 0 && q.Waiting[0].SessionID != "" {
		u.doAcceptNext(queue, "", "")
		return
	}
	// The queue's tracking code policy, which the server enforces on
	// Accept Next; a server that does not say has the site's.
	u.askSessionDetails("Accept Next — "+orDefault(q.DisplayName, queue), "Accept", q.TrackingCode, func(kind, code string) {
		u.doAcceptNext(queue, kind, code)
	})
}

func (u *ui) doAcceptNext(queue, sessionType, trackingCode string) {
	c := u.controller()
	if c == nil {
		return
	}
	u.q.view.SetMessage(queue, "")
	u.busy(true)
	u.goDo(func() {
		ctx, cancel := u.ctx(20 * time.Second)
		s, r, err := c.AcceptNext(ctx, queue, sessionType, trackingCode)
		cancel()
		u.do(func() {
			u.busy(false)
			if err != nil {
				u.q.view.SetMessage(queue, sentence(err))
				return
			}
			u.addAccepted(s, r)
		})
	})
}

// doTake takes over a session a colleague transferred to this CSR.
func (u *ui) doTake(requestID string) {
	c := u.controller()
	if c == nil || u.starting {
		return
	}
	u.q.view.SetMessage(requestID, "")
	u.busy(true)
	u.goDo(func() {
		ctx, cancel := u.ctx(20 * time.Second)
		s, r, err := c.AcceptOffer(ctx, requestID)
		cancel()
		u.do(func() {
			u.busy(false)
			if err != nil {
				u.q.view.SetMessage(requestID, sentence(err))
				return
			}
			u.addAccepted(s, r)
		})
	})
}

// addAccepted opens the tab of a session taken from a queue, with what
// the customer asked and the colleague's message on top.
func (u *ui) addAccepted(s *controller.Session, r client.QueueRequest) {
	u.addSession(s)
	if su := u.sessions[s.ID()]; su != nil {
		su.view.SetRequest(r)
	}
}

// queueLimits enables Take, and Accept Next in the queues the server
// does not speak for, as the session limit allows.
func (u *ui) queueLimits(canStart bool, limit string) {
	if canStart {
		u.q.view.SetAllowed(true, "")
		return
	}
	if limit != "" {
		limit = strings.ToLower(limit[:1]) + limit[1:]
	}
	u.q.view.SetAllowed(false, limit)
}

// showQueuesTab brings the console forward on the Queues tab (the tray).
func (u *ui) showQueuesTab() {
	u.win.Show()
	u.win.RequestFocus()
	u.main.SelectQueues()
}
