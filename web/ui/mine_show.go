package ui

import (
	"net/http"
	"net/url"

	"frontdesk/ticket"
	"frontdesk/web/auth"
)

// mineView is what My tickets shows: the lists, and the address of the
// calendar feed.
type mineView struct {
	Lists       []ticketList
	CalendarURL string
}

// handleMinePage lists the caller's tickets: open ones first, then those
// waiting for the customer, those they snoozed, and those a colleague's note
// mentions them on. Looking at the page marks the mentions seen.
func (h *Handlers) handleMinePage(w http.ResponseWriter, r *http.Request) {
	me := auth.Caller(r).Name
	var lists []ticketList
	for _, st := range []ticket.Status{ticket.StatusOpen, ticket.StatusPending} {
		page, err := h.Tickets.List(r.Context(), ticket.ListFilter{Assignee: me, Status: st, Limit: 200})
		if err != nil {
			h.uiError(w, r, err)
			return
		}
		list := ticketList{Heading: "Open: yours to answer", ID: "open"}
		if st == ticket.StatusPending {
			list = ticketList{Heading: "Pending: answered, waiting for the customer", ID: "pending"}
		}
		for _, t := range page.Tickets {
			if t.SnoozedUntil == nil { // snoozed ones have a list of their own
				list.Tickets = append(list.Tickets, t)
			}
		}
		if page.NextCursor != "" {
			list.Next = "/tickets?" + url.Values{"assignee": {me}, "status": {string(st)}, "cursor": {page.NextCursor}}.Encode()
		}
		lists = append(lists, list)
	}
	snoozed, err := h.Tickets.Shelf(r.Context(), ticket.ShelfSnoozed, me, 200)
	if err != nil {
		h.uiError(w, r, err)
		return
	}
	lists = append(lists, ticketList{Heading: "Snoozed: back at the time shown", ID: "snoozed", Tickets: snoozed,
		Empty: "Nothing snoozed. Snooze a ticket from its page to set it aside until a time."})
	mentions, err := h.Tickets.Shelf(r.Context(), ticket.ShelfMentions, me, 50)
	if err != nil {
		h.uiError(w, r, err)
		return
	}
	lists = append(lists, ticketList{Heading: "Mentions: a colleague's note names you", ID: "mentions", Tickets: mentions,
		Empty: "No mentions. A colleague who writes @" + me + " in a note puts the ticket here."})
	if err := h.Tickets.SeenMentions(r.Context(), me); err != nil {
		h.uiError(w, r, err)
		return
	}
	cal, err := h.calendarURL(r)
	if err != nil {
		h.uiError(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "mine", &pageData{Title: "My tickets", Nav: "mine", Data: mineView{Lists: lists, CalendarURL: cal}})
}
