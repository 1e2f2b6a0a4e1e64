package api

import (
	"fmt"
	"net/http"

	"frontdesk/fault"
	"frontdesk/web/auth"
	"frontdesk/web/httperr"
)

type availabilityRequest struct {
	Away *bool `json:"away"`
}

// handleMeAvailability sets whether the caller is away (routing assigns
// nothing to an assistant who is) and answers the caller as they now are.
func (h *Handlers) handleMeAvailability(w http.ResponseWriter, r *http.Request) {
	var in availabilityRequest
	if err := decodeJSON(w, r, &in); err != nil {
		httperr.Write(w, r, h.logger, err)
		return
	}
	if in.Away == nil {
		httperr.Write(w, r, h.logger, fmt.Errorf("%w: away (true or false) is required", fault.ErrInvalid))
		return
	}
	me := auth.Caller(r)
	if err := h.Accounts.SetAway(r.Context(), me.Name, *in.Away); err != nil {
		httperr.Write(w, r, h.logger, err)
		return
	}
	me.Away = *in.Away
	writeJSON(w, http.StatusOK, me)
}
