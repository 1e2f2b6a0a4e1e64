package ui

import (
	"testing"
	"time"
)

func TestSnoozeUntil(t *testing.T) {
	ams, err := time.LoadLocation("Europe/Amsterdam")
	if err != nil {
		t.Skip("no timezone data:", err)
	}
	// Wednesday 2 December 2026, 16:20 in Amsterdam.
	now := time.Date(2026, 12, 2, 16, 20, 0, 0, ams)
	for _, c := range []struct {
		preset, until string
		want          time.Time
	}{
		{"3h", "", time.Date(2026, 12, 2, 19, 20, 0, 0, ams)},
		{"tomorrow", "", time.Date(2026, 12, 3, 9, 0, 0, 0, ams)},
		{"monday", "", time.Date(2026, 12, 7, 9, 0, 0, 0, ams)},
		{"", "2026-12-24T08:30", time.Date(2026, 12, 24, 8, 30, 0, 0, ams)},
	} {
		got, err := snoozeUntil(c.preset, c.until, now)
		if err != nil || !got.Equal(c.want) {
			t.Errorf("snoozeUntil(%q, %q) = %v, %v; want %v", c.preset, c.until, got, err, c.want)
		}
	}
	// On a Monday, "Monday" is the next one.
	monday := time.Date(2026, 12, 7, 8, 0, 0, 0, ams)
	if got, _ := snoozeUntil("monday", "", monday); !got.Equal(time.Date(2026, 12, 14, 9, 0, 0, 0, ams)) {
		t.Errorf("monday from a Monday = %v", got)
	}
	for _, c := range [][2]string{{"forever", ""}, {"", ""}, {"", "next week"}} {
		if _, err := snoozeUntil(c[0], c[1], now); err == nil {
			t.Errorf("snoozeUntil(%q, %q) took it", c[0], c[1])
		}
	}
	if browserZone("Mars/Olympus") != time.UTC || browserZone("") != time.UTC || browserZone("Europe/Amsterdam").String() != "Europe/Amsterdam" {
		t.Error("browserZone does not fall back to UTC for an unknown zone")
	}
}
