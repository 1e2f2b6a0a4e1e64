package web

import (
	"fmt"
	"net/http/httptest"
	"testing"
)

// The web package's own error kinds reach their statuses with their message.
func TestWriteErrorAPIKinds(t *testing.T) {
	for _, tt := range []struct {
		err    error
		status int
	}{
		{fmt.Errorf("%w: invalid token", errUnauthorized), 401},
		{fmt.Errorf("%w: role \"assistant\" may not GET /api/v1/users", errForbidden), 403},
		{fmt.Errorf("%w: the request body must be application/json", errUnsupportedMediaType), 415},
	} {
		logger, logs := testLogger()
		rec := httptest.NewRecorder()
		writeError(rec, httptest.NewRequest("GET", "/api/v1/users", nil), logger, tt.err)
		a := apiResult{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
		a.want(t, tt.status, tt.err.Error())
		if logs.String() != "" {
			t.Errorf("%v was logged: %s", tt.err, logs)
		}
	}
}
