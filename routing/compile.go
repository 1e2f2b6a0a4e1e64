package routing

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"text/template"
	"time"

	"frontdesk/config"
)

// Known names the things rules may refer to; validation refuses anything
// else.
type Known struct {
	Queues []string
	Teams  []string
	// Calendars are the business hours calendars, by name, that
	// business_hours conditions test.
	Calendars map[string]config.Calendar
}

// KnownFrom returns the queues, teams and calendars of a configuration.
func KnownFrom(cfg *config.Config) Known {
	k := Known{Calendars: cfg.BusinessHours}
	for _, q := range cfg.Queues {
		k.Queues = append(k.Queues, q.Name)
	}
	for _, t := range cfg.Teams {
		k.Teams = append(k.Teams, t.Name)
	}
	return k
}

// Compiled is a validated rule set, ready to Decide. It is safe for
// concurrent use.
type Compiled struct {
	set       RuleSet
	rules     []crule
	calendars []openHours
	nconds    int
}

// crule is a compiled rule.
type crule struct {
	name    string
	enabled bool
	any     bool
	stop    bool
	conds   []ccond
	actions []caction
}

// ccond is a compiled condition. The fields Decide reads for every
// condition come first.
type ccond struct {
	field field
	kind  fieldKind
	op    op
	neg   bool
	cs    bool            // case-sensitive
	fold  bool            // lit is compared ignoring ASCII case
	b     bool            // has_attachment
	want  string          // equals, contains, starts_with, ends_with
	lit   string          // a literal every match of re contains
	set   []string        // in, not_in (small lists)
	big   map[string]bool // in, not_in (long lists)
	re    *regexp.Regexp  // matches, not_matches
	cal   int             // business_hours: index into Compiled.calendars
	// opName and value are what the trace shows; opName is the operator's
	// name as the ops table holds it.
	opName string
	value  any
}

// actionType is what an action does.
type actionType uint8

const (
	aSetQueue actionType = iota
	aSetPriority
	aAddTags
	aAssign
	aSetSLA
	aAutoAck
	aSpam
)

// actionTypes maps action names to their types and the keys besides
// "type" each one takes.
var actionTypes = map[string]struct {
	t    actionType
	keys []string
}{
	"set_queue":    {aSetQueue, []string{"value"}},
	"set_priority": {aSetPriority, []string{"value"}},
	"add_tags":     {aAddTags, []string{"value"}},
	"assign":       {aAssign, []string{"assignee", "team", "strategy"}},
	"set_sla":      {aSetSLA, []string{"value"}},
	"auto_ack":     {aAutoAck, []string{"value", "template"}},
	"spam":         {aSpam, nil},
}

// caction is a compiled action.
type caction struct {
	t      actionType
	str    string // queue, priority, template
	tags   []string
	assign Assignment
	sla    time.Duration
	ack    bool
}

// priorities are the priorities set_priority takes.
var priorities = []string{"low", "normal", "high", "urgent"}

// strategies are the ways an assign action picks a team member.
var strategies = []string{"round_robin", "least_open"}

// longList is the length from which in and not_in look values up in a map.
const longList = 8

// Compile validates the whole rule set and compiles it for Decide. An
// invalid set is refused whole: the error is a *ValidationError listing
// every problem, each naming the rule and the key, e.g.
//
//	rules[2] "Invoices": conditions[1].op: unknown operator "like"
//
// Compile keeps its own copy of rs.
func Compile(rs *RuleSet, known Known) (*Compiled, error) {
	if rs == nil {
		return nil, &ValidationError{Problems: []Problem{{Rule: -1, Message: "no rule set"}}}
	}
	c := &Compiled{set: rs.normalized(), rules: make([]crule, 0, len(rs.Rules))}
	v := &validator{known: known, calIndex: map[string]int{}, c: c}
	if rs.Version < 0 {
		v.ps.add(-1, "", "version", "must not be negative")
	}
	names := map[string]int{}
	total := 0
	for _, r := range c.set.Rules {
		total += len(r.Conditions)
	}
	// All conditions sit in one array, in order, for Decide to walk.
	all := make([]ccond, 0, total)
	for i, r := range c.set.Rules {
		v.rule, v.name = i, r.Name
		cr := crule{name: r.Name, enabled: r.IsEnabled(), stop: r.Stops()}
		switch {
		case strings.TrimSpace(r.Name) == "":
			v.bad("name", "required")
		default:
			if prev, dup := names[r.Name]; dup {
				v.bad("name", "also the name of rules[%d]", prev)
			} else {
				names[r.Name] = i
			}
		}
		switch r.Match {
		case "", "all":
		case "any":
			cr.any = true
		default:
			v.bad("match", "must be all or any, not %q", r.Match)
		}
		first := len(all)
		for j, cond := range r.Conditions {
			all = append(all, v.condition(index("conditions", j), cond))
		}
		cr.conds = all[first:len(all):len(all)]
		for j, a := range r.Actions {
			cr.actions = append(cr.actions, v.action(index("actions", j), a))
		}
		c.nconds += len(cr.conds)
		c.rules = append(c.rules, cr)
	}
	if err := v.ps.err(); err != nil {
		return nil, err
	}
	return c, nil
}

// Version returns the rule set's version.
func (c *Compiled) Version() int { return c.set.Version }

// SetVersion sets the version Version and Rules report, for a set whose
// version the store assigned after it was parsed. Call it before sharing c:
// it is not safe to call concurrently with other methods.
func (c *Compiled) SetVersion(n int) { c.set.Version = n }

// Rules returns a copy of the rule set as compiled.
func (c *Compiled) Rules() *RuleSet {
	rs := c.set.normalized()
	return &rs
}

// validator checks and compiles the parts of rules, collecting problems.
type validator struct {
	ps       problems
	rule     int
	name     string
	known    Known
	calIndex map[string]int
	c        *Compiled
	folder   folder
}

func (v *validator) bad(path, format string, args ...any) {
	v.ps.add(v.rule, v.name, path, format, args...)
}

// condition validates and compiles one condition at path.
func (v *validator) condition(p string, cond Condition) ccond {
	cc := ccond{value: cond.Value, cs: cond.CaseSensitive}
	f, fok := fieldByName(cond.Field)
	switch {
	case cond.Field == "":
		v.bad(p+".field", "required")
	case !fok:
		v.bad(p+".field", "unknown field %q", cond.Field)
	}
	o, ook := opByName(cond.Op)
	switch {
	case cond.Op == "":
		v.bad(p+".op", "required")
	case !ook:
		v.bad(p+".op", "unknown operator %q", cond.Op)
	}
	if !fok || !ook {
		return cc
	}
	info := fields[f]
	cc.field, cc.kind, cc.op, cc.neg, cc.opName = f, info.kind, o.op, o.neg, o.name
	if !info.kind.applies(o.op) {
		v.bad(p+".op", "%s does not apply to %s: use %s", cond.Op, info.name, info.kind.opsFor())
		return cc
	}
	if cond.CaseSensitive && info.kind != kindText && info.kind != kindList {
		v.bad(p+".case_sensitive", "only for text fields, not %s", info.name)
	}
	vp := p + ".value"
	switch info.kind {
	case kindBool:
		b, ok := cond.Value.(bool)
		if !ok {
			v.bad(vp, "must be true or false")
		}
		cc.b = b
		return cc
	case kindCalendar:
		name, ok := cond.Value.(string)
		if !ok || name == "" {
			v.bad(vp, "must be the name of a business_hours calendar")
			return cc
		}
		cal, ok := v.known.Calendars[name]
		if !ok {
			v.bad(vp, "unknown calendar %q%s", name, knownList(mapKeys(v.known.Calendars)))
			return cc
		}
		i, seen := v.calIndex[name]
		if !seen {
			i = len(v.c.calendars)
			v.calIndex[name] = i
			v.c.calendars = append(v.c.calendars, newOpenHours(cal))
		}
		cc.cal = i
		return cc
	}
	norm := func(s string) string {
		s = nfc(s)
		if info.phone {
			s = phoneDigits(s)
		}
		if f == fAttachmentType {
			s = strings.TrimSpace(s)
		}
		if cond.CaseSensitive {
			return s
		}
		return v.folder.fold(s)
	}
	if o.op == opIn {
		list, ok := stringList(cond.Value)
		switch {
		case !ok:
			v.bad(vp, "must be a list of strings for %s", cond.Op)
			return cc
		case len(list) == 0:
			v.bad(vp, "must not be empty")
			return cc
		}
		for k, s := range list {
			if info.kind == kindEnum && !slices.Contains(info.enum, strings.ToLower(s)) {
				v.bad(index(vp, k), "unknown %s %q: want %s", info.name, s, strings.Join(info.enum, ", "))
			}
			s = norm(s)
			if !slices.Contains(cc.set, s) {
				cc.set = append(cc.set, s)
			}
		}
		if len(cc.set) >= longList {
			cc.big = make(map[string]bool, len(cc.set))
			for _, s := range cc.set {
				cc.big[s] = true
			}
		}
		return cc
	}
	s, ok := cond.Value.(string)
	if !ok {
		msg := "must be a string"
		if _, isList := stringList(cond.Value); isList {
			msg += "; use in or not_in for a list"
		}
		v.bad(vp, "%s", msg)
		return cc
	}
	if info.kind == kindEnum && !slices.Contains(info.enum, strings.ToLower(s)) {
		v.bad(vp, "unknown %s %q: want %s", info.name, s, strings.Join(info.enum, ", "))
		return cc
	}
	if s == "" && o.op != opEquals {
		v.bad(vp, "must not be empty for %s", cond.Op)
		return cc
	}
	if o.op == opMatches {
		// Checked as the manager wrote it, so that the error quotes their
		// pattern and not the (?i) that case-insensitivity adds.
		if _, err := regexp.Compile(s); err != nil {
			v.bad(vp, "invalid regular expression: %s", strings.TrimPrefix(err.Error(), "error parsing regexp: "))
			return cc
		}
		pattern := s
		if !cond.CaseSensitive {
			pattern = "(?i)" + s
		}
		re, err := regexp.Compile(pattern)
		if err != nil {
			v.bad(vp, "invalid regular expression: %s", strings.TrimPrefix(err.Error(), "error parsing regexp: "))
			return cc
		}
		cc.re = re
		cc.lit, cc.fold = requiredLiteral(pattern)
		return cc
	}
	cc.want = norm(s)
	return cc
}

// action validates and compiles one action at path.
func (v *validator) action(p string, a Action) caction {
	spec, ok := actionTypes[a.Type]
	switch {
	case a.Type == "":
		v.bad(p+".type", "required")
		return caction{}
	case !ok:
		v.bad(p+".type", "unknown action %q", a.Type)
		return caction{}
	}
	ca := caction{t: spec.t}
	for _, kv := range []struct {
		key string
		set bool
	}{
		{"value", a.Value != nil}, {"assignee", a.Assignee != ""}, {"team", a.Team != ""},
		{"strategy", a.Strategy != ""}, {"template", a.Template != ""},
	} {
		if kv.set && !slices.Contains(spec.keys, kv.key) {
			v.bad(p+"."+kv.key, "not used by %s", a.Type)
		}
	}
	vp := p + ".value"
	switch spec.t {
	case aSetQueue:
		q, ok := a.Value.(string)
		switch {
		case !ok || q == "":
			v.bad(vp, "must be the name of a queue")
		case !slices.Contains(v.known.Queues, q):
			v.bad(vp, "unknown queue %q%s", q, knownList(v.known.Queues))
		}
		ca.str = q
	case aSetPriority:
		pr, ok := a.Value.(string)
		if !ok || !slices.Contains(priorities, pr) {
			v.bad(vp, "must be %s", strings.Join(priorities, ", "))
		}
		ca.str = pr
	case aAddTags:
		list, ok := stringList(a.Value)
		if !ok || len(list) == 0 {
			v.bad(vp, "must be a list of tags")
			break
		}
		for k, t := range list {
			t = strings.ToLower(strings.TrimSpace(t))
			if t == "" {
				v.bad(index(vp, k), "must not be empty")
				continue
			}
			if !slices.Contains(ca.tags, t) {
				ca.tags = append(ca.tags, t)
			}
		}
	case aAssign:
		v.assign(p, a, &ca)
	case aSetSLA:
		s, ok := a.Value.(string)
		d, err := time.ParseDuration(s)
		switch {
		case !ok:
			v.bad(vp, `must be a duration such as "4h" or "30m"`)
		case err != nil:
			v.bad(vp, `invalid duration %q: want e.g. "4h" or "30m"`, s)
		case d <= 0:
			v.bad(vp, "must be more than zero")
		}
		ca.sla = d
	case aAutoAck:
		b, ok := a.Value.(bool)
		if !ok {
			v.bad(vp, "must be true or false")
		}
		ca.ack = b
		if a.Template != "" {
			if _, err := template.New("ack").Parse(a.Template); err != nil {
				v.bad(p+".template", "invalid template: %s", strings.TrimPrefix(err.Error(), "template: ack:"))
			}
		}
		ca.str = a.Template
	}
	return ca
}

// assign validates an assign action.
func (v *validator) assign(p string, a Action, ca *caction) {
	switch {
	case a.Assignee != "" && a.Team != "":
		v.bad(p, "assign takes an assignee or a team, not both")
	case strings.TrimSpace(a.Assignee) != "":
		if a.Strategy != "" {
			v.bad(p+".strategy", "only with a team")
		}
		ca.assign = Assignment{Assignee: strings.TrimSpace(a.Assignee)}
	case a.Team != "":
		if !slices.Contains(v.known.Teams, a.Team) {
			v.bad(p+".team", "unknown team %q%s", a.Team, knownList(v.known.Teams))
		}
		strategy := a.Strategy
		if strategy == "" {
			strategy = strategies[0]
		}
		if !slices.Contains(strategies, strategy) {
			v.bad(p+".strategy", "must be %s", strings.Join(strategies, " or "))
		}
		ca.assign = Assignment{Team: a.Team, Strategy: strategy}
	default:
		v.bad(p, "assign needs an assignee or a team")
	}
}

// stringList returns v as a list of strings, whether []string or []any
// holding only strings.
func stringList(v any) ([]string, bool) {
	switch v := v.(type) {
	case []string:
		return v, true
	case []any:
		out := make([]string, len(v))
		for i, e := range v {
			s, ok := e.(string)
			if !ok {
				return nil, false
			}
			out[i] = s
		}
		return out, true
	}
	return nil, false
}

// knownList returns " (known: a, b)" for messages about unknown names, or
// " (none configured)".
func knownList(names []string) string {
	if len(names) == 0 {
		return " (none configured)"
	}
	return fmt.Sprintf(" (known: %s)", strings.Join(names, ", "))
}

// mapKeys returns a map's keys, sorted.
func mapKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
