package server

import (
	"html/template"
	"net/http"
)

// The join link of a session leads here. It tells the customer what to do
// with the number; the agent download arrives with the customer web pages.
var joinPage = template.Must(template.New("join").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Join support session {{.Spaced}} — Lifeline</title>
<style>
body{font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#1d2430;line-height:1.5}
.num{font-size:2.4rem;font-weight:700;letter-spacing:.08em;margin:.5rem 0 1.5rem}
.box{border:1px solid #d5dbe3;border-radius:.6rem;padding:1.2rem 1.5rem;background:#f7f9fb}
</style></head>
<body><h1>Lifeline remote support</h1>
<div class="box"><p>Your support session number is</p>
<p class="num">{{.Spaced}}</p>
<p>Open the <strong>Lifeline agent</strong> on your computer, enter this number and your name, and choose <strong>Join</strong>.
Your support representative can see or control your screen only after you allow it, and you can stop at any time.</p></div>
</body></html>`))

func (s *Server) handleJoinPage(w http.ResponseWriter, r *http.Request) {
	n := normalizeNumber(r.PathValue("number"))
	if len(n) != 9 {
		http.Error(w, "A session number has 9 digits.", http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	_ = joinPage.Execute(w, map[string]string{"Spaced": n[:3] + " " + n[3:6] + " " + n[6:]})
}
