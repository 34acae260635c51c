package server

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"lifeline/rendezvous/queue"
	"lifeline/rendezvous/store"
)

// The queue reports: Call Volume per queue, and URL Referral. Admins see
// every queue (and the sessions transferred to one CSR, as the queue "");
// a CSR sees the queues they serve.

// queueOutcomes reads the requests of the period the query asks for
// (from, to: dates, to inclusive, or RFC 3339 times, on when each request
// joined its line) that u may see, as the reports count them, with the
// display names of their queues.
func (d *desk) queueOutcomes(w http.ResponseWriter, r *http.Request) ([]queue.Outcome, map[string]string, bool) {
	u, ok := d.s.requireUser(w, r)
	if !ok {
		return nil, nil, false
	}
	q := r.URL.Query()
	var f store.QueueRequestFilter
	for _, p := range []struct {
		name string
		dst  *time.Time
	}{{"from", &f.From}, {"to", &f.To}} {
		if v := q.Get(p.name); v != "" {
			t, err := parseDate(v)
			if err != nil {
				writeError(w, http.StatusBadRequest, "invalid_date", fmt.Sprintf("%s: %v", p.name, err))
				return nil, nil, false
			}
			*p.dst = t
			if p.name == "to" && len(v) == len("2006-01-02") {
				*p.dst = t.Add(24 * time.Hour) // a date means the whole day
			}
		}
	}
	outs, names, err := d.s.visibleOutcomes(r.Context(), u, f)
	if err != nil {
		d.s.writeErr(w, err)
		return nil, nil, false
	}
	return outs, names, true
}

// visibleOutcomes reads the requests f selects that u may see in the
// queue reports, as they count them, with the display names of their
// queues: admins and managers see every queue, and the sessions
// transferred to one CSR (the queue ""); a CSR sees the queues they serve.
func (s *Server) visibleOutcomes(ctx context.Context, u *store.User, f store.QueueRequestFilter) ([]queue.Outcome, map[string]string, error) {
	reqs, err := s.Store.ListQueueRequests(ctx, f)
	if err != nil {
		return nil, nil, err
	}
	served := map[string]bool{}
	if !u.SeesAllReports() {
		mine, err := s.Store.MemberQueues(ctx, u.ID)
		if err != nil {
			return nil, nil, err
		}
		for _, q := range mine {
			served[q.ID] = true
		}
	}
	now := s.Now()
	names := map[string]string{"": offersName}
	var outs []queue.Outcome
	for _, req := range reqs {
		if !u.SeesAllReports() && !served[req.QueueID] {
			continue
		}
		if req.QueueName != "" {
			names[req.QueueName] = req.QueueDisplayName
		}
		outs = append(outs, req.Outcome(now))
	}
	return outs, names, nil
}

// offersName is what the queue reports call the sessions transferred to
// one CSR rather than to a queue.
const offersName = "Transferred to a support representative"

type spanJSON struct {
	Count      int   `json:"count"`
	MinSeconds int64 `json:"min_seconds"`
	AvgSeconds int64 `json:"avg_seconds"`
	MaxSeconds int64 `json:"max_seconds"`
}

func spanOf(s queue.Span) spanJSON {
	return spanJSON{Count: s.N, MinSeconds: int64(s.Min / time.Second), AvgSeconds: int64(s.Avg / time.Second), MaxSeconds: int64(s.Max / time.Second)}
}

func (s spanJSON) cells() []string {
	if s.Count == 0 {
		return []string{"", "", ""}
	}
	return []string{strconv.FormatInt(s.MinSeconds, 10), strconv.FormatInt(s.AvgSeconds, 10), strconv.FormatInt(s.MaxSeconds, 10)}
}

// handleCallVolume is the Call Volume report: per queue, the requests,
// how many were accepted (successful), abandoned or are still waiting, and
// the least, mean and most wait (of the successful, and of the
// abandoned) and session time.
func (d *desk) handleCallVolume(w http.ResponseWriter, r *http.Request) {
	outs, names, ok := d.queueOutcomes(w, r)
	if !ok {
		return
	}
	type row struct {
		Queue         string   `json:"queue"`
		QueueName     string   `json:"queue_name"`
		Requests      int      `json:"requests"`
		Successful    int      `json:"successful"`
		Abandoned     int      `json:"abandoned"`
		Waiting       int      `json:"waiting"`
		Wait          spanJSON `json:"wait"`
		AbandonedWait spanJSON `json:"abandoned_wait"`
		Session       spanJSON `json:"session"`
	}
	rows := []row{}
	for _, v := range queue.CallVolume(outs) {
		name := names[v.Queue]
		rows = append(rows, row{Queue: v.Queue, QueueName: name, Requests: v.Requests, Successful: v.Successful,
			Abandoned: v.Abandoned, Waiting: v.Waiting, Wait: spanOf(v.Wait), AbandonedWait: spanOf(v.AbandonedWait), Session: spanOf(v.Session)})
	}
	if r.URL.Query().Get("format") != "csv" {
		writeJSON(w, http.StatusOK, map[string]any{"queues": rows})
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="lifeline-call-volume.csv"`)
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"queue", "queue_name", "requests", "successful", "abandoned", "waiting",
		"min_wait_s", "avg_wait_s", "max_wait_s", "min_abandoned_wait_s", "avg_abandoned_wait_s", "max_abandoned_wait_s",
		"min_session_s", "avg_session_s", "max_session_s"})
	for _, x := range rows {
		rec := []string{x.Queue, csvSafe(x.QueueName), strconv.Itoa(x.Requests), strconv.Itoa(x.Successful), strconv.Itoa(x.Abandoned), strconv.Itoa(x.Waiting)}
		rec = append(rec, x.Wait.cells()...)
		rec = append(rec, x.AbandonedWait.cells()...)
		rec = append(rec, x.Session.cells()...)
		_ = cw.Write(rec)
	}
	cw.Flush()
}

// handleReferrals is the URL Referral report: per page customers came
// from, how many support sessions they asked for and how many were
// accepted.
func (d *desk) handleReferrals(w http.ResponseWriter, r *http.Request) {
	outs, _, ok := d.queueOutcomes(w, r)
	if !ok {
		return
	}
	type row struct {
		URL        string `json:"url"`
		Requests   int    `json:"requests"`
		Successful int    `json:"successful"`
	}
	rows := []row{}
	for _, x := range queue.Referrals(outs) {
		rows = append(rows, row{URL: x.URL, Requests: x.Requests, Successful: x.Successful})
	}
	if r.URL.Query().Get("format") != "csv" {
		writeJSON(w, http.StatusOK, map[string]any{"referrals": rows})
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="lifeline-url-referral.csv"`)
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"url", "requests", "successful"})
	for _, x := range rows {
		_ = cw.Write([]string{csvSafe(x.URL), strconv.Itoa(x.Requests), strconv.Itoa(x.Successful)})
	}
	cw.Flush()
}
