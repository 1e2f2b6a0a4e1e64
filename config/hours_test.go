package config

import (
	"testing"
	"time"
)

func TestParseDays(t *testing.T) {
	const S = true
	tests := []struct {
		in   string
		want [7]bool // Sunday first, as time.Weekday
		ok   bool
	}{
		{"mon-fri", [7]bool{false, S, S, S, S, S, false}, true},
		{"MON-FRI", [7]bool{false, S, S, S, S, S, false}, true},
		{"mon,wed,fri", [7]bool{false, S, false, S, false, S, false}, true},
		{"sat-sun", [7]bool{S, false, false, false, false, false, S}, true},
		{"mon-fri,sun", [7]bool{S, S, S, S, S, S, false}, true},
		{" mon - tue , thu ", [7]bool{false, S, S, false, S, false, false}, true},
		{"fri-mon", [7]bool{S, S, false, false, false, S, S}, true},
		{"wed", [7]bool{false, false, false, S, false, false, false}, true},
		{"daily", [7]bool{S, S, S, S, S, S, S}, true},
		{"", [7]bool{}, false},
		{"mon-", [7]bool{}, false},
		{"mon,,fri", [7]bool{}, false},
		{"monday", [7]bool{}, false},
		{"mon-fri-sat", [7]bool{}, false},
		{"weekdays", [7]bool{}, false},
	}
	for _, tt := range tests {
		got, err := parseDays(tt.in)
		if (err == nil) != tt.ok || (tt.ok && got != tt.want) {
			t.Errorf("parseDays(%q) = %v, %v; want %v, ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

func TestParseHours(t *testing.T) {
	h := func(hh, mm int) time.Duration { return time.Duration(hh)*time.Hour + time.Duration(mm)*time.Minute }
	tests := []struct {
		in         string
		start, end time.Duration
		ok         bool
	}{
		{"09:00-17:00", h(9, 0), h(17, 0), true},
		{"9:30-17:45", h(9, 30), h(17, 45), true},
		{" 08:00 - 12:00 ", h(8, 0), h(12, 0), true},
		{"00:00-24:00", 0, h(24, 0), true},
		{"22:00-24:00", h(22, 0), h(24, 0), true},
		{"17:00-09:00", 0, 0, false},
		{"09:00-09:00", 0, 0, false},
		{"24:00-24:00", 0, 0, false},
		{"09:00-24:01", 0, 0, false},
		{"09:00-25:00", 0, 0, false},
		{"09:60-17:00", 0, 0, false},
		{"9-17", 0, 0, false},
		{"09:00", 0, 0, false},
		{"0900-1700", 0, 0, false},
		{"09:0-17:00", 0, 0, false},
		{"-1:00-17:00", 0, 0, false},
		{"", 0, 0, false},
	}
	for _, tt := range tests {
		start, end, err := parseHours(tt.in)
		if (err == nil) != tt.ok || start != tt.start || end != tt.end {
			t.Errorf("parseHours(%q) = %v, %v, %v; want %v, %v, ok=%v", tt.in, start, end, err, tt.start, tt.end, tt.ok)
		}
	}
}

func TestCalendarIsOpen(t *testing.T) {
	c := mustParse(t, `
business_hours:
  office: {timezone: Europe/Amsterdam, days: mon-fri, hours: "09:00-17:00", holidays: ["2026-12-25"]}
`, nil)
	cal, _ := c.Calendar("office")
	ams := cal.Location()
	tests := []struct {
		at   time.Time
		want bool
	}{
		{time.Date(2026, 11, 27, 9, 0, 0, 0, ams), true},    // Friday opening
		{time.Date(2026, 11, 27, 16, 59, 59, 0, ams), true}, // just before closing
		{time.Date(2026, 11, 27, 17, 0, 0, 0, ams), false},  // closing
		{time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC), true},
		{time.Date(2026, 11, 28, 12, 0, 0, 0, ams), false}, // Saturday
		{time.Date(2026, 12, 25, 12, 0, 0, 0, ams), false}, // holiday, a Friday
	}
	for _, tt := range tests {
		if got := cal.IsOpen(tt.at); got != tt.want {
			t.Errorf("IsOpen(%v) = %v, want %v", tt.at, got, tt.want)
		}
	}
}

func TestCalendarAddOpenTime(t *testing.T) {
	c := mustParse(t, `
business_hours:
  office: {timezone: Europe/Amsterdam, days: mon-fri, hours: "09:00-17:00", holidays: ["2026-12-25"]}
`, nil)
	cal, _ := c.Calendar("office")
	ams := cal.Location()
	at := func(m time.Month, d, hh, mm int) time.Time { return time.Date(2026, m, d, hh, mm, 0, 0, ams) }
	tests := []struct {
		from time.Time
		d    time.Duration
		want time.Time
	}{
		{at(11, 27, 10, 0), 4 * time.Hour, at(11, 27, 14, 0)}, // within the day
		{at(11, 27, 15, 0), 4 * time.Hour, at(11, 30, 11, 0)}, // Friday into Monday
		{at(11, 27, 20, 0), time.Hour, at(11, 30, 10, 0)},     // after hours
		{at(11, 28, 3, 0), 8 * time.Hour, at(11, 30, 17, 0)},  // weekend start, a whole day
		{at(12, 24, 16, 0), 2 * time.Hour, at(12, 28, 10, 0)}, // over the holiday and weekend
		{at(10, 23, 16, 0), 2 * time.Hour, at(10, 26, 10, 0)}, // over the end of summer time
		{at(11, 27, 20, 0), 0, at(11, 27, 20, 0)},             // nothing to add
	}
	for _, tt := range tests {
		if got := cal.AddOpenTime(tt.from, tt.d); !got.Equal(tt.want) {
			t.Errorf("AddOpenTime(%v, %v) = %v, want %v", tt.from, tt.d, got, tt.want)
		}
	}
}

func TestCalendarWithoutParse(t *testing.T) {
	cal := Calendar{Timezone: "America/New_York", Days: "sat-sun", Hours: "10:00-14:00"}
	if cal.Location().String() != "America/New_York" {
		t.Errorf("Location = %v", cal.Location())
	}
	if w := cal.Weekdays(); !w[time.Saturday] || w[time.Monday] {
		t.Errorf("Weekdays = %v", w)
	}
	if s, e := cal.Open(); s != 10*time.Hour || e != 14*time.Hour {
		t.Errorf("Open = %v, %v", s, e)
	}
	var zero Calendar
	if zero.Location() != time.UTC || !zero.Weekdays()[time.Monday] {
		t.Errorf("zero Calendar: %v %v", zero.Location(), zero.Weekdays())
	}
}

// TestOpenTimeBetween: the business time between two moments is what
// AddOpenTime added, across nights, weekends, holidays and a change of
// daylight saving time.
func TestOpenTimeBetween(t *testing.T) {
	cal := Calendar{Timezone: "Europe/Amsterdam", Days: "mon-fri", Hours: "09:00-17:00", Holidays: []string{"2026-12-25"}}
	ams, _ := time.LoadLocation("Europe/Amsterdam")
	for _, tc := range []struct {
		from time.Time
		d    time.Duration
	}{
		{time.Date(2026, 11, 30, 16, 0, 0, 0, ams), 2 * time.Hour},
		{time.Date(2026, 12, 24, 16, 30, 0, 0, ams), 8 * time.Hour},
		{time.Date(2026, 10, 23, 12, 0, 0, 0, ams), 20 * time.Hour},
		{time.Date(2026, 11, 28, 3, 0, 0, 0, ams), 30 * time.Minute},
	} {
		to := cal.AddOpenTime(tc.from, tc.d)
		if got := cal.OpenTimeBetween(tc.from, to); got != tc.d {
			t.Errorf("from %v to %v: %v, want %v", tc.from, to, got, tc.d)
		}
	}
	if got := cal.OpenTimeBetween(time.Date(2026, 11, 30, 20, 0, 0, 0, ams), time.Date(2026, 12, 1, 8, 0, 0, 0, ams)); got != 0 {
		t.Errorf("overnight: %v", got)
	}
	if got := cal.OpenTimeBetween(time.Date(2026, 12, 1, 10, 0, 0, 0, ams), time.Date(2026, 12, 1, 9, 0, 0, 0, ams)); got != 0 {
		t.Errorf("backwards: %v", got)
	}
}
