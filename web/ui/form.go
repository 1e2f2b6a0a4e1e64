package ui

import (
	"errors"
	"fmt"
	"mime"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"frontdesk/fault"
	"frontdesk/routing"
)

// MaxFormSize is the largest form body the UI reads (a pasted mail for the
// rule test is the largest expected).
const MaxFormSize = 2 << 20

// maxFormMemory is how much of a multipart form's files is kept in memory
// while it is read; the rest waits in temporary files, which net/http
// removes once the request is answered.
const maxFormMemory = 8 << 20

// parseForm reads a POST form: URL-encoded of at most MaxFormSize bytes, or
// multipart (a reply with files) of at most uploadLimit bytes. The server
// (package web) cuts every route but a reply's at its own smaller limit
// before this.
func parseForm(w http.ResponseWriter, r *http.Request, uploadLimit int64) error {
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "multipart/form-data" {
		r.Body = http.MaxBytesReader(w, r.Body, uploadLimit)
		err := r.ParseMultipartForm(maxFormMemory)
		var tooBig *http.MaxBytesError
		switch {
		case errors.As(err, &tooBig):
			return err
		case err != nil:
			return fmt.Errorf("%w: form: %v", fault.ErrInvalid, err)
		}
		return nil
	}
	r.Body = http.MaxBytesReader(w, r.Body, MaxFormSize)
	if err := r.ParseForm(); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return err
		}
		return fmt.Errorf("%w: form: %v", fault.ErrInvalid, err)
	}
	return nil
}

// formProblem is why a manager's form was refused, as a page shows it: a
// headline and, for a rule set that is not valid, every problem on a line of
// its own.
type formProblem struct {
	Headline string
	Details  []string
	// Problems are the rule set's problems, when that is what was wrong.
	Problems []routing.Problem
}

// explain turns the error of a refused form into what the page says: a
// headline starting with prefix ("Nothing was saved: "). Validation errors
// from package routing list every problem, each naming the rule and the
// field.
func explain(err error, prefix string) formProblem {
	var ve *routing.ValidationError
	if errors.As(err, &ve) {
		p := formProblem{Headline: prefix + "the rules are not valid.", Problems: ve.Problems}
		for _, pr := range ve.Problems {
			p.Details = append(p.Details, problemText(pr))
		}
		return p
	}
	return formProblem{Headline: prefix + reason(err)}
}

// problemText is a rule set's problem as the rules page says it: the rule by
// the number the list shows it under (from 1) and its name — "Rule 3
// “Invoices”: conditions[1].op: unknown operator "like"".
func problemText(p routing.Problem) string {
	if p.Rule < 0 {
		return p.String()
	}
	s := fmt.Sprintf("Rule %d", p.Rule+1)
	if p.Name != "" {
		s += " “" + p.Name + "”"
	}
	p.Rule, p.Name = -1, ""
	return s + ": " + ruleRefs.ReplaceAllStringFunc(p.String(), ruleNumber)
}

// reason is what a refused request's error says to the person who made it:
// the words after its kind (fault.Reason), with rules numbered as the list
// shows them.
func reason(err error) string { return ruleRefs.ReplaceAllStringFunc(fault.Reason(err), ruleNumber) }

// ruleRefs finds a rule named by its index, "rules[0]", in a message.
var ruleRefs = regexp.MustCompile(`rules\[(\d+)\]`)

// ruleNumber turns "rules[0]" into "rule 1", the number the list shows.
func ruleNumber(ref string) string {
	n, _ := strconv.Atoi(ruleRefs.FindStringSubmatch(ref)[1])
	return "rule " + strconv.Itoa(n+1)
}

// staleRulesError refuses a form based on a version of the rules that is no
// longer in force: someone else changed them meanwhile.
type staleRulesError struct{ base, current int }

func (e *staleRulesError) Error() string {
	return fmt.Sprintf("the rules were changed while you were working on them "+
		"(this page showed version %d, version %d is now in force). Reload the page and make your change again.",
		e.base, e.current)
}

// Unwrap makes the error a fault.ErrConflict: 409.
func (e *staleRulesError) Unwrap() error { return fault.ErrConflict }

// formInt reads a whole number of at least min from a form field, or
// fault.ErrInvalid naming the field.
func formInt(r *http.Request, field string, min int) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(r.PostForm.Get(field)))
	if err != nil || n < min {
		return 0, fmt.Errorf("%w: form field %q must be a whole number, at least %d", fault.ErrInvalid, field, min)
	}
	return n, nil
}

// pathIndex reads a rule's index from the path, or fault.ErrNotFound.
func pathIndex(r *http.Request) (int, error) {
	v := r.PathValue("index")
	i, err := strconv.Atoi(v)
	if err != nil || i < 0 || strconv.Itoa(i) != v {
		return 0, fmt.Errorf("rule %q: %w", v, fault.ErrNotFound)
	}
	return i, nil
}

// formKey reads the key a form carries to make its submission idempotent
// (reply_key, note_key…): 16-100 visible ASCII characters, or
// fault.ErrInvalid saying the what form is incomplete.
func formKey(r *http.Request, field, what string) (string, error) {
	key := r.PostForm.Get(field)
	if len(key) < 16 || len(key) > 100 || strings.ContainsFunc(key, func(c rune) bool { return c <= ' ' || c > '~' }) {
		return "", fmt.Errorf("%w: the %s form is incomplete; reload the page", fault.ErrInvalid, what)
	}
	return key, nil
}
