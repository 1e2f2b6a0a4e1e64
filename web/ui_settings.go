package web

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"frontdesk/ticket"
)

// settingsPage is the "queues & hours" page's data: the configuration as
// Options.Settings describes it, with each queue's live counts.
type settingsPage struct {
	// Configured is whether the server was given its settings; without
	// them only the queue names and counts are shown.
	Configured bool
	Queues     []settingsQueue
	Teams      []TeamSettings
	Calendars  []BusinessHoursSettings
}

// settingsQueue is one queue: its settings and its counts now.
type settingsQueue struct {
	QueueSettings
	Stats ticket.QueueStats
}

// Target is the queue's first-response target in words ("4h", "30m").
func (q settingsQueue) Target() string { return shortDuration(q.FirstResponse) }

// shortDuration renders d without trailing zero units: 4h, 1h30m, 45m; ""
// for zero.
func shortDuration(d time.Duration) string {
	if d == 0 {
		return ""
	}
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// handleUISettings shows the configured queues, teams and business hours
// (read-only: they are edited in the configuration file) and each queue's
// counts now.
func (s *Server) handleUISettings(w http.ResponseWriter, r *http.Request) {
	page := settingsPage{}
	if st := s.settings; st != nil {
		page.Configured, page.Teams, page.Calendars = true, st.Teams, st.BusinessHours
		for _, q := range st.Queues {
			page.Queues = append(page.Queues, settingsQueue{QueueSettings: q})
		}
	} else {
		for _, q := range s.Queues {
			page.Queues = append(page.Queues, settingsQueue{QueueSettings: QueueSettings{Name: q}})
		}
	}
	for i, q := range page.Queues {
		st, err := s.Tickets.QueueStats(r.Context(), q.Name)
		if err != nil {
			s.uiError(w, r, fmt.Errorf("count the tickets of queue %s: %w", q.Name, err))
			return
		}
		page.Queues[i].Stats = st
	}
	s.render(w, r, http.StatusOK, "settings", &pageData{Title: "Queues & hours", Nav: "settings", Data: page})
}
