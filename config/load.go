package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"

	"go.yaml.in/yaml/v3"
)

// DefaultPath is the configuration file used when neither a flag nor
// $FRONTDESK_CONFIG names one.
const DefaultPath = "./frontdesk.yaml"

// Resolve returns the configuration file to use: flagPath when set, else
// $FRONTDESK_CONFIG when set, else DefaultPath.
func Resolve(flagPath string) string {
	if flagPath != "" {
		return flagPath
	}
	if p := os.Getenv("FRONTDESK_CONFIG"); p != "" {
		return p
	}
	return DefaultPath
}

// Load reads the configuration file at path and parses it with Parse, taking
// ${NAME} values from the process environment. A relative rules_file is made
// relative to the file's directory. An invalid configuration yields an
// *Error; an unreadable file yields the read error.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	c, err := Parse(data, nil)
	if err != nil {
		return nil, err
	}
	for _, p := range []*string{&c.RulesFile, &c.SMTP.DKIM.KeyFile, &c.LMTP.TLSCert, &c.LMTP.TLSKey} {
		if *p != "" && !filepath.IsAbs(*p) {
			*p = filepath.Join(filepath.Dir(path), *p)
		}
	}
	return c, nil
}

// Parse decodes a YAML configuration, fills in defaults and validates the
// result. getenv looks up the variables named by ${NAME} in values; nil
// means os.LookupEnv. An empty document yields the defaults. When the
// configuration is invalid, the error is an *Error listing every problem.
func Parse(data []byte, getenv func(string) (string, bool)) (*Config, error) {
	if getenv == nil {
		getenv = os.LookupEnv
	}
	ps := &problems{}
	c := &Config{}
	root, err := parseYAML(data)
	if err != nil {
		ps.decodeError("", "%s", err.Error())
		return nil, ps.err()
	}
	d := newDecoder(getenv, ps)
	if root != nil {
		d.decode("", root, reflect.ValueOf(c).Elem())
	}
	applyDefaults(c, d.set)
	validate(c, ps)
	if err := ps.err(); err != nil {
		return nil, err
	}
	return c, nil
}

// parseYAML returns the root node of the single document in data, or nil
// when there is none.
func parseYAML(data []byte) (*yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil
		}
		return nil, err
	}
	var next yaml.Node
	switch err := dec.Decode(&next); {
	case errors.Is(err, io.EOF):
	case err != nil:
		return nil, err
	default:
		return nil, errors.New("the file holds more than one YAML document")
	}
	if doc.Kind == yaml.DocumentNode {
		if len(doc.Content) == 0 {
			return nil, nil
		}
		return doc.Content[0], nil
	}
	return &doc, nil
}
