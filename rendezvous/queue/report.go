package queue

import (
	"cmp"
	"slices"
	"time"
)

// The queue reports of the guide: Call Volume ("the number of successful
// and abandoned requests and the minimum, average, and maximum wait and
// session times") per queue, and URL Referral ("the URLs … and the number
// [of] attempted and successful support sessions").

// The states of a request, as the store keeps them.
const (
	Waiting     = "waiting"
	Accepted    = "accepted"
	Abandoned   = "abandoned"
	Transferred = "transferred" // accepted, then its CSR transferred the session on
)

// Outcome is one request, as the reports count it.
type Outcome struct {
	Queue string // the queue's name; "" for a session offered to one CSR
	// Referrer is the page a customer's own request came from; transfers
	// (Transfer set) carry it on but are not counted for it again.
	Referrer string
	Transfer bool
	State    string
	Waited   time.Duration // until accepted or abandoned (or now)
	// Session is how long the CSR who accepted it had the session: to its
	// end, or to the transfer; SessionOver is false while it goes on.
	Session     time.Duration
	SessionOver bool
	// RequestedAt is when the request joined its line, for reports by day.
	RequestedAt time.Time
}

// Span is the least, mean and most of some durations; N is how many.
type Span struct {
	N             int
	Min, Avg, Max time.Duration
}

// SpanOf is the span of ds; the zero Span when there are none.
func SpanOf(ds []time.Duration) Span { return span(ds) }

func span(ds []time.Duration) Span {
	if len(ds) == 0 {
		return Span{}
	}
	s := Span{N: len(ds), Min: slices.Min(ds), Max: slices.Max(ds)}
	var sum time.Duration
	for _, d := range ds {
		sum += d
	}
	s.Avg = sum / time.Duration(len(ds))
	return s
}

// Volume is one queue's line of the Call Volume report.
type Volume struct {
	Queue string
	// Requests is every request; Successful were accepted (and possibly
	// transferred on since), Abandoned left the line, Waiting are in it.
	Requests, Successful, Abandoned, Waiting int
	// Wait of the successful requests, and of the abandoned ones (how long
	// customers waited before giving up).
	Wait, AbandonedWait Span
	// Session times of the successful requests whose session (or its
	// part with the CSR who accepted it) is over.
	Session Span
}

// CallVolume sums outcomes per queue, by queue name ("" last).
func CallVolume(outs []Outcome) []Volume {
	type acc struct {
		v                    Volume
		waits, gaveUp, sessn []time.Duration
	}
	by := map[string]*acc{}
	for _, o := range outs {
		a := by[o.Queue]
		if a == nil {
			a = &acc{v: Volume{Queue: o.Queue}}
			by[o.Queue] = a
		}
		a.v.Requests++
		switch o.State {
		case Accepted, Transferred:
			a.v.Successful++
			a.waits = append(a.waits, o.Waited)
			if o.SessionOver {
				a.sessn = append(a.sessn, o.Session)
			}
		case Abandoned:
			a.v.Abandoned++
			a.gaveUp = append(a.gaveUp, o.Waited)
		case Waiting:
			a.v.Waiting++
		}
	}
	out := make([]Volume, 0, len(by))
	for _, a := range by {
		a.v.Wait, a.v.AbandonedWait, a.v.Session = span(a.waits), span(a.gaveUp), span(a.sessn)
		out = append(out, a.v)
	}
	slices.SortFunc(out, func(x, y Volume) int {
		switch {
		case x.Queue == "" && y.Queue != "":
			return 1 // offers last
		case x.Queue != "" && y.Queue == "":
			return -1
		}
		return cmp.Compare(x.Queue, y.Queue)
	})
	return out
}

// Referral is one page's line of the URL Referral report.
type Referral struct {
	URL string // "" for requests that named no page
	// Requests are the support sessions customers coming from the page
	// asked for (attempted); Successful were accepted.
	Requests, Successful int
}

// Referrals counts customers' own requests per page they came from, the
// most requests first, then by URL. A transferred session is one attempt,
// counted once, by the request it began as.
func Referrals(outs []Outcome) []Referral {
	by := map[string]*Referral{}
	for _, o := range outs {
		if o.Transfer {
			continue
		}
		r := by[o.Referrer]
		if r == nil {
			r = &Referral{URL: o.Referrer}
			by[o.Referrer] = r
		}
		r.Requests++
		if o.State == Accepted || o.State == Transferred {
			r.Successful++
		}
	}
	out := make([]Referral, 0, len(by))
	for _, r := range by {
		out = append(out, *r)
	}
	slices.SortFunc(out, func(x, y Referral) int {
		if c := cmp.Compare(y.Requests, x.Requests); c != 0 {
			return c
		}
		return cmp.Compare(x.URL, y.URL)
	})
	return out
}
