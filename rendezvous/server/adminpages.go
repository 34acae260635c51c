package server

import (
	"context"
	_ "embed"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"lifeline/rendezvous/settings"
	"lifeline/rendezvous/store"
)

// The administration pages, /admin/…: the site's settings, quick phrases
// and session types, and the support queues with their members, own
// settings and own phrases — what `lifeline-rendezvous settings`,
// `phrase`, `session-type` and `queue` do, as web pages for accounts with
// the admin role, behind the login of the server's pages (pages.go). Every
// value goes through the same checks as on the command line (packages
// settings and queue), so a refusal reads the same in both. The server
// reads settings on every request, so a change applies to the next one.
//
// Every form posts with the page's form token, and a change answers with
// a redirect to the page (whose notice says what was done), so that
// reloading the page does not post the form again; a refusal answers with
// the page itself, the refusal next to the field and what was typed kept.

//go:embed adminpages.html
var adminPagesHTML string

var adminTemplates = areaTemplates("admin", adminPagesHTML, nil)

var adminNav = []navItem{
	{Name: "Site settings", Path: "/admin/settings"},
	{Name: "Quick phrases", Path: "/admin/phrases"},
	{Name: "Session types", Path: "/admin/session-types"},
	{Name: "Queues", Path: "/admin/queues"},
}

// adminNoticeCookie carries the notice of a change to the page the change
// redirects to; it is read once.
const adminNoticeCookie = "lifeline_admin_notice"

// maxAdminForm bounds a form's body: the settings form is the largest, a
// few hundred bytes.
const maxAdminForm = 64 << 10

func (s *Server) adminRoutes(m *http.ServeMux) {
	home := func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, adminArea.Home, http.StatusSeeOther)
	}
	m.HandleFunc("GET /admin", home)
	m.HandleFunc("GET /admin/{$}", home)
	m.HandleFunc("GET /admin/login", s.handleLoginPage(adminArea))
	m.HandleFunc("POST /admin/login", s.handleLoginForm(adminArea))
	m.HandleFunc("POST /admin/logout", s.handlePageLogout(adminArea))

	m.HandleFunc("GET /admin/settings", s.admin("Site settings", s.adminSettingsPage))
	m.HandleFunc("POST /admin/settings", s.admin("Site settings", s.adminSaveSettings))
	m.HandleFunc("GET /admin/phrases", s.admin("Quick phrases", s.adminPhrasesPage))
	m.HandleFunc("POST /admin/phrases", s.admin("Quick phrases", s.adminAddPhrase))
	m.HandleFunc("POST /admin/phrases/{id}/remove", s.admin("Quick phrases", s.adminRemovePhrase))
	m.HandleFunc("GET /admin/session-types", s.admin("Session types", s.adminTypesPage))
	m.HandleFunc("POST /admin/session-types", s.admin("Session types", s.adminAddType))
	m.HandleFunc("POST /admin/session-types/remove", s.admin("Session types", s.adminRemoveType))

	m.HandleFunc("GET /admin/queues", s.admin("Queues", s.adminQueuesPage))
	m.HandleFunc("POST /admin/queues", s.admin("Queues", s.adminAddQueue))
	m.HandleFunc("POST /admin/queues/{name}/remove", s.admin("Queues", s.adminRemoveQueue))
	m.HandleFunc("GET /admin/queues/{name}", s.admin("Queue", s.adminQueuePage))
	m.HandleFunc("POST /admin/queues/{name}/settings", s.admin("Queue", s.adminSaveQueueSettings))
	m.HandleFunc("POST /admin/queues/{name}/members", s.admin("Queue", s.adminAddMember))
	m.HandleFunc("POST /admin/queues/{name}/members/remove", s.admin("Queue", s.adminRemoveMember))
	m.HandleFunc("POST /admin/queues/{name}/phrases", s.admin("Queue", s.adminAddQueuePhrase))
	m.HandleFunc("POST /admin/queues/{name}/phrases/{id}/remove", s.admin("Queue", s.adminRemoveQueuePhrase))

	// Anything else under /admin/, such as a remove link opened as a page.
	m.HandleFunc("/admin/", func(w http.ResponseWriter, r *http.Request) {
		s.writeMessage(w, http.StatusNotFound, pageFrame{Title: "No such page", Area: adminArea},
			"There is no such administration page. Start again from the site settings: "+adminArea.Home+".")
	})
}

// adminCall is one request of an admin, who was checked.
type adminCall struct {
	u    *store.User
	page string // the page the request belongs to: /admin/queues/billing for its forms
}

// adminPage is what every admin template is given.
type adminPage struct {
	pageFrame
	Fields  []settingField
	Phrases []store.QuickPhrase
	// PhrasesPath is where the phrases' forms post: the site's, or the
	// queue's.
	PhrasesPath string
	Types       []string
	Queues      []queueRow
	Queue       *store.Queue
	HelpURL     string
	Members     []store.User
	// Typed and Refused are an add form's values as given, and the
	// refusal of each, by field name.
	Typed   map[string]string
	Refused map[string]string
}

// admin serves an admin page: it logs the reader in (and back to the
// page), lets admins alone through, checks a form's token, and gives a
// page the notice of the change just made.
func (s *Server) admin(title string, h func(http.ResponseWriter, *http.Request, *adminCall, *adminPage)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		page := adminPageOf(r.URL.Path)
		next := r.URL.RequestURI()
		if r.Method != http.MethodGet {
			next = page // a form's address is no page to come back to
		}
		u, session, ok := s.pageUser(w, r, adminArea, next)
		if !ok {
			return
		}
		p := &adminPage{pageFrame: adminArea.frame(title, page, u, session), Typed: map[string]string{}, Refused: map[string]string{}}
		if u.Role != store.RoleAdmin {
			p.Nav = nil // every link would be refused too
			s.writeMessage(w, http.StatusForbidden, withTitle(p.pageFrame, "Administrators only"),
				fmt.Sprintf("These pages are for administrators, and your account is a %s account: ask an administrator of this site to make the change, or to give your account the admin role.", roleArticle(u.Role)))
			return
		}
		if r.Method == http.MethodPost {
			r.Body = http.MaxBytesReader(w, r.Body, maxAdminForm)
			if err := r.ParseForm(); err != nil {
				s.writeMessage(w, http.StatusBadRequest, withTitle(p.pageFrame, "Not saved"),
					"The form could not be read, so nothing was changed. Go back, reload the page and try again.")
				return
			}
			if !validFormToken(r, session) {
				s.Log.Warn("admin form refused: its token is missing or from another login", "admin", u.Email, "path", r.URL.Path)
				s.writeMessage(w, http.StatusForbidden, withTitle(p.pageFrame, "Not saved"),
					"This form is from an old page (or was sent by another site), so nothing was changed. Reload the page and try again.")
				return
			}
		} else {
			p.Notice = takeNotice(w, r)
		}
		h(w, r, &adminCall{u: u, page: page}, p)
	}
}

func withTitle(f pageFrame, title string) pageFrame {
	f.Title = title
	return f
}

func roleArticle(role string) string {
	switch role {
	case store.RoleCSR:
		return "CSR"
	case store.RoleManager:
		return "manager"
	}
	return role
}

// adminPageOf is the page a request under /admin belongs to: its first
// two parts, three under /admin/queues (a queue's page).
func adminPageOf(path string) string {
	parts := strings.Split(strings.Trim(path, "/"), "/")
	n := 2
	if len(parts) > 2 && parts[1] == "queues" {
		n = 3
	}
	if len(parts) < n {
		n = len(parts)
	}
	return "/" + strings.Join(parts[:n], "/")
}

// changed logs a change and sends the browser back to its page, where
// notice says what was done.
func (s *Server) changed(w http.ResponseWriter, r *http.Request, c *adminCall, to, notice, change string, attrs ...any) {
	s.Log.Info("admin change", append([]any{"admin", c.u.Email, "change", change}, attrs...)...)
	s.settingsChanged()
	http.SetCookie(w, pageCookie(r, adminNoticeCookie, encodeNotice(notice), adminArea.Prefix, 0))
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// encodeNotice makes a notice a cookie's value.
func encodeNotice(text string) string { return base64.RawURLEncoding.EncodeToString([]byte(text)) }

// decodeNotice reads a notice cookie. A browser sends back what it was
// given, but a cookie is the browser's to change: anything but a line of
// text is no notice.
func decodeNotice(value string) string {
	if len(value) > 4096 {
		return ""
	}
	b, err := base64.RawURLEncoding.DecodeString(value)
	if err != nil || !utf8.Valid(b) || strings.ContainsFunc(string(b), unicode.IsControl) {
		return ""
	}
	return string(b)
}

// takeNotice returns the notice of the change that sent the browser here,
// once.
func takeNotice(w http.ResponseWriter, r *http.Request) string {
	c, err := r.Cookie(adminNoticeCookie)
	if err != nil {
		return ""
	}
	http.SetCookie(w, pageCookie(r, adminNoticeCookie, "", adminArea.Prefix, -1))
	return decodeNotice(c.Value)
}

// sentence makes a refusal of the settings or queue package, which reads
// as part of a sentence ("scripts must be on or off, not \"x\""), one to
// show on its own.
func sentence(err error) string {
	msg := capitalised(strings.TrimSpace(err.Error()))
	if msg == "" {
		return ""
	}
	if !strings.HasSuffix(msg, ".") {
		msg += "."
	}
	return msg
}

// refused shows page name again with the refusals of p, and status.
func (s *Server) refused(w http.ResponseWriter, status int, name string, p *adminPage) {
	if p.Error == "" && len(p.Refused) > 0 {
		p.Error = "Nothing was changed: see below."
	}
	s.writePage(w, status, adminArea, name, p)
}

// ---- settings ----

// settingField is one setting in a form.
type settingField struct {
	Name, Title, Help string
	Takes             string   // what it takes, for people: "1 to 20"
	Value             string   // what the control shows
	Options           []option // a list to choose from; nil: a number
	Min, Max          int
	Placeholder       string // a queue's number that follows the site: the site's
	Error             string
}

// settingTitle is a setting's name as a form's label: "Maximum number of
// customers" of "the maximum number of customers".
func settingTitle(k settings.Key) string {
	return capitalised(strings.TrimSuffix(strings.TrimPrefix(k.Label, "the "), " setting"))
}

func capitalised(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if r == utf8.RuneError {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}

// valueLabels are the values of the settings as people read them; a value
// not here reads as it is stored.
var valueLabels = map[string]string{
	"on": "On", "off": "Off", settings.ModeSingle: "Single", settings.ModeMulti: "Multi",
	settings.TrackingOptional: "Optional", settings.TrackingRequired: "Required",
	settings.ViewStandard: "Standard", settings.ViewSampling: "Screen Sampling",
	settings.ColorsFull: "Full colour", settings.Colors16: "High color (16-bit)", settings.Colors256: "256 colours",
}

func valueLabel(v string) string {
	if l, ok := valueLabels[v]; ok {
		return l
	}
	return v
}

// numberRange is the range of a number setting ("1..20"); ok is false for
// one of a list of values.
func numberRange(k settings.Key) (lo, hi int, ok bool) {
	a, b, found := strings.Cut(k.Values, "..")
	if !found {
		return 0, 0, false
	}
	lo, err1 := strconv.Atoi(a)
	hi, err2 := strconv.Atoi(b)
	return lo, hi, err1 == nil && err2 == nil
}

// field is k's field with value; site is the site's value when the field
// is a queue's, which may follow it, and "" for the site's own field.
func field(k settings.Key, value, site string) settingField {
	f := settingField{Name: k.Name, Title: settingTitle(k), Help: capitalised(k.Help), Value: value}
	if lo, hi, ok := numberRange(k); ok {
		f.Min, f.Max, f.Takes = lo, hi, fmt.Sprintf("%d to %d", lo, hi)
		if site != "" {
			f.Placeholder = "Site's (" + site + ")"
		}
		return f
	}
	if site != "" {
		f.Options = append(f.Options, option{Value: settings.FollowSite, Label: "Site's (" + valueLabel(site) + ")", Selected: value == settings.FollowSite})
	}
	for v := range strings.SplitSeq(k.Values, "|") {
		f.Options = append(f.Options, option{Value: v, Label: valueLabel(v), Selected: v == value})
	}
	return f
}

// siteFields are the site's settings as a form.
func siteFields(site settings.Site) []settingField {
	var out []settingField
	for _, k := range settings.Keys() {
		out = append(out, field(k, k.Get(site), ""))
	}
	return out
}

// settingChange is a setting a form changes, to Value as it is stored
// ("" for a queue's setting that follows the site again).
type settingChange struct {
	Key   settings.Key
	Value string
}

// readSettingsForm is what a settings form asks: the changes to make, of
// the values it gives for keys that differ from current (as stored, by
// name), and the refusal of each value check refuses. A setting the form
// leaves out is left alone.
func readSettingsForm(keys []settings.Key, current map[string]string, form url.Values,
	check func(settings.Key, string) (string, error)) (changes []settingChange, refused map[string]string) {
	refused = map[string]string{}
	for _, k := range keys {
		given, ok := form[k.Name]
		if !ok || len(given) == 0 {
			continue
		}
		v, err := check(k, given[0])
		if err != nil {
			refused[k.Name] = sentence(err)
			continue
		}
		if v != current[k.Name] {
			changes = append(changes, settingChange{Key: k, Value: v})
		}
	}
	return changes, refused
}

// describe is a change for a notice: "Scripts: Off".
func describe(c settingChange, follows string) string {
	if c.Value == "" {
		return settingTitle(c.Key) + ": the site's (" + valueLabel(follows) + ")"
	}
	return settingTitle(c.Key) + ": " + valueLabel(c.Value)
}

// showRefusals puts the refusals of a settings form, and what was typed,
// in its fields.
func showRefusals(fields []settingField, refused map[string]string, form url.Values) {
	for i := range fields {
		if msg, ok := refused[fields[i].Name]; ok {
			fields[i].Error, fields[i].Value = msg, form.Get(fields[i].Name)
		}
	}
}

func (s *Server) adminSettingsPage(w http.ResponseWriter, r *http.Request, c *adminCall, p *adminPage) {
	site, err := s.Store.SiteSettings(r.Context())
	if err != nil {
		s.areaFailed(w, adminArea, err)
		return
	}
	p.Fields = siteFields(site)
	s.writePage(w, http.StatusOK, adminArea, "settings", p)
}

func (s *Server) adminSaveSettings(w http.ResponseWriter, r *http.Request, c *adminCall, p *adminPage) {
	ctx := r.Context()
	site, err := s.Store.SiteSettings(ctx)
	if err != nil {
		s.areaFailed(w, adminArea, err)
		return
	}
	current := map[string]string{}
	for _, k := range settings.Keys() {
		current[k.Name] = k.Get(site)
	}
	changes, refused := readSettingsForm(settings.Keys(), current, r.PostForm, settings.Key.Check)
	var done []string
	for _, ch := range changes {
		if err := s.Store.SetSiteSetting(ctx, ch.Key.Name, ch.Value); err != nil {
			s.areaFailed(w, adminArea, fmt.Errorf("admin: save %s: %w", ch.Key.Name, err))
			return
		}
		s.Log.Info("admin change", "admin", c.u.Email, "change", "site setting", "setting", ch.Key.Name, "from", current[ch.Key.Name], "to", ch.Value)
		s.settingsChanged()
		done = append(done, describe(ch, ""))
	}
	if len(refused) == 0 {
		notice := "Saved; nothing was changed."
		if len(done) > 0 {
			notice = "Saved — " + strings.Join(done, ", ") + "."
		}
		s.changed(w, r, c, c.page, notice, "site settings saved", "changed", len(done))
		return
	}
	if site, err = s.Store.SiteSettings(ctx); err != nil {
		s.areaFailed(w, adminArea, err)
		return
	}
	p.Fields = siteFields(site)
	showRefusals(p.Fields, refused, r.PostForm)
	p.Error = refusedCount(len(refused))
	if len(done) > 0 {
		p.Notice = "Saved the others — " + strings.Join(done, ", ") + "."
	}
	s.refused(w, http.StatusBadRequest, "settings", p)
}

func refusedCount(n int) string {
	if n == 1 {
		return "One value was refused and is not saved: see below."
	}
	return fmt.Sprintf("%d values were refused and are not saved: see below.", n)
}

// ---- quick phrases and session types ----

func (s *Server) adminPhrasesPage(w http.ResponseWriter, r *http.Request, _ *adminCall, p *adminPage) {
	s.showPhrases(w, r.Context(), http.StatusOK, p)
}

func (s *Server) showPhrases(w http.ResponseWriter, ctx context.Context, status int, p *adminPage) {
	phrases, err := s.Store.QuickPhrases(ctx)
	if err != nil {
		s.areaFailed(w, adminArea, err)
		return
	}
	p.Phrases, p.PhrasesPath = phrases, "/admin/phrases"
	s.refused(w, status, "phrases", p)
}

func (s *Server) adminAddPhrase(w http.ResponseWriter, r *http.Request, c *adminCall, p *adminPage) {
	text := r.PostForm.Get("text")
	if _, err := settings.CheckPhrase(text); err != nil {
		p.Typed["text"], p.Refused["text"] = text, sentence(err)
		s.showPhrases(w, r.Context(), http.StatusBadRequest, p)
		return
	}
	ph, err := s.Store.AddQuickPhrase(r.Context(), text)
	if err != nil {
		s.areaFailed(w, adminArea, err)
		return
	}
	s.changed(w, r, c, c.page, "Added a quick phrase: “"+ph.Text+"”", "quick phrase added", "id", ph.ID, "text", ph.Text)
}

func (s *Server) adminRemovePhrase(w http.ResponseWriter, r *http.Request, c *adminCall, p *adminPage) {
	ctx := r.Context()
	phrases, err := s.Store.QuickPhrases(ctx)
	if err != nil {
		s.areaFailed(w, adminArea, err)
		return
	}
	// Only the site's: a queue's phrase is removed on its queue's page.
	i := slices.IndexFunc(phrases, func(ph store.QuickPhrase) bool { return ph.ID == r.PathValue("id") })
	if i < 0 {
		p.Error = "That quick phrase is not on the list any more: it was removed already."
		s.showPhrases(w, ctx, http.StatusNotFound, p)
		return
	}
	if err := s.Store.RemoveQuickPhrase(ctx, phrases[i].ID); err != nil && !errors.Is(err, store.ErrNotFound) {
		s.areaFailed(w, adminArea, err)
		return
	}
	s.changed(w, r, c, c.page, "Removed a quick phrase: “"+phrases[i].Text+"”", "quick phrase removed", "id", phrases[i].ID, "text", phrases[i].Text)
}

func (s *Server) adminTypesPage(w http.ResponseWriter, r *http.Request, _ *adminCall, p *adminPage) {
	s.showTypes(w, r.Context(), http.StatusOK, p)
}

func (s *Server) showTypes(w http.ResponseWriter, ctx context.Context, status int, p *adminPage) {
	types, err := s.Store.SessionTypes(ctx)
	if err != nil {
		s.areaFailed(w, adminArea, err)
		return
	}
	p.Types = types
	s.refused(w, status, "types", p)
}

func (s *Server) adminAddType(w http.ResponseWriter, r *http.Request, c *adminCall, p *adminPage) {
	name := r.PostForm.Get("name")
	if _, err := settings.CheckSessionType(name); err != nil {
		p.Typed["name"], p.Refused["name"] = name, sentence(err)
		s.showTypes(w, r.Context(), http.StatusBadRequest, p)
		return
	}
	added, err := s.Store.AddSessionType(r.Context(), name)
	if errors.Is(err, store.ErrExists) {
		p.Typed["name"], p.Refused["name"] = name, fmt.Sprintf("There is already a session type named “%s”.", strings.TrimSpace(name))
		s.showTypes(w, r.Context(), http.StatusConflict, p)
		return
	} else if err != nil {
		s.areaFailed(w, adminArea, err)
		return
	}
	s.changed(w, r, c, c.page, "Added the session type “"+added+"”.", "session type added", "type", added)
}

func (s *Server) adminRemoveType(w http.ResponseWriter, r *http.Request, c *adminCall, p *adminPage) {
	name := r.PostForm.Get("name")
	err := s.Store.RemoveSessionType(r.Context(), name)
	if errors.Is(err, store.ErrNotFound) {
		p.Error = fmt.Sprintf("There is no session type named “%s” any more: it was removed already.", strings.TrimSpace(name))
		s.showTypes(w, r.Context(), http.StatusNotFound, p)
		return
	} else if err != nil {
		s.areaFailed(w, adminArea, err)
		return
	}
	s.changed(w, r, c, c.page, "Removed the session type “"+strings.TrimSpace(name)+"”.", "session type removed", "type", name)
}
