package server

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"lifeline/rendezvous/auth"
	"lifeline/rendezvous/store"
	"lifeline/shared/agentconfig"
)

// AgentDownloads is where the join page finds the agent programs it offers,
// and what it bakes into each download.
type AgentDownloads struct {
	// Dir holds the agent programs, one per platform, named
	// lifeline-agent-OS-ARCH (".exe" for Windows), as `make agents` builds
	// them. A platform without its file is not offered. Empty: the join
	// page tells the customer how to get the agent instead.
	Dir string
	// Fingerprint is baked into every download so that the agent trusts
	// this server's certificate: set it when the certificate is
	// self-signed. Empty: agents trust the system's roots.
	Fingerprint string
}

// platform is a kind of computer the agent can be built for.
type platform struct {
	Key   string // in the download URL and the file name: "windows-amd64"
	OS    string // as the visitor knows it: "Windows"
	Label string // which one of that OS: "Windows (64-bit)"
	Ext   string
}

// platforms lists every platform the server knows the file name of, in
// the order the download page lists them.
var platforms = []platform{
	{"windows-amd64", "Windows", "Windows (64-bit)", ".exe"},
	{"windows-arm64", "Windows", "Windows on ARM", ".exe"},
	{"linux-amd64", "Linux", "Linux (64-bit PC, x86-64)", ""},
	{"linux-arm64", "Linux", "Linux (ARM 64-bit)", ""},
	{"darwin-arm64", "macOS", "macOS (Apple silicon)", ""},
	{"darwin-amd64", "macOS", "macOS (Intel)", ""},
}

func platformByKey(key string) (platform, bool) {
	for _, p := range platforms {
		if p.Key == key {
			return p, true
		}
	}
	return platform{}, false
}

// File is the program's name in the agent folder.
func (p platform) File() string { return "lifeline-agent-" + p.Key + p.Ext }

// DownloadName is the name the customer's browser saves it under: with
// the session number, so that it is told apart from other downloads.
func (p platform) DownloadName(number string) string {
	return "lifeline-agent-" + number + p.Ext
}

// visitorPlatform reads the visitor's system from the User-Agent: the OS
// as the visitor calls it ("" when it cannot be told) and the platform
// keys that would run there, best first. A User-Agent can lie; the page
// therefore always lists the other downloads too.
func visitorPlatform(userAgent string) (os string, keys []string) {
	ua := strings.ToLower(userAgent)
	has := func(s ...string) bool {
		for _, x := range s {
			if strings.Contains(ua, x) {
				return true
			}
		}
		return false
	}
	switch {
	case has("windows phone"):
		return "Windows Phone", nil
	case has("windows"):
		if has("arm64", "aarch64") {
			// Windows on ARM runs x64 programs too.
			return "Windows", []string{"windows-arm64", "windows-amd64"}
		}
		return "Windows", []string{"windows-amd64"}
	case has("android"):
		return "Android", nil
	case has("iphone", "ipad", "ipod"):
		return "iOS", nil
	case has("cros"):
		return "ChromeOS", nil
	case has("macintosh", "mac os x"):
		// Browsers on Apple silicon still say "Intel Mac OS X".
		return "macOS", []string{"darwin-arm64", "darwin-amd64"}
	case has("linux", "x11"):
		if has("aarch64", "arm64") {
			return "Linux", []string{"linux-arm64"}
		}
		return "Linux", []string{"linux-amd64"}
	}
	return "", nil
}

// agentFile is an agent program present in the agent folder.
type agentFile struct {
	platform
	Path string
	Size int64
}

// files lists the programs in the agent folder, in platforms order, and
// the ones that are there but cannot be read. The folder is read on every
// request, so that agents built while the server runs are offered at once.
func (a AgentDownloads) files() (found []agentFile, problems []error) {
	if a.Dir == "" {
		return nil, nil
	}
	for _, p := range platforms {
		path := filepath.Join(a.Dir, p.File())
		fi, err := os.Stat(path)
		switch {
		case errors.Is(err, fs.ErrNotExist):
		case err != nil:
			problems = append(problems, err)
		case !fi.Mode().IsRegular():
			problems = append(problems, fmt.Errorf("%s is not a file", path))
		default:
			found = append(found, agentFile{platform: p, Path: path, Size: fi.Size()})
		}
	}
	return found, problems
}

// Offered lists the platforms whose agent is in the folder now, by their
// key ("linux-amd64"), and why any that is there cannot be offered.
func (a AgentDownloads) Offered() (keys []string, problems []error) {
	files, problems := a.files()
	for _, f := range files {
		keys = append(keys, f.Key)
	}
	return keys, problems
}

func (s *Server) agentFiles() []agentFile {
	files, problems := s.Agents.files()
	for _, err := range problems {
		s.Log.Warn("agent program cannot be offered", "err", err)
	}
	return files
}

// downloadURL is the link to the agent for one platform with the
// customer's details, which the download handler checks again.
func downloadURL(key, number, name, email string) string {
	q := url.Values{"session": {number}, "name": {name}}
	if email != "" {
		q.Set("email", email)
	}
	return "/download/agent/" + key + "?" + q.Encode()
}

// handleDownloadAgent serves the agent for one platform with the
// session's details baked in (shared/agentconfig): the server's URL as the
// customer's browser reached it, its certificate's fingerprint when
// self-signed, the session number and the customer's name and email. The
// number is checked against the live sessions like a join, and counts
// against the same limit when wrong.
func (s *Server) handleDownloadAgent(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("ticket") != "" {
		s.handleDownloadQueueAgent(w, r, q.Get("ticket"))
		return
	}
	number := normalizeNumber(q.Get("session"))
	name, email := strings.TrimSpace(q.Get("name")), strings.TrimSpace(q.Get("email"))
	p, ok := platformByKey(r.PathValue("platform"))
	if !ok {
		s.renderProblem(w, http.StatusNotFound, "No such download",
			"There is no Lifeline agent for this kind of computer. Please go back to the join page and choose one of the downloads it offers.", number)
		return
	}
	var file *agentFile
	for _, f := range s.agentFiles() {
		if f.Key == p.Key {
			file = &f
			break
		}
	}
	if file == nil {
		s.renderProblem(w, http.StatusNotFound, "No agent for "+p.Label,
			"This server has no Lifeline agent for "+p.Label+". Please go back to the join page: it lists the downloads this server has.", number)
		return
	}
	if !s.checkJoinRequest(w, r, number, name, email, func(status int, msg string) {
		s.renderProblem(w, status, "This download cannot start", msg, number)
	}) {
		return
	}
	s.serveAgent(w, r, p, *file, agentconfig.Config{Server: s.baseURL(r), Session: number, Name: name, Email: email}, p.DownloadName(number), number)
}

// serveAgent bakes cfg into the agent of platform p and serves it as
// fileName; number (if any) is where a refusal page leads back to.
func (s *Server) serveAgent(w http.ResponseWriter, r *http.Request, p platform, file agentFile, cfg agentconfig.Config, fileName, number string) {
	if strings.HasPrefix(cfg.Server, "https://") {
		cfg.Fingerprint = s.Agents.Fingerprint
	}
	if err := agentconfig.ValidateServer(cfg.Server); err != nil {
		s.Log.Error("agent download refused", "err", err)
		s.renderProblem(w, http.StatusServiceUnavailable, "This download cannot start",
			"This server is reached over plain HTTP, and a downloaded agent only ever talks to a server over HTTPS. Please ask your support representative for another way to join; the administrator can serve this site over HTTPS.", number)
		return
	}
	f, err := os.Open(file.Path)
	if err != nil {
		s.downloadFailed(w, number, fmt.Errorf("open %s: %w", file.Path, err))
		return
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		s.downloadFailed(w, number, fmt.Errorf("stat %s: %w", file.Path, err))
		return
	}
	body, _, err := agentconfig.Bake(f, fi.Size(), cfg)
	if err != nil {
		s.downloadFailed(w, number, fmt.Errorf("bake %s: %w", file.Path, err))
		return
	}
	s.Log.Info("agent download", "platform", p.Key, "number", number, "queue", cfg.Queue, "addr", r.RemoteAddr)
	h := w.Header()
	h.Set("ETag", downloadETag(fi, cfg))
	h.Set("Content-Type", "application/octet-stream")
	if p.Ext == ".exe" {
		h.Set("Content-Type", "application/vnd.microsoft.portable-executable")
	}
	h.Set("Content-Disposition", `attachment; filename="`+fileName+`"`)
	h.Set("Cache-Control", "no-store") // it carries the customer's name
	h.Set("X-Content-Type-Options", "nosniff")
	// No modification time: the ETag alone says whether a resumed
	// download (If-Range) may continue, since the program's time does not
	// change with the details baked into it.
	http.ServeContent(w, r, fileName, time.Time{}, body)
}

// processTag tells this server process's downloads from another's: a
// signed Windows program bakes with a key made per process, so its bytes
// differ after a restart even for the same details.
var processTag = func() []byte {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return b
}()

// downloadETag identifies the exact bytes of a download: this process,
// the program file's size and time, and the details baked in.
func downloadETag(fi os.FileInfo, cfg agentconfig.Config) string {
	h := sha256.New()
	h.Write(processTag)
	fmt.Fprintf(h, "%d\x00%d\x00%s\x00%s\x00%s\x00%s\x00%s\x00%s", fi.Size(), fi.ModTime().UnixNano(), cfg.Server, cfg.Fingerprint, cfg.Session, cfg.Name, cfg.Email, cfg.QueueTicket)
	return `"` + hex.EncodeToString(h.Sum(nil)[:16]) + `"`
}

func (s *Server) downloadFailed(w http.ResponseWriter, number string, err error) {
	s.Log.Error("agent download failed", "err", err)
	s.renderProblem(w, http.StatusInternalServerError, "This download cannot start",
		"The server could not prepare the agent for you. Please try again in a moment, or ask your support representative for another way to join.", number)
}

// queueDownloadURL is the link to the agent for one platform that takes
// the place in line of a help-page request.
func queueDownloadURL(key, ticket string) string {
	return "/download/agent/" + key + "?" + url.Values{"ticket": {ticket}}.Encode()
}

// handleDownloadQueueAgent serves the agent for a customer who asked for
// help on a queue's help page: it carries the place in line (the ticket)
// instead of a session number, and the customer's name and email from the
// request. Only a place still waiting gets one.
func (s *Server) handleDownloadQueueAgent(w http.ResponseWriter, r *http.Request, ticket string) {
	problem := func(status int, msg string) {
		s.renderPage(w, status, "problem", map[string]string{"Title": "This download cannot start", "Error": msg, "Back": "/join"})
	}
	p, ok := platformByKey(r.PathValue("platform"))
	if !ok {
		problem(http.StatusNotFound, "There is no Lifeline agent for this kind of computer. Please go back and choose one of the downloads offered.")
		return
	}
	var file *agentFile
	for _, f := range s.agentFiles() {
		if f.Key == p.Key {
			file = &f
			break
		}
	}
	if file == nil {
		problem(http.StatusNotFound, "This server has no Lifeline agent for "+p.Label+".")
		return
	}
	id, tok, ok := strings.Cut(ticket, ".")
	req, err := s.Store.QueueRequestByID(r.Context(), id)
	if !ok || err != nil || len(req.TokenHash) == 0 || subtle.ConstantTimeCompare(auth.HashToken(tok), req.TokenHash) != 1 {
		problem(http.StatusNotFound, "This is not a place in line. Please ask for help on the help page again.")
		return
	}
	if req.State != store.RequestWaiting {
		problem(http.StatusGone, "This place in line is not waiting any more. Please ask for help on the help page again.")
		return
	}
	label := ""
	if q, err := s.Store.QueueByID(r.Context(), req.QueueID); err == nil {
		label = q.DisplayName
	}
	s.serveAgent(w, r, p, *file, agentconfig.Config{Server: s.baseURL(r), QueueTicket: ticket, Queue: label, Name: req.Name, Email: req.Email},
		"lifeline-agent-help"+p.Ext, "")
}
