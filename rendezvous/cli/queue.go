package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"lifeline/rendezvous/queue"
	"lifeline/rendezvous/store"
)

// queueCmd manages the support queues (the guide's inbound sessions) and
// the CSRs who serve each. Like the settings commands, a change applies to
// a running server at once: the server reads queues and members from the
// database on every request.
func queueCmd(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return usagef("queue: list, add, remove, member, settings, set or phrase?")
	}
	switch args[0] {
	case "member":
		return queueMemberCmd(ctx, args[1:], stdout)
	case "settings":
		return queueSettingsCmd(ctx, args[1:], stdout)
	case "set":
		return queueSetCmd(ctx, args[1:], stdout)
	case "phrase":
		return queuePhraseCmd(ctx, args[1:], stdout)
	}
	fs := flag.NewFlagSet("queue "+args[0], flag.ContinueOnError)
	var sf storeFlags
	sf.register(fs)
	var display string
	want, what := 1, "the name of the queue"
	switch args[0] {
	case "list":
		want = 0
	case "add":
		fs.StringVar(&display, "display-name", "", "the `name` customers and CSRs read (default: the queue's name)")
	case "remove":
	default:
		return usagef("queue: unknown command %q", args[0])
	}
	pos, err := parse(fs, args[1:])
	if err != nil {
		return err
	}
	switch {
	case want == 0 && len(pos) > 0:
		return usagef("queue %s: unexpected argument %q", args[0], pos[0])
	case want == 1 && len(pos) != 1:
		return usagef("queue %s: give %s", args[0], what)
	}
	if args[0] == "add" {
		// Checked before the database is opened, to say what is wrong
		// without touching anything.
		name, err := queue.CheckName(pos[0])
		if err != nil {
			return usagef("queue add: %v", err)
		}
		if _, err := queue.CheckDisplayName(display, name); err != nil {
			return usagef("queue add: %v", err)
		}
	}
	st, err := sf.open(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	switch args[0] {
	case "list":
		return listQueues(ctx, st, stdout)
	case "add":
		q, err := st.AddQueue(ctx, pos[0], display, time.Now())
		if errors.Is(err, store.ErrExists) {
			return fmt.Errorf("there is already a queue named %s", strings.ToLower(strings.TrimSpace(pos[0])))
		} else if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "added queue %s (%s); its help link is /help/%s on the server; add the CSRs who serve it with: lifeline-rendezvous queue member add %s EMAIL\n",
			q.Name, q.DisplayName, q.Name, q.Name)
		return nil
	default: // remove
		err := st.RemoveQueue(ctx, pos[0], time.Now())
		var inUse *store.QueueInUseError
		switch {
		case errors.Is(err, store.ErrNotFound):
			return noQueue(pos[0])
		case errors.As(err, &inUse):
			return fmt.Errorf("the queue %s has %s waiting; accept them, or wait until they leave, so that nobody waits in a queue that is gone",
				inUse.Queue, customerCount(inUse.Waiting))
		case err != nil:
			return err
		}
		fmt.Fprintf(stdout, "removed queue %s; its requests stay in the reports\n", strings.ToLower(strings.TrimSpace(pos[0])))
		return nil
	}
}

func noQueue(name string) error {
	return fmt.Errorf("there is no queue named %q (see: lifeline-rendezvous queue list)", name)
}

func customerCount(n int) string {
	if n == 1 {
		return "1 customer"
	}
	return fmt.Sprintf("%d customers", n)
}

func listQueues(ctx context.Context, st store.Store, stdout io.Writer) error {
	qs, err := st.Queues(ctx)
	if err != nil {
		return err
	}
	if len(qs) == 0 {
		fmt.Fprintln(stdout, "no queues; add one with: lifeline-rendezvous queue add NAME [--display-name TEXT]")
		return nil
	}
	waiting, err := st.WaitingRequests(ctx, store.WaitingFilter{})
	if err != nil {
		return err
	}
	counts := map[string]int{}
	for _, r := range waiting {
		counts[r.QueueID]++
	}
	tw := tabwriter.NewWriter(stdout, 2, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "QUEUE\tDISPLAY NAME\tMEMBERS\tWAITING\tHELP LINK")
	for _, q := range qs {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t/help/%s\n", q.Name, q.DisplayName, q.Members, counts[q.ID], q.Name)
	}
	return tw.Flush()
}

func queueMemberCmd(ctx context.Context, args []string, stdout io.Writer) error {
	verb, pos, st, q, err := openQueueVerb(ctx, "member", args, map[string]queueArgs{
		"list":   {1, "the name of the queue"},
		"add":    {2, "the name of the queue and the CSR's email address: queue member add billing carol@example.com"},
		"remove": {2, "the name of the queue and the CSR's email address: queue member remove billing carol@example.com"},
	})
	if err != nil {
		return err
	}
	defer st.Close()
	if verb == "list" {
		return listMembers(ctx, st, q, stdout)
	}
	u, err := st.UserByEmail(ctx, pos[1])
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("there is no account with the email %s (see: lifeline-rendezvous user list)", pos[1])
	} else if err != nil {
		return err
	}
	if verb == "add" {
		err := st.AddQueueMember(ctx, q.Name, u.Email, time.Now())
		if errors.Is(err, store.ErrExists) {
			return fmt.Errorf("%s already serves the queue %s", u.Email, q.Name)
		} else if err != nil {
			return err
		}
		note := ""
		if u.Disabled {
			note = " (the account is disabled: it serves the queue once enabled)"
		}
		fmt.Fprintf(stdout, "%s <%s> now serves the queue %s%s\n", u.Name, u.Email, q.Name, note)
		return nil
	}
	err = st.RemoveQueueMember(ctx, q.Name, u.Email)
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("%s does not serve the queue %s", u.Email, q.Name)
	} else if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s <%s> no longer serves the queue %s\n", u.Name, u.Email, q.Name)
	return nil
}

func listMembers(ctx context.Context, st store.Store, q store.Queue, stdout io.Writer) error {
	members, err := st.QueueMembers(ctx, q.Name)
	if err != nil {
		return err
	}
	if len(members) == 0 {
		fmt.Fprintf(stdout, "nobody serves the queue %s; add a CSR with: lifeline-rendezvous queue member add %s EMAIL\n", q.Name, q.Name)
		return nil
	}
	tw := tabwriter.NewWriter(stdout, 2, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "EMAIL\tNAME\tROLE\tSTATE")
	for _, u := range members {
		state := "active"
		if u.Disabled {
			state = "disabled"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", u.Email, u.Name, u.Role, state)
	}
	return tw.Flush()
}
