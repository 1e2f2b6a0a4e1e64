package ui

import (
	"net/http"
	"net/url"

	"frontdesk/ticket"
	"frontdesk/web/auth"
)

// handleMinePage lists the caller's tickets: open ones first, then those
// waiting for the customer.
func (h *Handlers) handleMinePage(w http.ResponseWriter, r *http.Request) {
	me := auth.Caller(r).Name
	var lists []ticketList
	for _, st := range []ticket.Status{ticket.StatusOpen, ticket.StatusPending} {
		page, err := h.Tickets.List(r.Context(), ticket.ListFilter{Assignee: me, Status: st, Limit: 200})
		if err != nil {
			h.uiError(w, r, err)
			return
		}
		heading := "Open: yours to answer"
		if st == ticket.StatusPending {
			heading = "Pending: answered, waiting for the customer"
		}
		list := ticketList{Heading: heading, Tickets: page.Tickets}
		if page.NextCursor != "" {
			list.Next = "/tickets?" + url.Values{"assignee": {me}, "status": {string(st)}, "cursor": {page.NextCursor}}.Encode()
		}
		lists = append(lists, list)
	}
	h.render(w, r, http.StatusOK, "mine", &pageData{Title: "My tickets", Nav: "mine", Data: lists})
}
