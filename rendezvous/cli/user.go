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
	"lifeline/rendezvous/store"
)

func user(ctx context.Context, args []string, stdin io.Reader, stdout io.Writer) error {
	if len(args) == 0 {
		return usagef("user: add, list, disable, enable or passwd?")
	}
	fs := flag.NewFlagSet("user "+args[0], flag.ContinueOnError)
	var sf storeFlags
	sf.register(fs)
	var email, name, role string
	var pwStdin bool
	switch args[0] {
	case "add":
		fs.StringVar(&email, "email", "", "email `address` (the login)")
		fs.StringVar(&name, "name", "", "full `name` shown to customers")
		fs.StringVar(&role, "role", store.RoleCSR, "csr or admin")
		fallthrough
	case "passwd":
		fs.BoolVar(&pwStdin, "password-stdin", false, "read the password from standard input")
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
		if role != store.RoleCSR && role != store.RoleAdmin {
			return usagef("user add: --role must be csr or admin")
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
