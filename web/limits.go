package web

import (
	"log/slog"
	"net/http"
	"path"
	"strings"
	"time"

	"frontdesk/web/api"
	"frontdesk/web/front"
	"frontdesk/web/httperr"
	"frontdesk/web/ui"
)

// Limits bounds what clients can hold of the server: connections, and the
// time and memory a request may take before its handler has it all. A zero
// field takes its default (DefaultLimits).
//
// Request bodies are limited by route class, the class found from the
// path: Twilio's webhooks (/twilio/…) and the fax service's (/fax/…), replies, which may carry files
// (uploadPaths), the rest of the JSON API (/api/…), and the web UI with
// everything else (probes, /metrics, unmatched paths).
type Limits struct {
	// MaxConnections caps the connections open at once on each listener;
	// further ones wait in the kernel's accept queue until one closes.
	MaxConnections int
	// ReadHeaderTimeout is how long a request's line and headers may take
	// to arrive, from the first byte.
	ReadHeaderTimeout time.Duration
	// IdleTimeout closes a keep-alive connection that sends no next
	// request within it.
	IdleTimeout time.Duration
	// Webhooks, API and UI bound the request bodies of each route class;
	// Uploads those of replies, in the API and the UI, which may carry
	// files. Its default MaxBytes follows the desk's attachment size cap
	// (front.UploadLimit).
	Webhooks, API, UI, Uploads BodyLimit
}

// BodyLimit bounds the request bodies of one route class.
type BodyLimit struct {
	// ReadTimeout is how long a body may take to arrive once the headers
	// are in. When it is all in, the handler has as long as it needs.
	ReadTimeout time.Duration
	// MaxBytes is the largest body read. A larger declared length is
	// refused with 413 before any of it is read; a longer body without
	// one fails its handler's read at MaxBytes, also 413.
	MaxBytes int64
}

// DefaultLimits returns the limits a zero Limits field takes.
//
//   - Twilio's webhooks: 15 s, the time Twilio itself waits for an answer,
//     and 64 KiB: Twilio's form posts are a few KB (an SMS of 1,600
//     characters with ten media URLs stays far below).
//   - The JSON API: 30 s and 1 MiB, the most the API decodes (api.MaxBodySize).
//   - The web UI: 60 s, for a person on a slow link, and 2 MiB, the largest
//     form it reads: a mail pasted into the rule test (ui.MaxFormSize).
//   - Replies with files: 10 min, 25 MB of files uploaded over a slow link,
//     and their size in base64 plus 1 MiB (front.UploadLimit of the default
//     tickets.attachment_max_size); the server sets it from the desk's.
//   - Headers 10 s; an idle keep-alive connection 2 min; 1,000 connections.
func DefaultLimits() Limits {
	return Limits{
		MaxConnections:    1000,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		Webhooks:          BodyLimit{ReadTimeout: 15 * time.Second, MaxBytes: 64 << 10},
		API:               BodyLimit{ReadTimeout: 30 * time.Second, MaxBytes: api.MaxBodySize},
		UI:                BodyLimit{ReadTimeout: 60 * time.Second, MaxBytes: ui.MaxFormSize},
		Uploads:           BodyLimit{ReadTimeout: 10 * time.Minute, MaxBytes: front.UploadLimit(25 * 1000 * 1000)},
	}
}

// withDefaults returns l with its zero fields set from DefaultLimits.
func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	orDefault(&l.MaxConnections, d.MaxConnections)
	orDefault(&l.ReadHeaderTimeout, d.ReadHeaderTimeout)
	orDefault(&l.IdleTimeout, d.IdleTimeout)
	for _, p := range []struct{ l, d *BodyLimit }{{&l.Webhooks, &d.Webhooks}, {&l.API, &d.API}, {&l.UI, &d.UI}, {&l.Uploads, &d.Uploads}} {
		orDefault(&p.l.ReadTimeout, p.d.ReadTimeout)
		orDefault(&p.l.MaxBytes, p.d.MaxBytes)
	}
	return l
}

func orDefault[T comparable](p *T, v T) {
	var zero T
	if *p == zero {
		*p = v
	}
}

// body returns the body limit of the route class path belongs to.
func (l Limits) body(path string) BodyLimit {
	switch {
	case strings.HasPrefix(path, "/twilio/"), strings.HasPrefix(path, "/fax/"):
		return l.Webhooks
	case isUpload(path):
		return l.Uploads
	case path == "/api" || strings.HasPrefix(path, "/api/"):
		return l.API
	default:
		return l.UI
	}
}

// uploadPaths are the routes that take files: replies, in the API and the
// UI.
var uploadPaths = []string{"/api/v1/tickets/*/replies", "/tickets/*/reply"}

// isUpload reports whether path is one of uploadPaths.
func isUpload(p string) bool {
	for _, pattern := range uploadPaths {
		if ok, _ := path.Match(pattern, p); ok {
			return true
		}
	}
	return false
}

// limitBodies applies the body limit of a request's route class before any
// handler reads the body: a declared length over the limit is answered 413
// at once, and the connection closed rather than the body read; otherwise
// the body must arrive within the class's read timeout (a read deadline on
// the connection) and is cut at its size.
//
// The deadline bounds the body only: when a handler has read the body to its
// end, net/http lifts it as it starts watching the connection for the
// client going away (TestHandlerOutlivesBodyDeadline), so the handler has as
// long as it needs. Requests without a body get no deadline at all: net/http
// is already watching their connection, and a deadline would cancel the
// request's context when it passed, cutting off, say, a long download to a
// slow reader.
func (s *Server) limitBodies(mux *http.ServeMux, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body == nil || r.Body == http.NoBody {
			next.ServeHTTP(w, r)
			return
		}
		lim := s.limits.body(r.URL.Path)
		if r.ContentLength > lim.MaxBytes {
			_, r.Pattern = mux.Handler(r) // for the metrics' route label
			w.Header().Set("Connection", "close")
			httperr.WriteStatus(w, r, http.StatusRequestEntityTooLarge)
			return
		}
		err := http.NewResponseController(w).SetReadDeadline(time.Now().Add(lim.ReadTimeout))
		if err != nil {
			// Only a writer that is not a connection's (a test's
			// recorder) cannot take a deadline.
			s.logger.LogAttrs(r.Context(), slog.LevelDebug, "no read deadline for the request body", slog.Any("error", err))
		}
		r.Body = http.MaxBytesReader(w, r.Body, lim.MaxBytes)
		next.ServeHTTP(w, r)
	})
}
