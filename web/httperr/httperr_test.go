package httperr

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"frontdesk/fault"
	"frontdesk/internal/testlog"
)

// testLogger logs everything, debug included, to the returned buffer.
func testLogger() (*slog.Logger, *testlog.Buffer) {
	b := &testlog.Buffer{}
	return slog.New(slog.NewTextHandler(b, &slog.HandlerOptions{Level: slog.LevelDebug})), b
}

func TestWriteError(t *testing.T) {
	tests := []struct {
		name   string
		err    error
		status int
		msg    string
		logged bool
	}{
		{"not found", fmt.Errorf("get ticket 1042: %w", fault.ErrNotFound), 404, "get ticket 1042: not found", false},
		{"invalid", fmt.Errorf("reply: %w: text is empty", fault.ErrInvalid), 400, "reply: invalid input: text is empty", false},
		{"conflict", fmt.Errorf("renew lease: %w", fault.ErrConflict), 409, "renew lease: conflict", false},
		{"too large", fmt.Errorf("attachment: %w", fault.ErrTooLarge), 413, "attachment: too large", false},
		{"body too large", &http.MaxBytesError{Limit: 10}, 413, "http: request body too large", false},
		{"unavailable", fmt.Errorf("get ticket 1: %w", fault.Unavailable(errors.New("dial tcp: refused"))), 503, "service temporarily unavailable, try again later", false},
		{"unavailable sentinel", fault.ErrUnavailable, 503, "service temporarily unavailable, try again later", false},
		{"other", errors.New("template: no such view"), 500, "internal server error", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			logger, logs := testLogger()
			rec := httptest.NewRecorder()
			Write(rec, httptest.NewRequest("GET", "/api/v1/tickets/1042", nil), logger, tt.err)

			if rec.Code != tt.status {
				t.Errorf("status = %d, want %d", rec.Code, tt.status)
			}
			if ct := rec.Header().Get("Content-Type"); ct != "application/json; charset=utf-8" {
				t.Errorf("Content-Type = %q", ct)
			}
			var body struct{ Error string }
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
				t.Fatalf("body %q: %v", rec.Body.String(), err)
			}
			if body.Error != tt.msg {
				t.Errorf("error = %q, want %q", body.Error, tt.msg)
			}
			out := logs.String()
			if logged := strings.Contains(out, "HTTP request failed"); logged != tt.logged {
				t.Errorf("logged = %v, want %v:\n%s", logged, tt.logged, out)
			}
			if tt.logged && !strings.Contains(out, tt.err.Error()) {
				t.Errorf("log lacks the cause %q:\n%s", tt.err, out)
			}
		})
	}
}
