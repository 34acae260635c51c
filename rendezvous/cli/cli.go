// Package cli is the command line of lifeline-rendezvous: serve, and the
// account and site settings commands an administrator runs on the server
// machine.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"lifeline/rendezvous/store"
)

const usage = `Usage: lifeline-rendezvous COMMAND [flags]

Commands:
  serve                       run the server (see: lifeline-rendezvous serve -h)
  user add --email E --name N [--role csr|manager|admin] --password-stdin
                              a manager is a CSR who also sees everyone's
                              reports (/reports); an admin can do everything
  user list
  user disable EMAIL          refuse logins of an account
  user enable EMAIL
  user passwd EMAIL --password-stdin
  user limits EMAIL [--session-mode single|multi|site] [--max-customers N|0]
                              an account's own session mode and maximum
                              (site, 0: follow the site's settings)
  settings show               every site setting and its value
  settings set KEY VALUE      keys: session-mode (single|multi),
                              max-customers (1..20),
                              tracking-code (off|optional|required),
                              default-mode (standard|sampling),
                              default-colors (full|16bit|256),
                              max-transfer-mb (1..10240),
                              retention-days (1..3650), and the
                              features file-transfer, scripts, system-info,
                              reboot, recording (on|off)
  phrase list|add TEXT|remove ID
                              the quick phrases offered in the chat
  session-type list|add NAME|remove NAME
                              the types a CSR chooses from when a session
                              starts (none: no type is asked)
  category list|add NAME|remove NAME
                              the Script Library's categories, which CSRs
                              choose from when they add a script (one in use
                              cannot be removed)
  queue list|add NAME [--display-name TEXT]|remove NAME
                              the support queues customers ask for help in
                              (their help link is /help/NAME); one with
                              customers waiting cannot be removed
  queue member list NAME|add NAME EMAIL|remove NAME EMAIL
                              the CSRs who serve a queue: they see it and
                              accept its customers (admins serve every queue)
  queue settings NAME         the settings a queue may set itself, with its
                              own value or "site (VALUE)" where it follows
                              the site's
  queue set NAME KEY VALUE|site
                              what a queue sets beats the site's for the
                              sessions that come through it (the keys of
                              settings set but retention-days); site follows
                              the site's again
  queue phrase list NAME|add NAME TEXT|remove NAME ID
                              a queue's own quick phrases, offered after the
                              site's in its sessions
  version

Every command takes --data DIR (default $XDG_DATA_HOME/lifeline) and
--db URL (default: the SQLite file in DIR; or postgres://…).
`

// Version is set at build time with -ldflags "-X lifeline/rendezvous/cli.Version=…".
var Version = "dev"

// Run runs one command and returns the process exit code.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	var err error
	switch args[0] {
	case "serve":
		err = serve(ctx, args[1:], stdout, stderr)
	case "user":
		err = user(ctx, args[1:], stdin, stdout)
	case "settings":
		err = settingsCmd(ctx, args[1:], stdout)
	case "phrase":
		err = phraseCmd(ctx, args[1:], stdout)
	case "session-type":
		err = sessionTypeCmd(ctx, args[1:], stdout)
	case "category":
		err = categoryCmd(ctx, args[1:], stdout)
	case "queue":
		err = queueCmd(ctx, args[1:], stdout)
	case "version":
		fmt.Fprintln(stdout, "lifeline-rendezvous", Version)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
	default:
		fmt.Fprintf(stderr, "lifeline-rendezvous: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	var ue usageError
	if errors.As(err, &ue) {
		fmt.Fprintf(stderr, "lifeline-rendezvous: %v\n", err)
		return 2
	}
	if err != nil {
		fmt.Fprintf(stderr, "lifeline-rendezvous: %v\n", err)
		return 1
	}
	return 0
}

type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

// storeFlags are the flags every command has.
type storeFlags struct{ data, db string }

func (f *storeFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.data, "data", defaultDataDir(), "data `folder`: database, certificate, relay secret")
	fs.StringVar(&f.db, "db", "", "database `URL`: a SQLite file path, or postgres://… (default: lifeline.db in the data folder)")
}

func defaultDataDir() string {
	if d := os.Getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "lifeline")
	}
	if home, err := os.UserHomeDir(); err == nil {
		return filepath.Join(home, ".local", "share", "lifeline")
	}
	return "lifeline-data"
}

// open opens the database, creating the data folder for SQLite.
func (f *storeFlags) open(ctx context.Context) (store.Store, error) {
	url := f.db
	if url == "" {
		if err := os.MkdirAll(f.data, 0o700); err != nil {
			return nil, fmt.Errorf("create data folder: %w", err)
		}
		url = filepath.Join(f.data, "lifeline.db")
	}
	st, err := store.Open(ctx, url)
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	return st, nil
}

// parse parses flags that may come before or after positional arguments
// ("user disable E --data D" as well as "user disable --data D E").
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// readPassword reads one line from r, without its line ending.
func readPassword(r io.Reader) (string, error) {
	b, err := io.ReadAll(io.LimitReader(r, 4096))
	if err != nil {
		return "", fmt.Errorf("read password: %w", err)
	}
	pw := strings.TrimRight(strings.SplitN(string(b), "\n", 2)[0], "\r")
	if pw == "" {
		return "", errors.New("no password on standard input")
	}
	return pw, nil
}
