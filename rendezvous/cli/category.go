package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"lifeline/rendezvous/scriptlib"
	"lifeline/rendezvous/store"
)

// categoryCmd manages the Script Library's categories, which only an
// admin makes: CSRs choose among them when they add a script. Like the
// settings commands, a change applies to a running server at once.
func categoryCmd(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return usagef("category: list, add or remove?")
	}
	switch args[0] {
	case "list":
		_, st, err := openFor(ctx, "category", args, 0, "")
		if err != nil {
			return err
		}
		defer st.Close()
		return listCategories(ctx, st, stdout)
	case "add":
		pos, st, err := openFor(ctx, "category", args, -1, "the name of the category")
		if err != nil {
			return err
		}
		defer st.Close()
		if _, err := scriptlib.CheckCategory(pos[0]); err != nil {
			return usagef("category add: %v", err)
		}
		name, err := st.AddScriptCategory(ctx, pos[0])
		if errors.Is(err, store.ErrExists) {
			return fmt.Errorf("there is already a script category named %q", strings.TrimSpace(pos[0]))
		} else if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "added script category %s\n", name)
		return nil
	case "remove":
		pos, st, err := openFor(ctx, "category", args, -1, "the name of the category")
		if err != nil {
			return err
		}
		defer st.Close()
		name := pos[0]
		if cats, err := st.ScriptCategories(ctx); err == nil {
			for _, c := range cats { // to say it as it is spelt
				if scriptlib.Fold(c) == scriptlib.Fold(name) {
					name = c
				}
			}
		}
		err = st.RemoveScriptCategory(ctx, pos[0])
		var inUse *store.CategoryInUseError
		switch {
		case errors.Is(err, store.ErrNotFound):
			return fmt.Errorf("there is no script category named %q (see: lifeline-rendezvous category list)", pos[0])
		case errors.As(err, &inUse):
			return fmt.Errorf("the script category %s still has %s; move them to another category or delete them "+
				"in the console's Script Library first, so that no script is left in a category nobody can choose",
				name, scriptCount(inUse.Scripts))
		case err != nil:
			return err
		}
		fmt.Fprintf(stdout, "removed script category %s\n", name)
		return nil
	}
	return usagef("category: unknown command %q", args[0])
}

func listCategories(ctx context.Context, st store.Store, stdout io.Writer) error {
	cats, err := st.ScriptCategories(ctx)
	if err != nil {
		return err
	}
	if len(cats) == 0 {
		fmt.Fprintln(stdout, "no script categories, so scripts are filed under none; add one with: lifeline-rendezvous category add NAME")
		return nil
	}
	scripts, err := st.ListScripts(ctx, store.ScriptFilter{})
	if err != nil {
		return err
	}
	counts := map[string]int{}
	for _, sc := range scripts {
		counts[sc.Category]++
	}
	tw := tabwriter.NewWriter(stdout, 2, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "CATEGORY\tSCRIPTS")
	for _, c := range cats {
		fmt.Fprintf(tw, "%s\t%d\n", c, counts[c])
	}
	if n := counts[""]; n > 0 {
		// Filed before the site had categories.
		fmt.Fprintf(tw, "(none)\t%d\n", n)
	}
	return tw.Flush()
}

// scriptCount writes "1 script", "3 scripts", or "scripts" when the count
// is not known.
func scriptCount(n int) string {
	switch n {
	case 0:
		return "scripts"
	case 1:
		return "1 script"
	}
	return fmt.Sprintf("%d scripts", n)
}
