package api

import (
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"frontdesk/web/auth"
)

// openAPIDoc is the part of openapi.json the tests read.
type openAPIDoc struct {
	OpenAPI string                                 `json:"openapi"`
	Paths   map[string]map[string]openAPIOperation `json:"paths"`
}

type openAPIOperation struct {
	Security   *[]map[string][]string `json:"security"`
	Parameters []struct {
		Name string `json:"name"`
		In   string `json:"in"`
	} `json:"parameters"`
	Responses map[string]any `json:"responses"`
}

func loadOpenAPI(t *testing.T) openAPIDoc {
	t.Helper()
	var doc openAPIDoc
	if err := json.Unmarshal(openAPI, &doc); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	if !regexp.MustCompile(`^3\.0\.\d+$`).MatchString(doc.OpenAPI) {
		t.Errorf(`"openapi" = %q, want 3.0.x`, doc.OpenAPI)
	}
	return doc
}

// TestOpenAPIInSync checks that openapi.json documents exactly the routes of
// Routes, each with its method, path parameters and access.
func TestOpenAPIInSync(t *testing.T) {
	doc := loadOpenAPI(t)
	routes := New(Options{}).Routes()

	registered := map[string]auth.Route{}
	for _, rt := range routes {
		registered[rt.Pattern()] = rt
	}
	documented := map[string]openAPIOperation{}
	for path, ops := range doc.Paths {
		for method, op := range ops {
			documented[strings.ToUpper(method)+" "+path] = op
		}
	}
	for pattern, rt := range registered {
		op, ok := documented[pattern]
		if !ok {
			t.Errorf("route %s is not in openapi.json", pattern)
			continue
		}
		var params []string
		for _, p := range op.Parameters {
			if p.In == "path" {
				params = append(params, p.Name)
			}
		}
		var want []string
		for _, m := range regexp.MustCompile(`\{([^}]+)\}`).FindAllStringSubmatch(rt.Path, -1) {
			want = append(want, m[1])
		}
		slices.Sort(params)
		slices.Sort(want)
		if !slices.Equal(params, want) {
			t.Errorf("%s: path parameters %v in openapi.json, want %v", pattern, params, want)
		}
		public := op.Security != nil && len(*op.Security) == 0
		if public != rt.Public {
			t.Errorf("%s: openapi.json says public=%v, the route %v", pattern, public, rt.Public)
		}
		if !rt.Public && op.Responses["401"] == nil {
			t.Errorf("%s: openapi.json lists no 401", pattern)
		}
		if slices.Equal(rt.Roles, []string{auth.RoleManager}) && op.Responses["403"] == nil {
			t.Errorf("%s: managers only, but openapi.json lists no 403", pattern)
		}
	}
	for pattern := range documented {
		if _, ok := registered[pattern]; !ok {
			t.Errorf("openapi.json documents %s, which is not a route", pattern)
		}
	}
}

func TestOpenAPIServed(t *testing.T) {
	e := newAPIEnv(t)
	a := e.do(t, req{method: "GET", target: "/api/v1/openapi.json"})
	a.want(t, http.StatusOK, "")
	if ct := a.header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
		t.Errorf("Content-Type = %q", ct)
	}
	var doc map[string]any
	if err := json.Unmarshal(a.body, &doc); err != nil {
		t.Fatalf("served document: %v", err)
	}
	if doc["openapi"] != loadOpenAPI(t).OpenAPI {
		t.Errorf("served openapi = %v", doc["openapi"])
	}
}

// Every $ref in openapi.json names something the document defines.
func TestOpenAPIRefsResolve(t *testing.T) {
	var doc map[string]any
	if err := json.Unmarshal(openAPI, &doc); err != nil {
		t.Fatal(err)
	}
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if ref, ok := v["$ref"].(string); ok {
				var cur any = doc
				for _, part := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
					m, _ := cur.(map[string]any)
					cur = m[part]
				}
				if cur == nil {
					t.Errorf("$ref %q resolves to nothing", ref)
				}
			}
			for _, x := range v {
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(doc)
}
