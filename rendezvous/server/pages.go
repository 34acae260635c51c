package server

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	_ "embed"
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"math"
	"net/http"
	"net/url"
	"strings"
	"time"

	"lifeline/rendezvous/auth"
	"lifeline/rendezvous/room"
	"lifeline/rendezvous/store"
)

// The server's web pages for people with an account: the reports
// (/reports/…) and the administration (/admin/…). Both are plain
// server-rendered HTML with no script, and share one login: a form that
// sets a cookie per area holding one ordinary login token, HttpOnly,
// Secure over HTTPS, SameSite=Strict, each for its area's path alone.
// Logging in on either logs in to both; logging out of either logs out
// of both, since the token is gone. Every form that changes something
// carries a token of its own besides (formToken, or the login form's
// cookie), so that no other site can send it.

//go:embed pages.html
var pagesHTML string

// pageTemplates are the layout, the login form and the message page that
// every area's templates are cloned from.
var pageTemplates = template.Must(template.New("pages").Parse(pagesHTML))

// areaTemplates are an area's templates: the shared ones, then its own,
// which may use funcs.
func areaTemplates(name, text string, funcs template.FuncMap) *template.Template {
	return template.Must(template.Must(pageTemplates.Clone()).New(name).Funcs(funcs).Parse(text))
}

// pageArea is one set of pages behind the login.
type pageArea struct {
	Name       string // "Lifeline reports": the header's, and the tab's title
	Prefix     string // "/reports": its pages, and its cookies' Path
	Cookie     string // the cookie of the login token, for Prefix
	FormCookie string // the login form's token, for Prefix/login
	Home       string // where logging in goes when no page asked
	Nav        []navItem
	templates  *template.Template
}

var (
	reportArea = &pageArea{Name: "Lifeline reports", Prefix: "/reports", Cookie: reportCookie, FormCookie: reportFormCookie,
		Home: "/reports/sessions", Nav: reportNav, templates: reportTemplates}
	adminArea = &pageArea{Name: "Lifeline administration", Prefix: "/admin", Cookie: adminCookie, FormCookie: adminFormCookie,
		Home: "/admin/settings", Nav: adminNav, templates: adminTemplates}
	// pageAreas are every area, which one login opens.
	pageAreas = []*pageArea{reportArea, adminArea}
)

// Cookies of the pages. The session cookie lives as long as its token, a
// working day; the login form's lives as long as a form is likely to stay
// open.
const (
	reportCookie          = "lifeline_reports"
	reportFormCookie      = "lifeline_reports_form"
	adminCookie           = "lifeline_admin"
	adminFormCookie       = "lifeline_admin_form"
	reportSessionLifetime = 12 * time.Hour
	reportFormLifetime    = time.Hour
)

// pageCSP allows the pages' own style, their forms and inline SVG, and
// nothing else.
const pageCSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// navItem is a link of the pages' header.
type navItem struct {
	Name, Path string
	Current    bool
}

// pageFrame is what the layout of every page is given.
type pageFrame struct {
	Title  string
	Area   *pageArea
	User   *store.User
	Nav    []navItem
	Other  *navItem // the other area, for an account that may use it
	CSRF   string   // the token of the forms of the page (formToken)
	Error  string   // a refusal, shown at the top
	Notice string   // what was just done
}

// frame is the layout of a page of area a for u, logged in with session,
// at path (whose link in the header is marked current).
func (a *pageArea) frame(title, path string, u *store.User, session string) pageFrame {
	f := pageFrame{Title: title, Area: a, User: u, CSRF: formToken(session)}
	for _, n := range a.Nav {
		n.Current = n.Path == path || strings.HasPrefix(path, n.Path+"/")
		f.Nav = append(f.Nav, n)
	}
	switch {
	case a == reportArea && u.Role == store.RoleAdmin:
		f.Other = &navItem{Name: "Administration", Path: adminArea.Home}
	case a == adminArea:
		f.Other = &navItem{Name: "Reports", Path: reportArea.Home}
	}
	return f
}

// loginPage is the login form's data.
type loginPage struct {
	pageFrame
	FormToken, Next, Email string
}

// writePage renders a page whole before sending it, so that a template
// that fails is an error page, not half a page.
func (s *Server) writePage(w http.ResponseWriter, status int, a *pageArea, name string, data any) {
	var buf bytes.Buffer
	if err := a.templates.ExecuteTemplate(&buf, name, data); err != nil {
		s.Log.Error("page template", "area", a.Prefix, "page", name, "err", err)
		http.Error(w, "The server could not show this page just now. Please try again in a moment.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", pageCSP)
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Referrer-Policy", "no-referrer")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}

// writeMessage is a page of one sentence: a refusal, or a failure.
func (s *Server) writeMessage(w http.ResponseWriter, status int, f pageFrame, msg string) {
	f.Error = msg
	s.writePage(w, status, f.Area, "message", &f)
}

// areaFailed is the page of a request that failed for a reason the
// reader cannot help.
func (s *Server) areaFailed(w http.ResponseWriter, a *pageArea, err error) {
	s.Log.Error("page failed", "area", a.Prefix, "err", err)
	s.writeMessage(w, http.StatusInternalServerError, pageFrame{Title: "Something went wrong", Area: a},
		"The server could not show this page just now. Please try again in a moment.")
}

// ---- logging in ----

// cookieUser is the account of area a's cookie, and the cookie's token.
func (s *Server) cookieUser(ctx context.Context, a *pageArea, r *http.Request) (*store.User, string, error) {
	c, err := r.Cookie(a.Cookie)
	if err != nil || !strings.HasPrefix(c.Value, auth.UserTokenPrefix) {
		return nil, "", errNoToken
	}
	t, err := s.Store.TokenByHash(ctx, auth.HashToken(c.Value))
	if errors.Is(err, store.ErrNotFound) {
		return nil, "", errBadToken
	} else if err != nil {
		return nil, "", err
	}
	u, err := s.Store.UserByID(ctx, t.UserID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, "", errBadToken
	} else if err != nil {
		return nil, "", err
	}
	if u.Disabled {
		return nil, "", errDisabled
	}
	return &u, c.Value, nil
}

// formToken is the token of the forms of a page that was given the
// session: only such a page can have it, since the session's cookie is
// HttpOnly and sent to no other site. A page of an earlier login has
// another.
func formToken(session string) string {
	h := sha256.Sum256([]byte("lifeline page form\x00" + session))
	return base64.RawURLEncoding.EncodeToString(h[:])
}

// validFormToken says whether the form posted in r carries session's
// token.
func validFormToken(r *http.Request, session string) bool {
	return subtle.ConstantTimeCompare([]byte(formToken(session)), []byte(r.PostForm.Get("csrf"))) == 1
}

func pageCookie(r *http.Request, name, value, path string, maxAge time.Duration) *http.Cookie {
	c := &http.Cookie{Name: name, Value: value, Path: path, HttpOnly: true, Secure: isHTTPS(r),
		SameSite: http.SameSiteStrictMode, MaxAge: int(maxAge / time.Second)}
	if maxAge < 0 {
		c.MaxAge = -1
	}
	return c
}

// pageUser is the logged-in account of a page of area a, or it sends the
// browser to log in and come back to next.
func (s *Server) pageUser(w http.ResponseWriter, r *http.Request, a *pageArea, next string) (*store.User, string, bool) {
	u, session, err := s.cookieUser(r.Context(), a, r)
	var re *room.Error
	switch {
	case err == nil:
		return u, session, true
	case errors.As(err, &re) && re == errDisabled:
		s.writeMessage(w, http.StatusForbidden, pageFrame{Title: "Account disabled", Area: a}, re.Msg)
	case errors.As(err, &re):
		http.Redirect(w, r, a.Prefix+"/login?next="+url.QueryEscape(next), http.StatusSeeOther)
	default:
		s.areaFailed(w, a, err)
	}
	return nil, "", false
}

// safeNext is where to go after logging in: a page of the area, never
// another site.
func (a *pageArea) safeNext(next string) string {
	if strings.HasPrefix(next, a.Prefix+"/") && !strings.HasPrefix(next, a.Prefix+"//") && !strings.ContainsAny(next, "\\\r\n") {
		return next
	}
	return a.Home
}

func (s *Server) loginForm(w http.ResponseWriter, r *http.Request, a *pageArea, status int, email, next, msg string) {
	tok, err := randomToken()
	if err != nil {
		s.areaFailed(w, a, err)
		return
	}
	http.SetCookie(w, pageCookie(r, a.FormCookie, tok, a.Prefix+"/login", reportFormLifetime))
	p := &loginPage{pageFrame: pageFrame{Title: "Log in", Area: a, Error: msg}, FormToken: tok, Next: a.safeNext(next), Email: email}
	s.writePage(w, status, a, "login", p)
}

func (s *Server) handleLoginPage(a *pageArea) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if _, _, err := s.cookieUser(r.Context(), a, r); err == nil {
			http.Redirect(w, r, a.safeNext(r.URL.Query().Get("next")), http.StatusSeeOther)
			return
		}
		s.loginForm(w, r, a, http.StatusOK, "", r.URL.Query().Get("next"), "")
	}
}

func (s *Server) handleLoginForm(a *pageArea) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
		if err := r.ParseForm(); err != nil {
			s.loginForm(w, r, a, http.StatusBadRequest, "", "", "The form could not be read; please log in again.")
			return
		}
		email, next := strings.TrimSpace(r.PostForm.Get("email")), r.PostForm.Get("next")
		// The form's token must be the one its page set in a cookie: another
		// site can post this form, but cannot read or set that cookie.
		c, err := r.Cookie(a.FormCookie)
		if err != nil || c.Value == "" || subtle.ConstantTimeCompare([]byte(c.Value), []byte(r.PostForm.Get("csrf"))) != 1 {
			s.loginForm(w, r, a, http.StatusForbidden, email, next, "This login form has expired. Please log in again.")
			return
		}
		u, retry, err := s.checkLogin(r.Context(), email, r.PostForm.Get("password"))
		if err != nil {
			var re *room.Error
			if !errors.As(err, &re) {
				s.areaFailed(w, a, err)
				return
			}
			if retry > 0 {
				w.Header().Set("Retry-After", fmt.Sprint(int(math.Ceil(retry.Seconds()))))
			}
			s.loginForm(w, r, a, re.Status, email, next, re.Msg)
			return
		}
		tok, _, err := s.newLoginToken(r.Context(), u, reportSessionLifetime)
		if err != nil {
			s.areaFailed(w, a, err)
			return
		}
		http.SetCookie(w, pageCookie(r, a.FormCookie, "", a.Prefix+"/login", -1))
		for _, o := range pageAreas {
			http.SetCookie(w, pageCookie(r, o.Cookie, tok, o.Prefix, reportSessionLifetime))
		}
		http.Redirect(w, r, a.safeNext(next), http.StatusSeeOther)
	}
}

func (s *Server) handlePageLogout(a *pageArea) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
		_ = r.ParseForm()
		_, session, err := s.cookieUser(r.Context(), a, r)
		if err == nil {
			if !validFormToken(r, session) {
				s.writeMessage(w, http.StatusForbidden, pageFrame{Title: "Not logged out", Area: a},
					"This log-out button is from an old page; you are still logged in. Reload the page and log out again.")
				return
			}
			if err := s.Store.DeleteToken(r.Context(), auth.HashToken(session)); err != nil {
				s.areaFailed(w, a, err)
				return
			}
		}
		for _, o := range pageAreas {
			http.SetCookie(w, pageCookie(r, o.Cookie, "", o.Prefix, -1))
		}
		http.Redirect(w, r, a.Prefix+"/login", http.StatusSeeOther)
	}
}

// randomToken is a fresh random value for a form.
func randomToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}
