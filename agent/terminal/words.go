package terminal

// The words of basic file transfer, shared by this terminal and the
// window (agent/gui), so that both tell the customer the same thing.

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"unicode"

	"lifeline/shared/filetransfer"
)

// Published keeps the entries of a published list that can be shown and
// asked for: names filetransfer.CheckName accepts (no control characters,
// no text-direction marks, no path), each once. The list comes from the
// CSR's side, so it is untrusted even though the session checked it
// already. hidden counts what was left out.
func Published(files []filetransfer.DirEntry) (usable []filetransfer.DirEntry, hidden int) {
	seen := make(map[string]bool, len(files))
	for _, f := range files {
		if filetransfer.CheckName(f.Name) != nil || seen[f.Name] {
			hidden++
			continue
		}
		seen[f.Name] = true
		usable = append(usable, f)
	}
	return usable, hidden
}

// HiddenSentence tells about entries Published left out; "" when none.
func HiddenSentence(hidden int) string {
	switch hidden {
	case 0:
		return ""
	case 1:
		return "1 published file is not shown because its name is not safe to use."
	}
	return fmt.Sprintf("%d published files are not shown because their names are not safe to use.", hidden)
}

// FormatSize writes a byte count as the user guide does ("150 MB"), with
// a megabyte of 1 << 20 bytes like the site's transfer limit and the
// file transfer engine's messages, so that the sizes shown add up to the
// limit the customer may be told about.
func FormatSize(n int64) string { return filetransfer.FormatSize(n) }

// EntrySize is what a list shows beside a name: the size of a file,
// "folder", or "unavailable" for something the CSR's computer could not
// read any more.
func EntrySize(e filetransfer.DirEntry) string {
	switch e.Kind {
	case filetransfer.KindFile:
		return FormatSize(e.Size)
	case filetransfer.KindDir:
		return "folder"
	}
	return "unavailable"
}

// Downloadable reports whether an entry can be asked for: a file or a
// folder (not one the CSR's computer could not read any more).
func Downloadable(e filetransfer.DirEntry) bool {
	return e.Kind == filetransfer.KindFile || e.Kind == filetransfer.KindDir
}

// Plural is "1 file", "3 files".
func Plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// Downloaded is the sentence after a download: "Downloaded 3 files
// (2.1 MB) to /home/ana/Downloads."
func Downloaded(r filetransfer.Result, dir string) string {
	what := Plural(r.Files, "file", "files")
	if r.Dirs > 0 {
		what += " and " + Plural(r.Dirs, "folder", "folders")
	}
	s := fmt.Sprintf("Downloaded %s (%s) to %s.", what, FormatSize(r.Total), dir)
	if r.Resumed > 0 {
		s += fmt.Sprintf(" %s of it was already there and was not downloaded again.", FormatSize(r.Resumed))
	}
	if len(r.Skipped) > 0 {
		const most = 5
		var skipped []string
		for _, k := range r.Skipped[:min(len(r.Skipped), most)] {
			skipped = append(skipped, quote(printable(k.Path))+" ("+printable(k.Reason)+")")
		}
		if len(r.Skipped) > most {
			skipped = append(skipped, fmt.Sprintf("and %d more", len(r.Skipped)-most))
		}
		s += " Not downloaded: " + strings.Join(skipped, ", ") + "."
	}
	return s
}

// printable keeps text from the other side to one harmless line, so that
// it can neither break the one-line-per-message format nor reach the
// terminal as escape sequences: line breaks and tabs become spaces, other
// control characters and text-direction marks "?".
func printable(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\r' || r == '\t':
			return ' '
		case unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) || r == unicode.ReplacementChar:
			return '?'
		}
		return r
	}, strings.ToValidUTF8(s, "?"))
}

// FolderProblem says, in a sentence, why dir cannot receive a download;
// "" when it can (an existing folder, given as a full path).
func FolderProblem(dir string) string {
	if dir == "" {
		return "Choose a folder to download the files into."
	}
	if !filepath.IsAbs(dir) {
		return fmt.Sprintf("%s is not a full path to a folder; give one such as /home/ana/Downloads.", dir)
	}
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Sprintf("The folder %s does not exist. Choose another folder.", dir)
	case errors.Is(err, fs.ErrPermission):
		return fmt.Sprintf("Lifeline may not open the folder %s. Choose another folder.", dir)
	case err != nil:
		return Sentence(fmt.Sprintf("The folder %s cannot be used: %v", dir, unwrapPath(err)))
	case !fi.IsDir():
		return fmt.Sprintf("%s is a file, not a folder. Choose a folder.", dir)
	}
	return ""
}

// unwrapPath drops the path *fs.PathError repeats, which the sentence
// around it already says.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// Aborted is the sentence after the customer aborted a download.
func Aborted(dir string) string {
	return fmt.Sprintf("You aborted the download. Files that were not complete were removed from %s.", dir)
}

// DownloadError is a failed download (not one the customer aborted: see
// Aborted) as a sentence for the customer. names are the names asked for,
// downloaded into dir.
func DownloadError(err error, dir string, names []string) string {
	var remote *filetransfer.RemoteError
	fromCSR := errors.As(err, &remote)
	switch {
	case errors.Is(err, syscall.ENOSPC):
		return fmt.Sprintf("There is not enough space in %s for these files. Free some space or choose another folder, then try again.", dir)
	case !fromCSR && errors.Is(err, fs.ErrPermission):
		return fmt.Sprintf("Lifeline may not write into %s. Choose another folder.", dir)
	case errors.Is(err, filetransfer.ErrExists):
		return existsSentence(dir, existing(dir, names, remote))
	case errors.Is(err, filetransfer.ErrAborted):
		return "Your support representative aborted the transfer. Files that were not complete were removed."
	case errors.Is(err, filetransfer.ErrDenied):
		if fromCSR && remote.Msg != "" {
			return "The transfer was refused: " + Sentence(printable(remote.Msg))
		}
		return "The transfer was refused."
	case errors.Is(err, filetransfer.ErrNotFound) && fromCSR:
		return "A file you selected is no longer offered. Look at the list again and choose again."
	case errors.Is(err, filetransfer.ErrNotFound):
		return fmt.Sprintf("The folder %s cannot be opened. Choose another folder.", dir)
	case errors.Is(err, filetransfer.ErrTooLarge):
		return "These files are too large to download at once. Select fewer files and try again."
	case errors.Is(err, filetransfer.ErrInterrupted):
		return "The connection was interrupted during the download. Try again: it continues where it stopped."
	case errors.Is(err, filetransfer.ErrChecksum):
		return "A file arrived damaged and was deleted. Try again."
	case errors.Is(err, filetransfer.ErrUnsafePath):
		return fmt.Sprintf("The download was refused because a name in it is not safe to use. Nothing was written outside %s.", dir)
	case fromCSR:
		return "Your support representative's computer could not send the files: " + Sentence(printable(remote.Msg))
	}
	return Sentence(printable(err.Error()))
}

// existing is the names of what stands in the way: the one the other
// side named, or else those of the selected names already in dir.
func existing(dir string, names []string, remote *filetransfer.RemoteError) []string {
	if remote != nil && remote.Path != "" && filetransfer.CheckPath(remote.Path) == nil {
		return []string{remote.Path}
	}
	var out []string
	for _, n := range names {
		if filetransfer.CheckName(n) != nil {
			continue
		}
		if fi, err := os.Lstat(filepath.Join(dir, n)); err == nil && !fi.IsDir() {
			out = append(out, n)
		}
	}
	return out
}

func existsSentence(dir string, names []string) string {
	const next = "Choose another folder, or move it away and try again."
	switch len(names) {
	case 0:
		return fmt.Sprintf("A file of the same name is already in %s and was kept as it is. %s", dir, next)
	case 1:
		return fmt.Sprintf("%s is already in %s and was kept as it is. %s", quote(names[0]), dir, next)
	}
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = quote(n)
	}
	return fmt.Sprintf("%s and %s are already in %s and were kept as they are. Choose another folder, or move them away and try again.",
		strings.Join(q[:len(q)-1], ", "), q[len(q)-1], dir)
}

// quote puts a name in quotation marks.
func quote(name string) string { return "“" + name + "”" }

// Sentence makes a message a sentence: a capital letter and a full stop
// (unless it ends in one already). The agent's window uses it too, so that
// both say things alike.
func Sentence(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return s
	}
	r := []rune(s)
	r[0] = unicode.ToUpper(r[0])
	s = string(r)
	if !strings.ContainsAny(s[len(s)-1:], ".!?…") {
		s += "."
	}
	return s
}
