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

// The site settings commands. They write the database the server reads on
// every request, so a change applies to the next request of a running
// server, with no restart (SQLite's WAL lets this process write beside it).

// openFor parses the flags of a subcommand "group verb", returning its
// positional arguments and the open store. want is how many positional
// arguments the verb takes; -1 means one or more, joined with spaces, so
// that a phrase need not be quoted.
func openFor(ctx context.Context, group string, args []string, want int, what string) ([]string, store.Store, error) {
	fs := flag.NewFlagSet(group+" "+args[0], flag.ContinueOnError)
	var sf storeFlags
	sf.register(fs)
	pos, err := parse(fs, args[1:])
	if err != nil {
		return nil, nil, err
	}
	switch {
	case want == -1 && len(pos) == 0:
		return nil, nil, usagef("%s %s: give %s", group, args[0], what)
	case want == -1:
		pos = []string{strings.Join(pos, " ")}
	case len(pos) != want:
		if want == 0 {
			return nil, nil, usagef("%s %s: unexpected argument %q", group, args[0], pos[0])
		}
		return nil, nil, usagef("%s %s: give %s", group, args[0], what)
	}
	st, err := sf.open(ctx)
	if err != nil {
		return nil, nil, err
	}
	return pos, st, nil
}

func settingsCmd(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return usagef("settings: show or set?")
	}
	switch args[0] {
	case "show":
		_, st, err := openFor(ctx, "settings", args, 0, "")
		if err != nil {
			return err
		}
		defer st.Close()
		return showSettings(ctx, st, stdout)
	case "set":
		pos, st, err := openFor(ctx, "settings", args, 2, "a setting and its value: settings set max-customers 6")
		if err != nil {
			return err
		}
		defer st.Close()
		k, err := settings.Lookup(pos[0])
		if err != nil {
			return usagef("settings set: %v", err)
		}
		v, err := k.Check(pos[1])
		if err != nil {
			return usagef("settings set: %v (%s takes %s)", err, k.CLIName(), k.Values)
		}
		if err := st.SetSiteSetting(ctx, k.Name, v); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s is now %s\n", k.CLIName(), v)
		return nil
	}
	return usagef("settings: unknown command %q", args[0])
}

func showSettings(ctx context.Context, st store.Store, stdout io.Writer) error {
	site, err := st.SiteSettings(ctx)
	if err != nil {
		return err
	}
	types, err := st.SessionTypes(ctx)
	if err != nil {
		return err
	}
	phrases, err := st.QuickPhrases(ctx)
	if err != nil {
		return err
	}
	defaults := settings.Defaults()
	tw := tabwriter.NewWriter(stdout, 2, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "SETTING\tVALUE\tTAKES\tMEANING")
	for _, k := range settings.Keys() {
		v := k.Get(site)
		if v == k.Get(defaults) {
			v += " (default)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", k.CLIName(), v, k.Values, k.Help)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(types) == 0 {
		fmt.Fprintln(stdout, "\nsession types: none, so no type is asked when a session starts")
	} else {
		fmt.Fprintf(stdout, "\nsession types: %s\n", strings.Join(types, ", "))
	}
	fmt.Fprintf(stdout, "quick phrases: %d (lifeline-rendezvous phrase list)\n", len(phrases))
	return nil
}

func phraseCmd(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return usagef("phrase: list, add or remove?")
	}
	switch args[0] {
	case "list":
		_, st, err := openFor(ctx, "phrase", args, 0, "")
		if err != nil {
			return err
		}
		defer st.Close()
		phrases, err := st.QuickPhrases(ctx)
		if err != nil {
			return err
		}
		if len(phrases) == 0 {
			fmt.Fprintln(stdout, "no quick phrases; add one with: lifeline-rendezvous phrase add TEXT")
			return nil
		}
		return listPhrases(stdout, phrases)
	case "add":
		pos, st, err := openFor(ctx, "phrase", args, -1, "the text of the phrase")
		if err != nil {
			return err
		}
		defer st.Close()
		if _, err := settings.CheckPhrase(pos[0]); err != nil {
			return usagef("phrase add: %v", err)
		}
		p, err := st.AddQuickPhrase(ctx, pos[0])
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "added %s: %s\n", p.ID, p.Text)
		return nil
	case "remove":
		pos, st, err := openFor(ctx, "phrase", args, 1, "the id of the phrase (see: phrase list)")
		if err != nil {
			return err
		}
		defer st.Close()
		if err := st.RemoveQuickPhrase(ctx, pos[0]); errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("there is no quick phrase with the id %s (see: lifeline-rendezvous phrase list)", pos[0])
		} else if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "removed %s\n", pos[0])
		return nil
	}
	return usagef("phrase: unknown command %q", args[0])
}

func sessionTypeCmd(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return usagef("session-type: list, add or remove?")
	}
	switch args[0] {
	case "list":
		_, st, err := openFor(ctx, "session-type", args, 0, "")
		if err != nil {
			return err
		}
		defer st.Close()
		types, err := st.SessionTypes(ctx)
		if err != nil {
			return err
		}
		if len(types) == 0 {
			fmt.Fprintln(stdout, "no session types, so no type is asked when a session starts")
		}
		for _, t := range types {
			fmt.Fprintln(stdout, t)
		}
		return nil
	case "add":
		pos, st, err := openFor(ctx, "session-type", args, -1, "the name of the type")
		if err != nil {
			return err
		}
		defer st.Close()
		if _, err := settings.CheckSessionType(pos[0]); err != nil {
			return usagef("session-type add: %v", err)
		}
		name, err := st.AddSessionType(ctx, pos[0])
		if errors.Is(err, store.ErrExists) {
			return fmt.Errorf("there is already a session type named %q", strings.TrimSpace(pos[0]))
		} else if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "added session type %s\n", name)
		return nil
	case "remove":
		pos, st, err := openFor(ctx, "session-type", args, -1, "the name of the type")
		if err != nil {
			return err
		}
		defer st.Close()
		name := pos[0]
		if types, err := st.SessionTypes(ctx); err == nil {
			for _, t := range types { // to say it as it was spelt
				if settings.FoldSessionType(t) == settings.FoldSessionType(name) {
					name = t
				}
			}
		}
		if err := st.RemoveSessionType(ctx, pos[0]); errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("there is no session type named %q (see: lifeline-rendezvous session-type list)", pos[0])
		} else if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "removed session type %s\n", name)
		return nil
	}
	return usagef("session-type: unknown command %q", args[0])
}

// listPhrases is the table of the site's or a queue's quick phrases, by
// the id that removes one.
func listPhrases(stdout io.Writer, phrases []store.QuickPhrase) error {
	tw := tabwriter.NewWriter(stdout, 2, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tPHRASE")
	for _, p := range phrases {
		fmt.Fprintf(tw, "%s\t%s\n", p.ID, p.Text)
	}
	return tw.Flush()
}
