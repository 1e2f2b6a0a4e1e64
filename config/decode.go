package config

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// decoder walks a YAML node tree into a Go value by reflection, the way
// yaml.Node.Decode would, but reporting every problem with the key path it
// concerns and refusing unknown keys. It supports structs (fields named by
// their yaml tag), slices, map[string]T, string, bool, int, time.Duration
// and ByteSize.
type decoder struct {
	getenv   func(string) (string, bool)
	problems *problems
	// set records the paths given a non-null value, so that defaults can
	// tell "absent" from an explicit zero such as "idle: false".
	set map[string]bool
	// expanding holds the anchored nodes whose aliases are being decoded,
	// to catch an alias inside the node it refers to.
	expanding map[*yaml.Node]bool
	// budget is the number of nodes left to decode. Aliases can make a
	// small file expand to a huge value ("billion laughs"); a real
	// configuration stays far below the limit.
	budget int
}

// maxNodes limits the nodes decoded, aliases expanded.
const maxNodes = 100_000

func newDecoder(getenv func(string) (string, bool), ps *problems) *decoder {
	return &decoder{
		getenv:    getenv,
		problems:  ps,
		set:       map[string]bool{},
		expanding: map[*yaml.Node]bool{},
		budget:    maxNodes,
	}
}

// enter accounts for decoding one more node; it reports false, once with a
// problem, when the budget is spent.
func (d *decoder) enter() bool {
	d.budget--
	if d.budget == -1 {
		d.problems.decodeError("", "the configuration is too large once its aliases are expanded")
	}
	return d.budget >= 0
}

// alias calls f with the node alias node n refers to, unless that happens
// inside the node itself.
func (d *decoder) alias(path string, n *yaml.Node, f func(*yaml.Node)) {
	if n.Alias == nil || d.expanding[n.Alias] {
		d.problems.decodeError(path, "alias *%s refers to the value it is in", n.Value)
		return
	}
	d.expanding[n.Alias] = true
	defer delete(d.expanding, n.Alias)
	f(n.Alias)
}

var (
	durationType = reflect.TypeFor[time.Duration]()
	byteSizeType = reflect.TypeFor[ByteSize]()
	periodType   = reflect.TypeFor[Period]()
)

// decode stores the value of n, found at path, in v. A null node leaves v
// as it is.
func (d *decoder) decode(path string, n *yaml.Node, v reflect.Value) {
	if n == nil || !d.enter() {
		return
	}
	if n.Kind == yaml.AliasNode {
		d.alias(path, n, func(target *yaml.Node) { d.decode(path, target, v) })
		return
	}
	if isNull(n) {
		return
	}
	d.set[path] = true
	switch t := v.Type(); {
	case t == durationType:
		d.scalar(path, n, "a duration", func(s string) bool {
			dur, err := time.ParseDuration(s)
			if err != nil {
				d.problems.decodeError(path, "invalid duration %q", s)
				return false
			}
			v.SetInt(int64(dur))
			return true
		})
	case t == byteSizeType:
		d.scalar(path, n, "a size", func(s string) bool {
			size, err := ParseByteSize(s)
			if err != nil {
				d.problems.decodeError(path, "%s", err.Error())
				return false
			}
			v.SetInt(int64(size))
			return true
		})
	case t == periodType:
		d.scalar(path, n, "a period", func(s string) bool {
			p, err := ParsePeriod(s)
			if err != nil {
				d.problems.decodeError(path, "%s", err.Error())
				return false
			}
			v.SetInt(int64(p))
			return true
		})
	default:
		switch t.Kind() {
		case reflect.Struct:
			d.structure(path, n, v)
		case reflect.Slice:
			d.list(path, n, v)
		case reflect.Map:
			d.mapping(path, n, v)
		case reflect.String:
			d.scalar(path, n, "a string", func(s string) bool {
				v.SetString(s)
				return true
			})
		case reflect.Bool:
			d.scalar(path, n, "true or false", func(s string) bool {
				switch s {
				case "true", "True", "TRUE":
					v.SetBool(true)
				case "false", "False", "FALSE":
					v.SetBool(false)
				default:
					d.problems.decodeError(path, "must be true or false")
					return false
				}
				return true
			})
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
			d.scalar(path, n, "an integer", func(s string) bool {
				i, err := strconv.ParseInt(strings.TrimPrefix(s, "+"), 10, 64)
				if err != nil || v.OverflowInt(i) {
					d.problems.decodeError(path, "invalid integer %q", s)
					return false
				}
				v.SetInt(i)
				return true
			})
		default:
			// Only reached when a type in this package gets a field of a
			// kind the decoder does not know: a programming error.
			panic(fmt.Sprintf("config: cannot decode into %s at %s", t, path))
		}
	}
}

// scalar hands the value of scalar node n, with ${NAME} expanded, to set.
// want describes the expected value for the problem reported when n is a
// list or a mapping.
func (d *decoder) scalar(path string, n *yaml.Node, want string, set func(string) bool) {
	if n.Kind != yaml.ScalarNode {
		d.problems.decodeError(path, "must be %s, not %s", want, kindName(n))
		return
	}
	s, err := expandEnv(n.Value, d.getenv)
	if err != nil {
		d.problems.decodeError(path, "%s", err.Error())
		delete(d.set, path)
		return
	}
	if !set(s) {
		delete(d.set, path)
	}
}

// structure decodes mapping node n into struct v, field by yaml tag.
func (d *decoder) structure(path string, n *yaml.Node, v reflect.Value) {
	if n.Kind != yaml.MappingNode {
		if path == "" {
			d.problems.decodeError(path, "the configuration must be a mapping of keys to values, not %s", kindName(n))
		} else {
			d.problems.decodeError(path, "must be a mapping, not %s", kindName(n))
		}
		return
	}
	fields := yamlFields(v.Type())
	d.pairs(path, n, func(key string, kn, vn *yaml.Node) {
		i, ok := fields[key]
		if !ok && path == "" && strings.HasPrefix(key, "x-") {
			// Top-level "x-" keys are extension fields, as in Compose
			// files: a place for YAML anchors that other keys merge in.
			return
		}
		if !ok {
			d.problems.decodeError(join(path, key), "unknown key")
			return
		}
		d.decode(join(path, key), vn, v.Field(i))
	})
}

// mapping decodes mapping node n into map v, whose keys are strings.
func (d *decoder) mapping(path string, n *yaml.Node, v reflect.Value) {
	if n.Kind != yaml.MappingNode {
		d.problems.decodeError(path, "must be a mapping, not %s", kindName(n))
		return
	}
	if v.IsNil() {
		v.Set(reflect.MakeMap(v.Type()))
	}
	d.pairs(path, n, func(key string, kn, vn *yaml.Node) {
		k := reflect.ValueOf(key).Convert(v.Type().Key())
		elem := reflect.New(v.Type().Elem()).Elem()
		if old := v.MapIndex(k); old.IsValid() {
			elem.Set(old)
		}
		d.decode(join(path, key), vn, elem)
		v.SetMapIndex(k, elem)
	})
}

// list decodes sequence node n into slice v, replacing what v held.
func (d *decoder) list(path string, n *yaml.Node, v reflect.Value) {
	if n.Kind != yaml.SequenceNode {
		d.problems.decodeError(path, "must be a list, not %s", kindName(n))
		return
	}
	s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
	for i, en := range n.Content {
		d.decode(fmt.Sprintf("%s[%d]", path, i), en, s.Index(i))
	}
	v.Set(s)
}

// pairs calls f for each key and value of mapping node n. Keys merged in
// with "<<" come first, so that the mapping's own keys override them. A key
// that is not a string, or is given twice, is reported.
func (d *decoder) pairs(path string, n *yaml.Node, f func(key string, kn, vn *yaml.Node)) {
	seen := map[string]bool{}
	var own [][2]*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		kn, vn := n.Content[i], n.Content[i+1]
		if kn.Kind == yaml.ScalarNode && kn.ShortTag() == "!!merge" {
			d.merge(path, vn, f)
			continue
		}
		if kn.Kind != yaml.ScalarNode {
			d.problems.decodeError(path, "keys must be plain names, not %s", kindName(kn))
			continue
		}
		if seen[kn.Value] {
			d.problems.decodeError(join(path, kn.Value), "key is given more than once")
			continue
		}
		seen[kn.Value] = true
		own = append(own, [2]*yaml.Node{kn, vn})
	}
	for _, p := range own {
		f(p[0].Value, p[0], p[1])
	}
}

// merge applies a "<<" merge key's value: a mapping, or a list of them.
func (d *decoder) merge(path string, vn *yaml.Node, f func(key string, kn, vn *yaml.Node)) {
	if vn == nil || !d.enter() {
		return
	}
	switch {
	case vn.Kind == yaml.AliasNode:
		d.alias(path, vn, func(target *yaml.Node) { d.merge(path, target, f) })
	case isNull(vn):
	case vn.Kind == yaml.MappingNode:
		d.pairs(path, vn, f)
	case vn.Kind == yaml.SequenceNode:
		// Earlier mappings in the list take precedence (YAML merge key
		// spec), so apply them last.
		for i := len(vn.Content) - 1; i >= 0; i-- {
			d.merge(path, vn.Content[i], f)
		}
	default:
		d.problems.decodeError(join(path, "<<"), "must be a mapping or a list of mappings")
	}
}

// yamlFields maps the yaml tag names of struct type t to field indexes.
func yamlFields(t reflect.Type) map[string]int {
	m := make(map[string]int, t.NumField())
	for i := range t.NumField() {
		sf := t.Field(i)
		name, _, _ := strings.Cut(sf.Tag.Get("yaml"), ",")
		if !sf.IsExported() || name == "" || name == "-" {
			continue
		}
		m[name] = i
	}
	return m
}

// isNull reports whether n is a YAML null ("~", "null" or nothing at all).
func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

// kindName names the kind of node n for problem messages.
func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	default:
		return fmt.Sprintf("%q", n.Value)
	}
}

// join appends key to path with a dot.
func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}
