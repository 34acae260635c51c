// Package queue is the rules of support queues (the user guide's inbound
// sessions): what a queue's name and display name may be, what a customer
// gives when asking for help, how long a transfer message may be, how the
// wait is estimated, and the Board that tells waiting clients that
// something changed. The store, the server and the command line all check
// through it, so that a value refused in one place is refused everywhere
// with the same sentence.
package queue

import (
	"fmt"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits of what a queue and a request hold.
const (
	// MaxNameLen bytes of a queue's name, which is part of its help link
	// (/help/NAME), so short and plain.
	MaxNameLen = 40
	// MaxDisplayNameLen characters of the name customers and CSRs read.
	MaxDisplayNameLen = 100
	// MaxCustomerNameLen characters, as for a customer joining by number.
	MaxCustomerNameLen = 100
	// MaxEmailLen bytes, the longest address SMTP carries.
	MaxEmailLen = 254
	// MaxProblemLen characters of the customer's description of the
	// problem: a short paragraph, read in a list.
	MaxProblemLen = 500
	// MaxReferrerLen bytes of the page a request came from.
	MaxReferrerLen = 2000
	// MaxMessageLen characters of a transfer's personal message, as the
	// guide says: "The message can be up to 345 characters long."
	MaxMessageLen = 345
)

// CheckName returns a queue's name as it is stored, in lower case, or says
// why it is refused. Names go into URLs as they are, so they are plain:
// letters a–z, digits and hyphens.
func CheckName(name string) (string, error) {
	name = strings.ToLower(strings.TrimSpace(name))
	switch {
	case name == "":
		return "", fmt.Errorf("a queue needs a name")
	case len(name) > MaxNameLen:
		return "", fmt.Errorf("a queue's name can be at most %d characters long", MaxNameLen)
	case strings.HasPrefix(name, "-") || strings.HasSuffix(name, "-"):
		return "", fmt.Errorf("a queue's name cannot begin or end with a hyphen, as %q does", name)
	}
	for _, r := range name {
		if (r < 'a' || r > 'z') && (r < '0' || r > '9') && r != '-' {
			return "", fmt.Errorf("a queue's name is part of its help link, so it can have only the letters a to z, digits and hyphens, like billing or tier-2; %q has %q", name, r)
		}
	}
	return name, nil
}

// CheckDisplayName returns the name people read for a queue (name when
// displayName is empty), or says why it is refused.
func CheckDisplayName(displayName, name string) (string, error) {
	displayName = strings.TrimSpace(displayName)
	switch {
	case displayName == "":
		return name, nil
	case !utf8.ValidString(displayName):
		return "", fmt.Errorf("a queue's display name must be valid UTF-8 text")
	case utf8.RuneCountInString(displayName) > MaxDisplayNameLen:
		return "", fmt.Errorf("a queue's display name can be at most %d characters long", MaxDisplayNameLen)
	case strings.ContainsFunc(displayName, unicode.IsControl):
		return "", fmt.Errorf("a queue's display name must be one line of text, without tabs or line breaks")
	}
	return displayName, nil
}

// Customer is what a customer gives when asking for help in a queue.
type Customer struct {
	Name, Email, Problem string
	// Referrer is the page the customer came from (URL Referral); empty
	// when not known.
	Referrer string
}

// Field names CheckCustomer reports, for forms that mark the field.
const (
	FieldName     = "name"
	FieldEmail    = "email"
	FieldProblem  = "problem"
	FieldReferrer = "referrer"
	FieldMessage  = "message"
)

// FieldError is a refused value from the other side (a customer's details,
// a transfer's message): Field names it, Msg is a sentence for the person
// who gave it.
type FieldError struct {
	Field string
	Msg   string
}

func (e *FieldError) Error() string { return e.Msg }

// CheckCustomer returns the customer's details as they are stored (without
// surrounding space, line endings as "\n"), or a *FieldError for the first
// value that is refused.
func CheckCustomer(c Customer) (Customer, error) { return checkCustomer(c, true) }

// CheckTransferred is CheckCustomer for the customer of a session that is
// transferred: the details are the ones it joined the session with, where
// an email address is optional.
func CheckTransferred(c Customer) (Customer, error) { return checkCustomer(c, false) }

func checkCustomer(c Customer, emailRequired bool) (Customer, error) {
	c.Name = strings.TrimSpace(c.Name)
	switch {
	case c.Name == "" || !utf8.ValidString(c.Name) || utf8.RuneCountInString(c.Name) > MaxCustomerNameLen:
		return c, &FieldError{FieldName, fmt.Sprintf("Please enter your name (at most %d characters).", MaxCustomerNameLen)}
	case strings.ContainsFunc(c.Name, unicode.IsControl):
		return c, &FieldError{FieldName, "Please enter your name on one line."}
	}
	c.Email = strings.TrimSpace(c.Email)
	if (c.Email != "" || emailRequired) && !plausibleEmail(c.Email) {
		return c, &FieldError{FieldEmail, "Please enter your email address, like name@example.com, so that your support representative can write to you."}
	}
	problem, n, ok := checkText(c.Problem, MaxProblemLen)
	switch {
	case n > MaxProblemLen:
		return c, &FieldError{FieldProblem, fmt.Sprintf("Please describe the problem in at most %d characters; this description has %d.", MaxProblemLen, n)}
	case !ok:
		return c, &FieldError{FieldProblem, "Please describe the problem in plain text, without control characters other than line breaks and tabs."}
	}
	c.Problem = problem
	var err error
	if c.Referrer, err = CheckReferrer(c.Referrer); err != nil {
		return c, &FieldError{FieldReferrer, "The " + err.Error() + "."}
	}
	return c, nil
}

// plausibleEmail accepts what could be an address: one line, one @ with
// something on either side, and a dot in the domain. Whether it reaches
// anyone is for a person to find out.
func plausibleEmail(s string) bool {
	if s == "" || len(s) > MaxEmailLen || !utf8.ValidString(s) {
		return false
	}
	if strings.ContainsFunc(s, func(r rune) bool { return unicode.IsControl(r) || unicode.IsSpace(r) }) {
		return false
	}
	local, domain, ok := strings.Cut(s, "@")
	return ok && local != "" && !strings.Contains(domain, "@") &&
		strings.Contains(domain, ".") && !strings.HasPrefix(domain, ".") && !strings.HasSuffix(domain, ".")
}

// CheckReferrer returns the page a request came from as it is stored, or
// says why it is refused: an absolute http or https URL, or nothing.
func CheckReferrer(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", nil
	}
	if len(s) > MaxReferrerLen {
		return "", fmt.Errorf("the referring page's address can be at most %d bytes long", MaxReferrerLen)
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
		strings.ContainsFunc(s, func(r rune) bool { return unicode.IsControl(r) || unicode.IsSpace(r) }) {
		return "", fmt.Errorf("the referring page must be an http or https address, like https://example.com/support")
	}
	return s, nil
}

// CheckMessage returns a transfer's personal message as it is stored, or
// a *FieldError (field FieldMessage) saying why it is refused.
func CheckMessage(msg string) (string, error) {
	msg, n, ok := checkText(msg, MaxMessageLen)
	switch {
	case n > MaxMessageLen:
		return "", &FieldError{FieldMessage, fmt.Sprintf("The message to the next support representative can be at most %d characters long; this one has %d.", MaxMessageLen, n)}
	case !ok:
		return "", &FieldError{FieldMessage, "The message to the next support representative must be text, without control characters other than line breaks and tabs."}
	}
	return msg, nil
}

// checkText trims a free text of several lines and makes its line endings
// "\n". It returns the text, its length in characters, and whether it is
// acceptable: valid UTF-8 of at most max characters, without control
// characters other than line breaks and tabs.
func checkText(s string, max int) (string, int, bool) {
	s = strings.TrimSpace(strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n"))
	n := utf8.RuneCountInString(s)
	ok := utf8.ValidString(s) && n <= max &&
		!strings.ContainsFunc(s, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\t' })
	return s, n, ok
}
