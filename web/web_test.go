package web

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"frontdesk/internal/testlog"
	"frontdesk/web/httperr"
)

// testLogger logs everything, debug included, to the returned buffer.
func testLogger() (*slog.Logger, *testlog.Buffer) {
	b := &testlog.Buffer{}
	return slog.New(slog.NewTextHandler(b, &slog.HandlerOptions{Level: slog.LevelDebug})), b
}

// do sends one request through h and returns the answer with its body read.
func do(t *testing.T, h http.Handler, method, target string) (*http.Response, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, target, nil))
	res := rec.Result()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("read body: %v", err)
	}
	if err := res.Body.Close(); err != nil {
		t.Fatalf("close body: %v", err)
	}
	return res, string(body)
}

func TestUnmatched(t *testing.T) {
	h := New(Options{}).Handler()
	tests := []struct {
		method, target string
		status         int
		contentType    string
		body           string
		allow          string
	}{
		{"GET", "/nope", 404, "text/plain; charset=utf-8", "not found\n", ""},
		{"GET", "/api/v1/nope", 404, "application/json; charset=utf-8", `{"error":"not found"}` + "\n", ""},
		{"GET", "/api", 404, "application/json; charset=utf-8", `{"error":"not found"}` + "\n", ""},
		{"GET", "/apiary", 404, "text/plain; charset=utf-8", "not found\n", ""},
		{"POST", "/healthz", 405, "text/plain; charset=utf-8", "method not allowed\n", "GET, HEAD"},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.target, func(t *testing.T) {
			res, body := do(t, h, tt.method, tt.target)
			if res.StatusCode != tt.status {
				t.Errorf("status = %d, want %d", res.StatusCode, tt.status)
			}
			if got := res.Header.Get("Content-Type"); got != tt.contentType {
				t.Errorf("Content-Type = %q, want %q", got, tt.contentType)
			}
			if body != tt.body {
				t.Errorf("body = %q, want %q", body, tt.body)
			}
			if got := res.Header.Get("Allow"); got != tt.allow {
				t.Errorf("Allow = %q, want %q", got, tt.allow)
			}
		})
	}
}

// A 404 that a matched handler writes itself is not replaced.
func TestUnmatchedLeavesHandler404Alone(t *testing.T) {
	s := New(Options{})
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v1/things/{id}", func(w http.ResponseWriter, r *http.Request) {
		httperr.WriteJSON(w, http.StatusNotFound, "thing "+r.PathValue("id")+" not found")
	})
	res, body := do(t, s.middleware(mux), "GET", "/api/v1/things/7")
	if res.StatusCode != 404 || !strings.Contains(body, "thing 7 not found") {
		t.Errorf("got %d %q, want the handler's own 404", res.StatusCode, body)
	}
}
