package ui

import (
	"net/http"

	"frontdesk/web/auth"
)

// handleUIAway marks the caller away (away=1) or back: routing assigns no
// tickets to someone away.
func (h *Handlers) handleUIAway(w http.ResponseWriter, r *http.Request) {
	away := r.PostForm.Get("away") == "1"
	if err := h.Accounts.SetAway(r.Context(), auth.Caller(r).Name, away); err != nil {
		h.uiError(w, r, err)
		return
	}
	notice := "You are available: routing may assign you tickets."
	if away {
		notice = "You are away: routing assigns you no tickets until you are back."
	}
	back := localPath(r.PostForm.Get("back"))
	if back == "" {
		back = "/"
	}
	h.seeOther(w, r, back, notice)
}
