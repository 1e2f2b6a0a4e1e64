package web

import (
	"net/http"

	"frontdesk/web/httperr"
)

// unmatched serves mux, replacing the mux's own answers for requests that no
// route matches (404) or that use a method the path does not take (405) with
// frontdesk's: JSON under /api/, plain text elsewhere. The 405's Allow header
// is kept. A 404 or 405 from a matched handler passes through unchanged.
func unmatched(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, pattern := mux.Handler(r); pattern == "" {
			w = &unmatchedWriter{ResponseWriter: w, r: r}
		}
		mux.ServeHTTP(w, r)
	})
}

type unmatchedWriter struct {
	http.ResponseWriter
	r        *http.Request
	replaced bool // the answer is ours; drop what the mux writes
}

func (w *unmatchedWriter) WriteHeader(code int) {
	if w.replaced {
		return
	}
	if code == http.StatusNotFound || code == http.StatusMethodNotAllowed {
		w.replaced = true
		httperr.WriteStatus(w.ResponseWriter, w.r, code)
		return
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *unmatchedWriter) Write(p []byte) (int, error) {
	if w.replaced {
		return len(p), nil
	}
	return w.ResponseWriter.Write(p)
}

// Unwrap gives http.ResponseController the underlying writer.
func (w *unmatchedWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
