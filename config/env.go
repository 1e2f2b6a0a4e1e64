package config

import (
	"fmt"
	"strings"
)

// expandEnv replaces each ${NAME} in s with the value of the environment
// variable NAME, as looked up by getenv; ${NAME:-DEFAULT} gives DEFAULT when
// NAME is unset or empty, as in the shell and Compose files; "$${" stands for a
// literal "${". Every variable that is not set and has no default is reported,
// by name.
func expandEnv(s string, getenv func(string) (string, bool)) (string, error) {
	if !strings.Contains(s, "${") {
		return s, nil
	}
	var b strings.Builder
	var unset []string
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			b.WriteString(s)
			break
		}
		if i > 0 && s[i-1] == '$' {
			// "$${": the first "$" escapes the rest.
			b.WriteString(s[:i-1])
			b.WriteString("${")
			s = s[i+2:]
			continue
		}
		b.WriteString(s[:i])
		end := strings.IndexByte(s[i+2:], '}')
		if end < 0 {
			return "", fmt.Errorf("unterminated ${ (write $${ for a literal ${)")
		}
		name := s[i+2 : i+2+end]
		name, fallback, hasFallback := strings.Cut(name, ":-")
		if !validEnvName(name) {
			return "", fmt.Errorf("invalid environment variable name %q in ${...}", name)
		}
		v, ok := getenv(name)
		switch {
		case hasFallback && v == "":
			v = fallback
		case !ok:
			unset = append(unset, name)
		}
		b.WriteString(v)
		s = s[i+2+end+1:]
	}
	switch len(unset) {
	case 0:
		return b.String(), nil
	case 1:
		return "", fmt.Errorf("environment variable %s is not set", unset[0])
	default:
		return "", fmt.Errorf("environment variables %s are not set", strings.Join(unset, ", "))
	}
}

// validEnvName reports whether name is a portable environment variable
// name: a letter or "_", then letters, digits or "_".
func validEnvName(name string) bool {
	if name == "" {
		return false
	}
	for i, r := range name {
		switch {
		case r == '_', 'a' <= r && r <= 'z', 'A' <= r && r <= 'Z':
		case '0' <= r && r <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}
