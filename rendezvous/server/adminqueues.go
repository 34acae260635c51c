package server

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"lifeline/rendezvous/queue"
	"lifeline/rendezvous/settings"
	"lifeline/rendezvous/store"
)

// The queues' admin pages: the list of queues, and a page per queue with
// the CSRs who serve it, its own settings and its own quick phrases.

// queueRow is a queue in the list.
type queueRow struct {
	store.Queue
	Waiting int
	HelpURL string
}

func (s *Server) adminQueuesPage(w http.ResponseWriter, r *http.Request, _ *adminCall, p *adminPage) {
	s.showQueues(w, r, http.StatusOK, p)
}

func (s *Server) showQueues(w http.ResponseWriter, r *http.Request, status int, p *adminPage) {
	ctx := r.Context()
	qs, err := s.Store.Queues(ctx)
	if err != nil {
		s.areaFailed(w, adminArea, err)
		return
	}
	waiting, err := s.Store.WaitingRequests(ctx, store.WaitingFilter{})
	if err != nil {
		s.areaFailed(w, adminArea, err)
		return
	}
	counts := map[string]int{}
	for _, q := range waiting {
		counts[q.QueueID]++
	}
	for _, q := range qs {
		p.Queues = append(p.Queues, queueRow{Queue: q, Waiting: counts[q.ID], HelpURL: s.helpURL(r, q.Name)})
	}
	s.refused(w, status, "queues", p)
}

// helpURL is a queue's help link, for the site's pages to link to.
func (s *Server) helpURL(r *http.Request, name string) string {
	return s.baseURL(r) + "/help/" + url.PathEscape(name)
}

func (s *Server) adminAddQueue(w http.ResponseWriter, r *http.Request, c *adminCall, p *adminPage) {
	given, display := r.PostForm.Get("name"), r.PostForm.Get("display_name")
	p.Typed["name"], p.Typed["display_name"] = given, display
	name, err := queue.CheckName(given)
	if err != nil {
		p.Refused["name"] = sentence(err)
	}
	if _, err := queue.CheckDisplayName(display, name); err != nil {
		p.Refused["display_name"] = sentence(err)
	}
	if len(p.Refused) > 0 {
		s.showQueues(w, r, http.StatusBadRequest, p)
		return
	}
	q, err := s.Store.AddQueue(r.Context(), name, display, s.Now())
	if errors.Is(err, store.ErrExists) {
		p.Refused["name"] = fmt.Sprintf("There is already a queue named %s.", name)
		s.showQueues(w, r, http.StatusConflict, p)
		return
	} else if err != nil {
		s.areaFailed(w, adminArea, err)
		return
	}
	s.changed(w, r, c, "/admin/queues/"+url.PathEscape(q.Name),
		fmt.Sprintf("Added the queue %s; its help link is %s. Add the CSRs who serve it below.", q.DisplayName, s.helpURL(r, q.Name)),
		"queue added", "queue", q.Name, "display_name", q.DisplayName)
}

func (s *Server) adminRemoveQueue(w http.ResponseWriter, r *http.Request, c *adminCall, p *adminPage) {
	ctx := r.Context()
	q, err := s.Store.QueueByName(ctx, r.PathValue("name"))
	if err == nil {
		err = s.Store.RemoveQueue(ctx, q.Name, s.Now())
	}
	var inUse *store.QueueInUseError
	switch {
	case errors.Is(err, store.ErrNotFound):
		p.Error = fmt.Sprintf("There is no queue named %s any more: it was removed already.", r.PathValue("name"))
		s.showQueues(w, r, http.StatusNotFound, p)
		return
	case errors.As(err, &inUse):
		p.Error = fmt.Sprintf("The queue %s has %s waiting, so it was not removed: accept them, or wait until they leave, so that nobody waits in a queue that is gone.",
			q.DisplayName, customersWaiting(inUse.Waiting))
		s.showQueues(w, r, http.StatusConflict, p)
		return
	case err != nil:
		s.areaFailed(w, adminArea, err)
		return
	}
	s.changed(w, r, c, "/admin/queues", fmt.Sprintf("Removed the queue %s; its requests stay in the reports.", q.DisplayName),
		"queue removed", "queue", q.Name)
}

func customersWaiting(n int) string {
	if n == 1 {
		return "1 customer"
	}
	return fmt.Sprintf("%d customers", n)
}

// adminQueue is the queue of a queue's page, or it shows that there is
// none of that name.
func (s *Server) adminQueue(w http.ResponseWriter, r *http.Request, p *adminPage) (*store.Queue, bool) {
	q, err := s.Store.QueueByName(r.Context(), r.PathValue("name"))
	if errors.Is(err, store.ErrNotFound) {
		s.writeMessage(w, http.StatusNotFound, withTitle(p.pageFrame, "No such queue"),
			fmt.Sprintf("There is no queue named %q. The queues are listed on the Queues page.", r.PathValue("name")))
		return nil, false
	} else if err != nil {
		s.areaFailed(w, adminArea, err)
		return nil, false
	}
	p.Title = "Queue " + q.DisplayName
	return &q, true
}

func (s *Server) adminQueuePage(w http.ResponseWriter, r *http.Request, _ *adminCall, p *adminPage) {
	q, ok := s.adminQueue(w, r, p)
	if !ok {
		return
	}
	s.showQueue(w, r, http.StatusOK, q, nil, p)
}

// showQueue shows queue q's page with status; refused are the refusals of
// its settings form, by setting, with what was typed in r's form.
func (s *Server) showQueue(w http.ResponseWriter, r *http.Request, status int, q *store.Queue, refused map[string]string, p *adminPage) {
	ctx := r.Context()
	site, err := s.Store.SiteSettings(ctx)
	if err != nil {
		s.areaFailed(w, adminArea, err)
		return
	}
	own, err := s.Store.QueueSettings(ctx, q.Name)
	if err != nil {
		s.areaFailed(w, adminArea, err)
		return
	}
	p.Fields = queueFields(site, own)
	showRefusals(p.Fields, refused, r.PostForm)
	if p.Members, err = s.Store.QueueMembers(ctx, q.Name); err != nil {
		s.areaFailed(w, adminArea, err)
		return
	}
	if p.Phrases, err = s.Store.QueuePhrases(ctx, q.Name); err != nil {
		s.areaFailed(w, adminArea, err)
		return
	}
	p.Queue, p.HelpURL, p.PhrasesPath = q, s.helpURL(r, q.Name), "/admin/queues/"+url.PathEscape(q.Name)+"/phrases"
	s.refused(w, status, "queue", p)
}

// queueFields are a queue's own settings as a form: each its own value,
// or the site's.
func queueFields(site settings.Site, own map[string]string) []settingField {
	var out []settingField
	for _, k := range settings.QueueKeys() {
		v, ok := own[k.Name]
		if _, _, number := numberRange(k); !ok && !number {
			v = settings.FollowSite
		}
		out = append(out, field(k, v, k.Get(site)))
	}
	return out
}

func (s *Server) adminSaveQueueSettings(w http.ResponseWriter, r *http.Request, c *adminCall, p *adminPage) {
	q, ok := s.adminQueue(w, r, p)
	if !ok {
		return
	}
	ctx := r.Context()
	own, err := s.Store.QueueSettings(ctx, q.Name)
	if err != nil {
		s.areaFailed(w, adminArea, err)
		return
	}
	site, err := s.Store.SiteSettings(ctx)
	if err != nil {
		s.areaFailed(w, adminArea, err)
		return
	}
	changes, refused := readSettingsForm(settings.QueueKeys(), own, r.PostForm, settings.Key.CheckQueue)
	var done []string
	for _, ch := range changes {
		v := ch.Value
		if v == "" {
			v = settings.FollowSite
		}
		if err := s.Store.SetQueueSetting(ctx, q.Name, ch.Key.Name, v); err != nil {
			s.areaFailed(w, adminArea, fmt.Errorf("admin: save %s of queue %s: %w", ch.Key.Name, q.Name, err))
			return
		}
		s.Log.Info("admin change", "admin", c.u.Email, "change", "queue setting", "queue", q.Name, "setting", ch.Key.Name,
			"from", orSite(own[ch.Key.Name]), "to", v)
		s.settingsChanged()
		done = append(done, describe(ch, ch.Key.Get(site)))
	}
	if len(refused) == 0 {
		notice := "Saved; nothing was changed."
		if len(done) > 0 {
			notice = "Saved for " + q.DisplayName + " — " + strings.Join(done, ", ") + "."
		}
		s.changed(w, r, c, c.page, notice, "queue settings saved", "queue", q.Name, "changed", len(done))
		return
	}
	p.Error = refusedCount(len(refused))
	if len(done) > 0 {
		p.Notice = "Saved the others — " + strings.Join(done, ", ") + "."
	}
	s.showQueue(w, r, http.StatusBadRequest, q, refused, p)
}

func orSite(v string) string {
	if v == "" {
		return settings.FollowSite
	}
	return v
}

func (s *Server) adminAddMember(w http.ResponseWriter, r *http.Request, c *adminCall, p *adminPage) {
	q, ok := s.adminQueue(w, r, p)
	if !ok {
		return
	}
	ctx := r.Context()
	email := strings.TrimSpace(r.PostForm.Get("email"))
	p.Typed["email"] = email
	u, err := s.Store.UserByEmail(ctx, email)
	switch {
	case email == "":
		p.Refused["email"] = "Give the email address of the CSR's account."
	case errors.Is(err, store.ErrNotFound):
		p.Refused["email"] = fmt.Sprintf("There is no account with the email address %s.", email)
	case err != nil:
		s.areaFailed(w, adminArea, err)
		return
	default:
		err = s.Store.AddQueueMember(ctx, q.Name, u.Email, s.Now())
		switch {
		case errors.Is(err, store.ErrExists):
			p.Refused["email"] = fmt.Sprintf("%s already serves this queue.", u.Email)
		case err != nil:
			s.areaFailed(w, adminArea, err)
			return
		default:
			note := ""
			if u.Disabled {
				note = " The account is disabled: it serves the queue once it is enabled."
			}
			s.changed(w, r, c, c.page, fmt.Sprintf("%s <%s> now serves %s.%s", u.Name, u.Email, q.DisplayName, note),
				"queue member added", "queue", q.Name, "member", u.Email)
			return
		}
	}
	s.showQueue(w, r, http.StatusBadRequest, q, nil, p)
}

func (s *Server) adminRemoveMember(w http.ResponseWriter, r *http.Request, c *adminCall, p *adminPage) {
	q, ok := s.adminQueue(w, r, p)
	if !ok {
		return
	}
	email := strings.TrimSpace(r.PostForm.Get("email"))
	err := s.Store.RemoveQueueMember(r.Context(), q.Name, email)
	if errors.Is(err, store.ErrNotFound) {
		p.Error = fmt.Sprintf("%s does not serve this queue any more: removed already.", email)
		s.showQueue(w, r, http.StatusNotFound, q, nil, p)
		return
	} else if err != nil {
		s.areaFailed(w, adminArea, err)
		return
	}
	s.changed(w, r, c, c.page, fmt.Sprintf("%s no longer serves %s.", email, q.DisplayName), "queue member removed", "queue", q.Name, "member", email)
}

func (s *Server) adminAddQueuePhrase(w http.ResponseWriter, r *http.Request, c *adminCall, p *adminPage) {
	q, ok := s.adminQueue(w, r, p)
	if !ok {
		return
	}
	text := r.PostForm.Get("text")
	if _, err := settings.CheckPhrase(text); err != nil {
		p.Typed["text"], p.Refused["text"] = text, sentence(err)
		s.showQueue(w, r, http.StatusBadRequest, q, nil, p)
		return
	}
	ph, err := s.Store.AddQueuePhrase(r.Context(), q.Name, text)
	if err != nil {
		s.areaFailed(w, adminArea, err)
		return
	}
	s.changed(w, r, c, c.page, fmt.Sprintf("Added a quick phrase for %s: “%s”", q.DisplayName, ph.Text),
		"queue phrase added", "queue", q.Name, "id", ph.ID, "text", ph.Text)
}

func (s *Server) adminRemoveQueuePhrase(w http.ResponseWriter, r *http.Request, c *adminCall, p *adminPage) {
	q, ok := s.adminQueue(w, r, p)
	if !ok {
		return
	}
	ctx := r.Context()
	phrases, err := s.Store.QueuePhrases(ctx, q.Name)
	if err != nil {
		s.areaFailed(w, adminArea, err)
		return
	}
	// Only this queue's own: the site's, and other queues', are removed on
	// their own pages.
	i := slices.IndexFunc(phrases, func(ph store.QuickPhrase) bool { return ph.ID == r.PathValue("id") })
	if i < 0 {
		p.Error = "That quick phrase is not on this queue's list any more: it was removed already."
		s.showQueue(w, r, http.StatusNotFound, q, nil, p)
		return
	}
	if err := s.Store.RemoveQuickPhrase(ctx, phrases[i].ID); err != nil && !errors.Is(err, store.ErrNotFound) {
		s.areaFailed(w, adminArea, err)
		return
	}
	s.changed(w, r, c, c.page, fmt.Sprintf("Removed a quick phrase of %s: “%s”", q.DisplayName, phrases[i].Text),
		"queue phrase removed", "queue", q.Name, "id", phrases[i].ID)
}
