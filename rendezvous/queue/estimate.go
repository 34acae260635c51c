package queue

import (
	"slices"
	"time"
)

// EstimateSample is how many of a queue's latest accepted requests the
// estimate looks at: enough that one long wait does not swing it, few
// enough that it follows the day's pace.
const EstimateSample = 20

// Estimate is the wait a customer at position (1: next) can expect: the
// median wait of the queue's latest accepted requests, times the
// position. The median, not the mean, so that a customer who waited an
// hour over lunch does not make everyone's estimate an hour. It is a
// rough guide, and says so by being a whole minute; ok is false when the
// queue has accepted nobody yet, and there is nothing to go by.
func Estimate(recentWaits []time.Duration, position int) (d time.Duration, ok bool) {
	if len(recentWaits) == 0 || position < 1 {
		return 0, false
	}
	w := slices.Clone(recentWaits)
	slices.Sort(w)
	median := w[len(w)/2]
	if len(w)%2 == 0 {
		median = (w[len(w)/2-1] + w[len(w)/2]) / 2
	}
	d = max(median, 0) * time.Duration(position)
	// Rounded up to whole minutes, at least one: "about 0 minutes" helps
	// nobody, and an estimate that is a little long disappoints less.
	d = (d + time.Minute - 1).Truncate(time.Minute)
	return max(d, time.Minute), true
}
