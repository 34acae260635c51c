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

	"lifeline/rendezvous/auth"
	"lifeline/rendezvous/settings"
	"lifeline/rendezvous/store"
)

func user(ctx context.Context, args []string, stdin io.Reader, stdout io.Writer) error {
	if len(args) == 0 {
		return usagef("user: add, list, disable, enable, passwd or limits?")
	}
	fs := flag.NewFlagSet("user "+args[0], flag.ContinueOnError)
	var sf storeFlags
	sf.register(fs)
	var email, name, role string
	var pwStdin bool
	var mode string
	var maxCustomers int
	switch args[0] {
	case "add":
		fs.StringVar(&email, "email", "", "email `address` (the login)")
		fs.StringVar(&name, "name", "", "full `name` shown to customers")
		fs.StringVar(&role, "role", store.RoleCSR, "csr, manager (a CSR who sees everyone's reports) or admin")
		fallthrough
	case "passwd":
		fs.BoolVar(&pwStdin, "password-stdin", false, "read the password from standard input")
	case "limits":
		fs.StringVar(&mode, "session-mode", "", "single, multi, or site (follow the site's setting)")
		fs.IntVar(&maxCustomers, "max-customers", 0, fmt.Sprintf("most live sessions at once, %d..%d, or 0 (follow the site's setting)",
			settings.MinCustomers, settings.MaxCustomers))
	case "list", "disable", "enable":
	default:
		return usagef("user: unknown command %q", args[0])
	}
	pos, err := parse(fs, args[1:])
	if err != nil {
		return err
	}
	if args[0] != "add" && args[0] != "list" {
		if len(pos) != 1 {
			return usagef("user %s: give exactly one email address", args[0])
		}
		email = pos[0]
	} else if len(pos) != 0 {
		return usagef("user %s: unexpected argument %q", args[0], pos[0])
	}
	st, err := sf.open(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	switch args[0] {
	case "add":
		if email == "" || !strings.Contains(email, "@") || strings.TrimSpace(name) == "" {
			return usagef("user add: --email and --name are required")
		}
		if !store.ValidUserRole(role) {
			return usagef("user add: --role must be csr, manager or admin")
		}
		hash, err := newPasswordHash(pwStdin, stdin)
		if err != nil {
			return err
		}
		u := store.User{ID: store.NewID("usr_"), Email: strings.ToLower(email), Name: strings.TrimSpace(name), Role: role, PasswordHash: hash, CreatedAt: time.Now()}
		if err := st.CreateUser(ctx, u); errors.Is(err, store.ErrExists) {
			return fmt.Errorf("an account with the email %s already exists", email)
		} else if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "added %s %s <%s>\n", role, u.Name, u.Email)
	case "list":
		users, err := st.ListUsers(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 2, 8, 2, ' ', 0)
		fmt.Fprintln(tw, "EMAIL\tNAME\tROLE\tSTATUS\tCREATED")
		for _, u := range users {
			status := "active"
			if u.Disabled {
				status = "disabled"
			} else if time.Now().Before(u.LockedUntil) {
				status = "locked until " + u.LockedUntil.Local().Format("15:04")
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", u.Email, u.Name, u.Role, status, u.CreatedAt.Local().Format("2006-01-02"))
		}
		return tw.Flush()
	case "disable", "enable":
		if err := st.SetUserDisabled(ctx, email, args[0] == "disable"); errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("there is no account with the email %s", email)
		} else if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%sd %s\n", args[0], email)
	case "passwd":
		hash, err := newPasswordHash(pwStdin, stdin)
		if err != nil {
			return err
		}
		if err := st.SetPasswordHash(ctx, email, hash); errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("there is no account with the email %s", email)
		} else if err != nil {
			return err
		}
		if u, err := st.UserByEmail(ctx, email); err == nil {
			_ = st.SetLoginState(ctx, u.ID, 0, time.Time{}) // a new password lifts a lock-out
		}
		fmt.Fprintf(stdout, "password changed for %s\n", email)
	case "limits":
		given := map[string]bool{}
		fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
		return userLimits(ctx, st, email, given["session-mode"], mode, given["max-customers"], maxCustomers, stdout)
	}
	return nil
}

// userLimits shows an account's own session mode and maximum, after
// changing those given.
func userLimits(ctx context.Context, st store.Store, email string, setMode bool, mode string, setMax bool, maxCustomers int, stdout io.Writer) error {
	u, err := st.UserByEmail(ctx, email)
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("there is no account with the email %s", email)
	} else if err != nil {
		return err
	}
	l := u.Limits
	if setMode {
		switch mode {
		case settings.ModeSingle, settings.ModeMulti:
			l.SessionMode = mode
		case "site":
			l.SessionMode = ""
		default:
			return usagef("user limits: --session-mode must be single, multi or site, not %q", mode)
		}
	}
	if setMax {
		l.MaxCustomers = maxCustomers
	}
	if setMode || setMax {
		if err := l.Validate(); err != nil {
			return usagef("user limits: %v", err)
		}
		if err := st.SetUserLimits(ctx, email, l); err != nil {
			return err
		}
	}
	site, err := st.SiteSettings(ctx)
	if err != nil {
		return err
	}
	effMode, effMax := site.Effective(l)
	modeFrom, maxFrom := "its own", "its own"
	if l.SessionMode == "" {
		modeFrom = "the site's"
	}
	if l.MaxCustomers == 0 {
		maxFrom = "the site's"
	}
	customers := "customers"
	if effMax == 1 {
		customers = "customer"
	}
	fmt.Fprintf(stdout, "%s: session mode %s (%s), at most %d %s at once", u.Email, effMode, modeFrom, effMax, customers)
	if effMode == settings.ModeSingle {
		fmt.Fprintf(stdout, " (single mode)\n")
	} else {
		fmt.Fprintf(stdout, " (%s)\n", maxFrom)
	}
	return nil
}

func newPasswordHash(fromStdin bool, stdin io.Reader) (string, error) {
	if !fromStdin {
		return "", usagef("give the password on standard input with --password-stdin (never as an argument, where other users could see it)")
	}
	pw, err := readPassword(stdin)
	if err != nil {
		return "", err
	}
	if err := auth.CheckPasswordPolicy(pw); err != nil {
		return "", err
	}
	return auth.HashPassword(pw)
}
