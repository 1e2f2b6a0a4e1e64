package web

import (
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"

	"frontdesk/web/httperr"
)

// securityHeaders sets headers that every answer carries. The Content Security
// Policy allows nothing: no page served so far needs scripts, styles or
// frames; the web UI will loosen it for its own routes. With hsts, browsers
// are told to come back over HTTPS only, for a year (RFC 6797); not for
// subdomains, which may be other people's services.
func securityHeaders(hsts bool, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
		if hsts {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		next.ServeHTTP(w, r)
	})
}

// instrument counts and times every request by its matched route and logs it
// at debug level. It reads r.Pattern after next returns: the mux sets it on
// the same *http.Request.
func (s *Server) instrument(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			took := time.Since(start)
			route := r.Pattern
			if route == "" {
				route = unmatchedRoute
			}
			code := sw.code()
			s.metrics.observe(route, code, took)
			if s.logger.Enabled(r.Context(), slog.LevelDebug) {
				s.logger.LogAttrs(r.Context(), slog.LevelDebug, "http request",
					slog.String("method", r.Method),
					slog.String("path", r.URL.Path),
					slog.String("route", route),
					slog.Int("status", code),
					slog.Int64("bytes", sw.bytes),
					slog.Duration("duration", took),
					slog.String("remote", r.RemoteAddr))
			}
		}()
		next.ServeHTTP(sw, r)
	})
}

// recoverPanics turns a panic in a handler into a logged 500. If the handler
// had already begun its answer, the status can no longer change: the
// connection is aborted instead, so the client does not take a truncated
// answer for a whole one.
func (s *Server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if v == http.ErrAbortHandler {
				panic(v) // a deliberate abort: net/http handles it quietly
			}
			s.logger.LogAttrs(r.Context(), slog.LevelError, "panic serving HTTP request",
				slog.String("method", r.Method),
				slog.String("path", r.URL.Path),
				slog.String("route", r.Pattern),
				slog.String("panic", fmt.Sprint(v)),
				slog.String("stack", string(debug.Stack())))
			if sw.wroteHeader {
				panic(http.ErrAbortHandler)
			}
			httperr.WriteStatus(sw, r, http.StatusInternalServerError)
		}()
		next.ServeHTTP(sw, r)
	})
}

// statusWriter records the status and size of an answer.
type statusWriter struct {
	http.ResponseWriter
	status      int
	bytes       int64
	wroteHeader bool
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wroteHeader && code >= 200 { // 1xx answers are interim
		w.status, w.wroteHeader = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(p []byte) (int, error) {
	if !w.wroteHeader {
		w.status, w.wroteHeader = http.StatusOK, true
	}
	n, err := w.ResponseWriter.Write(p)
	w.bytes += int64(n)
	return n, err
}

// Flush lets handlers that stream (w.(http.Flusher)) flush through the wrapper.
func (w *statusWriter) Flush() {
	if !w.wroteHeader {
		w.status, w.wroteHeader = http.StatusOK, true
	}
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap gives http.ResponseController the underlying writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// code is the status the client got: 200 when the handler wrote nothing.
func (w *statusWriter) code() int {
	if !w.wroteHeader {
		return http.StatusOK
	}
	return w.status
}
