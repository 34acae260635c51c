package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"lifeline/rendezvous/settings"
	"lifeline/rendezvous/store"
)

// A queue's own settings and quick phrases (settings.ForQueue): what a
// queue sets beats the site's for the sessions that come through it, and
// what it leaves alone follows the site. Like every command here they write
// the database a running server reads on each request.

// openQueue parses the flags of "queue VERB", checks that want positional
// arguments were given (the first is the queue's name; -1: the name and a
// text of one or more words, joined with spaces so that it need not be
// quoted), opens the store and finds the queue, so that every subcommand
// refuses an unknown queue with the same sentence.
func openQueue(ctx context.Context, verb string, args []string, want int, what string) ([]string, store.Store, store.Queue, error) {
	fs := flag.NewFlagSet("queue "+verb, flag.ContinueOnError)
	var sf storeFlags
	sf.register(fs)
	pos, err := parse(fs, args)
	if err != nil {
		return nil, nil, store.Queue{}, err
	}
	switch {
	case want == -1 && len(pos) < 2:
		return nil, nil, store.Queue{}, usagef("queue %s: give %s", verb, what)
	case want == -1:
		pos = []string{pos[0], strings.Join(pos[1:], " ")}
	case want == 1 && len(pos) > 1:
		// After the name alone there is nothing to give: the word is
		// simply one too many.
		return nil, nil, store.Queue{}, usagef("queue %s: unexpected argument %q", verb, pos[1])
	case len(pos) != want:
		return nil, nil, store.Queue{}, usagef("queue %s: give %s", verb, what)
	}
	st, err := sf.open(ctx)
	if err != nil {
		return nil, nil, store.Queue{}, err
	}
	q, err := st.QueueByName(ctx, pos[0])
	if err != nil {
		st.Close()
		if errors.Is(err, store.ErrNotFound) {
			return nil, nil, store.Queue{}, noQueue(pos[0])
		}
		return nil, nil, store.Queue{}, err
	}
	return pos, st, q, nil
}

// queueArgs are the positional arguments of one verb of "queue GROUP
// VERB", as openQueue takes them.
type queueArgs struct {
	want int
	what string
}

// openQueueVerb is openQueue for the list, add and remove of a queue's
// members or phrases: it names the verb, or refuses a missing or unknown
// one before touching the store.
func openQueueVerb(ctx context.Context, group string, args []string, verbs map[string]queueArgs) (string, []string, store.Store, store.Queue, error) {
	if len(args) == 0 {
		return "", nil, nil, store.Queue{}, usagef("queue %s: list, add or remove?", group)
	}
	a, ok := verbs[args[0]]
	if !ok {
		return "", nil, nil, store.Queue{}, usagef("queue %s: unknown command %q", group, args[0])
	}
	pos, st, q, err := openQueue(ctx, group+" "+args[0], args[1:], a.want, a.what)
	return args[0], pos, st, q, err
}

// queueSettingsCmd is "queue settings NAME": each setting a queue may set,
// with the queue's own value or the site's it follows.
func queueSettingsCmd(ctx context.Context, args []string, stdout io.Writer) error {
	_, st, q, err := openQueue(ctx, "settings", args, 1, "the name of the queue")
	if err != nil {
		return err
	}
	defer st.Close()
	own, err := st.QueueSettings(ctx, q.Name)
	if err != nil {
		return err
	}
	site, err := st.SiteSettings(ctx)
	if err != nil {
		return err
	}
	phrases, err := st.QueuePhrases(ctx, q.Name)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 2, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "SETTING\tVALUE\tTAKES")
	for _, k := range settings.QueueKeys() {
		v, ok := own[k.Name]
		if !ok {
			v = settings.FollowSite + " (" + k.Get(site) + ")"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s|%s\n", k.CLIName(), v, k.Values, settings.FollowSite)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\nquick phrases: the site's, then %d of its own (lifeline-rendezvous queue phrase list %s)\n", len(phrases), q.Name)
	return nil
}

// queueSetCmd is "queue set NAME KEY VALUE|site".
func queueSetCmd(ctx context.Context, args []string, stdout io.Writer) error {
	pos, st, q, err := openQueue(ctx, "set", args, 3, "the name of the queue, a setting and its value: queue set billing scripts off")
	if err != nil {
		return err
	}
	defer st.Close()
	k, err := settings.LookupQueue(pos[1])
	if err != nil {
		return usagef("queue set: %v", err)
	}
	v, err := k.CheckQueue(pos[2])
	if err != nil {
		return usagef("queue set: %v (%s takes %s, or %s to follow the site's)", err, k.CLIName(), k.Values, settings.FollowSite)
	}
	if err := st.SetQueueSetting(ctx, q.Name, k.Name, v); err != nil {
		return err
	}
	if v == "" {
		site, err := st.SiteSettings(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s of the queue %s follows the site's again (now %s)\n", k.CLIName(), q.Name, k.Get(site))
		return nil
	}
	fmt.Fprintf(stdout, "%s of the queue %s is now %s\n", k.CLIName(), q.Name, v)
	return nil
}

// queuePhraseCmd is "queue phrase list|add|remove NAME …": the queue's own
// quick phrases, offered after the site's in its sessions.
func queuePhraseCmd(ctx context.Context, args []string, stdout io.Writer) error {
	verb, pos, st, q, err := openQueueVerb(ctx, "phrase", args, map[string]queueArgs{
		"list":   {1, "the name of the queue"},
		"add":    {-1, "the name of the queue and the text of the phrase"},
		"remove": {2, "the name of the queue and the id of the phrase (see: queue phrase list NAME)"},
	})
	if err != nil {
		return err
	}
	defer st.Close()
	if verb == "add" {
		if _, err := settings.CheckPhrase(pos[1]); err != nil {
			return usagef("queue phrase add: %v", err)
		}
		p, err := st.AddQueuePhrase(ctx, q.Name, pos[1])
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "added %s to the queue %s: %s\n", p.ID, q.Name, p.Text)
		return nil
	}
	phrases, err := st.QueuePhrases(ctx, q.Name)
	if err != nil {
		return err
	}
	if verb == "list" {
		if len(phrases) == 0 {
			fmt.Fprintf(stdout, "the queue %s has no quick phrases of its own (its CSRs see the site's); add one with: lifeline-rendezvous queue phrase add %s TEXT\n", q.Name, q.Name)
			return nil
		}
		return listPhrases(stdout, phrases)
	}
	// RemoveQuickPhrase removes the site's phrases too: only one of this
	// queue's may go through this command, so that a typo cannot take a
	// phrase from every queue.
	found := false
	for _, p := range phrases {
		found = found || p.ID == pos[1]
	}
	if !found {
		return fmt.Errorf("the queue %s has no quick phrase with the id %s (see: lifeline-rendezvous queue phrase list %s; the site's are removed with: lifeline-rendezvous phrase remove ID)",
			q.Name, pos[1], q.Name)
	}
	if err := st.RemoveQuickPhrase(ctx, pos[1]); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "removed %s from the queue %s\n", pos[1], q.Name)
	return nil
}
