package reports

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"lifeline/rendezvous/store"
)

// Person is a CSR as the reports name them.
type Person struct {
	ID, Name, Email string
}

// Stint is the part of a session one CSR had: from when they started it
// (from its first customer's arrival) or accepted it from a queue or a
// transfer, to its end or to when they transferred it on. Over is false
// while it goes on.
type Stint struct {
	CSR      Person
	From, To time.Time
	Over     bool
}

// SessionRow is one session of the Query tool: the guide's "session ID,
// session date, request, wait, start, and end times, queue name, CSR
// name, customer email address".
type SessionRow struct {
	ID, Number, State, Type, TrackingCode, EndReason string

	// RequestedAt is when help was asked for: the customer's request in a
	// queue, or for a session a CSR started, when they started it (and
	// gave the customer its number).
	RequestedAt time.Time
	// StartedAt is when the first customer was in the session; zero when
	// none came.
	StartedAt time.Time
	EndedAt   time.Time // zero while live
	// Queue is the queue the session was requested in (its name, and the
	// name people read); "" for a session a CSR started.
	Queue, QueueName string

	// CSRs are who had the session, the first first: the CSR who started
	// or accepted it, then whoever took it over by a transfer.
	CSRs   []Person
	Stints []Stint

	CustomerName, CustomerEmail string
}

// Wait is how long the customer waited for the session to start: in the
// queue, or for a session a CSR started, until the customer joined. Zero
// when no customer came.
func (r SessionRow) Wait() time.Duration {
	if r.StartedAt.IsZero() {
		return 0
	}
	return max(r.StartedAt.Sub(r.RequestedAt), 0)
}

// Duration is how long the session went on with a customer in it, from
// StartedAt to its end; zero while live or when no customer came.
func (r SessionRow) Duration() time.Duration {
	if r.StartedAt.IsZero() || r.EndedAt.IsZero() {
		return 0
	}
	return max(r.EndedAt.Sub(r.StartedAt), 0)
}

// CSRNames are the names of CSRs, with " → " between them.
func (r SessionRow) CSRNames() string {
	names := make([]string, len(r.CSRs))
	for i, c := range r.CSRs {
		names[i] = c.Name
	}
	return strings.Join(names, " → ")
}

// HandledBy says whether the CSR with this id had the session.
func (r SessionRow) HandledBy(id string) bool {
	return slices.ContainsFunc(r.CSRs, func(p Person) bool { return p.ID == id })
}

// SessionRows builds the Query tool's rows of sessions from their
// summaries, the queue requests of those sessions (for the queue, the
// request time and the transfers) and the accounts (for names). Requests
// of other sessions are ignored.
func SessionRows(sums []store.SessionSummary, reqs []store.QueueRequest, users []store.User) []SessionRow {
	people := map[string]Person{}
	for _, u := range users {
		people[u.ID] = Person{ID: u.ID, Name: u.Name, Email: u.Email}
	}
	person := func(id, name string) Person {
		if p, ok := people[id]; ok {
			return p
		}
		return Person{ID: id, Name: name} // an account removed since
	}
	bySession := map[string][]store.QueueRequest{}
	for _, r := range reqs {
		bySession[r.SessionID] = append(bySession[r.SessionID], r)
	}
	rows := make([]SessionRow, 0, len(sums))
	for _, s := range sums {
		row := SessionRow{ID: s.ID, Number: s.Number, State: s.State, Type: s.Type, TrackingCode: s.TrackingCode,
			EndReason: s.EndReason, RequestedAt: s.CreatedAt, StartedAt: s.StartedAt, EndedAt: s.EndedAt,
			CustomerName: s.CustomerName, CustomerEmail: s.CustomerEmail}
		var accepted []store.QueueRequest
		for _, r := range bySession[s.ID] {
			if !r.AcceptedAt.IsZero() {
				accepted = append(accepted, r)
			}
		}
		if rs := bySession[s.ID]; len(rs) > 0 && len(rs[0].TokenHash) > 0 {
			// The session began as a customer's request: they were in
			// it from its start, and their request is when they asked.
			first := rs[0]
			row.RequestedAt, row.Queue, row.QueueName = first.RequestedAt, first.QueueName, first.QueueDisplayName
			if row.StartedAt.IsZero() || (!first.AcceptedAt.IsZero() && first.AcceptedAt.Before(row.StartedAt)) {
				row.StartedAt = first.AcceptedAt
			}
			if row.CustomerName == "" {
				row.CustomerName, row.CustomerEmail = first.Name, first.Email
			}
		}
		owner := person(s.OwnerUserID, s.CSRName)
		if owner.Email == "" {
			owner.Email = s.CSREmail
		}
		if len(accepted) == 0 {
			if !row.StartedAt.IsZero() {
				row.Stints = []Stint{{CSR: owner, From: row.StartedAt, To: row.EndedAt, Over: !row.EndedAt.IsZero()}}
			}
		} else {
			if accepted[0].AcceptedBy != s.OwnerUserID && !row.StartedAt.IsZero() {
				// Started by one CSR, then transferred before a stint of
				// theirs was recorded: they had it from the start.
				row.Stints = append(row.Stints, Stint{CSR: owner, From: row.StartedAt, To: accepted[0].RequestedAt, Over: true})
			}
			for _, r := range accepted {
				st := Stint{CSR: person(r.AcceptedBy, r.AcceptedByName), From: r.AcceptedAt}
				switch {
				case r.State == store.RequestTransferred && !r.EndedAt.IsZero():
					st.To, st.Over = r.EndedAt, true
				case !row.EndedAt.IsZero():
					st.To, st.Over = row.EndedAt, true
				}
				row.Stints = append(row.Stints, st)
			}
		}
		row.CSRs = []Person{owner}
		for _, st := range row.Stints {
			if !slices.ContainsFunc(row.CSRs, func(p Person) bool { return p.ID == st.CSR.ID }) {
				row.CSRs = append(row.CSRs, st.CSR)
			}
		}
		rows = append(rows, row)
	}
	return rows
}

// NoQueue is the queue filter's name for sessions a CSR started, which no
// queue had.
const NoQueue = "-"

// SessionQuery is what the Query tool looks for in a period's sessions.
// Zero fields do not filter.
type SessionQuery struct {
	// Queues are queue names (NoQueue for sessions a CSR started); a
	// session matches when it was requested in one of them.
	Queues []string
	// CSRs are account ids; a session matches when one of them had it.
	CSRs []string
	// Search is text looked for in the customer's name and email address,
	// in any case.
	Search string
	Sort   string // one of SortKeys; "" is SortRequested
	Desc   bool
}

// The columns the Query tool sorts by.
const (
	SortNumber    = "number"
	SortRequested = "requested"
	SortWait      = "wait"
	SortStarted   = "started"
	SortEnded     = "ended"
	SortDuration  = "duration"
	SortQueue     = "queue"
	SortCSR       = "csr"
	SortCustomer  = "customer"
	SortEmail     = "email"
)

// SortKeys are the columns the Query tool sorts by, in the table's order.
var SortKeys = []string{SortNumber, SortRequested, SortWait, SortStarted, SortEnded, SortDuration,
	SortQueue, SortCSR, SortCustomer, SortEmail}

// ValidSort says whether key is one of SortKeys.
func ValidSort(key string) bool { return slices.Contains(SortKeys, key) }

// Apply returns the rows that match q, in its order; ties are in the
// order of the request time, then the session id, so that a page shows
// the same order every time.
func (q SessionQuery) Apply(rows []SessionRow) []SessionRow {
	search := strings.ToLower(strings.TrimSpace(q.Search))
	var out []SessionRow
	for _, r := range rows {
		if len(q.Queues) > 0 && !slices.Contains(q.Queues, queueKey(r.Queue)) {
			continue
		}
		if len(q.CSRs) > 0 && !slices.ContainsFunc(q.CSRs, r.HandledBy) {
			continue
		}
		if search != "" && !strings.Contains(strings.ToLower(r.CustomerName), search) &&
			!strings.Contains(strings.ToLower(r.CustomerEmail), search) {
			continue
		}
		out = append(out, r)
	}
	key := q.Sort
	if !ValidSort(key) {
		key = SortRequested
	}
	by := func(a, b SessionRow) int {
		switch key {
		case SortNumber:
			return cmp.Compare(a.Number, b.Number)
		case SortWait:
			return cmp.Compare(a.Wait(), b.Wait())
		case SortStarted:
			return a.StartedAt.Compare(b.StartedAt)
		case SortEnded:
			return a.EndedAt.Compare(b.EndedAt)
		case SortDuration:
			return cmp.Compare(a.Duration(), b.Duration())
		case SortQueue:
			return cmp.Compare(strings.ToLower(a.QueueName), strings.ToLower(b.QueueName))
		case SortCSR:
			return cmp.Compare(strings.ToLower(a.CSRNames()), strings.ToLower(b.CSRNames()))
		case SortCustomer:
			return cmp.Compare(strings.ToLower(a.CustomerName), strings.ToLower(b.CustomerName))
		case SortEmail:
			return cmp.Compare(strings.ToLower(a.CustomerEmail), strings.ToLower(b.CustomerEmail))
		}
		return 0
	}
	slices.SortStableFunc(out, func(a, b SessionRow) int {
		c := by(a, b)
		if c == 0 {
			c = a.RequestedAt.Compare(b.RequestedAt)
		}
		if c == 0 {
			c = cmp.Compare(a.ID, b.ID)
		}
		if q.Desc {
			return -c
		}
		return c
	})
	return out
}

func queueKey(name string) string {
	if name == "" {
		return NoQueue
	}
	return name
}
