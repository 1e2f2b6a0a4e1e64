package api

import (
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"frontdesk/fault"
	"frontdesk/web/front"
	"frontdesk/web/httperr"
)

// handleAttachmentGet answers an attachment's bytes with their content type.
// Customers' files are untrusted: they are always served as a download
// (Content-Disposition: attachment), never sniffed, and sandboxed should a
// browser render them anyway, so that nothing a customer sends runs in our
// origin. An attachment whose bytes were not kept (over the size cap) is 404.
func (h *Handlers) handleAttachmentGet(w http.ResponseWriter, r *http.Request) {
	a, data, err := h.Tickets.Attachment(r.Context(), r.PathValue("id"), r.PathValue("attachment_id"))
	if errors.Is(err, fault.ErrTooLarge) {
		err = fmt.Errorf("%w: %w", fault.ErrNotFound, err)
	}
	if err != nil {
		httperr.Write(w, r, h.logger, err)
		return
	}
	hdr := w.Header()
	hdr.Set("Content-Type", attachmentType(a.ContentType))
	hdr.Set("Content-Disposition", "attachment; filename*=UTF-8''"+front.EncodeRFC5987(front.AttachmentName(a)))
	hdr.Set("Content-Length", strconv.Itoa(len(data)))
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'; sandbox")
	hdr.Set("Cache-Control", "private, max-age=3600")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(data) // the client may have gone; nothing to do about it
}

// attachmentType is the Content-Type to serve: the stored one when it parses,
// else application/octet-stream.
func attachmentType(ct string) string {
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil || !strings.Contains(mt, "/") {
		return "application/octet-stream"
	}
	if v := mime.FormatMediaType(mt, params); v != "" {
		return v
	}
	return mt
}
