package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const inspectSample = "From: Ann Lee <ann@example.org>\r\n" +
	"To: support@example.com\r\n" +
	"Subject: Order 553 arrived broken\r\n" +
	"Message-ID: <abc@example.org>\r\n" +
	"Date: Fri, 27 Nov 2026 09:15:02 +0000\r\n" +
	"\r\n" +
	"The vase is in pieces.\r\n"

func TestInspect(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "m.eml")
	if err := os.WriteFile(file, []byte(inspectSample), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		args  []string
		stdin string
	}{
		{"file", []string{file}, ""},
		{"stdin", []string{"-"}, inspectSample},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := runInspect(tc.args, strings.NewReader(tc.stdin), &stdout, &stderr)
			if code != exitOK {
				t.Fatalf("exit %d, stderr %q", code, stderr.String())
			}
			if stderr.Len() != 0 {
				t.Errorf("stderr = %q", stderr.String())
			}
			var got struct {
				MessageID string `json:"message_id"`
				Subject   string `json:"subject"`
				Date      string `json:"date"`
				From      struct {
					Name    string `json:"name"`
					Address string `json:"address"`
				} `json:"from"`
				Text     string   `json:"text"`
				Kind     string   `json:"kind"`
				Warnings []string `json:"warnings"`
			}
			if err := json.Unmarshal(stdout.Bytes(), &got); err != nil {
				t.Fatalf("output is not JSON: %v\n%s", err, stdout.String())
			}
			if got.MessageID != "<abc@example.org>" || got.Subject != "Order 553 arrived broken" ||
				got.Date != "2026-11-27T09:15:02Z" || got.From.Name != "Ann Lee" ||
				got.From.Address != "ann@example.org" || got.Text != "The vase is in pieces.\r\n" ||
				got.Kind != "normal" || got.Warnings == nil {
				t.Errorf("output:\n%s", stdout.String())
			}
		})
	}
}

func TestInspectErrors(t *testing.T) {
	for _, tc := range []struct {
		name  string
		args  []string
		stdin string
		code  int
	}{
		{"no args", nil, "", exitUsage},
		{"two args", []string{"a", "b"}, "", exitUsage},
		{"missing file", []string{filepath.Join(t.TempDir(), "nope.eml")}, "", exitFailure},
		{"empty stdin", []string{"-"}, "", exitFailure},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := runInspect(tc.args, strings.NewReader(tc.stdin), &stdout, &stderr)
			if code != tc.code {
				t.Errorf("exit %d, want %d", code, tc.code)
			}
			if stdout.Len() != 0 {
				t.Errorf("stdout = %q", stdout.String())
			}
			if tc.code == exitFailure && strings.Count(strings.TrimSuffix(stderr.String(), "\n"), "\n") != 0 {
				t.Errorf("stderr is not one line: %q", stderr.String())
			}
			if stderr.Len() == 0 {
				t.Error("nothing on stderr")
			}
		})
	}
}
