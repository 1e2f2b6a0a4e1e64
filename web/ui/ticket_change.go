package ui

import (
	"fmt"
	"net/http"
	"strings"

	"frontdesk/desk"
	"frontdesk/ticket"
	"frontdesk/web/auth"
)

// handleUIChange moves a ticket to the queue, priority and tags of the
// ticket page's "Change" form (tags written with commas between them).
func (h *Handlers) handleUIChange(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	var c desk.Change
	if q := r.PostForm.Get("queue"); q != "" {
		c.Queue = &q
	}
	if p := ticket.Priority(r.PostForm.Get("priority")); p != "" {
		c.Priority = &p
	}
	if r.PostForm.Has("tags") {
		tags := []string{}
		for tag := range strings.SplitSeq(r.PostForm.Get("tags"), ",") {
			if tag = strings.TrimSpace(tag); tag != "" {
				tags = append(tags, tag)
			}
		}
		c.Tags = &tags
	}
	if _, err := h.Desk.Change(r.Context(), id, c, auth.Caller(r).Name); err != nil {
		h.uiError(w, r, err)
		return
	}
	h.seeOther(w, r, "/tickets/"+id, fmt.Sprintf("Ticket #%s changed.", id))
}
