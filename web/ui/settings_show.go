package ui

import (
	"fmt"
	"net/http"
	"strings"
)

// handleUISettings shows the configured queues, teams and business hours
// (read-only: they are edited in the configuration file), each queue's
// counts now, and the state of the mailboxes that sign in with OAuth2, with
// their Connect buttons.
func (h *Handlers) handleUISettings(w http.ResponseWriter, r *http.Request) {
	h.renderSettings(w, r, http.StatusOK, "")
}

// renderSettings renders the settings page with status and, when set, a
// problem above it (a connection that did not succeed).
func (h *Handlers) renderSettings(w http.ResponseWriter, r *http.Request, status int, problem string) {
	page := settingsPage{}
	if st := h.settings; st != nil {
		page.Configured, page.Teams, page.Calendars = true, st.Teams, st.BusinessHours
		for _, q := range st.Queues {
			page.Queues = append(page.Queues, settingsQueue{QueueSettings: q})
		}
	} else {
		for _, q := range h.Queues() {
			page.Queues = append(page.Queues, settingsQueue{QueueSettings: QueueSettings{Name: q}})
		}
	}
	for i, q := range page.Queues {
		st, err := h.Tickets.QueueStats(r.Context(), q.Name)
		if err != nil {
			h.uiError(w, r, fmt.Errorf("count the tickets of queue %s: %w", q.Name, err))
			return
		}
		page.Queues[i].Stats = st
	}
	if h.mailAuth != nil {
		sts, err := h.mailAuth.Statuses(r.Context())
		if err != nil {
			h.uiError(w, r, fmt.Errorf("read the mail sign-ins: %w", err))
			return
		}
		for _, st := range sts {
			page.MailAuth = append(page.MailAuth, mailAuthRow{Status: st})
		}
		page.CanConnect = h.mailAuth.CanConnect()
		// The Connect forms end at the providers' pages: a browser checks
		// form-action across the form's redirect too.
		if t := h.mailAuth.FormTargets(); len(t) > 0 {
			w.Header().Set("Content-Security-Policy", strings.Replace(uiCSP, "form-action 'self'", "form-action 'self' "+strings.Join(t, " "), 1))
		}
	}
	h.render(w, r, status, "settings", &pageData{Title: "Queues & hours", Nav: "settings", Problem: problem, Data: page})
}
