package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/alicebob/miniredis/v2"
)

func TestRulesTestCommand(t *testing.T) {
	mr := miniredis.RunT(t)
	dir := t.TempDir()
	rules := filepath.Join(dir, "rules.yaml")
	if err := os.WriteFile(rules, demoRules, 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := writeConfig(t, "redis: {url: 'redis://"+mr.Addr()+"/0'}\nqueues: [{name: support}, {name: billing}, {name: callback}]\n"+
		"business_hours: {office: {}}\nrules_file: "+rules+"\n")
	eml := filepath.Join(dir, "invoice.eml")
	if err := os.WriteFile(eml, []byte("From: Bob <bob@bigcorp.example>\r\nSubject: Invoice INV-204518\r\n\r\ncharged twice\r\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCmd(t, context.Background(), "rules", "test", "-config", cfg, eml)
	if code != exitOK {
		t.Fatalf("rules test: %d %s", code, errOut)
	}
	var res struct {
		MatchedRule string `json:"matched_rule"`
		Decision    struct {
			Queue, Priority string
			Tags            []string
		}
		Trace []json.RawMessage
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, out)
	}
	if res.MatchedRule != "VIP customers" || res.Decision.Queue != "billing" || res.Decision.Priority != "high" || len(res.Trace) == 0 {
		t.Fatalf("result = %+v", res)
	}
	if !strings.Contains(errOut, "rules_file") {
		t.Errorf("stderr does not say where the rules came from: %q", errOut)
	}
	if code, _, _ := runCmd(t, context.Background(), "rules", "test", "-config", cfg); code != exitUsage {
		t.Errorf("no FILE: exit %d, want 2", code)
	}
}
