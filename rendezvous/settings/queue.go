package settings

import (
	"fmt"
	"strings"
)

// A support queue may set its own value for most settings, for the
// sessions that come through it: a "Billing" queue may switch scripts off
// and keep its CSRs to one customer at a time while the site's other
// queues allow both. What a queue does not set follows the site, so that
// changing the site's value changes it for every queue that left it alone.
// Report retention is the site's alone: it is one policy over every record.
//
// The order, from least to most specific: the site, then the queue, then
// an account's own session mode and maximum (UserLimits), which beat both
// because they describe the person, not the work.

// FollowSite is the value that removes a queue's own value, so that the
// queue follows the site's again; the command line and the admin page
// both take it.
const FollowSite = "site"

// perQueue marks k as one a queue may set itself.
func (k Key) perQueue() Key {
	k.PerQueue = true
	return k
}

// QueueKeys returns the settings a queue may set itself, in display order.
func QueueKeys() []Key {
	var out []Key
	for _, k := range keys {
		if k.PerQueue {
			out = append(out, k)
		}
	}
	return out
}

// LookupQueue finds a setting a queue may set itself, as Lookup does; a
// site-only setting is refused with a sentence that says so.
func LookupQueue(name string) (Key, error) {
	k, err := Lookup(name)
	if err != nil {
		return Key{}, err
	}
	if !k.PerQueue {
		return Key{}, fmt.Errorf("%s is a site setting: a queue cannot set its own", k.CLIName())
	}
	return k, nil
}

// CheckQueue returns value as a queue's own value of k is stored, or ""
// for FollowSite (or an empty value), which removes the queue's own value;
// or it says why value is refused.
func (k Key) CheckQueue(value string) (string, error) {
	if v := strings.TrimSpace(value); v == "" || strings.EqualFold(v, FollowSite) {
		return "", nil
	}
	if !k.PerQueue {
		return "", fmt.Errorf("%s is a site setting: a queue cannot set its own", k.CLIName())
	}
	return k.Check(value)
}

// ForQueue is what applies to a session that came through a queue: s with
// the queue's own values laid over it. Names this build does not know, and
// site-only ones, are skipped, as FromValues skips unknown names; a value
// a known setting refuses is an error, since quietly following the site
// could switch on a feature the queue switched off.
func (s Site) ForQueue(values map[string]string) (Site, error) {
	for _, k := range keys {
		v, ok := values[k.Name]
		if !ok || !k.PerQueue {
			continue
		}
		if err := k.Set(&s, v); err != nil {
			return Site{}, fmt.Errorf("queue setting %s: %w", k.Name, err)
		}
	}
	return s, nil
}
