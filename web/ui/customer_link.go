package ui

import (
	"errors"
	"net/http"

	"frontdesk/fault"
	"frontdesk/ticket"
	"frontdesk/web/auth"
)

// handleUICustomerLink adds the address or number typed in the panel to the
// customer: an email address, or a phone number in any common form (one
// without a country code is tickets.phone_region's).
func (h *Handlers) handleUICustomerLink(w http.ResponseWriter, r *http.Request) {
	cid := r.PathValue("id")
	back := panelBack(r, cid)
	id, err := h.Desk.ParseIdentity(r.PostForm.Get("identity"))
	if err != nil {
		h.panelProblem(w, r, back, err)
		return
	}
	if _, err := h.Desk.LinkIdentity(r.Context(), cid, id, auth.Caller(r).Name); err != nil {
		if other, ferr := h.Tickets.FindCustomer(r.Context(), id.Value); errors.Is(err, fault.ErrConflict) && ferr == nil && other.ID != cid {
			h.seeOtherProblem(w, r, back, "Nothing was changed: "+h.shown(id)+" belongs to another customer, "+h.customerName(other)+
				". Unlink it from them first (their tickets show them); customers are not merged.")
			return
		}
		h.panelProblem(w, r, back, err)
		return
	}
	h.seeOther(w, r, back, "Linked "+h.shown(id)+".")
}

// handleUICustomerUnlink takes an address or number from the customer,
// after the panel's confirmation.
func (h *Handlers) handleUICustomerUnlink(w http.ResponseWriter, r *http.Request) {
	cid := r.PathValue("id")
	back := panelBack(r, cid)
	id, err := h.Desk.ParseIdentity(r.PostForm.Get("identity"))
	if err != nil {
		h.panelProblem(w, r, back, err)
		return
	}
	if _, err := h.Desk.UnlinkIdentity(r.Context(), cid, id, auth.Caller(r).Name); err != nil {
		h.panelProblem(w, r, back, err)
		return
	}
	h.seeOther(w, r, back, "Unlinked "+h.shown(id)+": mail and calls from it no longer find this customer.")
}

// shown is an address or number as people read it.
func (h *Handlers) shown(id ticket.Identity) string {
	if id.Kind == ticket.IdentityPhone {
		return h.Desk.ShowPhone(id.Value)
	}
	return id.Value
}
