package ui

import (
	"net/http"

	"frontdesk/ticket"
	"frontdesk/web/front"
)

// outboxPage is the managers' list of sends that ended failed or unknown,
// and of downloads that gave up.
type outboxPage struct {
	Sends []ticket.DeadSend
	Total int
	// Downloads are the latest downloads to give up (the first 200) of
	// DownloadsTotal.
	Downloads      []front.DeadDownload
	DownloadsTotal int
}

// handleUIOutbox lists the dead sends, oldest first (the first 200), each
// with its reason, a link to its ticket, "Send again" and "Dismiss".
func (h *Handlers) handleUIOutbox(w http.ResponseWriter, r *http.Request) {
	list, err := h.Desk.DeadSends(r.Context(), 0, 200)
	if err != nil {
		h.uiError(w, r, err)
		return
	}
	page := outboxPage{Sends: list.Sends, Total: list.Total}
	if h.Downloads != nil {
		if page.Downloads, page.DownloadsTotal, err = h.Downloads.DeadDownloads(r.Context(), 200); err != nil {
			h.uiError(w, r, err)
			return
		}
	}
	h.render(w, r, http.StatusOK, "outbox", &pageData{Title: "Undelivered messages", Nav: "outbox", Data: page})
}

// handleUIOutboxDismiss takes a send off the list without sending it; its
// ticket still shows what became of it.
func (h *Handlers) handleUIOutboxDismiss(w http.ResponseWriter, r *http.Request) {
	if _, err := h.Desk.DismissDead(r.Context(), r.PathValue("id"), r.PathValue("message")); err != nil {
		h.uiError(w, r, err)
		return
	}
	h.seeOther(w, r, "/outbox", "Taken off the list.")
}
