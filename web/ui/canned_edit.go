package ui

import (
	"fmt"
	"net/http"

	"frontdesk/fault"
	"frontdesk/ticket"
)

// handleUICannedEdit replaces one canned reply with the form's.
func (h *Handlers) handleUICannedEdit(w http.ResponseWriter, r *http.Request) {
	i, err := cannedIndex(r)
	if err != nil {
		h.uiError(w, r, err)
		return
	}
	c := cannedForm(r)
	page := cannedPage{Edit: i, Replies: []cannedRow{{CannedReply: c, Index: i}}}
	h.changeCanned(w, r, page, "Canned reply “"+c.Name+"” saved.",
		func(list []ticket.CannedReply) ([]ticket.CannedReply, error) {
			if i >= len(list) {
				return nil, fmt.Errorf("canned reply %d: %w", i+1, fault.ErrNotFound)
			}
			list[i] = c
			return list, nil
		})
}
