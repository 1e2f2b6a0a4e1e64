package ui

import (
	"fmt"
	"net/http"

	"frontdesk/fault"
)

// handleUIDownloadRetry tries a download that gave up again, with its
// attempts counted afresh; a second click changes nothing.
func (h *Handlers) handleUIDownloadRetry(w http.ResponseWriter, r *http.Request) {
	h.downloadAction(w, r, true)
}

// handleUIDownloadDismiss takes a download that gave up off the list
// without trying it; its ticket keeps the warning.
func (h *Handlers) handleUIDownloadDismiss(w http.ResponseWriter, r *http.Request) {
	h.downloadAction(w, r, false)
}

func (h *Handlers) downloadAction(w http.ResponseWriter, r *http.Request, retry bool) {
	id := r.FormValue("job")
	if h.Downloads == nil || id == "" {
		h.uiError(w, r, fmt.Errorf("download %q: %w", id, fault.ErrNotFound))
		return
	}
	var done bool
	var err error
	if retry {
		done, err = h.Downloads.RetryDownload(r.Context(), id)
	} else {
		done, err = h.Downloads.DismissDownload(r.Context(), id)
	}
	if err != nil {
		h.uiError(w, r, err)
		return
	}
	notice := "Taken off the list."
	switch {
	case retry && done:
		notice = "The download is tried again."
	case !done:
		notice = "It is no longer on the list."
	}
	h.seeOther(w, r, "/outbox#downloads", notice)
}
