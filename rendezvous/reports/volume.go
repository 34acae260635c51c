package reports

import (
	"slices"

	"lifeline/rendezvous/queue"
)

// DayVolume is one day's line of the Call Volume report: the requests of
// every queue chosen that joined a line that day (UTC), as
// queue.CallVolume counts them.
type DayVolume struct {
	Day string // 2026-03-01
	queue.Volume
}

// VolumeByDay counts outs per day of p, every day of it, the quiet ones
// as zeros, so that a chart of them has no gaps. Requests outside p are
// not counted.
func VolumeByDay(outs []queue.Outcome, p Period) []DayVolume {
	byDay := map[string][]queue.Outcome{}
	for _, o := range outs {
		if !p.Contains(o.RequestedAt) {
			continue
		}
		o.Queue = "" // one line per day, whatever the queue
		d := day(o.RequestedAt).Format(DateLayout)
		byDay[d] = append(byDay[d], o)
	}
	var out []DayVolume
	for _, d := range p.Days() {
		key := d.Format(DateLayout)
		v := DayVolume{Day: key}
		if vs := queue.CallVolume(byDay[key]); len(vs) == 1 {
			v.Volume = vs[0]
		}
		out = append(out, v)
	}
	return out
}

// TotalVolume counts outs as one line, whatever their queue or day.
func TotalVolume(outs []queue.Outcome) queue.Volume {
	all := make([]queue.Outcome, len(outs))
	for i, o := range outs {
		o.Queue = ""
		all[i] = o
	}
	if vs := queue.CallVolume(all); len(vs) == 1 {
		return vs[0]
	}
	return queue.Volume{}
}

// QueueFilter keeps the outcomes of the queues named (NoQueue for the
// sessions transferred to one CSR); none named keeps all.
func QueueFilter(outs []queue.Outcome, queues []string) []queue.Outcome {
	if len(queues) == 0 {
		return outs
	}
	var kept []queue.Outcome
	for _, o := range outs {
		if slices.Contains(queues, queueKey(o.Queue)) {
			kept = append(kept, o)
		}
	}
	return kept
}
