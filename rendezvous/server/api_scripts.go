package server

import (
	"context"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"lifeline/rendezvous/room"
	"lifeline/rendezvous/scriptlib"
	"lifeline/rendezvous/store"
)

// The Script Library. A CSR sees their own scripts and the published ones,
// and changes only their own; an admin, who manages the library, sees and
// changes every script. The library stays open when the site switches the
// scripts feature off: that switch refuses running scripts in a session,
// and an admin may well fill the library before switching it on.

// scriptJSON is a script as the API shows it: never the files themselves,
// which have endpoints of their own.
type scriptJSON struct {
	ID          string          `json:"id"`
	Name        string          `json:"name"`
	Category    string          `json:"category"`
	Description string          `json:"description"`
	Published   bool            `json:"published"`
	Owner       scriptOwnerJSON `json:"owner"`
	Mine        bool            `json:"mine"`     // the caller added it
	Editable    bool            `json:"editable"` // the caller may change and delete it
	Script      scriptFileJSON  `json:"script"`
	Input       *scriptFileJSON `json:"input"` // null when there is none
	Interpreter string          `json:"interpreter"`
	Platform    string          `json:"platform"`
	TimeLimit   int             `json:"time_limit"` // seconds
	CreatedAt   time.Time       `json:"created_at"`
	UpdatedAt   time.Time       `json:"updated_at"`
}

type scriptOwnerJSON struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Email string `json:"email"`
}

type scriptFileJSON struct {
	Name string `json:"name"`
	Size int64  `json:"size"` // bytes
}

func toScriptJSON(sc store.Script, u *store.User) scriptJSON {
	in, _ := scriptlib.InterpreterFor(sc.File.Name)
	out := scriptJSON{
		ID: sc.ID, Name: sc.Name, Category: sc.Category, Description: sc.Description, Published: sc.Published,
		Owner: scriptOwnerJSON{ID: sc.OwnerUserID, Name: sc.OwnerName, Email: sc.OwnerEmail},
		Mine:  sc.OwnerUserID == u.ID, Editable: mayEditScript(u, sc),
		Script:      scriptFileJSON{Name: sc.File.Name, Size: sc.File.Size},
		Interpreter: in.Name, Platform: in.Platform, TimeLimit: sc.TimeLimit,
		CreatedAt: sc.CreatedAt, UpdatedAt: sc.UpdatedAt,
	}
	if sc.Input.Name != "" {
		out.Input = &scriptFileJSON{Name: sc.Input.Name, Size: sc.Input.Size}
	}
	return out
}

func maySeeScript(u *store.User, sc store.Script) bool {
	return sc.Published || sc.OwnerUserID == u.ID || u.Role == store.RoleAdmin
}

func mayEditScript(u *store.User, sc store.Script) bool {
	return sc.OwnerUserID == u.ID || u.Role == store.RoleAdmin
}

var errNoSuchScript = &room.Error{Status: http.StatusNotFound, Code: "no_such_script",
	Msg: "There is no such script in your Script Library; it may have been deleted, or made private by its owner."}

// visibleScript finds a script the caller may see. One the caller may not
// see is not found, rather than forbidden: a private script is nobody
// else's business, not even that it exists.
func (s *Server) visibleScript(ctx context.Context, u *store.User, id string) (store.Script, error) {
	sc, err := s.Store.ScriptByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && !maySeeScript(u, sc)) {
		return store.Script{}, errNoSuchScript
	}
	return sc, err
}

// editableScript finds a script the caller may change or delete.
func (s *Server) editableScript(ctx context.Context, u *store.User, id string) (store.Script, error) {
	sc, err := s.visibleScript(ctx, u, id)
	if err != nil {
		return sc, err
	}
	if !mayEditScript(u, sc) {
		return sc, &room.Error{Status: http.StatusForbidden, Code: "not_yours",
			Msg: fmt.Sprintf("Only %s, who added the script %q, or an administrator can change or delete it.", ownerName(sc), sc.Name)}
	}
	return sc, nil
}

func ownerName(sc store.Script) string {
	switch {
	case sc.OwnerName != "" && sc.OwnerEmail != "":
		return fmt.Sprintf("%s (%s)", sc.OwnerName, sc.OwnerEmail)
	case sc.OwnerEmail != "":
		return sc.OwnerEmail
	}
	return "the CSR"
}

func (s *Server) handleListScripts(w http.ResponseWriter, r *http.Request) {
	u, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	f := store.ScriptFilter{Sort: q.Get("sort"), Category: strings.TrimSpace(q.Get("category"))}
	if f.Sort == "" {
		f.Sort = store.SortName
	}
	if !slices.Contains(store.ScriptSorts, f.Sort) {
		writeError(w, http.StatusBadRequest, "invalid_sort", fmt.Sprintf("Scripts can be sorted by %s, not %q.", orList(store.ScriptSorts), f.Sort))
		return
	}
	switch q.Get("order") {
	case "", "asc":
	case "desc":
		f.Desc = true
	default:
		writeError(w, http.StatusBadRequest, "invalid_order", fmt.Sprintf("The order is asc or desc, not %q.", q.Get("order")))
		return
	}
	if u.Role != store.RoleAdmin {
		f.VisibleTo = u.ID
	}
	scripts, err := s.Store.ListScripts(r.Context(), f)
	if err != nil {
		s.writeErr(w, err)
		return
	}
	out := make([]scriptJSON, 0, len(scripts)) // [] rather than null for an empty library
	for _, sc := range scripts {
		out = append(out, toScriptJSON(sc, u))
	}
	writeJSON(w, http.StatusOK, map[string]any{"scripts": out})
}

func (s *Server) handleGetScript(w http.ResponseWriter, r *http.Request) {
	u, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	sc, err := s.visibleScript(r.Context(), u, r.PathValue("id"))
	if err != nil {
		s.writeErr(w, err)
		return
	}
	writeJSON(w, http.StatusOK, toScriptJSON(sc, u))
}

// handleScriptFile sends the script file, or with input the input file, as
// it was uploaded, for the console to hand to the agent.
func (s *Server) handleScriptFile(input bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { s.sendScriptFile(w, r, input) }
}

func (s *Server) sendScriptFile(w http.ResponseWriter, r *http.Request, input bool) {
	u, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	sc, err := s.visibleScript(ctx, u, r.PathValue("id"))
	if err != nil {
		s.writeErr(w, err)
		return
	}
	f, err := s.Store.ScriptFileData(ctx, sc.ID, input)
	if errors.Is(err, store.ErrNotFound) && input {
		writeError(w, http.StatusNotFound, "no_input_file", fmt.Sprintf("The script %q has no input file.", sc.Name))
		return
	} else if errors.Is(err, store.ErrNotFound) {
		s.writeErr(w, errNoSuchScript) // deleted since it was read
		return
	} else if err != nil {
		s.writeErr(w, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/octet-stream")
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": f.Name}))
	h.Set("Content-Length", strconv.Itoa(len(f.Data)))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(f.Data)
}

func (s *Server) handleScriptCategories(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.requireUser(w, r); !ok {
		return
	}
	cats, err := s.Store.ScriptCategories(r.Context())
	if err != nil {
		s.writeErr(w, err)
		return
	}
	if cats == nil {
		cats = []string{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"categories": cats})
}

func (s *Server) handleCreateScript(w http.ResponseWriter, r *http.Request) {
	u, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	r.Body = http.MaxBytesReader(w, r.Body, maxScriptUpload)
	form, err := parseScriptForm(r.Body, r.Header.Get("Content-Type"))
	if err != nil {
		s.writeErr(w, err)
		return
	}
	switch {
	case form.name == nil || strings.TrimSpace(*form.name) == "":
		writeError(w, http.StatusBadRequest, "field_required", "Give the script a name.")
		return
	case form.script == nil:
		writeError(w, http.StatusBadRequest, "field_required", "Choose the script file to run (the field script).")
		return
	}
	if form.category == nil {
		form.category = new(string)
	}
	sc := store.Script{
		ID: store.NewID("scr_"), OwnerUserID: u.ID, File: *form.script,
		CreatedAt: s.Now(), UpdatedAt: s.Now(),
	}
	if form.input != nil {
		sc.Input = *form.input
	}
	if form.published != nil {
		sc.Published = *form.published
	}
	if form.timeLimit != nil {
		sc.TimeLimit = *form.timeLimit
	}
	if form.removeInput != nil && *form.removeInput {
		writeError(w, http.StatusBadRequest, "invalid_field", "A new script has no input file to remove; leave remove_input out.")
		return
	}
	if err := s.checkScriptForm(ctx, form, &sc.Name, &sc.Category, &sc.Description); err != nil {
		s.writeErr(w, err)
		return
	}
	if err := s.Store.CreateScript(ctx, sc); err != nil {
		s.writeErr(w, scriptStoreError(err, sc.Name))
		return
	}
	created, err := s.Store.ScriptByID(ctx, sc.ID)
	if err != nil {
		s.writeErr(w, err)
		return
	}
	s.Log.Info("script added", "script", sc.ID, "name", sc.Name, "user", u.Email, "published", sc.Published)
	writeJSON(w, http.StatusCreated, toScriptJSON(created, u))
}

func (s *Server) handleUpdateScript(w http.ResponseWriter, r *http.Request) {
	u, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	r.Body = http.MaxBytesReader(w, r.Body, maxScriptUpload)
	old, err := s.editableScript(ctx, u, r.PathValue("id"))
	if err != nil {
		s.writeErr(w, err)
		return
	}
	form, err := parseScriptForm(r.Body, r.Header.Get("Content-Type"))
	if err != nil {
		s.writeErr(w, err)
		return
	}
	ch := store.ScriptUpdate{Published: form.published, TimeLimit: form.timeLimit, File: form.script, Input: form.input, At: s.Now()}
	if form.removeInput != nil && *form.removeInput {
		if form.input != nil {
			writeError(w, http.StatusBadRequest, "invalid_field", "Send either a new input file or remove_input, not both.")
			return
		}
		ch.RemoveInput = true
	}
	var name, category, description string
	if err := s.checkScriptForm(ctx, form, &name, &category, &description); err != nil {
		s.writeErr(w, err)
		return
	}
	if form.name != nil {
		ch.Name = &name
	}
	if form.category != nil {
		ch.Category = &category
	}
	if form.description != nil {
		ch.Description = &description
	}
	updated, err := s.Store.UpdateScript(ctx, old.ID, ch)
	if errors.Is(err, store.ErrNotFound) {
		s.writeErr(w, errNoSuchScript) // deleted in between
		return
	} else if err != nil {
		s.writeErr(w, scriptStoreError(err, name))
		return
	}
	s.Log.Info("script changed", "script", old.ID, "name", updated.Name, "user", u.Email)
	writeJSON(w, http.StatusOK, toScriptJSON(updated, u))
}

func (s *Server) handleDeleteScript(w http.ResponseWriter, r *http.Request) {
	u, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	sc, err := s.editableScript(ctx, u, r.PathValue("id"))
	if err != nil {
		s.writeErr(w, err)
		return
	}
	if err := s.Store.DeleteScript(ctx, sc.ID); errors.Is(err, store.ErrNotFound) {
		s.writeErr(w, errNoSuchScript)
		return
	} else if err != nil {
		s.writeErr(w, err)
		return
	}
	s.Log.Info("script deleted", "script", sc.ID, "name", sc.Name, "user", u.Email)
	writeJSON(w, http.StatusOK, map[string]any{"ok": true})
}

// checkScriptForm checks the text fields and files a form carried against
// the library's rules, before anything is stored, and gives the name,
// category (as the site spells it) and description as they are to be
// stored. Fields the form did not carry are left alone.
func (s *Server) checkScriptForm(ctx context.Context, form scriptForm, name, category, description *string) error {
	var err error
	if form.name != nil {
		if *name, err = scriptlib.CheckName(*form.name); err != nil {
			return invalidField("%s.", capitalise(err.Error()))
		}
	}
	if form.description != nil {
		if *description, err = scriptlib.CheckDescription(*form.description); err != nil {
			return invalidField("%s.", capitalise(err.Error()))
		}
	}
	for _, f := range []struct {
		what string
		file *store.ScriptFile
	}{{"script file", form.script}, {"input file", form.input}} {
		if f.file == nil {
			continue
		}
		if f.file.Name, err = scriptlib.CheckFileName(f.what, f.file.Name); err != nil {
			return invalidField("%s.", capitalise(err.Error()))
		}
		if f.what == "script file" {
			if _, err := scriptlib.CheckScriptType(f.file.Name); err != nil {
				return &room.Error{Status: http.StatusBadRequest, Code: "unsupported_script_type", Msg: capitalise(err.Error()) + "."}
			}
		}
		if err := scriptlib.CheckFileSize(f.what, f.file.Size); err != nil {
			return invalidField("%s.", capitalise(err.Error()))
		}
	}
	if form.category != nil {
		cats, err := s.Store.ScriptCategories(ctx)
		if err != nil {
			return err
		}
		if *category, err = chooseCategory(cats, *form.category); err != nil {
			return err
		}
	}
	return nil
}

// chooseCategory checks the category asked for against the site's and
// returns it as the site spells it. Once the site has categories, every
// script is filed under one; a site without any files none.
func chooseCategory(cats []string, asked string) (string, error) {
	asked = strings.TrimSpace(asked)
	switch {
	case len(cats) == 0 && asked == "":
		return "", nil
	case len(cats) == 0:
		return "", &room.Error{Status: http.StatusBadRequest, Code: "unknown_category",
			Msg: fmt.Sprintf("%q is not a script category: this site has none yet, so leave the category empty (an administrator adds them with lifeline-rendezvous category add).", asked)}
	case asked == "":
		return "", &room.Error{Status: http.StatusBadRequest, Code: "category_required",
			Msg: fmt.Sprintf("Choose a category: %s.", orList(cats))}
	}
	for _, c := range cats {
		if scriptlib.Fold(c) == scriptlib.Fold(asked) {
			return c, nil
		}
	}
	return "", &room.Error{Status: http.StatusBadRequest, Code: "unknown_category",
		Msg: fmt.Sprintf("%q is not a script category of this site; choose %s.", asked, orList(cats))}
}

// scriptStoreError turns the store's refusals of a script into answers.
func scriptStoreError(err error, name string) error {
	switch {
	case errors.Is(err, store.ErrExists):
		return &room.Error{Status: http.StatusConflict, Code: "name_taken",
			Msg: fmt.Sprintf("There is already a script named %q; choose another name.", name)}
	case errors.Is(err, store.ErrUnknownCategory):
		return &room.Error{Status: http.StatusBadRequest, Code: "unknown_category",
			Msg: "The category was removed a moment ago; choose another."}
	}
	return err
}

func capitalise(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
