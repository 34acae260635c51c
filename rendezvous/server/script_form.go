package server

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"

	"lifeline/rendezvous/room"
	"lifeline/rendezvous/scriptlib"
	"lifeline/rendezvous/store"
)

const (
	// maxScriptUpload bounds the body of POST and PUT /api/v1/scripts: both
	// files at their largest, and room for the text fields and the
	// multipart framing. The body is read as it arrives, never spooled to
	// disk, so this is also the most one upload can hold in memory.
	maxScriptUpload = 2*scriptlib.MaxFileSize + 256<<10

	// maxFormField bounds one text field: a description of 2000
	// characters of up to 4 bytes each, and some.
	maxFormField = 16 << 10
)

// Form fields of POST and PUT /api/v1/scripts.
const (
	fieldName        = "name"
	fieldCategory    = "category"
	fieldDescription = "description"
	fieldPublished   = "published"
	fieldTimeLimit   = "time_limit"
	fieldRemoveInput = "remove_input"
	fileScript       = "script"
	fileInput        = "input"
)

// scriptForm is what a POST or PUT of /api/v1/scripts carried; nil is a
// field that was not sent. Text fields are as sent: checking them against
// the library's rules is the handler's.
type scriptForm struct {
	name, category, description *string
	published, removeInput      *bool
	timeLimit                   *int
	script, input               *store.ScriptFile
}

var errNotMultipart = &room.Error{Status: http.StatusBadRequest, Code: "not_multipart",
	Msg: "Send the script as multipart/form-data: the fields name, category, description and published, and the files script and (optionally) input."}

func invalidField(format string, args ...any) error {
	return &room.Error{Status: http.StatusBadRequest, Code: "invalid_field", Msg: fmt.Sprintf(format, args...)}
}

// parseScriptForm reads a multipart body part by part, keeping at most one
// copy of each file in memory, and refuses it as soon as it breaks a
// limit. Every refusal is a *room.Error. Fields it does not know are read
// past and ignored, so that a form with more in it (a submit button, a
// CSRF token) still works; a field sent twice is refused rather than one
// of the two silently chosen.
func parseScriptForm(body io.Reader, contentType string) (scriptForm, error) {
	var f scriptForm
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil || mt != "multipart/form-data" || params["boundary"] == "" {
		return f, errNotMultipart
	}
	mr := multipart.NewReader(body, params["boundary"])
	seen := map[string]bool{}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return f, nil
		}
		if err != nil {
			return f, formReadError(err)
		}
		field := part.FormName()
		switch field {
		case fieldName, fieldCategory, fieldDescription, fieldPublished, fieldTimeLimit, fieldRemoveInput, fileScript, fileInput:
			if seen[field] {
				return f, &room.Error{Status: http.StatusBadRequest, Code: "duplicate_field",
					Msg: fmt.Sprintf("The field %s was sent twice; send it once.", field)}
			}
			seen[field] = true
		default:
			if _, err := io.Copy(io.Discard, part); err != nil {
				return f, formReadError(err)
			}
			continue
		}
		if field == fileScript || field == fileInput {
			file, err := readFormFile(part, field)
			if err != nil {
				return f, err
			}
			if field == fileScript {
				f.script = file
			} else {
				f.input = file
			}
			continue
		}
		b, err := io.ReadAll(io.LimitReader(part, maxFormField+1))
		if err != nil {
			return f, formReadError(err)
		}
		if len(b) > maxFormField {
			return f, invalidField("The field %s is longer than %d bytes.", field, maxFormField)
		}
		v := string(b)
		switch field {
		case fieldName:
			f.name = &v
		case fieldCategory:
			f.category = &v
		case fieldDescription:
			f.description = &v
		case fieldPublished, fieldRemoveInput:
			yes, ok := parseFormBool(v)
			if !ok {
				return f, invalidField("The field %s must be true or false, not %q.", field, v)
			}
			if field == fieldPublished {
				f.published = &yes
			} else {
				f.removeInput = &yes
			}
		case fieldTimeLimit:
			if strings.TrimSpace(v) == "" {
				continue // an empty box: the default, or unchanged
			}
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil {
				return f, invalidField("The time limit must be a whole number of seconds from %d to %d, not %q.",
					scriptlib.MinTimeLimit, scriptlib.MaxTimeLimit, v)
			}
			if err := scriptlib.CheckTimeLimit(n); err != nil {
				return f, invalidField("The time limit must be a whole number of seconds from %d to %d, not %d.",
					scriptlib.MinTimeLimit, scriptlib.MaxTimeLimit, n)
			}
			f.timeLimit = &n
		}
	}
}

// readFormFile reads one file part. A part with neither a file name nor
// content is what a browser sends for a file box left empty: not sent.
func readFormFile(part *multipart.Part, field string) (*store.ScriptFile, error) {
	what := field + " file"
	data, err := io.ReadAll(io.LimitReader(part, scriptlib.MaxFileSize+1))
	if err != nil {
		return nil, formReadError(err)
	}
	if len(data) > scriptlib.MaxFileSize {
		// Read on to the end of the file, to say how large it is.
		rest, err := io.Copy(io.Discard, part)
		size := int64(len(data)) + rest
		if err != nil {
			var mbe *http.MaxBytesError
			if !errors.As(err, &mbe) {
				return nil, formReadError(err)
			}
			return nil, tooLarge(&scriptlib.TooLargeError{What: what, Size: size, AtLeast: true})
		}
		return nil, tooLarge(&scriptlib.TooLargeError{What: what, Size: size})
	}
	name := part.FileName()
	if name == "" && len(data) == 0 {
		return nil, nil
	}
	if name == "" {
		return nil, invalidField("The %s was sent without a file name; send it as a file, whose name says what kind of script it is.", what)
	}
	return &store.ScriptFile{Name: name, Size: int64(len(data)), Data: data}, nil
}

func tooLarge(e *scriptlib.TooLargeError) error {
	return &room.Error{Status: http.StatusRequestEntityTooLarge, Code: "file_too_large", Msg: e.Error()}
}

// formReadError turns a failure to read the body into a refusal. The body
// can pass its limit while no one file has passed 1 MB (both files near
// the limit, and other parts besides): that is said of the upload, not of
// a file.
func formReadError(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return &room.Error{Status: http.StatusRequestEntityTooLarge, Code: "body_too_large",
			Msg: fmt.Sprintf("The upload is more than %s; a script and its input file can be at most %s each.",
				scriptlib.FormatSize(mbe.Limit), scriptlib.FormatSize(scriptlib.MaxFileSize))}
	}
	return &room.Error{Status: http.StatusBadRequest, Code: "malformed_form",
		Msg: "The upload is not a complete multipart/form-data body: " + err.Error()}
}

// parseFormBool takes what a form may send for a yes or no, a checkbox's
// "on" included.
func parseFormBool(v string) (value, ok bool) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "true", "1", "on", "yes":
		return true, true
	case "false", "0", "off", "no":
		return false, true
	}
	return false, false
}
