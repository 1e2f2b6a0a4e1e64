package routing

import (
	"time"

	"frontdesk/config"
)

// FirstResponseDue returns when a first response to a ticket created at
// now is due, sla later: in business time when cal is non-nil (time
// outside its hours, on closed days and holidays does not count), else
// around the clock. An sla of zero or less means no target: the zero time.
func FirstResponseDue(now time.Time, sla time.Duration, cal *config.Calendar) time.Time {
	if sla <= 0 {
		return time.Time{}
	}
	if cal == nil {
		return now.Add(sla)
	}
	return cal.AddOpenTime(now, sla)
}
