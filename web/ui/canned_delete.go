package ui

import (
	"fmt"
	"net/http"
	"slices"

	"frontdesk/fault"
	"frontdesk/ticket"
)

// handleUICannedDelete deletes one canned reply.
func (h *Handlers) handleUICannedDelete(w http.ResponseWriter, r *http.Request) {
	i, err := cannedIndex(r)
	if err != nil {
		h.uiError(w, r, err)
		return
	}
	h.changeCanned(w, r, cannedPage{Edit: -1}, "Canned reply deleted.",
		func(list []ticket.CannedReply) ([]ticket.CannedReply, error) {
			if i >= len(list) {
				return nil, fmt.Errorf("canned reply %d: %w", i+1, fault.ErrNotFound)
			}
			return slices.Delete(list, i, i+1), nil
		})
}
