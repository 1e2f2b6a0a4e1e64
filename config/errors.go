package config

import (
	"fmt"
	"strings"
)

// Problem is one thing wrong with a configuration: the key it concerns and
// what is wrong with it.
type Problem struct {
	// Path names the key the way a user finds it in the file:
	// "mailboxes[1].security", "business_hours.office.timezone". It is
	// empty for problems with the file as a whole, such as a YAML syntax
	// error.
	Path string
	// Message says what is wrong, e.g. "must be tls, starttls or none".
	Message string
}

// String returns "path: message", or just the message when Path is empty.
func (p Problem) String() string {
	if p.Path == "" {
		return p.Message
	}
	return p.Path + ": " + p.Message
}

// Error is the error Parse and Load return for an invalid configuration. It
// lists every problem found, not only the first.
type Error struct {
	Problems []Problem
}

// Error returns the problems, one "path: message" line each.
func (e *Error) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// problems collects the problems found while decoding and validating.
type problems struct {
	list []Problem
	// decoded holds the paths whose values could not be decoded; checks of
	// those paths, or of anything below them, are not reported again.
	decoded []string
}

// decodeError records a problem with the value at path as written.
func (ps *problems) decodeError(path, format string, args ...any) {
	ps.list = append(ps.list, Problem{Path: path, Message: fmt.Sprintf(format, args...)})
	ps.decoded = append(ps.decoded, path)
}

// add records a problem found by validation, unless decoding already
// reported one for that path or a path above it.
func (ps *problems) add(path, format string, args ...any) {
	for _, d := range ps.decoded {
		if d == "" || path == d || strings.HasPrefix(path, d+".") || strings.HasPrefix(path, d+"[") {
			return
		}
	}
	ps.list = append(ps.list, Problem{Path: path, Message: fmt.Sprintf(format, args...)})
}

// err returns the collected problems as an *Error, or nil when there are none.
func (ps *problems) err() error {
	if len(ps.list) == 0 {
		return nil
	}
	return &Error{Problems: ps.list}
}
