package httperr

import (
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
)

// The package's own error kinds reach their statuses with their message.
func TestWriteErrorAPIKinds(t *testing.T) {
	for _, tt := range []struct {
		err    error
		status int
	}{
		{fmt.Errorf("%w: invalid token", ErrUnauthorized), 401},
		{fmt.Errorf("%w: role \"assistant\" may not GET /api/v1/users", ErrForbidden), 403},
		{fmt.Errorf("%w: the request body must be application/json", ErrUnsupportedMediaType), 415},
	} {
		logger, logs := testLogger()
		rec := httptest.NewRecorder()
		Write(rec, httptest.NewRequest("GET", "/api/v1/users", nil), logger, tt.err)
		if rec.Code != tt.status {
			t.Fatalf("status = %d, want %d; body %s", rec.Code, tt.status, rec.Body)
		}
		if ct := rec.Header().Get("Content-Type"); ct != "application/json; charset=utf-8" {
			t.Errorf("error Content-Type = %q", ct)
		}
		var e struct{ Error string }
		if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e.Error == "" {
			t.Fatalf("error body %q is not {\"error\": …}: %v", rec.Body, err)
		}
		if !strings.Contains(e.Error, tt.err.Error()) {
			t.Errorf("error = %q, want it to contain %q", e.Error, tt.err.Error())
		}
		if logs.String() != "" {
			t.Errorf("%v was logged: %s", tt.err, logs)
		}
	}
}
