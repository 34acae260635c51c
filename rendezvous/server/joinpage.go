package server

import (
	"errors"
	"fmt"
	"html/template"
	"math"
	"net/http"
	"strconv"
	"strings"

	"lifeline/rendezvous/ratelimit"
	"lifeline/rendezvous/room"
	"lifeline/shared/agentconfig"
)

// joinRoutes registers the customer's web pages: the join form (GET /join,
// and GET /join/{number}, the link a CSR sends), its submission (POST
// /join: the number checked, the download page shown) and the agent
// download. They are plain server-rendered HTML and work without
// JavaScript; the wording follows the guide ("Type the Support Session
// number in the text box, and then click Join").
func (s *Server) joinRoutes(m *http.ServeMux) {
	m.HandleFunc("GET /join", s.handleJoinForm)
	m.HandleFunc("GET /join/{number}", s.handleJoinForm)
	m.HandleFunc("POST /join", s.handleJoinSubmit)
	m.HandleFunc("GET /download/agent/{platform}", s.handleDownloadAgent)
}

// joinView is what the join form shows.
type joinView struct {
	Number, Name, Email string
	// Error is the sentence saying why the last submission was refused.
	Error string
}

// downloadView is what the download page shows.
type downloadView struct {
	Number, Spaced, Name string
	// VisitorOS is the visitor's system as told by the browser, "" when it
	// could not be told.
	VisitorOS string
	// Main is the download for the visitor's computer, nil when this
	// server has none for it (or the system could not be told).
	Main *offer
	// Others are the downloads for other computers.
	Others []offer
	// NoAgents: this server offers no downloads at all.
	NoAgents bool
	JoinURL  string
}

// offer is one download link.
type offer struct {
	OS, Label, URL, FileName, Size string
}

func (s *Server) handleJoinForm(w http.ResponseWriter, r *http.Request) {
	v := joinView{}
	status := http.StatusOK
	if raw := r.PathValue("number"); raw != "" {
		if n := normalizeNumber(raw); len(n) == 9 {
			v.Number = spaced(n)
		} else {
			// Not checked against the live sessions: a page view is not a
			// guess, and telling live numbers apart here would make one.
			status, v.Error = http.StatusNotFound, agentconfig.ErrSession.Error()
		}
	}
	s.renderPage(w, status, "form", v)
}

func (s *Server) handleJoinSubmit(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		s.renderPage(w, http.StatusBadRequest, "form", joinView{Error: "The form could not be read. Please type the session number and your name again."})
		return
	}
	v := joinView{
		Number: strings.TrimSpace(r.PostForm.Get("number")),
		Name:   strings.TrimSpace(r.PostForm.Get("name")),
		Email:  strings.TrimSpace(r.PostForm.Get("email")),
	}
	number := normalizeNumber(v.Number)
	if !s.checkJoinRequest(w, r, number, v.Name, v.Email, func(status int, msg string) {
		v.Error = msg
		s.renderPage(w, status, "form", v)
	}) {
		return
	}
	s.renderPage(w, http.StatusOK, "download", s.downloadPage(r, number, v.Name, v.Email))
}

// checkJoinRequest checks what a customer typed before anything is
// offered, as POST /api/v1/join does: refused while the address is
// rate-limited, then the name and email, then the number against the live
// sessions — a malformed or unknown number counts as a wrong guess. A
// refusal is passed to fail as a status and a sentence, and false is
// returned.
func (s *Server) checkJoinRequest(w http.ResponseWriter, r *http.Request, number, name, email string, fail func(status int, msg string)) bool {
	key := ratelimit.Key(r.RemoteAddr)
	if blocked, wait := s.JoinLimiter.Blocked(key); blocked {
		mins := int(math.Ceil(wait.Minutes()))
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
		s.Metrics.JoinFailures.WithLabelValues("rate_limited").Inc()
		unit := "minutes"
		if mins == 1 {
			unit = "minute"
		}
		fail(http.StatusTooManyRequests, fmt.Sprintf(
			"Too many wrong session numbers from your network. Please check the number with your support representative and try again in %d %s.", mins, unit))
		return false
	}
	if err := agentconfig.ValidateName(name); err != nil {
		fail(http.StatusBadRequest, err.Error())
		return false
	}
	if err := agentconfig.ValidateEmail(email); err != nil {
		fail(http.StatusBadRequest, err.Error())
		return false
	}
	if len(number) != 9 {
		s.JoinLimiter.Fail(key)
		s.Metrics.JoinFailures.WithLabelValues("bad_number").Inc()
		fail(http.StatusBadRequest, agentconfig.ErrSession.Error())
		return false
	}
	if _, err := s.liveRoomByNumber(r, number); err != nil {
		var re *room.Error
		if errors.As(err, &re) && re == errUnknownNumber {
			s.JoinLimiter.Fail(key)
			s.Metrics.JoinFailures.WithLabelValues("unknown_number").Inc()
			fail(re.Status, re.Msg)
			return false
		}
		s.Log.Error("join page: look up a session number", "err", err)
		fail(http.StatusInternalServerError, "The server could not check the session number just now. Please try again in a moment.")
		return false
	}
	return true
}

// downloadPage offers the agent for the visitor's computer first and the
// others after it, each link carrying the customer's details.
func (s *Server) downloadPage(r *http.Request, number, name, email string) downloadView {
	v := downloadView{Number: number, Spaced: spaced(number), Name: name, JoinURL: "/join/" + number}
	var keys []string
	v.VisitorOS, keys = visitorPlatform(r.UserAgent())
	files := s.agentFiles()
	v.NoAgents = len(files) == 0
	mainKey := ""
	for _, k := range keys {
		for _, f := range files {
			if mainKey == "" && f.Key == k {
				mainKey = k
			}
		}
	}
	for _, f := range files {
		o := offer{OS: f.OS, Label: f.Label, URL: downloadURL(f.Key, number, name, email), FileName: f.DownloadName(number), Size: megabytes(f.Size)}
		if f.Key == mainKey {
			v.Main = &o
		} else {
			v.Others = append(v.Others, o)
		}
	}
	return v
}

// megabytes writes a program's size the way the agent writes file sizes
// (1 MB = 1 << 20 bytes).
func megabytes(n int64) string {
	if n < 1<<20 {
		return "less than 1 MB"
	}
	return fmt.Sprintf("%d MB", (n+1<<19)>>20)
}

// renderProblem shows a refused download as a page with a way back.
func (s *Server) renderProblem(w http.ResponseWriter, status int, title, msg, number string) {
	back := "/join"
	if len(number) == 9 {
		back = "/join/" + number
	}
	s.renderPage(w, status, "problem", map[string]string{"Title": title, "Error": msg, "Back": back})
}

func (s *Server) renderPage(w http.ResponseWriter, status int, name string, data any) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	// The pages need nothing but their own inline style: no scripts, no
	// frames, forms posted only here.
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer") // download links carry the customer's name
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	if err := joinTemplates.ExecuteTemplate(w, name, data); err != nil {
		s.Log.Error("render join page", "page", name, "err", err)
	}
}

var joinTemplates = template.Must(template.New("join").Parse(`
{{define "head"}}<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.}} — Lifeline remote support</title>
<style>
*{box-sizing:border-box}
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;max-width:40rem;margin:0 auto;padding:2.5rem 1rem;color:#1d2430;line-height:1.5;background:#fff}
header{display:flex;align-items:center;gap:.6rem;margin-bottom:1.5rem;color:#1f5fa8;font-weight:700;font-size:1.1rem}
header span{display:inline-block;width:1.6rem;height:1.6rem;border-radius:50%;background:#1f5fa8}
h1{font-size:1.6rem;margin:.2rem 0 1rem}
h2{font-size:1.05rem;margin:1.2rem 0 .3rem}
.box{border:1px solid #d5dbe3;border-radius:.6rem;padding:1.2rem 1.5rem;background:#f7f9fb}
label{display:block;font-weight:600;margin:1rem 0 .3rem}
label small{font-weight:400;color:#5b6573}
input{width:100%;font:inherit;font-size:1.1rem;padding:.55rem .7rem;border:1px solid #9aa6b5;border-radius:.4rem;background:#fff}
input#number{font-size:1.5rem;letter-spacing:.08em;font-weight:600}
button,.button{display:inline-block;margin-top:1.3rem;font:inherit;font-size:1.1rem;font-weight:600;padding:.65rem 1.6rem;border:0;border-radius:.4rem;background:#1f5fa8;color:#fff;text-decoration:none;cursor:pointer}
.error{border-left:4px solid #c0392b;background:#fdecea;padding:.7rem 1rem;border-radius:.3rem;margin:0 0 1rem}
.num{font-weight:700;letter-spacing:.06em;white-space:nowrap}
.small{color:#5b6573;font-size:.92rem}
code{background:#eef1f5;padding:.1rem .3rem;border-radius:.2rem;font-size:.9rem;word-break:break-all}
ol{padding-left:1.3rem}ol li{margin:.5rem 0}
ul.others{padding-left:1.2rem}
</style></head>
<body><header><span></span>Lifeline remote support</header>
{{end}}

{{define "form"}}{{template "head" "Join a support session"}}
<h1>Join a support session</h1>
{{if .Error}}<p class="error" role="alert">{{.Error}}</p>{{end}}
<div class="box">
<p>Type the Support Session number your support representative gave you and your name, and then click <strong>Join</strong>.</p>
<form method="post" action="/join">
<label for="number">Support Session number</label>
<input id="number" name="number" value="{{.Number}}" inputmode="numeric" autocomplete="off" placeholder="123 456 789" maxlength="20" required{{if not .Number}} autofocus{{end}}>
<label for="name">Your name</label>
<input id="name" name="name" value="{{.Name}}" autocomplete="name" maxlength="100" required{{if .Number}} autofocus{{end}}>
<label for="email">Email address <small>(optional)</small></label>
<input id="email" name="email" value="{{.Email}}" type="email" autocomplete="email" maxlength="254">
<button type="submit">Join</button>
</form>
</div>
<p class="small">Joining downloads the Lifeline agent, set up for this session. Your support representative can see or control your screen only after you allow it, and you can stop at any time.</p>
</body></html>{{end}}

{{define "download"}}{{template "head" (printf "Join support session %s" .Spaced)}}
<h1>Join support session <span class="num">{{.Spaced}}</span></h1>
<p>Hello {{.Name}}, your support session is ready.</p>
{{if .Main}}<div class="box">
<ol>
<li><strong>Download Lifeline for {{.Main.OS}}.</strong><br>
<a class="button" href="{{.Main.URL}}" download="{{.Main.FileName}}">Download Lifeline for {{.Main.OS}}</a>
<div class="small">{{.Main.FileName}} · {{.Main.Label}} · {{.Main.Size}}</div></li>
<li><strong>Open the downloaded file; it joins session <span class="num">{{.Spaced}}</span> as {{.Name}}.</strong><br>
{{if eq .Main.OS "Windows"}}<span class="small">Open it from your browser's downloads or your Downloads folder. If Windows says it protected your PC, choose <em>More info</em> and then <em>Run anyway</em>.</span>
{{else if eq .Main.OS "Linux"}}<span class="small">A downloaded program must be allowed to run first: in a terminal, type <code>chmod +x ~/Downloads/{{.Main.FileName}} &amp;&amp; ~/Downloads/{{.Main.FileName}}</code> — or in your file manager open the file's <em>Properties</em>, allow it to run as a program, and open it.</span>
{{else}}<span class="small">Open it from your browser's downloads or your Downloads folder.</span>{{end}}</li>
<li><strong>Allow what you want to allow.</strong><br>
<span class="small">Your support representative can see or control your screen only after you allow it in the Lifeline window, and you can stop at any time.</span></li>
</ol>
</div>
{{else if .NoAgents}}<div class="box">
<p>This server does not offer the Lifeline agent for download. Please ask your support representative for the Lifeline agent, open it, and enter the Support Session number <span class="num">{{.Spaced}}</span> and your name.</p>
</div>
<p class="small">For the administrator: build the agents with <code>make agents</code> and start the server with <code>--agent-dir</code> pointing at them; this page then offers them, set up for each session.</p>
{{else}}<div class="box">
<p>{{if .VisitorOS}}This server has no Lifeline agent for {{.VisitorOS}}.{{else}}Your browser did not say which kind of computer this is.{{end}}
You can join from a computer the agent runs on: download it there with one of the links below, or open this page on that computer.</p>
</div>{{end}}
{{if .Others}}<h2>{{if .Main}}For another computer{{else}}Downloads{{end}}</h2>
<ul class="others">{{range .Others}}
<li><a href="{{.URL}}" download="{{.FileName}}">Lifeline for {{.Label}}</a> <span class="small">· {{.Size}}</span></li>{{end}}
</ul>{{end}}
<p class="small">Already have the Lifeline agent? Open it and enter the Support Session number <span class="num">{{.Spaced}}</span>. Wrong number or name? <a href="{{.JoinURL}}">Start again</a>.</p>
</body></html>{{end}}

{{define "problem"}}{{template "head" .Title}}
<h1>{{.Title}}</h1>
<p class="error" role="alert">{{.Error}}</p>
<p><a href="{{.Back}}">Back to the join page</a></p>
</body></html>{{end}}
`))
