package ui

import (
	"errors"
	"net/http"
	"strings"

	"frontdesk/desk"
	"frontdesk/fault"
	"frontdesk/web/auth"
)

// handleUICustomerEdit saves the customer panel's name or notes form, and
// returns to the panel.
func (h *Handlers) handleUICustomerEdit(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	back := panelBack(r, id)
	var e desk.CustomerEdit
	var saved []string
	if r.PostForm.Has("name") {
		name := r.PostForm.Get("name")
		e.Name, saved = &name, append(saved, "Name")
	}
	if r.PostForm.Has("notes") {
		notes := r.PostForm.Get("notes")
		e.Notes, saved = &notes, append(saved, "Notes")
	}
	if _, err := h.Desk.EditCustomer(r.Context(), id, e, auth.Caller(r).Name); err != nil {
		h.panelProblem(w, r, back, err)
		return
	}
	h.seeOther(w, r, back, strings.Join(saved, " and ")+" saved.")
}

// panelProblem answers a refused panel form: back to the panel with the
// reason, or the error page when there is no panel to go back to (no such
// customer) or nothing the person can do about it.
func (h *Handlers) panelProblem(w http.ResponseWriter, r *http.Request, back string, err error) {
	if errors.Is(err, fault.ErrNotFound) || !errors.Is(err, fault.ErrInvalid) && !errors.Is(err, fault.ErrConflict) {
		h.uiError(w, r, err)
		return
	}
	msg := reason(err)
	h.seeOtherProblem(w, r, back, "Nothing was changed: "+msg+".")
}
