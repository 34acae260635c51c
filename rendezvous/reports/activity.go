package reports

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"lifeline/rendezvous/queue"
)

// CSRActivity is one CSR's line of the CSR Activity report: "the number
// of sessions and the minimum, maximum, and average session time".
type CSRActivity struct {
	CSR Person
	// Sessions had a customer in them while this CSR had them; a session
	// transferred away and back counts once.
	Sessions int
	// Time is how long the CSR had each of those sessions that are over
	// (their stints added up), from the customer's arrival or the
	// acceptance to the end or the transfer on.
	Time queue.Span
}

// Activity sums the stints of rows per CSR, by name. With only set, it
// keeps that CSR's line alone (a CSR sees their own).
func Activity(rows []SessionRow, only string) []CSRActivity {
	type acc struct {
		a     CSRActivity
		times []time.Duration
	}
	by := map[string]*acc{}
	for _, r := range rows {
		type mine struct {
			total time.Duration
			over  bool
		}
		per := map[string]*mine{}
		var order []string
		for _, st := range r.Stints {
			if only != "" && st.CSR.ID != only {
				continue
			}
			m := per[st.CSR.ID]
			if m == nil {
				m = &mine{over: true}
				per[st.CSR.ID] = m
				order = append(order, st.CSR.ID)
				if by[st.CSR.ID] == nil {
					by[st.CSR.ID] = &acc{a: CSRActivity{CSR: st.CSR}}
				}
			}
			m.over = m.over && st.Over
			if st.Over {
				m.total += max(st.To.Sub(st.From), 0)
			}
		}
		for _, id := range order {
			a := by[id]
			a.a.Sessions++
			if per[id].over {
				a.times = append(a.times, per[id].total)
			}
		}
	}
	out := make([]CSRActivity, 0, len(by))
	for _, a := range by {
		a.a.Time = queue.SpanOf(a.times)
		out = append(out, a.a)
	}
	slices.SortFunc(out, func(x, y CSRActivity) int {
		if c := cmp.Compare(strings.ToLower(x.CSR.Name), strings.ToLower(y.CSR.Name)); c != 0 {
			return c
		}
		return cmp.Compare(x.CSR.Email, y.CSR.Email)
	})
	return out
}
