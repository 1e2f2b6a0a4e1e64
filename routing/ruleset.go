// Package routing decides where a ticket goes: which queue, what priority
// and tags, whom it is assigned to, what first response time applies,
// whether it is acknowledged and whether it is spam. It does so by running
// an ordered rule set, as managers edit it through the API, over what
// intake learned of the ticket. Routing is pure decisions, no I/O of its
// own: callers load the rule set, Compile it once and call Decide for each
// new ticket.
//
// A rule set is JSON (the API) or YAML (the configuration's rules_file):
//
//	{"version": 7,
//	 "rules": [
//	   {"name": "VIP customers", "enabled": true, "match": "all", "stop": true,
//	    "conditions": [{"field": "from_domain", "op": "in", "value": ["vip.example"]}],
//	    "actions": [{"type": "set_queue", "value": "vip"}]}]}
//
// Rules run in order. A rule matches when all (match "all", the default)
// or any (match "any") of its conditions hold; a rule without conditions
// always matches. A matching rule's actions change the decision; when the
// rule has stop (the default), routing ends there, otherwise later rules
// run too and may override what it set. Disabled rules are skipped.
package routing

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"

	"go.yaml.in/yaml/v3"
)

// RuleSet is an ordered list of routing rules, as GET /api/v1/rules shows
// it and PUT takes it. Its JSON round-trips: marshalling a RuleSet that
// Parse returned gives back the same document (keys in a fixed order).
type RuleSet struct {
	// Version counts the changes of the stored rule set; the store assigns
	// it.
	Version int    `json:"version" yaml:"version,omitempty"`
	Rules   []Rule `json:"rules" yaml:"rules"`
	// VersionGiven says that the parsed document named its version (0 too):
	// the version a change was based on, which a store can hold it to.
	VersionGiven bool `json:"-" yaml:"-"`
}

// Rule is one routing rule.
type Rule struct {
	// Name identifies the rule in decisions, traces and errors; required
	// and unique within the set.
	Name string `json:"name" yaml:"name"`
	// Enabled turns the rule on or off; nil means true.
	Enabled *bool `json:"enabled,omitempty" yaml:"enabled,omitempty"`
	// Match is "all" (the default when empty) or "any": whether every
	// condition or one of them must hold.
	Match string `json:"match,omitempty" yaml:"match,omitempty"`
	// Stop ends routing when the rule matches; nil means true.
	Stop       *bool       `json:"stop,omitempty" yaml:"stop,omitempty"`
	Conditions []Condition `json:"conditions" yaml:"conditions"`
	Actions    []Action    `json:"actions" yaml:"actions"`
}

// IsEnabled reports whether the rule runs (Enabled, defaulting to true).
func (r Rule) IsEnabled() bool { return r.Enabled == nil || *r.Enabled }

// Stops reports whether a match ends routing (Stop, defaulting to true).
func (r Rule) Stops() bool { return r.Stop == nil || *r.Stop }

// Condition tests one field of the ticket.
type Condition struct {
	// Field is what is tested: channel, mailbox, to, cc, from, from_domain,
	// subject, body, has_attachment, attachment_type, caller, called, kind,
	// customer_tag, priority or business_hours.
	Field string `json:"field" yaml:"field"`
	// Op is equals, not_equals, contains, not_contains, starts_with,
	// ends_with, matches, not_matches (RE2), in or not_in.
	Op string `json:"op" yaml:"op"`
	// Value is a string, a bool (has_attachment) or a list of strings (in,
	// not_in). Parse gives lists as []any; []string works as well.
	Value any `json:"value" yaml:"value"`
	// CaseSensitive turns off the case-insensitive comparison of text.
	CaseSensitive bool `json:"case_sensitive,omitempty" yaml:"case_sensitive,omitempty"`
}

// Action changes the decision when its rule matches.
type Action struct {
	// Type is set_queue, set_priority, add_tags, assign, set_sla, auto_ack
	// or spam.
	Type string `json:"type" yaml:"type"`
	// Value is the queue, priority, tags (a list), duration ("4h") or
	// auto_ack's bool; assign and spam take none.
	Value any `json:"value,omitempty" yaml:"value,omitempty"`
	// Assignee is the user an assign action gives the ticket to.
	Assignee string `json:"assignee,omitempty" yaml:"assignee,omitempty"`
	// Team and Strategy (round_robin, the default, or least_open) are what
	// an assign action to a team uses instead.
	Team     string `json:"team,omitempty" yaml:"team,omitempty"`
	Strategy string `json:"strategy,omitempty" yaml:"strategy,omitempty"`
	// Template is auto_ack's text/template for the acknowledgement; empty
	// means the queue's.
	Template string `json:"template,omitempty" yaml:"template,omitempty"`
}

// MarshalJSON writes the rule set with empty lists as [] rather than null,
// so that what Parse reads back is what was written.
func (rs RuleSet) MarshalJSON() ([]byte, error) {
	type plain RuleSet
	out := plain(rs.normalized())
	return json.Marshal(out)
}

// UnmarshalJSON reads a rule set as Parse does: unknown keys and values of
// the wrong JSON type are refused with a *ValidationError.
func (rs *RuleSet) UnmarshalJSON(data []byte) error {
	v, err := decodeJSON(data)
	if err != nil {
		return err
	}
	return rs.fromTree(v)
}

// UnmarshalYAML reads a rule set as Parse does.
func (rs *RuleSet) UnmarshalYAML(n *yaml.Node) error {
	v, err := fromYAML(n, false)
	if err != nil {
		return &ValidationError{Problems: []Problem{{Rule: -1, Message: err.Error()}}}
	}
	return rs.fromTree(v)
}

// Parse reads a rule set from JSON (the API's form, recognised by its
// leading "{") or YAML (rules_file). Unknown keys and values of the wrong
// type for a key are refused with a *ValidationError naming them; whether
// the rules make sense is for Compile to check.
//
// In YAML, numbers and dates given as a condition's or action's value are
// read as the text written, so that `value: +15555550100` is a phone
// number, not an integer.
func Parse(data []byte) (*RuleSet, error) {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		return nil, &ValidationError{Problems: []Problem{{Rule: -1, Message: "empty rule set"}}}
	}
	var v any
	if trimmed[0] == '{' {
		var err error
		if v, err = decodeJSON(trimmed); err != nil {
			return nil, err
		}
	} else {
		var n yaml.Node
		if err := yaml.Unmarshal(trimmed, &n); err != nil {
			return nil, &ValidationError{Problems: []Problem{{Rule: -1, Message: "invalid YAML: " + err.Error()}}}
		}
		var err error
		if v, err = fromYAML(&n, false); err != nil {
			return nil, &ValidationError{Problems: []Problem{{Rule: -1, Message: err.Error()}}}
		}
	}
	rs := new(RuleSet)
	if err := rs.fromTree(v); err != nil {
		return nil, err
	}
	return rs, nil
}

// decodeJSON decodes one JSON value into maps, slices, strings, bools,
// json.Numbers and nils.
func decodeJSON(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, &ValidationError{Problems: []Problem{{Rule: -1, Message: "invalid JSON: " + err.Error()}}}
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, &ValidationError{Problems: []Problem{{Rule: -1, Message: "invalid JSON: data after the rule set"}}}
	}
	return v, nil
}

// fromYAML turns a YAML node into the shapes decodeJSON produces. Within a
// "value" (asText), numbers and timestamps become the text written.
func fromYAML(n *yaml.Node, asText bool) (any, error) {
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, nil
		}
		return fromYAML(n.Content[0], asText)
	case yaml.AliasNode:
		return fromYAML(n.Alias, asText)
	case yaml.SequenceNode:
		out := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			v, err := fromYAML(c, asText)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	case yaml.MappingNode:
		return yamlMapping(n)
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!null":
			return nil, nil
		case "!!bool":
			var b bool
			if err := n.Decode(&b); err != nil {
				return nil, fmt.Errorf("line %d: %w", n.Line, err)
			}
			return b, nil
		case "!!int", "!!float":
			if asText {
				return n.Value, nil
			}
			return json.Number(n.Value), nil
		default:
			return n.Value, nil
		}
	}
	return nil, fmt.Errorf("line %d: unsupported YAML node", n.Line)
}

// yamlMapping converts a mapping, applying "<<" merge keys: keys written
// in the mapping win over merged ones.
func yamlMapping(n *yaml.Node) (map[string]any, error) {
	out := map[string]any{}
	var merged []map[string]any
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			return nil, fmt.Errorf("line %d: a key must be a plain string", k.Line)
		}
		if k.Value == "<<" && k.ShortTag() == "!!merge" {
			srcs := []*yaml.Node{val}
			if val.Kind == yaml.SequenceNode {
				srcs = val.Content
			}
			for _, s := range srcs {
				for s.Kind == yaml.AliasNode {
					s = s.Alias
				}
				if s.Kind != yaml.MappingNode {
					return nil, fmt.Errorf("line %d: << must merge a mapping", val.Line)
				}
				m, err := yamlMapping(s)
				if err != nil {
					return nil, err
				}
				merged = append(merged, m)
			}
			continue
		}
		if _, dup := out[k.Value]; dup {
			return nil, fmt.Errorf("line %d: duplicate key %q", k.Line, k.Value)
		}
		v, err := fromYAML(val, k.Value == "value")
		if err != nil {
			return nil, err
		}
		out[k.Value] = v
	}
	for _, m := range merged {
		for k, v := range m {
			if _, ok := out[k]; !ok {
				out[k] = v
			}
		}
	}
	return out, nil
}

// tree reads a decoded document into a RuleSet, reporting keys that are
// unknown and values of the wrong type.
type tree struct {
	ps   problems
	rule int
	name string
}

func (t *tree) bad(path, format string, args ...any) {
	t.ps.add(t.rule, t.name, path, format, args...)
}

// object returns v as an object, refusing keys not in known.
func (t *tree) object(path string, v any, known ...string) (map[string]any, bool) {
	m, ok := v.(map[string]any)
	if !ok {
		t.bad(path, "must be an object")
		return nil, false
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if !slices.Contains(known, k) {
			t.bad(join(path, k), "unknown key")
		}
	}
	return m, true
}

func (t *tree) str(path string, m map[string]any, key string) string {
	v, ok := m[key]
	if !ok || v == nil {
		return ""
	}
	s, ok := v.(string)
	if !ok {
		t.bad(join(path, key), "must be a string")
	}
	return s
}

func (t *tree) boolean(path string, m map[string]any, key string) (bool, bool) {
	v, ok := m[key]
	if !ok || v == nil {
		return false, false
	}
	b, ok := v.(bool)
	if !ok {
		t.bad(join(path, key), "must be true or false")
	}
	return b, ok
}

func (t *tree) list(path string, m map[string]any, key string) []any {
	v, ok := m[key]
	if !ok || v == nil {
		return nil
	}
	l, ok := v.([]any)
	if !ok {
		t.bad(join(path, key), "must be a list")
	}
	return l
}

// fromTree fills rs from a decoded document.
func (rs *RuleSet) fromTree(v any) error {
	t := &tree{rule: -1}
	out := RuleSet{Rules: []Rule{}}
	if m, ok := t.object("", v, "version", "rules"); ok {
		if ver, ok := m["version"]; ok && ver != nil {
			n, isNum := ver.(json.Number)
			i, err := strconv.Atoi(string(n))
			if !isNum || err != nil || i < 0 {
				t.bad("version", "must be a whole number, 0 or more")
			}
			out.Version, out.VersionGiven = i, true
		}
		for i, rv := range t.list("", m, "rules") {
			out.Rules = append(out.Rules, t.rule1(i, rv))
		}
	}
	if err := t.ps.err(); err != nil {
		return err
	}
	*rs = out
	return nil
}

// rule1 reads rule i.
func (t *tree) rule1(i int, v any) Rule {
	t.rule, t.name = i, ""
	defer func() { t.rule, t.name = -1, "" }()
	if m, ok := v.(map[string]any); ok {
		t.name, _ = m["name"].(string)
	}
	r := Rule{Conditions: []Condition{}, Actions: []Action{}}
	m, ok := t.object("", v, "name", "enabled", "match", "stop", "conditions", "actions")
	if !ok {
		return r
	}
	r.Name = t.str("", m, "name")
	r.Match = t.str("", m, "match")
	if b, ok := t.boolean("", m, "enabled"); ok {
		r.Enabled = &b
	}
	if b, ok := t.boolean("", m, "stop"); ok {
		r.Stop = &b
	}
	for j, cv := range t.list("", m, "conditions") {
		p := index("conditions", j)
		var c Condition
		if cm, ok := t.object(p, cv, "field", "op", "value", "case_sensitive"); ok {
			c.Field = t.str(p, cm, "field")
			c.Op = t.str(p, cm, "op")
			c.Value = cm["value"]
			c.CaseSensitive, _ = t.boolean(p, cm, "case_sensitive")
		}
		r.Conditions = append(r.Conditions, c)
	}
	for j, av := range t.list("", m, "actions") {
		p := index("actions", j)
		var a Action
		if am, ok := t.object(p, av, "type", "value", "assignee", "team", "strategy", "template"); ok {
			a.Type = t.str(p, am, "type")
			a.Value = am["value"]
			a.Assignee = t.str(p, am, "assignee")
			a.Team = t.str(p, am, "team")
			a.Strategy = t.str(p, am, "strategy")
			a.Template = t.str(p, am, "template")
		}
		r.Actions = append(r.Actions, a)
	}
	return r
}

// normalized returns a deep copy of rs with nil lists made empty.
func (rs RuleSet) normalized() RuleSet {
	out := RuleSet{Version: rs.Version, VersionGiven: rs.VersionGiven, Rules: make([]Rule, len(rs.Rules))}
	for i, r := range rs.Rules {
		c := r
		if r.Enabled != nil {
			c.Enabled = new(*r.Enabled)
		}
		if r.Stop != nil {
			c.Stop = new(*r.Stop)
		}
		c.Conditions = make([]Condition, len(r.Conditions))
		for j, cond := range r.Conditions {
			cond.Value = cloneValue(cond.Value)
			c.Conditions[j] = cond
		}
		c.Actions = make([]Action, len(r.Actions))
		for j, a := range r.Actions {
			a.Value = cloneValue(a.Value)
			c.Actions[j] = a
		}
		out.Rules[i] = c
	}
	return out
}

// cloneValue deep-copies a condition's or action's value.
func cloneValue(v any) any {
	switch v := v.(type) {
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = cloneValue(e)
		}
		return out
	case []string:
		return slices.Clone(v)
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[k] = cloneValue(e)
		}
		return out
	default:
		return v
	}
}

// join appends key to a dotted path.
func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// index returns "path[i]".
func index(path string, i int) string {
	return path + "[" + strconv.Itoa(i) + "]"
}
