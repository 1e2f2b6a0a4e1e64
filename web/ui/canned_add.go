package ui

import (
	"net/http"

	"frontdesk/ticket"
)

// handleUICannedAdd adds a canned reply at the end of the list.
func (h *Handlers) handleUICannedAdd(w http.ResponseWriter, r *http.Request) {
	c := cannedForm(r)
	h.changeCanned(w, r, cannedPage{Add: c, Edit: -1}, "Canned reply “"+c.Name+"” added.",
		func(list []ticket.CannedReply) ([]ticket.CannedReply, error) { return append(list, c), nil })
}
