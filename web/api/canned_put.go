package api

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"frontdesk/fault"
	"frontdesk/ticket"
	"frontdesk/web/auth"
	"frontdesk/web/httperr"
)

// handleCannedPut replaces the canned replies whole (desk.ReplaceCanned):
// 200 with {"version": N}. A list with a problem — an empty or duplicate
// name, an unknown queue, a text that is not a template or uses more than
// .CustomerName, .TicketID and .Assistant — is refused whole with 400 naming
// the entry. With If-Match: "N" (the ETag of a GET) it is stored only while
// version N is in force, else 409.
func (h *Handlers) handleCannedPut(w http.ResponseWriter, r *http.Request) {
	var in []ticket.CannedReply
	if err := decodeJSON(w, r, &in); err != nil {
		httperr.Write(w, r, h.logger, err)
		return
	}
	expect := -1
	if m := strings.TrimSpace(r.Header.Get("If-Match")); m != "" && m != "*" {
		n, err := strconv.Atoi(strings.Trim(strings.TrimPrefix(m, "W/"), `"`))
		if err != nil || n < 0 {
			httperr.Write(w, r, h.logger, fmt.Errorf("%w: If-Match %q is not a version of the canned replies", fault.ErrInvalid, m))
			return
		}
		expect = n
	}
	n, err := h.Desk.ReplaceCanned(r.Context(), in, auth.Caller(r).Name, expect)
	if err != nil {
		httperr.Write(w, r, h.logger, err)
		return
	}
	w.Header().Set("ETag", strconv.Quote(strconv.Itoa(n)))
	writeJSON(w, http.StatusOK, map[string]int{"version": n})
}
