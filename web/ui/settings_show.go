package ui

import (
	"fmt"
	"net/http"
)

// handleUISettings shows the configured queues, teams and business hours
// (read-only: they are edited in the configuration file) and each queue's
// counts now.
func (h *Handlers) handleUISettings(w http.ResponseWriter, r *http.Request) {
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
	h.render(w, r, http.StatusOK, "settings", &pageData{Title: "Queues & hours", Nav: "settings", Data: page})
}
