package desk

import (
	"time"

	"frontdesk/config"
	"frontdesk/routing"
)

// FirstResponseDue is the one place a first-response deadline is computed:
// sla after from, counted in the queue's business hours when it has a
// calendar, else around the clock. An sla of zero takes the queue's
// first_response; zero time when the queue promises none.
func (d *Desk) FirstResponseDue(queue string, sla time.Duration, from time.Time) time.Time {
	q, _ := d.cfg.Queue(queue)
	if sla <= 0 {
		sla = q.FirstResponse
	}
	var cal *config.Calendar
	if c, ok := d.cfg.Calendar(q.BusinessHours); ok && q.BusinessHours != "" {
		cal = &c
	}
	return routing.FirstResponseDue(from, sla, cal)
}
