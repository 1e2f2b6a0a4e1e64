package config

import (
	"time"
)

// validateRetention checks tickets.retention: 0 (keep everything), or at
// least a day and longer than every window in which reconciliation looks for
// input the desk lacks: an erased ticket's mail or text must be too old for
// it, or it would come back as a new ticket.
func validateRetention(c *Config, ps *problems) {
	r := c.Tickets.Retention.Duration()
	if r == 0 {
		return
	}
	if r < 24*time.Hour {
		ps.add("tickets.retention", "must be 0 (keep everything) or at least 1d")
		return
	}
	for i, m := range c.Mailboxes {
		if w := time.Duration(m.ReconcileDays) * 24 * time.Hour; w >= r {
			ps.add("tickets.retention", "must be longer than mailboxes[%d].reconcile_days (%dd): reconciliation would import erased mail again", i, m.ReconcileDays)
			return
		}
	}
	if w := c.Twilio.ReconcileWindow; twilioConfigured(c) && w >= r {
		ps.add("tickets.retention", "must be longer than twilio.reconcile_window (%s): reconciliation would import erased texts and calls again", w)
	}
}

// twilioConfigured reports whether Twilio intake is set up.
func twilioConfigured(c *Config) bool { return c.Twilio.AccountSID != "" || len(c.Twilio.Numbers) > 0 }
