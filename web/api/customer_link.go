package api

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"frontdesk/desk"
	"frontdesk/fault"
	"frontdesk/ticket"
	"frontdesk/web/auth"
	"frontdesk/web/httperr"
)

// identityRequest is the body of link and unlink: an email address or a
// phone number.
type identityRequest struct {
	Email string `json:"email"`
	Phone string `json:"phone"`
}

// handleCustomerLink adds an email address or a phone number to a customer
// (an assistant who knows that the caller is the writer): mail and calls
// from it find the customer from then on. A customer has any number of
// either (up to 20 of each). Linking one the customer has is 200 and changes
// nothing; one another customer has is 409, naming them. Answers the
// customer as GET shows them.
func (h *Handlers) handleCustomerLink(w http.ResponseWriter, r *http.Request) {
	h.changeIdentity(w, r, h.Desk.LinkIdentity)
}

// handleCustomerUnlink takes an email address or a phone number from a
// customer; their tickets stay theirs. One the customer does not have is 200
// and changes nothing; the last one they are known by is 409.
func (h *Handlers) handleCustomerUnlink(w http.ResponseWriter, r *http.Request) {
	h.changeIdentity(w, r, h.Desk.UnlinkIdentity)
}

func (h *Handlers) changeIdentity(w http.ResponseWriter, r *http.Request,
	change func(ctx context.Context, customerID string, id ticket.Identity, by string) (ticket.Customer, error)) {
	var in identityRequest
	if err := decodeJSON(w, r, &in); err != nil {
		httperr.Write(w, r, h.logger, err)
		return
	}
	id, err := h.identity(in)
	if err != nil {
		httperr.Write(w, r, h.logger, err)
		return
	}
	if _, err := change(r.Context(), r.PathValue("id"), id, auth.Caller(r).Name); err != nil {
		httperr.Write(w, r, h.logger, err)
		return
	}
	h.writeCustomer(w, r, nil)
}

// identity checks that exactly one of email and phone is given and reads
// it: a bare address, or a phone number in any common form (a number
// without a country code is tickets.phone_region's).
func (h *Handlers) identity(in identityRequest) (ticket.Identity, error) {
	email, phone := strings.TrimSpace(in.Email), strings.TrimSpace(in.Phone)
	switch {
	case email != "" && phone != "", email == "" && phone == "":
		return ticket.Identity{}, fmt.Errorf("%w: give either email or phone", fault.ErrInvalid)
	case email != "":
		return desk.ParseEmail(email)
	default:
		return h.Desk.ParsePhone(phone)
	}
}
