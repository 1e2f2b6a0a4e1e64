// Package httperr is where errors become HTTP statuses, for the JSON API and
// the web UI alike: one table (Status) maps an error's kind to its status,
// and Write answers a failed API request with it. The UI shows the same
// statuses on its error page through Public.
package httperr

import (
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"

	"frontdesk/fault"
)

// Write answers a failed request with {"error": "…"} and the status that
// err's kind calls for. It is the one place where errors become HTTP statuses:
//
//	ErrUnauthorized                         401 Unauthorized
//	ErrForbidden                            403 Forbidden
//	fault.ErrNotFound                      404 Not Found
//	fault.ErrInvalid                       400 Bad Request
//	fault.ErrConflict                      409 Conflict
//	fault.ErrTooLarge, *http.MaxBytesError 413 Content Too Large
//	ErrUnsupportedMediaType                 415 Unsupported Media Type
//	fault.IsUnavailable(err)               503 Service Unavailable
//	anything else                           500 Internal Server Error
//
// Client errors (4xx) carry err's message, which says what was wrong. 503 and
// 500 carry a generic message; only 500s are logged, with the cause, because
// only they mean a bug or a failure nobody has named yet.
func Write(w http.ResponseWriter, r *http.Request, logger *slog.Logger, err error) {
	status, msg := Public(r, logger, err, "service temporarily unavailable, try again later", "internal server error")
	WriteJSON(w, status, msg)
}

// Public is the status err's kind calls for and the message to show:
// err's own for a 4xx, else the generic unavailable or internal text. A 500
// is logged with its cause.
func Public(r *http.Request, logger *slog.Logger, err error, unavailable, internal string) (int, string) {
	status := Status(err)
	switch {
	case status == http.StatusServiceUnavailable && fault.IsFull(err):
		logger.LogAttrs(r.Context(), slog.LevelError, "HTTP request refused: Redis is full",
			slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.Any("error", err))
		return status, Full
	case status == http.StatusServiceUnavailable:
		return status, unavailable
	case status == http.StatusInternalServerError:
		logger.LogAttrs(r.Context(), slog.LevelError, "HTTP request failed",
			slog.String("method", r.Method),
			slog.String("path", r.URL.Path),
			slog.String("route", r.Pattern),
			slog.Any("error", err))
		return status, internal
	}
	return status, err.Error()
}

// Full is what a request that Redis refused for want of memory is told (503):
// not "try again", which will not help until an administrator acts.
const Full = "the desk's database is full (Redis reached its maxmemory): nothing new can be saved until an administrator frees memory or raises the limit"

// The error kinds of what only HTTP can get wrong. Wrap them like the ticket
// kinds: fmt.Errorf("%w: no bearer token", httperr.ErrUnauthorized).
var (
	// ErrUnauthorized: no credentials, or credentials nobody owns.
	ErrUnauthorized = errors.New("unauthorized")
	// ErrForbidden: the caller is known but their role may not do this.
	ErrForbidden = errors.New("forbidden")
	// ErrUnsupportedMediaType: a request body that is not JSON.
	ErrUnsupportedMediaType = errors.New("unsupported media type")
)

// Status maps an error to its HTTP status; see Write.
func Status(err error) int {
	var tooBig *http.MaxBytesError
	switch {
	case errors.Is(err, ErrUnauthorized):
		return http.StatusUnauthorized
	case errors.Is(err, ErrForbidden):
		return http.StatusForbidden
	case errors.Is(err, ErrUnsupportedMediaType):
		return http.StatusUnsupportedMediaType
	case errors.Is(err, fault.ErrNotFound):
		return http.StatusNotFound
	case errors.Is(err, fault.ErrInvalid):
		return http.StatusBadRequest
	case errors.Is(err, fault.ErrConflict):
		return http.StatusConflict
	case errors.Is(err, fault.ErrTooLarge), errors.As(err, &tooBig):
		return http.StatusRequestEntityTooLarge
	case fault.IsUnavailable(err):
		return http.StatusServiceUnavailable
	default:
		return http.StatusInternalServerError
	}
}

// WriteStatus answers with a bare status: {"error": "not found"} for API
// paths, "not found\n" as plain text elsewhere. The server's middleware uses
// it for unmatched routes and recovered panics.
func WriteStatus(w http.ResponseWriter, r *http.Request, status int) {
	msg := strings.ToLower(http.StatusText(status))
	if isAPI(r) {
		WriteJSON(w, status, msg)
		return
	}
	h := w.Header()
	h.Del("Content-Length")
	h.Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, msg+"\n") // the client may have gone; nothing to do about it
}

// WriteJSON answers with status and {"error": msg}.
func WriteJSON(w http.ResponseWriter, status int, msg string) {
	body, err := json.Marshal(struct {
		Error string `json:"error"`
	}{msg})
	if err != nil { // cannot happen for a struct of one string
		body = []byte(`{"error":"internal server error"}`)
	}
	h := w.Header()
	h.Del("Content-Length") // a handler may have set one before failing
	h.Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(append(body, '\n')) // the client may have gone; nothing to do about it
}

// isAPI reports whether r is for the JSON API, whose errors are JSON.
func isAPI(r *http.Request) bool {
	return r.URL.Path == "/api" || strings.HasPrefix(r.URL.Path, "/api/")
}
