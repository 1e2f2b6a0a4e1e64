package ui

import (
	"io/fs"
	"net/http"
	"path"
	"strings"

	"frontdesk/web/httperr"
)

// handleStatic serves the embedded stylesheet and script.
func (h *Handlers) handleStatic(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("file")
	b, err := fs.ReadFile(uiFiles, "static/"+name)
	if err != nil || strings.Contains(name, "/") {
		httperr.WriteStatus(w, r, http.StatusNotFound)
		return
	}
	switch path.Ext(name) {
	case ".css":
		w.Header().Set("Content-Type", "text/css; charset=utf-8")
	case ".js":
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	default:
		w.Header().Set("Content-Type", "application/octet-stream")
	}
	w.Header().Set("Cache-Control", "no-cache")
	_, _ = w.Write(b)
}
