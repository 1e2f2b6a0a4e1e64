package api

import (
	"fmt"
	"net/http"

	"frontdesk/fault"
	"frontdesk/web/auth"
	"frontdesk/web/httperr"
)

// forgetRequest is the body of a customer's erasure: confirm must be true,
// so that no stray request erases anyone.
type forgetRequest struct {
	Confirm bool `json:"confirm"`
}

// forgetAnswer says what erasing a customer erased.
type forgetAnswer struct {
	CustomerID string   `json:"customer_id"`
	Tickets    []string `json:"tickets"`
	Emails     int      `json:"emails"`
	Phones     int      `json:"phones"`
}

// handleCustomerForget erases a customer everywhere for their right to
// erasure (managers only): their tickets' content, each ticket left closed
// with an erased event; their record, addresses and numbers (desk's
// ForgetCustomerByID). 404 for no such customer (also once erased).
func (h *Handlers) handleCustomerForget(w http.ResponseWriter, r *http.Request) {
	var in forgetRequest
	if err := decodeJSON(w, r, &in); err != nil {
		httperr.Write(w, r, h.logger, err)
		return
	}
	if !in.Confirm {
		httperr.Write(w, r, h.logger, fmt.Errorf("%w: erasing a customer cannot be undone: send {\"confirm\": true}", fault.ErrInvalid))
		return
	}
	f, err := h.Desk.ForgetCustomerByID(r.Context(), r.PathValue("id"), auth.Caller(r).Name)
	if err != nil {
		httperr.Write(w, r, h.logger, err)
		return
	}
	if f.Tickets == nil {
		f.Tickets = []string{}
	}
	writeJSON(w, http.StatusOK, forgetAnswer{CustomerID: f.CustomerID, Tickets: f.Tickets, Emails: f.Emails, Phones: f.Phones})
}
