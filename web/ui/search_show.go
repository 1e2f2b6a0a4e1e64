package ui

import (
	"errors"
	"net/http"
	"strings"

	"frontdesk/desk"
	"frontdesk/fault"
)

// searchView is what the search page and the header's live results show.
type searchView struct {
	Query string
	Hits  []desk.SearchHit
	// Problem says why the query could not be searched, in the user's words.
	Problem string
	// Live is set for the header's results, which link to the whole page.
	Live bool
}

// handleSearchPage answers /search?q=: the tickets whose number, customer or
// words the query is (desk.Search), with the words marked. It works without
// the script; the header's box submits to it.
func (h *Handlers) handleSearchPage(w http.ResponseWriter, r *http.Request) {
	v := h.search(r, desk.SearchLimit*2)
	h.render(w, r, http.StatusOK, "search", &pageData{Title: "Search", Nav: "search", Data: v})
}

// handleSearchResults answers the header's live results: the fragment
// "search-results" for ?q=, while the user types.
func (h *Handlers) handleSearchResults(w http.ResponseWriter, r *http.Request) {
	v := h.search(r, 8)
	v.Live = true
	h.renderFragment(w, r, "search", "search-results", v)
}

func (h *Handlers) search(r *http.Request, limit int) searchView {
	q := r.URL.Query().Get("q")
	v := searchView{Query: q}
	if strings.TrimSpace(q) == "" {
		return v
	}
	if len(q) > desk.MaxSearchQuery {
		v.Problem = "That is too long to search for: shorten it."
		return v
	}
	hits, err := h.Desk.Search(r.Context(), q, limit)
	if errors.Is(err, fault.ErrInvalid) {
		v.Problem = "That cannot be searched for: type the words, a ticket number, an email address or a phone number."
		return v
	}
	if err != nil {
		h.logger.WarnContext(r.Context(), "search", "error", err)
		v.Problem = "Search is not available right now. Please try again in a moment."
		return v
	}
	v.Hits = hits
	return v
}
