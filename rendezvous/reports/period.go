// Package reports computes the support reports of the user guide from
// what the store keeps: the Query tool's list of sessions, Call Volume by
// day, CSR Activity, and the charts that go with them. It holds no state
// and reads no database: the server gives it the sessions and requests of
// a period, already limited to what the reader may see, and renders what
// it returns as web pages, JSON or CSV.
package reports

import (
	"fmt"
	"strings"
	"time"
)

// MaxMonths is the longest date range of a report: the guide's "only
// three months of report data is available".
const MaxMonths = 3

// DefaultDays is the range of a report when none is given: the last 30
// days, today included.
const DefaultDays = 30

// DateLayout is how dates are written in the reports and their queries.
const DateLayout = "2006-01-02"

// Period is a report's date range: whole days in UTC, from the start of
// From to the start of End, the day after the last.
type Period struct {
	From, End time.Time
}

// Contains says whether t falls in the period.
func (p Period) Contains(t time.Time) bool { return !t.Before(p.From) && t.Before(p.End) }

// Last is the period's last day.
func (p Period) Last() time.Time { return p.End.AddDate(0, 0, -1) }

// Days is every day of the period, first to last.
func (p Period) Days() []time.Time {
	var days []time.Time
	for d := p.From; d.Before(p.End); d = d.AddDate(0, 0, 1) {
		days = append(days, d)
	}
	return days
}

// String is "2026-03-01 to 2026-03-31", or one date for one day.
func (p Period) String() string {
	if p.End.Sub(p.From) <= 24*time.Hour {
		return p.From.Format(DateLayout)
	}
	return p.From.Format(DateLayout) + " to " + p.Last().Format(DateLayout)
}

// PeriodError refuses a date range, in a sentence for the reader; Code
// is the API's error code.
type PeriodError struct {
	Code string // "invalid_date", "range_reversed" or "range_too_long"
	Msg  string
}

func (e *PeriodError) Error() string { return e.Msg }

// ParsePeriod reads a report's dates as people give them (2026-03-01;
// the last day is included). Without dates the period is the last
// DefaultDays days to today; with one, the other is DefaultDays days
// away, but not past today or the three months. A range longer than
// MaxMonths months is refused with what the longest would be.
func ParsePeriod(from, to string, today time.Time) (Period, error) {
	today = day(today)
	parse := func(v, what string) (time.Time, error) {
		t, err := time.Parse(DateLayout, strings.TrimSpace(v))
		if err != nil {
			return time.Time{}, &PeriodError{Code: "invalid_date",
				Msg: fmt.Sprintf("The %s must be a date written like %s, not %q.", what, today.Format(DateLayout), v)}
		}
		return t, nil
	}
	var first, last time.Time
	var err error
	switch {
	case strings.TrimSpace(from) == "" && strings.TrimSpace(to) == "":
		last = today
		first = last.AddDate(0, 0, 1-DefaultDays)
	case strings.TrimSpace(to) == "":
		if first, err = parse(from, "start date"); err != nil {
			return Period{}, err
		}
		last = first.AddDate(0, 0, DefaultDays-1)
		if last.After(today) && !first.After(today) {
			last = today
		}
	case strings.TrimSpace(from) == "":
		if last, err = parse(to, "end date"); err != nil {
			return Period{}, err
		}
		first = last.AddDate(0, 0, 1-DefaultDays)
	default:
		if first, err = parse(from, "start date"); err != nil {
			return Period{}, err
		}
		if last, err = parse(to, "end date"); err != nil {
			return Period{}, err
		}
	}
	if last.Before(first) {
		return Period{}, &PeriodError{Code: "range_reversed", Msg: fmt.Sprintf(
			"The start date %s is after the end date %s; choose an end date on or after the start.",
			first.Format(DateLayout), last.Format(DateLayout))}
	}
	p := Period{From: first, End: last.AddDate(0, 0, 1)}
	if limit := first.AddDate(0, MaxMonths, 0); p.End.After(limit) {
		return Period{}, &PeriodError{Code: "range_too_long", Msg: fmt.Sprintf(
			"A report covers at most three months: from %s it can go up to %s, not %s. Choose a shorter date range.",
			first.Format(DateLayout), limit.AddDate(0, 0, -1).Format(DateLayout), last.Format(DateLayout))}
	}
	return p, nil
}

// day is the start of t's day in UTC.
func day(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}
