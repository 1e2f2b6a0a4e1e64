package api

import (
	"fmt"
	"net/http"
	"strconv"

	"frontdesk/desk"
	"frontdesk/fault"
	"frontdesk/internal/terms"
	"frontdesk/web/httperr"
)

// searchPage is the answer of GET /api/v1/search.
type searchPage struct {
	Tickets []searchHit `json:"tickets"`
}

// searchHit is a ticket a search found: its summary, what it was found by
// (number, customer, words), and for words where they are, the passage with
// the matches marked, and the matching words as the ticket writes them.
type searchHit struct {
	ticketSummary
	Customer searchCustomer `json:"customer"`
	Found    string         `json:"found"`
	Where    string         `json:"where,omitempty"`
	Matched  []string       `json:"matched"`
	Snippet  []terms.Part   `json:"snippet"`
}

type searchCustomer struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Email string `json:"email"`
	Phone string `json:"phone"`
}

// handleSearch finds tickets by number, customer address or phone number, or
// words (desk.Search): ?q= and ?limit= (1-50, default 20).
func (h *Handlers) handleSearch(w http.ResponseWriter, r *http.Request) {
	limit := 0
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			httperr.Write(w, r, h.logger, fmt.Errorf("%w: limit: must be 1-%d", fault.ErrInvalid, desk.MaxSearchLimit))
			return
		}
		limit = n
	}
	hits, err := h.Desk.Search(r.Context(), r.URL.Query().Get("q"), limit)
	if err != nil {
		httperr.Write(w, r, h.logger, err)
		return
	}
	out := searchPage{Tickets: make([]searchHit, len(hits))}
	for i, hit := range hits {
		t := hit.Ticket
		out.Tickets[i] = searchHit{
			ticketSummary: summaryOf(t),
			Customer:      searchCustomer{ID: t.Customer.ID, Name: t.Customer.Name, Email: t.Customer.Email, Phone: t.Customer.Phone},
			Found:         hit.Found, Where: hit.Where, Matched: nonNil(hit.Matched), Snippet: nonNil(hit.Snippet),
		}
	}
	writeJSON(w, http.StatusOK, out)
}
