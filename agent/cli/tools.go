package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"lifeline/agent/reboot"
	"lifeline/agent/scriptrun"
	"lifeline/agent/session"
	"lifeline/agent/sysinfo"
	"lifeline/shared/client"
	"lifeline/shared/sysreport"
)

// tools are the customer-computer tools: file transfer in the customer's
// home (or --files-folder), system information of this machine and the
// shared display, script runs in temporary folders, and the restart.
func (f *flags) tools(api *client.Client, haveDisplay bool) (session.Tools, error) {
	folder := f.filesFolder
	if folder == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return session.Tools{}, fmt.Errorf("no home folder for file transfer (give --files-folder): %w", err)
		}
		folder = home
	}
	abs, err := filepath.Abs(folder)
	if err != nil {
		return session.Tools{}, fmt.Errorf("--files-folder: %w", err)
	}
	if fi, err := os.Stat(abs); err != nil || !fi.IsDir() {
		return session.Tools{}, fmt.Errorf("--files-folder %s is not a folder", abs)
	}
	display := ""
	if haveDisplay {
		display = f.display
	}
	rcfg := reboot.Config{Args: f.kept, Command: f.rebootCommand}
	return session.Tools{
		FilesRoot: abs,
		Sysinfo: func(ctx context.Context) sysreport.Report {
			return sysinfo.Collect(ctx, sysinfo.Options{Display: display})
		},
		Scripts: &scriptrun.Runner{},
		Reboot: func(ctx context.Context, rt session.RebootTicket) error {
			t := reboot.Ticket{Server: f.server, CAFile: f.caFile, Fingerprint: f.fingerprint, ResumeToken: rt.ResumeToken, SessionNumber: rt.Number, Name: rt.Name}
			path, err := reboot.Arrange(rcfg, t)
			if err != nil {
				return fmt.Errorf("could not arrange to rejoin after the restart: %w", err)
			}
			if err := reboot.Reboot(ctx, rcfg); err != nil {
				_ = reboot.Cleanup(rcfg, path)
				return err
			}
			return nil
		},
	}, nil
}

// resume takes the customer's place back after a restart: the ticket's
// single-use token becomes a participant token, and the autostart entry
// and ticket are removed whether or not that worked (a stale entry must
// not start the agent at every login).
func (f *flags) resume(cfg *session.Config, t reboot.Ticket) error {
	defer func() { _ = reboot.Cleanup(reboot.Config{}, f.rejoin) }()
	// Right after a login the network may not be up yet: try again for a
	// while, unless the server said no.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var j client.Joined
	var err error
	for delay := time.Second; ; delay = min(2*delay, 10*time.Second) {
		if j, err = cfg.API.Resume(ctx, t.ResumeToken); err == nil {
			break
		}
		var ae *client.APIError
		if errors.As(err, &ae) {
			return fmt.Errorf("could not rejoin session %s after the restart: %s", t.SessionNumber, ae.Message)
		}
		select {
		case <-time.After(delay):
		case <-ctx.Done():
			return fmt.Errorf("could not rejoin session %s after the restart: %w", t.SessionNumber, err)
		}
	}
	cfg.Token, cfg.Rejoined = j.Token, true
	return nil
}
