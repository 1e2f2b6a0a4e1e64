package ui

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"frontdesk/fault"
	"frontdesk/web/front"
)

// inlineTypes are the content types an attachment is shown in the browser
// with; every other type downloads, so that an HTML or SVG attachment never
// runs as a page of this site.
var inlineTypes = map[string]bool{
	"application/pdf": true, "image/png": true, "image/jpeg": true, "image/gif": true, "image/webp": true,
	"image/tiff": true, "audio/mpeg": true, "audio/wav": true, "audio/x-wav": true, "audio/ogg": true,
	"audio/mp4": true, "audio/webm": true, "text/plain": true,
}

// handleUIAttachment answers an attachment's bytes for the signed-in user:
// shown in the browser when its type is one it shows safely (so a voicemail
// plays, with seeking, and fax pages open), else as a download. Every answer
// but a PDF's is sandboxed too (Chromium's PDF viewer does not run in a
// sandbox; a PDF runs no script of ours either way).
func (h *Handlers) handleUIAttachment(w http.ResponseWriter, r *http.Request) {
	a, data, err := h.Tickets.Attachment(r.Context(), r.PathValue("id"), r.PathValue("attachment"))
	if errors.Is(err, fault.ErrTooLarge) {
		err = fmt.Errorf("%w: %w", fault.ErrNotFound, err)
	}
	if err != nil {
		h.uiError(w, r, err)
		return
	}
	ct := strings.ToLower(strings.TrimSpace(strings.Split(a.ContentType, ";")[0]))
	disposition := "inline"
	switch {
	case ct == "text/plain":
		ct = "text/plain; charset=utf-8"
	case !inlineTypes[ct]:
		ct, disposition = "application/octet-stream", "attachment"
	}
	csp := "default-src 'none'; frame-ancestors 'self'; sandbox"
	if ct == "application/pdf" {
		csp = "default-src 'none'; frame-ancestors 'self'"
	}
	hdr := w.Header()
	hdr.Set("Content-Type", ct)
	hdr.Set("Content-Disposition", disposition+"; filename*=UTF-8''"+front.EncodeRFC5987(front.AttachmentName(a)))
	hdr.Set("Content-Security-Policy", csp)
	hdr.Set("X-Frame-Options", "SAMEORIGIN")
	hdr.Set("Cache-Control", "private, max-age=3600")
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(data))
}
