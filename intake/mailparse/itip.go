package mailparse

import (
	"strings"

	"frontdesk/calendar"
)

// readInvitationAnswer sets Invitation when the mail carries an attendee's
// answer to an invitation: a text/calendar (or application/ics) part whose
// METHOD is REPLY or COUNTER (iMIP, RFC 6047 §2.4; iTIP, RFC 5546 §3.2.3,
// §3.2.7) — Outlook's "Accepted: …" mail, Gmail's reply with invite.ics,
// Apple Mail's iCal reply. The first such part counts (Gmail sends the same
// calendar inline and as invite.ics). Such a mail was written by a calendar
// app, not a person: it is AutoSubmitted (never acknowledged).
func readInvitationAnswer(m *Mail, b *bodyParts) {
	for _, p := range b.leaves {
		ct := strings.ToLower(p.ContentType)
		if ct != "text/calendar" && ct != "application/ics" && !strings.HasSuffix(strings.ToLower(p.FileName), ".ics") {
			continue
		}
		a, err := calendar.ReadAnswer(p.Content)
		if err != nil {
			continue
		}
		m.Invitation = a
		m.AutoSubmitted = true
		return
	}
}
