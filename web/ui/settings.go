package ui

import (
	"time"

	"frontdesk/internal/words"
	"frontdesk/ticket"
)

// DeskSettings is the configured queues, teams and business hours, as the
// web UI shows them to managers (they are edited in the config file).
type DeskSettings struct {
	Queues        []QueueSettings
	Teams         []TeamSettings
	BusinessHours []BusinessHoursSettings
}

// QueueSettings is one configured queue.
type QueueSettings struct {
	Name          string
	Address       string
	AutoAck       bool
	FirstResponse time.Duration // 0: no first-response target
	BusinessHours string        // calendar name; "" counts around the clock
}

// TeamSettings is one configured team.
type TeamSettings struct {
	Name             string
	Members          []string
	MaxOpenPerMember int // 0: no limit
}

// BusinessHoursSettings is one configured calendar.
type BusinessHoursSettings struct {
	Name     string
	Timezone string
	Days     string
	Hours    string
	Holidays []string
}

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

// Target is the queue's first-response target in words ("4 h", "1 h 30
// min"); "" for none.
func (q settingsQueue) Target() string {
	if q.FirstResponse == 0 {
		return ""
	}
	return words.Duration(q.FirstResponse)
}
