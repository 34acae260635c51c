package terminal

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"unicode"

	"lifeline/agent/session"
	"lifeline/shared/filetransfer"
)

// fakeClock is the terminal's clock in tests: it moves only when told.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type downloadCall struct {
	names []string
	dir   string
}

// fakeAgent records the commands' calls; download plays the transfer.
type fakeAgent struct {
	mu        sync.Mutex
	calls     []string
	downloads []downloadCall
	download  func(ctx context.Context, progress func(filetransfer.Progress)) (filetransfer.Result, error)
}

func (f *fakeAgent) record(s string)  { f.mu.Lock(); f.calls = append(f.calls, s); f.mu.Unlock() }
func (f *fakeAgent) Stop()            { f.record("stop") }
func (f *fakeAgent) Leave()           { f.record("leave") }
func (f *fakeAgent) Chat(text string) { f.record("chat " + text) }
func (f *fakeAgent) EndFileTransfer() { f.record("end-files") }

func (f *fakeAgent) Download(ctx context.Context, names []string, dir string, progress func(filetransfer.Progress)) (filetransfer.Result, error) {
	f.mu.Lock()
	f.calls = append(f.calls, "download")
	f.downloads = append(f.downloads, downloadCall{names, dir})
	play := f.download
	f.mu.Unlock()
	if play == nil {
		return filetransfer.Result{}, fmt.Errorf("test: no download expected")
	}
	return play(ctx, progress)
}

func (f *fakeAgent) snapshot() ([]string, []downloadCall) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.calls), slices.Clone(f.downloads)
}

// waitOutput waits until out is want (the download's lines come from its
// own goroutine), and fails with both if it does not come to that.
func waitOutput(t *testing.T, out *syncBuf, want string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for out.String() != want {
		if time.Now().After(deadline) {
			t.Fatalf("output:\n%s\nwant:\n%s", out, want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

var published = []filetransfer.DirEntry{
	{Name: "report.pdf", Kind: filetransfer.KindFile, Size: 2_097_152},
	{Name: "logs", Kind: filetransfer.KindDir},
	{Name: "gone.txt", Kind: filetransfer.KindOther},
}

const listLines = "FILES 3 files published; type download N[,N…]|all DIR to download, end-files to close the list\n" +
	"FILE 1 report.pdf (2.0 MB)\nFILE 2 logs (folder)\nFILE 3 gone.txt (unavailable)\n"

// untilCancelled is a download that runs until it is aborted, as the
// engine reports it.
func untilCancelled(ctx context.Context, _ func(filetransfer.Progress)) (filetransfer.Result, error) {
	<-ctx.Done()
	return filetransfer.Result{}, fmt.Errorf("%w: %v", filetransfer.ErrAborted, context.Cause(ctx))
}

func failWith(err error) func(context.Context, func(filetransfer.Progress)) (filetransfer.Result, error) {
	return func(context.Context, func(filetransfer.Progress)) (filetransfer.Result, error) {
		return filetransfer.Result{}, err
	}
}

func TestFileCommands(t *testing.T) {
	clock := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	// Progress every 600 ms: lines at 1.2 s and 2.4 s, no more than one a second.
	withProgress := func(ctx context.Context, progress func(filetransfer.Progress)) (filetransfer.Result, error) {
		for i := int64(1); i <= 4; i++ {
			clock.add(600 * time.Millisecond)
			progress(filetransfer.Progress{Path: "report.pdf", FileDone: i * 524_288, FileSize: 2_097_152, Done: i * 524_288, Total: 2_097_152})
		}
		return filetransfer.Result{Files: 3, Dirs: 1, Bytes: 2_097_152, Total: 2_097_152}, nil
	}
	cases := []struct {
		name      string
		files     []filetransfer.DirEntry // published before the commands; nil: none
		list      string                  // how files is listed; "" for published
		existing  string                  // a file already in $DIR
		input     string                  // $DIR is a fresh folder, $FILE a file
		download  func(context.Context, func(filetransfer.Progress)) (filetransfer.Result, error)
		want      string // after the list
		calls     []string
		downloads []downloadCall
	}{
		{name: "files prints the list again", files: published, input: "files",
			want: listLines},
		{name: "download with progress at most every second", files: published, input: "download 1,2 $DIR", download: withProgress,
			want: "NOTICE Downloading 2 items into $DIR…\n" +
				"PROGRESS report.pdf: 1.0 MB of 2.0 MB; 1.0 MB of 2.0 MB in all (50%)\n" +
				"PROGRESS report.pdf: 2.0 MB of 2.0 MB; 2.0 MB of 2.0 MB in all (100%)\n" +
				"DOWNLOADED Downloaded 3 files and 1 folder (2.0 MB) to $DIR.\n",
			calls: []string{"download"}, downloads: []downloadCall{{[]string{"report.pdf", "logs"}, "$DIR"}}},
		{name: "all leaves out what is unavailable", files: published, input: "download all $DIR",
			download: func(context.Context, func(filetransfer.Progress)) (filetransfer.Result, error) {
				return filetransfer.Result{Files: 1, Total: 2_097_152}, nil
			},
			want:  "NOTICE Downloading 2 items into $DIR…\nDOWNLOADED Downloaded 1 file (2.0 MB) to $DIR.\n",
			calls: []string{"download"}, downloads: []downloadCall{{[]string{"report.pdf", "logs"}, "$DIR"}}},
		{name: "the same number twice counts once", files: published, input: "download 1,1 $DIR", download: withProgress,
			want: "NOTICE Downloading 1 item into $DIR…\n" +
				"PROGRESS report.pdf: 1.0 MB of 2.0 MB; 1.0 MB of 2.0 MB in all (50%)\n" +
				"PROGRESS report.pdf: 2.0 MB of 2.0 MB; 2.0 MB of 2.0 MB in all (100%)\n" +
				"DOWNLOADED Downloaded 3 files and 1 folder (2.0 MB) to $DIR.\n",
			calls: []string{"download"}, downloads: []downloadCall{{[]string{"report.pdf"}, "$DIR"}}},
		{name: "a number beyond the list", files: published[:2], input: "download 9 /tmp",
			list: "FILES 2 files published; type download N[,N…]|all DIR to download, end-files to close the list\n" +
				"FILE 1 report.pdf (2.0 MB)\nFILE 2 logs (folder)\n",
			want: "NOTICE There is no file 9: the list has 2 files, numbered 1 to 2.\n"},
		{name: "number 0", files: published[:1], input: "download 0 /tmp",
			list: "FILES 1 file published; type download N[,N…]|all DIR to download, end-files to close the list\n" +
				"FILE 1 report.pdf (2.0 MB)\n",
			want: "NOTICE There is no file 0: the list has 1 file, numbered 1.\n"},
		{name: "no folder given", files: published, input: "download 1",
			want: "NOTICE Say which folder to download into: download 1 DIR, such as download 1 /home/ana/Downloads.\n"},
		{name: "nothing given", files: published, input: "download",
			want: "NOTICE Say which files to download and where: download N[,N…]|all DIR, such as download 1,3 /home/ana/Downloads.\n"},
		{name: "a folder that does not exist", files: published, input: "download 1 $DIR/missing",
			want: "NOTICE The folder $DIR/missing does not exist. Choose another folder.\n"},
		{name: "a file instead of a folder", files: published, input: "download 1 $FILE",
			want: "NOTICE $FILE is a file, not a folder. Choose a folder.\n"},
		{name: "not numbers", files: published, input: "download one $DIR",
			want: "NOTICE “one” is not a list of file numbers. Type download N[,N…]|all DIR, such as download 1,3 /home/ana/Downloads.\n"},
		{name: "an unavailable file", files: published, input: "download 3 $DIR",
			want: "NOTICE File 3, “gone.txt”, is unavailable on your support representative's computer.\n"},
		{name: "no list yet", input: "download 1 $DIR",
			want: "NOTICE No files are published to download.\n"},
		{name: "files without a list", input: "files",
			want: "NOTICE No files are published to download.\n"},
		{name: "the file exists already", files: published, existing: "report.pdf", input: "download 1 $DIR",
			download: failWith(fmt.Errorf("download: %w", filetransfer.ErrExists)),
			want: "NOTICE Downloading 1 item into $DIR…\n" +
				"FAILED “report.pdf” is already in $DIR and was kept as it is. Choose another folder, or move it away and try again.\n",
			calls: []string{"download"}, downloads: []downloadCall{{[]string{"report.pdf"}, "$DIR"}}},
		{name: "the disk is full", files: published, input: "download 1 $DIR",
			download: failWith(fmt.Errorf("%w: %w", filetransfer.ErrIO, &fs.PathError{Op: "write", Path: "report.pdf", Err: syscall.ENOSPC})),
			want: "NOTICE Downloading 1 item into $DIR…\n" +
				"FAILED There is not enough space in $DIR for these files. Free some space or choose another folder, then try again.\n",
			calls: []string{"download"}, downloads: []downloadCall{{[]string{"report.pdf"}, "$DIR"}}},
		{name: "the CSR aborted", files: published, input: "download 1 $DIR",
			download: failWith(&filetransfer.RemoteError{Code: filetransfer.CodeAborted, Msg: "stopped"}),
			want: "NOTICE Downloading 1 item into $DIR…\n" +
				"FAILED Your support representative aborted the transfer. Files that were not complete were removed.\n",
			calls: []string{"download"}, downloads: []downloadCall{{[]string{"report.pdf"}, "$DIR"}}},
		{name: "refused", files: published, input: "download 1 $DIR",
			download: failWith(&filetransfer.RemoteError{Code: filetransfer.CodeDenied, Msg: "downloads are off\x1b[2J"}),
			want: "NOTICE Downloading 1 item into $DIR…\n" +
				"FAILED The transfer was refused: Downloads are off?[2J.\n",
			calls: []string{"download"}, downloads: []downloadCall{{[]string{"report.pdf"}, "$DIR"}}},
		{name: "abort", files: published, input: "download 2 $DIR\nabort", download: untilCancelled,
			want: "NOTICE Downloading 1 item into $DIR…\n" +
				"FAILED You aborted the download. Files that were not complete were removed from $DIR.\n",
			calls: []string{"download"}, downloads: []downloadCall{{[]string{"logs"}, "$DIR"}}},
		{name: "one download at a time", files: published, input: "download 2 $DIR\ndownload 1 $DIR\nabort", download: untilCancelled,
			want: "NOTICE Downloading 1 item into $DIR…\n" +
				"NOTICE A download is running already: wait for it to finish, or type abort.\n" +
				"FAILED You aborted the download. Files that were not complete were removed from $DIR.\n",
			calls: []string{"download"}, downloads: []downloadCall{{[]string{"logs"}, "$DIR"}}},
		{name: "abort without a download", files: published, input: "abort",
			want: "NOTICE No download is running.\n"},
		{name: "end-files closes the list", files: published, input: "end-files\ndownload 1 $DIR",
			want:  "FILES closed: You ended file transfer.\nNOTICE No files are published to download.\n",
			calls: []string{"end-files"}},
		{name: "end-files aborts the download", files: published, input: "download 1 $DIR\nend-files", download: untilCancelled,
			want: "NOTICE Downloading 1 item into $DIR…\n" +
				"FILES closed: You ended file transfer.\n" +
				"FAILED The download stopped because the file list was closed. Files that were not complete were removed from $DIR.\n",
			calls: []string{"download", "end-files"}, downloads: []downloadCall{{[]string{"report.pdf"}, "$DIR"}}},
		{name: "end-files without a list", input: "end-files",
			want: "NOTICE No file list is open.\n"},
		{name: "the other commands still work", files: published, input: "chat hello there\nstop\nleave\nfly",
			want:  "NOTICE unknown command \"fly\": type stop, leave, chat followed by a message, files, download, abort or end-files\n",
			calls: []string{"chat hello there", "stop", "leave"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			file := filepath.Join(t.TempDir(), "notes.txt")
			if err := os.WriteFile(file, nil, 0o600); err != nil {
				t.Fatal(err)
			}
			if c.existing != "" {
				if err := os.WriteFile(filepath.Join(dir, c.existing), []byte("mine"), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			expand := strings.NewReplacer("$DIR", dir, "$FILE", file).Replace

			out := &syncBuf{}
			pr, pw := io.Pipe()
			term := New(pr, out)
			term.now = clock.now
			ag := &fakeAgent{download: c.download}
			want := expand(c.want)
			if c.files != nil {
				term.Show(session.Event{Kind: session.EventFiles, Files: c.files})
				want = c.list + want
				if c.list == "" {
					want = listLines + want
				}
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			go term.Commands(ctx, ag)
			io.WriteString(pw, expand(c.input)+"\n")
			waitOutput(t, out, want)
			calls, downloads := ag.snapshot()
			// The download runs on its own goroutine: the order of its
			// call among the others is not fixed.
			slices.Sort(calls)
			slices.Sort(c.calls)
			if !slices.Equal(calls, c.calls) {
				t.Errorf("agent calls %q, want %q", calls, c.calls)
			}
			for i := range c.downloads {
				c.downloads[i].dir = expand(c.downloads[i].dir)
			}
			if !slices.EqualFunc(downloads, c.downloads, func(a, b downloadCall) bool {
				return slices.Equal(a.names, b.names) && a.dir == b.dir
			}) {
				t.Errorf("downloads %q, want %q", downloads, c.downloads)
			}
		})
	}
}

func TestShowFiles(t *testing.T) {
	out := &syncBuf{}
	term := New(strings.NewReader(""), out)
	term.Show(session.Event{Kind: session.EventFiles, From: "Carol", Files: []filetransfer.DirEntry{
		{Name: "report.pdf", Kind: filetransfer.KindFile, Size: 999},
		{Name: "evil\x1b[2Jname", Kind: filetransfer.KindFile, Size: 1}, // would clear the screen
		{Name: "../../.bashrc", Kind: filetransfer.KindFile, Size: 1},
		{Name: "report.pdf", Kind: filetransfer.KindFile, Size: 5}, // the same name twice: ambiguous
	}})
	term.Show(session.Event{Kind: session.EventFiles, Files: []filetransfer.DirEntry{}})
	term.Show(session.Event{Kind: session.EventFiles, Files: nil, Text: "Carol ended file transfer."})
	term.Show(session.Event{Kind: session.EventFiles, Files: nil, Text: "Carol ended file transfer."}) // said once
	want := "FILES 1 file published by Carol; type download N[,N…]|all DIR to download, end-files to close the list\n" +
		"FILE 1 report.pdf (999 bytes)\n" +
		"NOTICE 3 published files are not shown because their names are not safe to use.\n" +
		"FILES none published right now\n" +
		"FILES closed: Carol ended file transfer.\n"
	if out.String() != want {
		t.Fatalf("output:\n%s\nwant:\n%s", out, want)
	}
}

// A list closed by the CSR, or a session that ends, stops the download.
func TestDownloadStoppedByTheSession(t *testing.T) {
	for _, c := range []struct {
		name  string
		event session.Event
		want  string
	}{
		{"list closed", session.Event{Kind: session.EventFiles, Text: "Carol ended file transfer."},
			"FILES closed: Carol ended file transfer.\n" +
				"FAILED The download stopped because the file list was closed. Files that were not complete were removed from $DIR.\n"},
		{"session ended", session.Event{Kind: session.EventEnded, Text: "The session has ended."},
			"ENDED The session has ended.\n" +
				"FAILED The download stopped because the session ended.\n"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			out := &syncBuf{}
			pr, pw := io.Pipe()
			term := New(pr, out)
			started := make(chan struct{})
			ag := &fakeAgent{download: func(ctx context.Context, p func(filetransfer.Progress)) (filetransfer.Result, error) {
				close(started)
				return untilCancelled(ctx, p)
			}}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			go term.Commands(ctx, ag)
			term.Show(session.Event{Kind: session.EventFiles, Files: published})
			io.WriteString(pw, "download 1 "+dir+"\n")
			<-started
			term.Show(c.event)
			waitOutput(t, out, listLines+"NOTICE Downloading 1 item into "+dir+"…\n"+strings.ReplaceAll(c.want, "$DIR", dir))
		})
	}
}

// FuzzShow: whatever the other side sends (names, chat, reasons), every
// line the terminal writes starts with its keyword and carries no control
// character or text-direction mark that a terminal would act on.
func FuzzShow(f *testing.F) {
	f.Add("Carol", "hello", "report.pdf")
	f.Add("Car\x1b]0;pwned\x07ol", "line one\nFAKE line two", "a\u202etxt.exe")
	f.Add("\u2067", "\r\n\t\x00", "\xff\xfe")
	keywords := []string{"STATUS ", "CHAT ", "SHARING ", "NOTICE ", "ENDED ", "FILES ", "FILE "}
	f.Fuzz(func(t *testing.T, from, text, name string) {
		out := &syncBuf{}
		term := New(strings.NewReader(""), out)
		term.Show(session.Event{Kind: session.EventStatus, Text: text})
		term.Show(session.Event{Kind: session.EventChat, From: from, Text: text})
		term.Show(session.Event{Kind: session.EventChat, From: from, Text: text, Private: true})
		term.Show(session.Event{Kind: session.EventSharing, Viewers: []string{from}, Controllers: []string{text}})
		term.Show(session.Event{Kind: session.EventNotice, Text: text})
		term.Show(session.Event{Kind: session.EventFiles, From: from, Files: []filetransfer.DirEntry{{Name: name, Kind: filetransfer.KindFile}}})
		term.Show(session.Event{Kind: session.EventFiles, Text: text + "x"})
		term.Show(session.Event{Kind: session.EventEnded, Text: text})
		for _, line := range strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n") {
			if !slices.ContainsFunc(keywords, func(k string) bool { return strings.HasPrefix(line, k) }) {
				t.Fatalf("line without its keyword: %q", line)
			}
			for _, r := range line {
				if unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) {
					t.Fatalf("line with %U: %q", r, line)
				}
			}
		}
	})
}
