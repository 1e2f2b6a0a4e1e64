package config

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Calendar is a set of business hours: the days and the hours of the day
// when a team works, in a time zone, apart from holidays.
//
// Parse and Load fill in the parsed form read by Location, Weekdays, Open
// and HolidayDates. On a Calendar built by hand those parse the fields on
// each call and fall back to the defaults for fields that do not parse.
type Calendar struct {
	// Timezone is an IANA time zone name. Default: UTC.
	Timezone string `yaml:"timezone"`
	// Days lists the working days: "mon-fri", "mon,wed,fri", "sat-sun",
	// "mon-fri,sun" or "daily". Default: mon-fri.
	Days string `yaml:"days"`
	// Hours is the working time of day, "HH:MM-HH:MM" with the end after
	// the start; "24:00" may end it. Default: 09:00-17:00.
	Hours string `yaml:"hours"`
	// Holidays are dates, YYYY-MM-DD, on which the calendar is closed.
	Holidays []string `yaml:"holidays"`

	parsed   bool
	loc      *time.Location
	weekdays [7]bool
	start    time.Duration
	end      time.Duration
}

// Calendar defaults.
const (
	defaultTimezone = "UTC"
	defaultDays     = "mon-fri"
	defaultHours    = "09:00-17:00"
)

// Location returns the calendar's time zone.
func (c Calendar) Location() *time.Location {
	return c.compiled().loc
}

// Weekdays reports, indexed by time.Weekday, on which days the calendar is
// open.
func (c Calendar) Weekdays() [7]bool {
	return c.compiled().weekdays
}

// Open returns the opening and closing times of an open day, as offsets
// from midnight.
func (c Calendar) Open() (start, end time.Duration) {
	cc := c.compiled()
	return cc.start, cc.end
}

// HolidayDates returns the holidays, YYYY-MM-DD.
func (c Calendar) HolidayDates() []string {
	return slices.Clone(c.Holidays)
}

// IsOpen reports whether t falls within the calendar's business hours.
func (c Calendar) IsOpen(t time.Time) bool {
	cc := c.compiled()
	lt := t.In(cc.loc)
	if !cc.openOn(lt) {
		return false
	}
	off := time.Duration(lt.Hour())*time.Hour + time.Duration(lt.Minute())*time.Minute +
		time.Duration(lt.Second())*time.Second + time.Duration(lt.Nanosecond())
	return off >= cc.start && off < cc.end
}

// AddOpenTime returns the moment d of business hours after t: time outside
// the calendar's hours, on closed days and on holidays does not count. It
// is meant for deadlines such as a queue's first response. A d of zero or
// less returns t.
func (c Calendar) AddOpenTime(t time.Time, d time.Duration) time.Time {
	if d <= 0 {
		return t
	}
	cc := c.compiled()
	cur := t.In(cc.loc)
	// Ten years of days bound the walk; a calendar is open on at least one
	// weekday, so any realistic d ends far sooner.
	for range 3660 {
		y, m, day := cur.Date()
		if cc.openOn(cur) {
			opens := cc.clock(y, m, day, cc.start)
			closes := cc.clock(y, m, day, cc.end)
			if cur.Before(opens) {
				cur = opens
			}
			if cur.Before(closes) {
				left := closes.Sub(cur)
				if d <= left {
					return cur.Add(d)
				}
				d -= left
			}
		}
		cur = time.Date(y, m, day+1, 0, 0, 0, 0, cc.loc)
	}
	return t.Add(d)
}

// openOn reports whether the calendar is open on t's date (in its zone).
func (c Calendar) openOn(t time.Time) bool {
	return c.weekdays[t.Weekday()] && !slices.Contains(c.Holidays, t.Format(time.DateOnly))
}

// clock returns the time off after midnight on the given date, reading off
// as a wall clock time so that daylight saving changes do not shift it.
func (c Calendar) clock(y int, m time.Month, d int, off time.Duration) time.Time {
	return time.Date(y, m, d, int(off/time.Hour), int(off%time.Hour/time.Minute), 0, 0, c.loc)
}

// compiled returns c with its parsed form filled in, parsing it now when
// Parse did not.
func (c Calendar) compiled() Calendar {
	if c.parsed {
		return c
	}
	var ps problems
	c.compile("", &ps)
	return c
}

// compile parses the calendar's fields into its parsed form, reporting
// problems under path. A field that does not parse gets its default's value.
func (c *Calendar) compile(path string, ps *problems) {
	c.parsed = true
	c.loc = time.UTC
	if c.Timezone != "" {
		loc, err := time.LoadLocation(c.Timezone)
		if err != nil || c.Timezone == "Local" {
			ps.add(join(path, "timezone"), "unknown time zone %q", c.Timezone)
		} else {
			c.loc = loc
		}
	}
	c.weekdays, _ = parseDays(defaultDays)
	if w, err := parseDays(c.Days); err != nil {
		ps.add(join(path, "days"), "%s", err.Error())
	} else {
		c.weekdays = w
	}
	c.start, c.end, _ = parseHours(defaultHours)
	if start, end, err := parseHours(c.Hours); err != nil {
		ps.add(join(path, "hours"), "%s", err.Error())
	} else {
		c.start, c.end = start, end
	}
	for i, h := range c.Holidays {
		if _, err := time.Parse(time.DateOnly, h); err != nil {
			ps.add(fmt.Sprintf("%s[%d]", join(path, "holidays"), i), "invalid date %q: want YYYY-MM-DD", h)
		}
	}
}

var dayNames = map[string]time.Weekday{
	"sun": time.Sunday, "mon": time.Monday, "tue": time.Tuesday, "wed": time.Wednesday,
	"thu": time.Thursday, "fri": time.Friday, "sat": time.Saturday,
}

// parseDays parses a list of days such as "mon-fri", "mon,wed,fri",
// "mon-fri,sun" or "daily". A range may wrap around the week: "fri-mon".
func parseDays(s string) ([7]bool, error) {
	var days [7]bool
	bad := fmt.Errorf("invalid days %q: want e.g. mon-fri, mon,wed,fri or daily", s)
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "daily" {
		return [7]bool{true, true, true, true, true, true, true}, nil
	}
	for part := range strings.SplitSeq(s, ",") {
		from, to, isRange := strings.Cut(strings.TrimSpace(part), "-")
		first, ok1 := dayNames[strings.TrimSpace(from)]
		last, ok2 := first, true
		if isRange {
			last, ok2 = dayNames[strings.TrimSpace(to)]
		}
		if !ok1 || !ok2 {
			return days, bad
		}
		for d := first; ; d = (d + 1) % 7 {
			days[d] = true
			if d == last {
				break
			}
		}
	}
	return days, nil
}

// parseHours parses "HH:MM-HH:MM" into offsets from midnight. The end must
// come after the start; "24:00" is the end of the day.
func parseHours(s string) (start, end time.Duration, err error) {
	from, to, ok := strings.Cut(strings.TrimSpace(s), "-")
	start, ok1 := parseClock(strings.TrimSpace(from), false)
	end, ok2 := parseClock(strings.TrimSpace(to), true)
	if !ok || !ok1 || !ok2 {
		return 0, 0, fmt.Errorf("invalid hours %q: want HH:MM-HH:MM, e.g. 09:00-17:00", s)
	}
	if end <= start {
		return 0, 0, fmt.Errorf("invalid hours %q: the end must come after the start", s)
	}
	return start, end, nil
}

// parseClock parses "HH:MM" (or "H:MM") into an offset from midnight;
// "24:00" only when allow24.
func parseClock(s string, allow24 bool) (time.Duration, bool) {
	hs, ms, ok := strings.Cut(s, ":")
	if !ok || len(hs) < 1 || len(hs) > 2 || len(ms) != 2 {
		return 0, false
	}
	h, err1 := strconv.Atoi(hs)
	m, err2 := strconv.Atoi(ms)
	if err1 != nil || err2 != nil || h < 0 || m < 0 || m > 59 || strings.ContainsAny(s, "+-") {
		return 0, false
	}
	if h > 23 && !(allow24 && h == 24 && m == 0) {
		return 0, false
	}
	return time.Duration(h)*time.Hour + time.Duration(m)*time.Minute, true
}

// OpenTimeBetween returns how much of the calendar's business hours lies
// between from and to: the inverse of AddOpenTime, for figures such as a
// first response's time in business hours. Zero when to is not after from.
func (c Calendar) OpenTimeBetween(from, to time.Time) time.Duration {
	if !to.After(from) {
		return 0
	}
	cc := c.compiled()
	cur := from.In(cc.loc)
	var sum time.Duration
	// Ten years of days bound the walk, as in AddOpenTime.
	for range 3660 {
		if !cur.Before(to) {
			break
		}
		y, m, day := cur.Date()
		if cc.openOn(cur) {
			opens := cc.clock(y, m, day, cc.start)
			closes := cc.clock(y, m, day, cc.end)
			if cur.Before(opens) {
				cur = opens
			}
			end := closes
			if to.Before(end) {
				end = to
			}
			if cur.Before(end) {
				sum += end.Sub(cur)
			}
		}
		cur = time.Date(y, m, day+1, 0, 0, 0, 0, cc.loc)
	}
	return sum
}
