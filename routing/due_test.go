package routing

import (
	"testing"
	"time"

	"frontdesk/config"
)

func TestFirstResponseDue(t *testing.T) {
	daily := config.Calendar{Timezone: "Europe/Amsterdam", Days: "daily", Hours: "00:00-24:00"}
	tests := []struct {
		name string
		now  time.Time
		sla  time.Duration
		cal  *config.Calendar
		want time.Time
	}{
		{"around the clock", amsterdam(t, 2026, 11, 27, 9, 15), 4 * time.Hour, nil, amsterdam(t, 2026, 11, 27, 13, 15)},
		{"within the day", amsterdam(t, 2026, 11, 26, 9, 15), 4 * time.Hour, &office, amsterdam(t, 2026, 11, 26, 13, 15)},
		{"before opening", amsterdam(t, 2026, 11, 26, 7, 0), 4 * time.Hour, &office, amsterdam(t, 2026, 11, 26, 13, 0)},
		// Friday 23 October 15:00 CEST (UTC+2): 2h on Friday, the clocks go
		// back on Sunday 25 October, 2h on Monday from 09:00 CET (UTC+1).
		{"over the DST change", amsterdam(t, 2026, 10, 23, 15, 0), 4 * time.Hour, &office, amsterdam(t, 2026, 10, 26, 11, 0)},
		// Around the clock in business time: the night of 25 October has
		// 25 hours, so 4h after Saturday 23:00 CEST is 02:00 CET.
		{"DST night, open all day", amsterdam(t, 2026, 10, 24, 23, 0), 4 * time.Hour, &daily,
			time.Date(2026, 10, 25, 1, 0, 0, 0, time.UTC)},
		// Thursday 24 December 16:00: 1h on Thursday, Christmas (a
		// holiday) and the weekend closed, 3h on Monday 28 December.
		{"over a holiday", amsterdam(t, 2026, 12, 24, 16, 0), 4 * time.Hour, &office, amsterdam(t, 2026, 12, 28, 12, 0)},
		{"no target", amsterdam(t, 2026, 12, 24, 16, 0), 0, &office, time.Time{}},
	}
	for _, tc := range tests {
		got := FirstResponseDue(tc.now, tc.sla, tc.cal)
		if !got.Equal(tc.want) {
			t.Errorf("%s: %v + %v = %v, want %v", tc.name, tc.now, tc.sla, got, tc.want)
		}
	}
	// The DST case is 69 hours of real time, not the 68 of the wall clock.
	got := FirstResponseDue(amsterdam(t, 2026, 10, 23, 15, 0), 4*time.Hour, &office)
	if d := got.Sub(amsterdam(t, 2026, 10, 23, 15, 0)); d != 69*time.Hour {
		t.Errorf("elapsed %v, want 69h", d)
	}
}

// TestOpenHoursAgreesWithConfig checks routing's compiled calendar against
// config.Calendar.IsOpen, hour by hour over the autumn DST change and
// Christmas.
func TestOpenHoursAgreesWithConfig(t *testing.T) {
	cals := []config.Calendar{office, {}, {Timezone: "America/New_York", Days: "fri-mon", Hours: "22:00-24:00"}}
	for _, cal := range cals {
		h := newOpenHours(cal)
		for tm := amsterdam(t, 2026, 10, 20, 0, 7); tm.Before(amsterdam(t, 2026, 12, 31, 0, 0)); tm = tm.Add(29 * time.Minute) {
			if got, want := h.isOpen(tm), cal.IsOpen(tm); got != want {
				t.Fatalf("%+v at %v: isOpen %v, config says %v", cal, tm, got, want)
			}
		}
	}
}
