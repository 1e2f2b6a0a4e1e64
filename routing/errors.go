package routing

import (
	"fmt"
	"strings"
)

// Problem is one thing wrong with a rule set: the rule it concerns, the
// key within the rule and what is wrong.
type Problem struct {
	// Rule is the rule's index in the set, or -1 for a problem with the set
	// as a whole (its version, an unknown top-level key, a syntax error).
	Rule int `json:"rule"`
	// Name is the rule's name as written, possibly empty.
	Name string `json:"name,omitempty"`
	// Path names the key within the rule, e.g. "conditions[1].op"; for a
	// set-level problem, the key within the set, possibly empty.
	Path string `json:"path,omitempty"`
	// Message says what is wrong, e.g. `unknown operator "like"`.
	Message string `json:"message"`
}

// String returns the problem as one line:
//
//	rules[2] "Invoices": conditions[1].op: unknown operator "like"
func (p Problem) String() string {
	var b strings.Builder
	if p.Rule >= 0 {
		fmt.Fprintf(&b, "rules[%d]", p.Rule)
		if p.Name != "" {
			fmt.Fprintf(&b, " %q", p.Name)
		}
		b.WriteString(": ")
	}
	if p.Path != "" {
		b.WriteString(p.Path)
		b.WriteString(": ")
	}
	b.WriteString(p.Message)
	return b.String()
}

// ValidationError is the error Parse and Compile return for a rule set that
// is refused. It lists every problem found, not only the first.
type ValidationError struct {
	Problems []Problem
}

// Error returns the problems, one line each.
func (e *ValidationError) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// problems collects the problems found while decoding or validating.
type problems struct {
	list []Problem
}

// add records a problem with rule i (-1 for the set) at path.
func (ps *problems) add(i int, name, path, format string, args ...any) {
	ps.list = append(ps.list, Problem{Rule: i, Name: name, Path: path, Message: fmt.Sprintf(format, args...)})
}

// err returns the problems as a *ValidationError, or nil when there are none.
func (ps *problems) err() error {
	if len(ps.list) == 0 {
		return nil
	}
	return &ValidationError{Problems: ps.list}
}
