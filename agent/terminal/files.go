package terminal

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"lifeline/agent/session"
	"lifeline/shared/filetransfer"
)

// download is the download running.
type download struct {
	cancel context.CancelCauseFunc
}

// Why a download stopped before it was complete, other than by failing.
var (
	errAbortedByYou = errors.New("you aborted the download")
	errListClosed   = errors.New("the file list was closed")
	errSessionEnded = errors.New("the session ended")
)

// showFiles prints a new published list, or that the list closed.
func (t *Terminal) showFiles(e session.Event) {
	if e.Files == nil && e.Text != "" {
		t.fmu.Lock()
		open := t.files != nil
		t.files, t.hidden = nil, 0
		t.fmu.Unlock()
		if open { // not again after end-files
			t.println("FILES closed: %s", e.Text)
		}
		// After the line: the stopped download's FAILED line follows it.
		t.stopDownload(errListClosed)
		return
	}
	usable, hidden := Published(e.Files)
	if usable == nil {
		usable = []filetransfer.DirEntry{}
	}
	t.fmu.Lock()
	t.files, t.hidden, t.from = usable, hidden, e.From
	t.fmu.Unlock()
	t.printFiles()
}

// printFiles prints the published list, numbered for download.
func (t *Terminal) printFiles() {
	t.fmu.Lock()
	files, hidden, from := t.files, t.hidden, t.from
	t.fmu.Unlock()
	if files == nil {
		t.println("NOTICE No files are published to download.")
		return
	}
	lines := []string{}
	if len(files) == 0 {
		lines = append(lines, "FILES none published right now")
	} else {
		by := ""
		if from != "" {
			by = " by " + from
		}
		lines = append(lines, fmt.Sprintf("FILES %s published%s; type download N[,N…]|all DIR to download, end-files to close the list",
			Plural(len(files), "file", "files"), by))
		for i, f := range files {
			lines = append(lines, fmt.Sprintf("FILE %d %s (%s)", i+1, f.Name, EntrySize(f)))
		}
	}
	if s := HiddenSentence(hidden); s != "" {
		lines = append(lines, "NOTICE "+s)
	}
	t.println("%s", strings.Join(lines, "\n"))
}

const downloadUsage = "download N[,N…]|all DIR, such as download 1,3 /home/ana/Downloads"

// selection turns "1,3" or "all" into names of the list; problem is a
// sentence when it cannot.
func selection(sel string, files []filetransfer.DirEntry) (names []string, problem string) {
	if strings.EqualFold(sel, "all") {
		for _, f := range files {
			if Downloadable(f) {
				names = append(names, f.Name)
			}
		}
		if names == nil {
			return nil, "None of the published files can be downloaded right now."
		}
		return names, ""
	}
	seen := map[int]bool{}
	for _, part := range strings.Split(sel, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(part))
		if err != nil {
			return nil, fmt.Sprintf("%s is not a list of file numbers. Type %s.", quote(printable(sel)), downloadUsage)
		}
		if n < 1 || n > len(files) {
			return nil, fmt.Sprintf("There is no file %d: the list has %s, numbered %s.", n, Plural(len(files), "file", "files"), numbered(len(files)))
		}
		if seen[n] {
			continue
		}
		seen[n] = true
		f := files[n-1]
		if !Downloadable(f) {
			return nil, fmt.Sprintf("File %d, %s, is unavailable on your support representative's computer.", n, quote(f.Name))
		}
		names = append(names, f.Name)
	}
	return names, ""
}

func numbered(n int) string {
	if n == 1 {
		return "1"
	}
	return fmt.Sprintf("1 to %d", n)
}

// folder makes the folder typed into a full path: "~" is the home
// folder, and a relative path is taken from the agent's working folder.
func folder(dir string) string {
	if dir == "~" || strings.HasPrefix(dir, "~/") {
		if home, err := os.UserHomeDir(); err == nil {
			dir = filepath.Join(home, dir[1:])
		}
	}
	if abs, err := filepath.Abs(dir); err == nil {
		return abs
	}
	return dir
}

// startDownload is the download command: "N[,N…]|all DIR".
func (t *Terminal) startDownload(ctx context.Context, a Agent, args string) {
	sel, dir, _ := strings.Cut(strings.TrimSpace(args), " ")
	dir = strings.TrimSpace(dir)
	t.fmu.Lock()
	files, busy := t.files, t.download != nil
	t.fmu.Unlock()
	switch {
	case len(files) == 0:
		t.println("NOTICE No files are published to download.")
		return
	case busy:
		t.println("NOTICE A download is running already: wait for it to finish, or type abort.")
		return
	case sel == "":
		t.println("NOTICE Say which files to download and where: %s.", downloadUsage)
		return
	}
	names, problem := selection(sel, files)
	if problem != "" {
		t.println("NOTICE %s", problem)
		return
	}
	if dir == "" {
		t.println("NOTICE Say which folder to download into: download %s DIR, such as download %s /home/ana/Downloads.", sel, sel)
		return
	}
	dir = folder(dir)
	if problem := FolderProblem(dir); problem != "" {
		t.println("NOTICE %s", problem)
		return
	}
	dctx, cancel := context.WithCancelCause(ctx)
	d := &download{cancel: cancel}
	t.fmu.Lock()
	t.download = d
	t.fmu.Unlock()
	t.println("NOTICE Downloading %s into %s…", Plural(len(names), "item", "items"), dir)
	go t.run(dctx, d, a, names, dir)
}

func (t *Terminal) run(ctx context.Context, d *download, a Agent, names []string, dir string) {
	var mu sync.Mutex
	last := t.now()
	res, err := a.Download(ctx, names, dir, func(p filetransfer.Progress) {
		mu.Lock()
		now := t.now()
		due := now.Sub(last) >= t.every
		if due {
			last = now
		}
		mu.Unlock()
		if due {
			t.println("PROGRESS %s", progressLine(p))
		}
	})
	t.fmu.Lock()
	if t.download == d {
		t.download = nil
	}
	t.fmu.Unlock()
	switch cause := context.Cause(ctx); {
	case err == nil:
		t.println("DOWNLOADED %s", Downloaded(res, dir))
	case errors.Is(cause, errAbortedByYou):
		t.println("FAILED %s", Aborted(dir))
	case errors.Is(cause, errListClosed):
		t.println("FAILED The download stopped because the file list was closed. Files that were not complete were removed from %s.", dir)
	case errors.Is(cause, errSessionEnded):
		t.println("FAILED The download stopped because the session ended.")
	case ctx.Err() != nil: // the agent is shutting down
	default:
		t.println("FAILED %s", DownloadError(err, dir, names))
	}
}

// progressLine is "report.pdf: 1.2 MB of 3.4 MB; 2.0 MB of 5.1 MB in all (39%)".
func progressLine(p filetransfer.Progress) string {
	s := ""
	if p.Path != "" {
		s = fmt.Sprintf("%s: %s of %s; ", printable(p.Path), FormatSize(p.FileDone), FormatSize(p.FileSize))
	}
	return s + fmt.Sprintf("%s of %s in all (%d%%)", FormatSize(p.Done), FormatSize(p.Total), Percent(p.Done, p.Total))
}

// Percent is done of total in whole percent, 0 to 100.
func Percent(done, total int64) int {
	if total <= 0 || done <= 0 {
		return 0
	}
	if done >= total {
		return 100
	}
	return int(float64(done) / float64(total) * 100)
}

// stopDownload cancels the running download, if any, for cause. It does
// not wait: it runs on the session's goroutine too (Show), which the
// download may need to end; the download's goroutine says how it ended.
func (t *Terminal) stopDownload(cause error) bool {
	t.fmu.Lock()
	d := t.download
	t.fmu.Unlock()
	if d == nil {
		return false
	}
	d.cancel(cause)
	return true
}

// abort is the abort command.
func (t *Terminal) abort() {
	if !t.stopDownload(errAbortedByYou) {
		t.println("NOTICE No download is running.")
	}
}

// endFiles is the end-files command (End File Transfer).
func (t *Terminal) endFiles(a Agent) {
	t.fmu.Lock()
	open := t.files != nil
	t.fmu.Unlock()
	if !open {
		t.println("NOTICE No file list is open.")
		return
	}
	t.fmu.Lock()
	t.files, t.hidden = nil, 0
	t.fmu.Unlock()
	t.println("FILES closed: You ended file transfer.")
	t.stopDownload(errListClosed)
	a.EndFileTransfer()
}
