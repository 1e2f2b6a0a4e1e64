package ui

import (
	"testing"

	"frontdesk/desk"
	"frontdesk/internal/words"
)

// TestBarChart: bars scale to a round top that the axis names, in people's
// words for times.
func TestBarChart(t *testing.T) {
	days := []desk.ReportRow{{Date: "2026-11-30", Received: 3, FirstResponseP50: 1800}, {Date: "2026-12-01", Received: 7, FirstResponseP50: 86400}}
	c := barChart("c", "Received", days, []series{{Label: "received", Class: "s", Value: func(r desk.ReportRow) int64 { return r.Received }}})
	if c.MaxLabel != "10" || len(c.Bars) != 2 || c.Bars[1].H != 182*0.7 || c.Bars[0].Title != "2026-11-30: 3 received" {
		t.Errorf("counts: top %s, bars %+v", c.MaxLabel, c.Bars)
	}
	c = barChart("c", "Time", days, []series{{Label: "median", Class: "s", Value: func(r desk.ReportRow) int64 { return r.FirstResponseP50 }, Format: words.Seconds}})
	if c.MaxLabel != "24 h" || c.Bars[1].H != 182 || c.Bars[0].Title != "2026-11-30: 30 min median" {
		t.Errorf("times: top %s, bars %+v", c.MaxLabel, c.Bars)
	}
}
