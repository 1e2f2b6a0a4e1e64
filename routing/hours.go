package routing

import (
	"time"

	"frontdesk/config"
)

// openHours is a business_hours calendar read once at Compile, so that a
// Decide tests it without parsing anything. It answers as
// config.Calendar.IsOpen does.
type openHours struct {
	cal        config.Calendar
	loc        *time.Location
	days       [7]bool
	start, end time.Duration
	holidays   map[string]bool
}

func newOpenHours(cal config.Calendar) openHours {
	h := openHours{cal: cal, loc: cal.Location(), days: cal.Weekdays(), holidays: map[string]bool{}}
	h.start, h.end = cal.Open()
	for _, d := range cal.HolidayDates() {
		h.holidays[d] = true
	}
	return h
}

// isOpen reports whether t falls within the business hours.
func (h *openHours) isOpen(t time.Time) bool {
	lt := t.In(h.loc)
	if !h.days[lt.Weekday()] {
		return false
	}
	y, m, d := lt.Date()
	if len(h.holidays) > 0 && h.holidays[time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Format(time.DateOnly)] {
		return false
	}
	off := time.Duration(lt.Hour())*time.Hour + time.Duration(lt.Minute())*time.Minute +
		time.Duration(lt.Second())*time.Second + time.Duration(lt.Nanosecond())
	return off >= h.start && off < h.end
}
