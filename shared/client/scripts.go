package client

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// The Script Library: scripts CSRs keep on the rendezvous server to run on
// customers' computers. A CSR sees their own scripts and the published
// ones and changes only their own; an admin sees and changes every one.

// MaxScriptFileSize is the most a script file, and separately its input
// file, may hold: 1 MB of 1,048,576 bytes.
const MaxScriptFileSize = 1 << 20

// Error codes of the Script Library; test with IsCode.
const (
	CodeFieldRequired         = "field_required"          // 400: no name, or no script file
	CodeInvalidField          = "invalid_field"           // 400: a value the library refuses; Message says which
	CodeUnsupportedScriptType = "unsupported_script_type" // 400: not .sh, .bash, .ps1, .bat or .cmd
	CodeCategoryRequired      = "category_required"       // 400: the site has categories; choose one
	CodeUnknownCategory       = "unknown_category"        // 400: not one of ScriptCategories
	CodeNameTaken             = "name_taken"              // 409: another script has that name, in any case
	CodeFileTooLarge          = "file_too_large"          // 413: a file beyond MaxScriptFileSize
	CodeNotYours              = "not_yours"               // 403: another CSR's script
	CodeNoSuchScript          = "no_such_script"          // 404: deleted, or another's private script
	CodeNoInputFile           = "no_input_file"           // 404: the script has no input file
)

// Orders of ListScripts, one per column of the library's list.
const (
	ScriptSortName        = "name"
	ScriptSortCategory    = "category"
	ScriptSortDescription = "description"
	ScriptSortOwner       = "owner"
	ScriptSortUpdated     = "updated"
	ScriptSortPublished   = "published"
)

// Interpreters and platforms of Script.
const (
	InterpreterSh         = "sh"         // .sh
	InterpreterBash       = "bash"       // .bash
	InterpreterPowerShell = "powershell" // .ps1
	InterpreterCmd        = "cmd"        // .bat, .cmd

	PlatformUnix    = "unix"
	PlatformWindows = "windows"
)

// Script is a script of the library, without its files.
type Script struct {
	ID          string      `json:"id"`
	Name        string      `json:"name"`
	Category    string      `json:"category"` // "" when the site has no categories
	Description string      `json:"description"`
	Published   bool        `json:"published"` // in every CSR's library; else only its owner's
	Owner       ScriptOwner `json:"owner"`
	Mine        bool        `json:"mine"`     // the logged-in user added it
	Editable    bool        `json:"editable"` // the logged-in user may change and delete it
	Script      FileInfo    `json:"script"`
	Input       *FileInfo   `json:"input"`       // nil when there is none
	Interpreter string      `json:"interpreter"` // InterpreterSh, …
	Platform    string      `json:"platform"`    // PlatformUnix or PlatformWindows
	TimeLimit   int         `json:"time_limit"`  // seconds the script may run
	CreatedAt   time.Time   `json:"created_at"`
	UpdatedAt   time.Time   `json:"updated_at"`
}

// ScriptOwner is the CSR or admin who added a script.
type ScriptOwner struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Email string `json:"email"`
}

// FileInfo names a stored file and gives its size in bytes.
type FileInfo struct {
	Name string `json:"name"`
	Size int64  `json:"size"`
}

// ScriptListOptions chooses and orders the scripts ListScripts returns;
// the zero value is every visible script by name.
type ScriptListOptions struct {
	Sort     string // ScriptSortName, …; "" by name
	Desc     bool
	Category string // in any case; "" for all
}

// ListScripts returns the scripts the logged-in user may see: their own
// and the published ones (an admin: all of them).
func (c *Client) ListScripts(ctx context.Context, opts ScriptListOptions) ([]Script, error) {
	q := url.Values{}
	if opts.Sort != "" {
		q.Set("sort", opts.Sort)
	}
	if opts.Desc {
		q.Set("order", "desc")
	}
	if opts.Category != "" {
		q.Set("category", opts.Category)
	}
	path := "/api/v1/scripts"
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	var r struct{ Scripts []Script }
	_, err := c.do(ctx, "GET", path, nil, &r)
	return r.Scripts, err
}

// Script returns one script the logged-in user may see.
func (c *Client) Script(ctx context.Context, id string) (Script, error) {
	var r Script
	_, err := c.do(ctx, "GET", "/api/v1/scripts/"+url.PathEscape(id), nil, &r)
	return r, err
}

// ScriptPart names one of a script's two files.
type ScriptPart string

const (
	ScriptPartScript ScriptPart = "script" // the file that runs
	ScriptPartInput  ScriptPart = "input"  // the optional file it reads
)

// ScriptFile returns the bytes of a script's file, as uploaded; its name
// is in Script.Script or Script.Input.
func (c *Client) ScriptFile(ctx context.Context, id string, part ScriptPart) ([]byte, error) {
	b, err := c.do(ctx, "GET", "/api/v1/scripts/"+url.PathEscape(id)+"/"+url.PathEscape(string(part)), nil, nil)
	if err != nil {
		return nil, err // b is the error's body, not the file
	}
	return b, nil
}

// ScriptCategories lists the site's script categories, by name.
func (c *Client) ScriptCategories(ctx context.Context) ([]string, error) {
	var r struct{ Categories []string }
	_, err := c.do(ctx, "GET", "/api/v1/script-categories", nil, &r)
	return r.Categories, err
}

// NewScript is a script to add to the library.
type NewScript struct {
	Name        string // unique in any case
	Category    string // one of ScriptCategories; required once the site has any
	Description string
	Published   bool // in every CSR's library, not only the owner's
	TimeLimit   int  // seconds, 1..3600; 0 for the server's default (300)

	ScriptName string // its extension chooses the interpreter: .sh, .bash, .ps1, .bat, .cmd
	Script     []byte // at most MaxScriptFileSize
	InputName  string // optional: a file the script reads, put beside it
	Input      []byte // at most MaxScriptFileSize
}

// CreateScript adds a script owned by the logged-in user. A refusal is an
// *APIError with one of the Code… constants above, and a Message that says
// what to do; nothing is stored.
func (c *Client) CreateScript(ctx context.Context, s NewScript) (Script, error) {
	f := newScriptForm()
	f.field("name", s.Name)
	f.field("category", s.Category)
	f.field("description", s.Description)
	f.field("published", strconv.FormatBool(s.Published))
	if s.TimeLimit != 0 {
		f.field("time_limit", strconv.Itoa(s.TimeLimit))
	}
	if s.ScriptName != "" || len(s.Script) > 0 {
		f.file("script", s.ScriptName, s.Script)
	}
	if s.InputName != "" || len(s.Input) > 0 {
		f.file("input", s.InputName, s.Input)
	}
	var r Script
	err := c.sendForm(ctx, "POST", "/api/v1/scripts", f, &r)
	return r, err
}

// ScriptChanges is a change to a script; nil fields and nil files stay as
// they are.
type ScriptChanges struct {
	Name        *string
	Category    *string
	Description *string
	Published   *bool
	TimeLimit   *int

	ScriptName string // with Script: a new script file
	Script     []byte
	InputName  string // with Input: a new input file
	Input      []byte
	// RemoveInput drops the input file; not together with a new one.
	RemoveInput bool
}

// UpdateScript changes a script of the logged-in user's (an admin's: any
// script) and returns it as it is now. Errors as CreateScript's, and
// CodeNotYours.
func (c *Client) UpdateScript(ctx context.Context, id string, ch ScriptChanges) (Script, error) {
	f := newScriptForm()
	for _, v := range []struct {
		name  string
		value *string
	}{{"name", ch.Name}, {"category", ch.Category}, {"description", ch.Description}} {
		if v.value != nil {
			f.field(v.name, *v.value)
		}
	}
	if ch.Published != nil {
		f.field("published", strconv.FormatBool(*ch.Published))
	}
	if ch.TimeLimit != nil {
		f.field("time_limit", strconv.Itoa(*ch.TimeLimit))
	}
	if ch.RemoveInput {
		f.field("remove_input", "true")
	}
	if ch.Script != nil {
		f.file("script", ch.ScriptName, ch.Script)
	}
	if ch.Input != nil {
		f.file("input", ch.InputName, ch.Input)
	}
	var r Script
	err := c.sendForm(ctx, "PUT", "/api/v1/scripts/"+url.PathEscape(id), f, &r)
	return r, err
}

// DeleteScript deletes a script of the logged-in user's (an admin's: any
// script).
func (c *Client) DeleteScript(ctx context.Context, id string) error {
	_, err := c.do(ctx, "DELETE", "/api/v1/scripts/"+url.PathEscape(id), nil, nil)
	return err
}

// scriptForm builds a multipart/form-data body in memory: the files are at
// most 1 MB each and already in memory as []byte.
type scriptForm struct {
	buf bytes.Buffer
	w   *multipart.Writer
	err error
}

func newScriptForm() *scriptForm {
	f := &scriptForm{}
	f.w = multipart.NewWriter(&f.buf)
	return f
}

func (f *scriptForm) field(name, value string) {
	if f.err == nil {
		f.err = f.w.WriteField(name, value)
	}
}

func (f *scriptForm) file(field, name string, data []byte) {
	if f.err != nil {
		return
	}
	var w io.Writer
	if w, f.err = f.w.CreateFormFile(field, name); f.err == nil {
		_, f.err = w.Write(data)
	}
}

// sendForm sends a multipart form and decodes the answer as do does.
func (c *Client) sendForm(ctx context.Context, method, path string, f *scriptForm, out any) error {
	if f.err == nil {
		f.err = f.w.Close()
	}
	if f.err != nil {
		return fmt.Errorf("%s %s: build form: %w", method, path, f.err)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.BaseURL+path, &f.buf)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	req.Header.Set("Content-Type", f.w.FormDataContentType())
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return fmt.Errorf("%s %s: read answer: %w", method, path, err)
	}
	if resp.StatusCode >= 300 {
		return answerError(resp, b)
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("%s %s: decode answer: %w", method, path, err)
	}
	return nil
}

// answerError is the *APIError of an error response, as do makes it.
func answerError(resp *http.Response, b []byte) *APIError {
	ae := &APIError{Status: resp.StatusCode, Code: "http_error", Message: strings.TrimSpace(string(b))}
	var e struct{ Error, Code string }
	if json.Unmarshal(b, &e) == nil && e.Code != "" {
		ae.Code, ae.Message = e.Code, e.Error
	}
	if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil {
		ae.RetryAfter = time.Duration(s) * time.Second
	}
	return ae
}
