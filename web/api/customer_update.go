package api

import (
	"net/http"

	"frontdesk/desk"
	"frontdesk/web/auth"
	"frontdesk/web/httperr"
)

// customerUpdateRequest is PATCH /customers/{id}'s body: either field or
// both; one left out stays as it is.
type customerUpdateRequest struct {
	Name  *string `json:"name"`
	Notes *string `json:"notes"`
}

// handleCustomerUpdate changes a customer's name or notes (an empty string
// clears them) and answers the customer as GET shows them. A name longer
// than 200 characters or over more than one line, or notes longer than
// 5,000 characters, are 400 and change nothing.
func (h *Handlers) handleCustomerUpdate(w http.ResponseWriter, r *http.Request) {
	var in customerUpdateRequest
	if err := decodeJSON(w, r, &in); err != nil {
		httperr.Write(w, r, h.logger, err)
		return
	}
	_, err := h.Desk.EditCustomer(r.Context(), r.PathValue("id"), desk.CustomerEdit{Name: in.Name, Notes: in.Notes}, auth.Caller(r).Name)
	if err != nil {
		httperr.Write(w, r, h.logger, err)
		return
	}
	h.writeCustomer(w, r, nil)
}
