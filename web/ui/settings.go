package ui

import (
	"time"

	"frontdesk/internal/words"
	"frontdesk/mailauth"
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
	// MailAuth are the mailboxes and smtp that sign in with OAuth2;
	// CanConnect whether they can be connected here.
	MailAuth   []mailAuthRow
	CanConnect bool
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

// mailAuthRow is one account that signs in with OAuth2, as the settings
// page shows it.
type mailAuthRow struct {
	mailauth.Status
}

// Name says which account it is in words.
func (r mailAuthRow) Name() string {
	if r.Mailbox != "" {
		return "Mailbox " + r.Mailbox
	}
	return "Outgoing mail (SMTP)"
}

// Action is the connect button's words: Connect with the provider, or
// Reconnect once it was connected.
func (r mailAuthRow) Action() string {
	if r.State == mailauth.StateNotConnected {
		return "Connect with " + r.Provider
	}
	return "Reconnect"
}
