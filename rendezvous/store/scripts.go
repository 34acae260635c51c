package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"lifeline/rendezvous/scriptlib"
)

// The Script Library: scripts CSRs keep to run on customers' computers,
// filed under categories an admin makes. Every value is validated by
// package scriptlib before it is stored, whoever writes it.

// Script is one script of the library.
type Script struct {
	ID          string
	Name        string // unique in any case
	Category    string // as the category is spelt; "" for none
	Description string
	Published   bool // in the library of every CSR; else only its owner's
	OwnerUserID string
	OwnerName   string // read from the owner's account; ignored on writes
	OwnerEmail  string //
	File        ScriptFile
	Input       ScriptFile // optional: Name is "" when there is none
	TimeLimit   int        // seconds; 0 on create means scriptlib.DefaultTimeLimit
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// ScriptFile is a script's file or its input file.
type ScriptFile struct {
	Name string
	Size int64 // bytes; set on reads, also when Data is left out
	Data []byte
}

// ScriptUpdate is a change to a script; nil fields stay as they are.
type ScriptUpdate struct {
	Name        *string
	Category    *string // "" for none
	Description *string
	Published   *bool
	TimeLimit   *int
	File        *ScriptFile // a new script file
	Input       *ScriptFile // a new input file
	RemoveInput bool        // drop the input file; not together with Input
	At          time.Time   // the new UpdatedAt
}

// ScriptFilter selects and orders scripts for ListScripts.
type ScriptFilter struct {
	// VisibleTo is the id of a user who sees their own scripts and the
	// published ones; "" selects every script.
	VisibleTo string
	Category  string // in any case; "" for every category
	Sort      string // one of ScriptSorts; "" sorts by name
	Desc      bool
}

// The orders of ListScripts, one per column of the library's list.
const (
	SortName        = "name"
	SortCategory    = "category"
	SortDescription = "description"
	SortOwner       = "owner"
	SortUpdated     = "updated"
	SortPublished   = "published"
)

// ScriptSorts lists every order ListScripts knows.
var ScriptSorts = []string{SortName, SortCategory, SortDescription, SortOwner, SortUpdated, SortPublished}

// CategoryInUseError refuses to remove a category while scripts are filed
// under it: they would be left in a category nobody can choose.
// errors.Is(err, ErrInUse) holds.
type CategoryInUseError struct {
	Category string
	Scripts  int // 0 when the count is not known
}

func (e *CategoryInUseError) Error() string {
	switch e.Scripts {
	case 0:
		return fmt.Sprintf("category %q: scripts are filed under it", e.Category)
	case 1:
		return fmt.Sprintf("category %q: 1 script is filed under it", e.Category)
	}
	return fmt.Sprintf("category %q: %d scripts are filed under it", e.Category, e.Scripts)
}

func (e *CategoryInUseError) Is(target error) bool { return target == ErrInUse }

// ---- categories ----

func (s *sqlStore) ScriptCategories(ctx context.Context) ([]string, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT name FROM script_categories ORDER BY folded`)
	if err != nil {
		return nil, fmt.Errorf("store: script categories: %w", err)
	}
	return collect(rows, "script categories", func(r scanner) (string, error) {
		var name string
		return name, r.Scan(&name)
	})
}

func (s *sqlStore) AddScriptCategory(ctx context.Context, name string) (string, error) {
	name, err := scriptlib.CheckCategory(name)
	if err != nil {
		return "", fmt.Errorf("store: add script category: %w", err)
	}
	_, err = s.w.ExecContext(ctx, s.d.rebind(`INSERT INTO script_categories (folded, name, created_at) VALUES (?, ?, ?)`),
		scriptlib.Fold(name), name, time.Now().UnixMilli())
	if v, _ := constraintError(err); v == uniqueViolation {
		return "", fmt.Errorf("store: add script category %q: %w", name, ErrExists)
	} else if err != nil {
		return "", fmt.Errorf("store: add script category %q: %w", name, err)
	}
	return name, nil
}

// RemoveScriptCategory counts first, for a refusal that says how many
// scripts are in the way; the reference from scripts is what makes the
// refusal certain when a script is filed under it in between.
func (s *sqlStore) RemoveScriptCategory(ctx context.Context, name string) error {
	folded := scriptlib.Fold(name)
	return s.Tx(ctx, func(w Writer) error {
		tw := w.(*writer)
		var n int
		if err := tw.q.QueryRowContext(ctx, tw.d.rebind(`SELECT COUNT(*) FROM scripts WHERE category = ?`), folded).Scan(&n); err != nil {
			return fmt.Errorf("store: remove script category %q: %w", name, err)
		}
		if n > 0 {
			return fmt.Errorf("store: remove script category: %w", &CategoryInUseError{Category: name, Scripts: n})
		}
		err := tw.execOne(ctx, fmt.Sprintf("remove script category %q", name),
			`DELETE FROM script_categories WHERE folded = ?`, folded)
		if v, _ := constraintError(err); v == foreignKeyViolation {
			return fmt.Errorf("store: remove script category: %w", &CategoryInUseError{Category: name})
		}
		return err
	})
}

// categoryKey checks, inside a transaction, that a category exists, and
// returns the key scripts refer to it by: NULL for none.
func (w *writer) categoryKey(ctx context.Context, name string) (any, error) {
	if strings.TrimSpace(name) == "" {
		return nil, nil
	}
	folded := scriptlib.Fold(name)
	var one int
	err := w.q.QueryRowContext(ctx, w.d.rebind(`SELECT 1 FROM script_categories WHERE folded = ?`), folded).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("category %q: %w", strings.TrimSpace(name), ErrUnknownCategory)
	} else if err != nil {
		return nil, fmt.Errorf("category %q: %w", strings.TrimSpace(name), err)
	}
	return folded, nil
}

// ---- scripts ----

// checkScriptFile validates a file as the store keeps it, and fills in its
// name and size as stored.
func checkScriptFile(what string, f *ScriptFile) error {
	name, err := scriptlib.CheckFileName(what, f.Name)
	if err != nil {
		return err
	}
	if what == "script file" {
		if _, err := scriptlib.CheckScriptType(name); err != nil {
			return err
		}
	}
	if err := scriptlib.CheckFileSize(what, int64(len(f.Data))); err != nil {
		return err
	}
	f.Name, f.Size = name, int64(len(f.Data))
	return nil
}

// checkScript validates a new script and normalises it as stored.
func checkScript(sc *Script) error {
	var err error
	if sc.ID == "" || sc.OwnerUserID == "" {
		return errors.New("id and owner are required")
	}
	if sc.Name, err = scriptlib.CheckName(sc.Name); err != nil {
		return err
	}
	if sc.Description, err = scriptlib.CheckDescription(sc.Description); err != nil {
		return err
	}
	if sc.TimeLimit == 0 {
		sc.TimeLimit = scriptlib.DefaultTimeLimit
	}
	if err := scriptlib.CheckTimeLimit(sc.TimeLimit); err != nil {
		return err
	}
	if err := checkScriptFile("script file", &sc.File); err != nil {
		return err
	}
	if sc.Input.Name == "" && len(sc.Input.Data) == 0 {
		sc.Input = ScriptFile{}
		return nil
	}
	return checkScriptFile("input file", &sc.Input)
}

func (s *sqlStore) CreateScript(ctx context.Context, sc Script) error {
	if err := checkScript(&sc); err != nil {
		return fmt.Errorf("store: create script %q: %w", sc.Name, err)
	}
	return s.Tx(ctx, func(w Writer) error {
		tw := w.(*writer)
		var one int
		err := tw.q.QueryRowContext(ctx, tw.d.rebind(`SELECT 1 FROM users WHERE id = ?`), sc.OwnerUserID).Scan(&one)
		if err != nil {
			return notFound(err, "create script %q: owner user id %q", sc.Name, sc.OwnerUserID)
		}
		category, err := tw.categoryKey(ctx, sc.Category)
		if err != nil {
			return fmt.Errorf("store: create script %q: %w", sc.Name, err)
		}
		_, err = tw.exec(ctx, `INSERT INTO scripts (id, folded_name, name, category, description, published, owner_user_id,
			script_name, script_size, script_data, input_name, input_size, input_data, time_limit, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			sc.ID, scriptlib.Fold(sc.Name), sc.Name, category, sc.Description, boolInt(sc.Published), sc.OwnerUserID,
			sc.File.Name, sc.File.Size, sc.File.Data, sc.Input.Name, sc.Input.Size, nullIfEmpty(sc.Input.Data),
			sc.TimeLimit, toMillis(sc.CreatedAt), toMillis(cmp.Or(sc.UpdatedAt, sc.CreatedAt)))
		switch v, _ := constraintError(err); {
		case err == nil:
			return nil
		case v == uniqueViolation:
			return fmt.Errorf("store: create script %q: %w", sc.Name, ErrExists)
		case v == foreignKeyViolation:
			// Both were there a moment ago; on PostgreSQL the category can
			// have been removed since (users are never deleted).
			return fmt.Errorf("store: create script %q: category %q: %w", sc.Name, sc.Category, ErrUnknownCategory)
		default:
			return fmt.Errorf("store: create script %q: %w", sc.Name, err)
		}
	})
}

const scriptSelect = `SELECT s.id, s.name, COALESCE(c.name, ''), s.description, s.published, s.owner_user_id,
		COALESCE(u.name, ''), COALESCE(u.email, ''), s.script_name, s.script_size, s.input_name, s.input_size,
		s.time_limit, s.created_at, s.updated_at
	FROM scripts s
	LEFT JOIN script_categories c ON c.folded = s.category
	LEFT JOIN users u ON u.id = s.owner_user_id`

func scanScript(row scanner) (Script, error) {
	var sc Script
	var published int
	var created, updated int64
	err := row.Scan(&sc.ID, &sc.Name, &sc.Category, &sc.Description, &published, &sc.OwnerUserID,
		&sc.OwnerName, &sc.OwnerEmail, &sc.File.Name, &sc.File.Size, &sc.Input.Name, &sc.Input.Size,
		&sc.TimeLimit, &created, &updated)
	sc.Published = published != 0
	sc.CreatedAt, sc.UpdatedAt = fromMillis(created), fromMillis(updated)
	return sc, err
}

func (s *sqlStore) ScriptByID(ctx context.Context, id string) (Script, error) {
	sc, err := scanScript(s.r.QueryRowContext(ctx, s.d.rebind(scriptSelect+` WHERE s.id = ?`), id))
	return sc, notFound(err, "script %q", id)
}

func (s *sqlStore) ScriptFileData(ctx context.Context, id string, input bool) (ScriptFile, error) {
	q, what := `SELECT script_name, script_size, script_data FROM scripts WHERE id = ?`, "script file"
	if input {
		// An empty input_name means no input file: the row exists but the
		// file does not, which is not found all the same.
		q, what = `SELECT input_name, input_size, input_data FROM scripts WHERE id = ? AND input_name <> ''`, "input file"
	}
	var f ScriptFile
	err := s.r.QueryRowContext(ctx, s.d.rebind(q), id).Scan(&f.Name, &f.Size, &f.Data)
	return f, notFound(err, "%s of script %q", what, id)
}

// ListScripts filters in SQL and sorts in Go: the two databases collate
// text differently, and a library is a few hundred scripts at most.
func (s *sqlStore) ListScripts(ctx context.Context, f ScriptFilter) ([]Script, error) {
	less, err := scriptOrder(f.Sort)
	if err != nil {
		return nil, fmt.Errorf("store: list scripts: %w", err)
	}
	q := scriptSelect + ` WHERE 1 = 1`
	var args []any
	if f.VisibleTo != "" {
		q += ` AND (s.owner_user_id = ? OR s.published = 1)`
		args = append(args, f.VisibleTo)
	}
	if f.Category != "" {
		q += ` AND s.category = ?`
		args = append(args, scriptlib.Fold(f.Category))
	}
	rows, err := s.r.QueryContext(ctx, s.d.rebind(q), args...)
	if err != nil {
		return nil, fmt.Errorf("store: list scripts: %w", err)
	}
	scripts, err := collect(rows, "list scripts", scanScript)
	if err != nil {
		return nil, err
	}
	dir := 1
	if f.Desc {
		dir = -1
	}
	slices.SortFunc(scripts, func(a, b Script) int {
		// Ties, which only the other columns have, go by name ascending
		// either way, so that a list sorted by category stays readable.
		return cmp.Or(dir*less(a, b), cmp.Compare(scriptlib.Fold(a.Name), scriptlib.Fold(b.Name)), cmp.Compare(a.ID, b.ID))
	})
	return scripts, nil
}

func scriptOrder(sort string) (func(a, b Script) int, error) {
	text := func(get func(Script) string) func(a, b Script) int {
		return func(a, b Script) int { return cmp.Compare(strings.ToLower(get(a)), strings.ToLower(get(b))) }
	}
	switch sort {
	case "", SortName:
		return text(func(s Script) string { return s.Name }), nil
	case SortCategory:
		return text(func(s Script) string { return s.Category }), nil
	case SortDescription:
		return text(func(s Script) string { return s.Description }), nil
	case SortOwner:
		return func(a, b Script) int {
			return cmp.Or(cmp.Compare(strings.ToLower(a.OwnerName), strings.ToLower(b.OwnerName)), cmp.Compare(a.OwnerEmail, b.OwnerEmail))
		}, nil
	case SortUpdated:
		return func(a, b Script) int { return a.UpdatedAt.Compare(b.UpdatedAt) }, nil
	case SortPublished:
		return func(a, b Script) int { return cmp.Compare(boolInt(a.Published), boolInt(b.Published)) }, nil
	}
	return nil, fmt.Errorf("unknown order %q; the orders are %s", sort, strings.Join(ScriptSorts, ", "))
}

func (s *sqlStore) UpdateScript(ctx context.Context, id string, u ScriptUpdate) (Script, error) {
	sets := []string{"updated_at = ?"}
	args := []any{toMillis(u.At)}
	set := func(col string, v any) {
		sets = append(sets, col+" = ?")
		args = append(args, v)
	}
	fail := func(err error) (Script, error) { return Script{}, fmt.Errorf("store: update script %q: %w", id, err) }
	if u.Name != nil {
		name, err := scriptlib.CheckName(*u.Name)
		if err != nil {
			return fail(err)
		}
		set("name", name)
		set("folded_name", scriptlib.Fold(name))
	}
	if u.Description != nil {
		desc, err := scriptlib.CheckDescription(*u.Description)
		if err != nil {
			return fail(err)
		}
		set("description", desc)
	}
	if u.Published != nil {
		set("published", boolInt(*u.Published))
	}
	if u.TimeLimit != nil {
		if err := scriptlib.CheckTimeLimit(*u.TimeLimit); err != nil {
			return fail(err)
		}
		set("time_limit", *u.TimeLimit)
	}
	if u.File != nil {
		f := *u.File
		if err := checkScriptFile("script file", &f); err != nil {
			return fail(err)
		}
		set("script_name", f.Name)
		set("script_size", f.Size)
		set("script_data", f.Data)
	}
	switch {
	case u.Input != nil && u.RemoveInput:
		return fail(errors.New("an input file cannot be both replaced and removed"))
	case u.Input != nil:
		f := *u.Input
		if err := checkScriptFile("input file", &f); err != nil {
			return fail(err)
		}
		set("input_name", f.Name)
		set("input_size", f.Size)
		set("input_data", f.Data)
	case u.RemoveInput:
		set("input_name", "")
		set("input_size", 0)
		set("input_data", nil)
	}

	err := s.Tx(ctx, func(w Writer) error {
		tw := w.(*writer)
		if u.Category != nil {
			category, err := tw.categoryKey(ctx, *u.Category)
			if err != nil {
				return fmt.Errorf("store: update script %q: %w", id, err)
			}
			set("category", category)
		}
		err := tw.execOne(ctx, fmt.Sprintf("update script %q", id),
			`UPDATE scripts SET `+strings.Join(sets, ", ")+` WHERE id = ?`, append(args, id)...)
		// The only unique column besides the id is the name, and the only
		// reference a change can break is the category's.
		switch v, _ := constraintError(err); v {
		case uniqueViolation:
			return fmt.Errorf("store: update script %q: name: %w", id, ErrExists)
		case foreignKeyViolation:
			return fmt.Errorf("store: update script %q: %w", id, ErrUnknownCategory)
		}
		return err
	})
	if err != nil {
		return Script{}, err
	}
	return s.ScriptByID(ctx, id)
}

func (s *sqlStore) DeleteScript(ctx context.Context, id string) error {
	return s.writer.execOne(ctx, fmt.Sprintf("delete script %q", id), `DELETE FROM scripts WHERE id = ?`, id)
}
