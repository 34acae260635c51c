package server

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"strings"
	"time"

	"lifeline/rendezvous/auth"
	"lifeline/rendezvous/queue"
	"lifeline/rendezvous/room"
	"lifeline/rendezvous/store"
)

// The help link of a queue, /help/NAME, is a plain page (no script) where
// a customer gives a name, an email address and a short description of
// the problem; sending it puts the customer in line, and the next page
// says how to start the agent, which keeps the place and connects the
// customer when a CSR accepts. The page that linked to the help link is
// kept with the request (URL Referral): the Referer of the form's page,
// or its ?ref= parameter.

// helpPageCSP allows the page's own style and its form, and nothing else:
// no script, and no framing (a form in a frame invites clickjacking).
const helpPageCSP = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// maxHelpForm bounds the form's body: the fields at their longest, with
// room to spare for how browsers encode them.
const maxHelpForm = 64 << 10

var helpTemplates = template.Must(template.New("layout").Parse(`{{define "top"}}<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>{{.Title}} — Lifeline</title>
<style>
body{font-family:system-ui,sans-serif;max-width:38rem;margin:3rem auto;padding:0 1rem;color:#1d2430;line-height:1.5}
.box{border:1px solid #d5dbe3;border-radius:.6rem;padding:1.2rem 1.5rem;background:#f7f9fb;margin:1rem 0}
label{display:block;font-weight:600;margin-top:1rem}
input[type=text],input[type=email],textarea{width:100%;box-sizing:border-box;padding:.5rem;font:inherit;border:1px solid #b8c2cf;border-radius:.3rem}
textarea{min-height:7rem}
button,.button{display:inline-block;margin-top:1.2rem;padding:.6rem 1.4rem;font:inherit;font-weight:600;border:0;border-radius:.3rem;background:#1f5fbf;color:#fff;text-decoration:none;cursor:pointer}
button.quiet{background:#e3e8ef;color:#1d2430}
.err{color:#a11919;font-weight:600;margin:.3rem 0 0}
.num{font-size:2rem;font-weight:700}
code{display:block;padding:.6rem;background:#1d2430;color:#f7f9fb;border-radius:.3rem;overflow-wrap:anywhere;font-size:.9rem}
.hint{color:#596577;font-size:.92rem}
</style></head>
<body><h1>{{.Title}}</h1>
{{end}}
{{define "form"}}{{template "top" .}}<p>Tell us who you are and what the problem is, and you will be helped by the next free support representative.</p>
<form class="box" method="post" action="/help/{{.Queue.Name}}" accept-charset="utf-8">
<input type="hidden" name="referrer" value="{{.Referrer}}">
<label for="name">Your name</label>
<input type="text" id="name" name="name" value="{{.Name}}" maxlength="100" required autocomplete="name">
{{with index .Errors "name"}}<p class="err">{{.}}</p>{{end}}
<label for="email">Your email address</label>
<input type="email" id="email" name="email" value="{{.Email}}" maxlength="254" required autocomplete="email">
{{with index .Errors "email"}}<p class="err">{{.}}</p>{{end}}
<label for="problem">What is the problem? <span class="hint">(optional, at most 500 characters)</span></label>
<textarea id="problem" name="problem" maxlength="500">{{.Problem}}</textarea>
{{with index .Errors "problem"}}<p class="err">{{.}}</p>{{end}}
{{with index .Errors "form"}}<p class="err">{{.}}</p>{{end}}
<button type="submit">Get help</button>
</form>
<p class="hint">A support representative can see or control your computer only after you allow it, and you can stop at any time.</p>
</body></html>{{end}}
{{define "next"}}{{template "top" .}}<div class="box">
<p>Thank you, {{.Status.Name}}. You are in line for help from <strong>{{.Queue.DisplayName}}</strong>.</p>
{{if .Status.Position}}<p>Your place in line:</p>
<p class="num">{{.Status.Position}}</p>
<p>{{if .Estimate}}The wait is estimated at about {{.Estimate}}.{{else}}We cannot estimate the wait yet.{{end}}</p>{{end}}</div>
<h2>Next: start the Lifeline agent</h2>
<p>The Lifeline agent keeps your place in line, shows how many are ahead of you, and connects you when a support representative is free. Start it within {{.Keep}} to keep your place.</p>
{{with .Main}}<p><a class="button" href="{{.URL}}" download="{{.FileName}}">Download the Lifeline agent for {{.Label}}</a> ({{.Size}})</p>
<p>Open the downloaded file: it takes your place in line by itself, and shows how many are ahead of you.</p>
{{if eq .OS "Linux"}}<p class="hint">A downloaded program must be allowed to run first: in a terminal, type <code>chmod +x ~/Downloads/{{.FileName}} &amp;&amp; ~/Downloads/{{.FileName}}</code> — or in your file manager open the file's <em>Properties</em>, allow it to run as a program, and open it.</p>{{end}}{{end}}
{{if .Others}}<p class="hint">For another computer: {{range $i, $o := .Others}}{{if $i}}, {{end}}<a href="{{$o.URL}}" download="{{$o.FileName}}">{{$o.Label}}</a>{{end}}</p>{{end}}
<p>{{if or .Main .Others}}Or, with{{else}}With{{end}} the agent installed, start it with this command:</p>
<code>lifeline-agent --server {{.Server}} --queue-ticket {{.Ticket}}</code>
<p class="hint">Your ticket, <strong>{{.Ticket}}</strong>, is your place in line: keep it to yourself.</p>
<form method="post" action="/help/{{.Queue.Name}}/leave">
<input type="hidden" name="ticket" value="{{.Ticket}}">
<button type="submit" class="quiet">I no longer need help</button>
</form>
</body></html>{{end}}
{{define "message"}}{{template "top" .}}<div class="box"><p>{{.Message}}</p></div>
</body></html>{{end}}`))

type helpForm struct {
	Title    string
	Queue    store.Queue
	Name     string
	Email    string
	Problem  string
	Referrer string
	Errors   map[string]string
}

func writeHelpPage(w http.ResponseWriter, status int, name string, data any) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", helpPageCSP)
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Referrer-Policy", "no-referrer") // the download links carry the ticket
	w.WriteHeader(status)
	_ = helpTemplates.ExecuteTemplate(w, name, data)
}

func helpMessage(w http.ResponseWriter, status int, title, msg string) {
	writeHelpPage(w, status, "message", map[string]string{"Title": title, "Message": msg})
}

// helpQueue finds the queue of a help link, or answers that there is none.
func (d *desk) helpQueue(w http.ResponseWriter, r *http.Request) (store.Queue, bool) {
	q, err := d.s.Store.QueueByName(r.Context(), r.PathValue("queue"))
	switch {
	case errors.Is(err, store.ErrNotFound):
		helpMessage(w, http.StatusNotFound, "Lifeline remote support",
			"There is no support queue at this address. Please check the link you followed, or ask your support team for the right one.")
	case err != nil:
		d.s.Log.Error("help page", "err", err)
		helpMessage(w, http.StatusInternalServerError, "Lifeline remote support",
			"The server could not show this page just now. Please try again in a moment.")
	default:
		return q, true
	}
	return q, false
}

// handleHelpPage shows a queue's form. The page the customer came from is
// ?ref=, when the link gives it, or the Referer. Browsers send only the
// site of a page on another site, unless that page's link asks for more
// (referrerpolicy="no-referrer-when-downgrade"); either way a value that
// is not an http or https address is dropped, not refused: it is for the
// report, not the customer.
func (d *desk) handleHelpPage(w http.ResponseWriter, r *http.Request) {
	q, ok := d.helpQueue(w, r)
	if !ok {
		return
	}
	ref := r.URL.Query().Get("ref")
	if ref == "" {
		ref = r.Referer()
	}
	ref, _ = queue.CheckReferrer(ref)
	writeHelpPage(w, http.StatusOK, "form", helpForm{Title: "Get help: " + q.DisplayName, Queue: q, Referrer: ref})
}

// handleHelpForm puts the customer of the form in line, or shows the form
// again with what to correct.
func (d *desk) handleHelpForm(w http.ResponseWriter, r *http.Request) {
	q, ok := d.helpQueue(w, r)
	if !ok {
		return
	}
	if d.refuseFlood(w, r, true) {
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxHelpForm)
	if err := r.ParseForm(); err != nil {
		helpMessage(w, http.StatusBadRequest, "Get help: "+q.DisplayName, "The form could not be read. Please go back and send it again.")
		return
	}
	f := helpForm{Title: "Get help: " + q.DisplayName, Queue: q,
		Name: r.PostForm.Get("name"), Email: r.PostForm.Get("email"), Problem: r.PostForm.Get("problem")}
	f.Referrer, _ = queue.CheckReferrer(r.PostForm.Get("referrer"))
	req, tok, err := d.createRequest(r.Context(), r, q, queue.Customer{Name: f.Name, Email: f.Email, Problem: f.Problem, Referrer: f.Referrer})
	var fe *queue.FieldError
	var re *room.Error
	switch {
	case errors.As(err, &fe):
		f.Errors = map[string]string{fe.Field: fe.Msg}
		writeHelpPage(w, http.StatusBadRequest, "form", f)
		return
	case errors.As(err, &re):
		f.Errors = map[string]string{"form": re.Msg}
		writeHelpPage(w, re.Status, "form", f)
		return
	case err != nil:
		d.s.Log.Error("help form", "queue", q.Name, "err", err)
		helpMessage(w, http.StatusInternalServerError, "Get help: "+q.DisplayName,
			"The server could not put you in line just now. Please go back and send the form again in a moment.")
		return
	}
	st, err := d.status(r.Context(), req)
	if err != nil {
		d.s.Log.Error("help form: status", "request", req.ID, "err", err)
	}
	d.helpNextStep(w, r, q, req, st, tok)
}

// helpNextStep is the page a customer sees after entering a queue from
// its help link: the place in line, and how to start the agent with the
// request's ticket, so that the agent takes this place rather than ask
// again.
//
// The agent downloads carry the server, the ticket and the customer's
// details baked in; the agent then follows the request as with
// --queue-ticket.
func (d *desk) helpNextStep(w http.ResponseWriter, r *http.Request, q store.Queue, req store.QueueRequest, st statusJSON, token string) {
	data := map[string]any{
		"Title":  "You are in line: " + q.DisplayName,
		"Queue":  q,
		"Status": map[string]any{"Name": req.Name, "Position": st.Position},
		"Server": d.s.baseURL(r),
		"Ticket": ticket(req.ID, token),
		"Keep":   minutes(d.firstGrace()),
	}
	if st.EstimatedWaitSeconds != nil {
		data["Estimate"] = minutes(time.Duration(*st.EstimatedWaitSeconds) * time.Second)
	}
	// The agent for the visitor's computer first, with the place in line
	// baked in (shared/agentconfig), then the others.
	_, keys := visitorPlatform(r.UserAgent())
	var main *offer
	var others []offer
	for _, f := range d.s.agentFiles() {
		o := offer{OS: f.OS, Label: f.Label, URL: queueDownloadURL(f.Key, ticket(req.ID, token)), FileName: "lifeline-agent-help" + f.Ext, Size: megabytes(f.Size)}
		if main == nil && slices.Contains(keys, f.Key) {
			main = &o
		} else {
			others = append(others, o)
		}
	}
	if main != nil {
		data["Main"] = main
	}
	data["Others"] = others
	writeHelpPage(w, http.StatusOK, "next", data)
}

// handleHelpLeave takes the customer of a ticket out of the line, from the
// next-step page.
func (d *desk) handleHelpLeave(w http.ResponseWriter, r *http.Request) {
	q, ok := d.helpQueue(w, r)
	if !ok {
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxHelpForm)
	title := "Get help: " + q.DisplayName
	if err := r.ParseForm(); err != nil {
		helpMessage(w, http.StatusBadRequest, title, "The form could not be read. Please go back and send it again.")
		return
	}
	id, tok, ok := strings.Cut(r.PostForm.Get("ticket"), ".")
	req, err := d.s.Store.QueueRequestByID(r.Context(), id)
	if !ok || err != nil || len(req.TokenHash) == 0 || subtle.ConstantTimeCompare(auth.HashToken(tok), req.TokenHash) != 1 {
		helpMessage(w, http.StatusNotFound, title, "This ticket is not a place in line; there is nothing to leave.")
		return
	}
	if err := d.abandon(r.Context(), req.ID); err != nil && !errors.Is(err, store.ErrNotWaiting) {
		d.s.Log.Error("help page: leave", "request", req.ID, "err", err)
		helpMessage(w, http.StatusInternalServerError, title, "The server could not take you out of the line just now. Please try again in a moment.")
		return
	}
	if req, err = d.s.Store.QueueRequestByID(r.Context(), req.ID); err == nil && req.State != store.RequestAbandoned {
		helpMessage(w, http.StatusConflict, title, "A support representative has already accepted your request; close the session in the Lifeline agent instead.")
		return
	}
	helpMessage(w, http.StatusOK, title, "You have left the line. If you need help again, follow the help link once more.")
}

// minutes writes a duration for a customer, rounded up: "1 minute",
// "15 minutes".
func minutes(d time.Duration) string {
	n := int((d + time.Minute - 1) / time.Minute)
	if n <= 1 {
		return "1 minute"
	}
	return fmt.Sprintf("%d minutes", n)
}
