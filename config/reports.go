package config

import (
	"time"
)

// Reports configures the managers' daily reports and morning summary.
type Reports struct {
	// Timezone is the IANA time zone whose days the reports count in.
	// Default: the time zone of the first queue's business_hours calendar,
	// else of the only calendar there is, else UTC.
	Timezone string `yaml:"timezone"`
	// MorningSummary, "HH:MM" in Timezone, mails notify.managers
	// yesterday's figures, what breached and what waits longest, once a
	// day. Empty: no summary.
	MorningSummary string `yaml:"morning_summary"`
}

// ReportLocation is the time zone of the reports' days: reports.timezone,
// else the first queue's calendar's, else the only calendar's, else UTC.
func (c *Config) ReportLocation() *time.Location {
	name := c.Reports.Timezone
	if name == "" {
		name = defaultReportZone(c)
	}
	if loc, err := time.LoadLocation(name); err == nil {
		return loc
	}
	return time.UTC
}

// SummaryAt returns the time of day of the morning summary, and false when
// there is none.
func (r Reports) SummaryAt() (time.Duration, bool) {
	if r.MorningSummary == "" {
		return 0, false
	}
	return parseClock(r.MorningSummary, false)
}

// Feedback configures the customer feedback links of closing replies.
type Feedback struct {
	// Enabled puts "Was this helpful?" links in replies that close a
	// ticket. Default: false.
	Enabled bool `yaml:"enabled"`
}

// defaultReportZone is reports.timezone's default: the zone of the first
// queue's calendar, else the only calendar's, else UTC.
func defaultReportZone(c *Config) string {
	for _, q := range c.Queues {
		if cal, ok := c.BusinessHours[q.BusinessHours]; ok && q.BusinessHours != "" && cal.Timezone != "" {
			return cal.Timezone
		}
	}
	if len(c.BusinessHours) == 1 {
		for _, cal := range c.BusinessHours {
			if cal.Timezone != "" {
				return cal.Timezone
			}
		}
	}
	return "UTC"
}

// validateReports checks the reports block and fills in its zone.
func validateReports(c *Config, ps *problems) {
	if c.Reports.Timezone != "" {
		if _, err := time.LoadLocation(c.Reports.Timezone); err != nil {
			ps.add("reports.timezone", "unknown time zone %q (an IANA name such as Europe/Amsterdam)", c.Reports.Timezone)
		}
	}
	if c.Reports.MorningSummary != "" {
		if _, ok := parseClock(c.Reports.MorningSummary, false); !ok {
			ps.add("reports.morning_summary", "must be a time of day, HH:MM (in reports.timezone)")
		} else if len(c.Notify.Managers) == 0 {
			ps.add("reports.morning_summary", "needs notify.managers: the addresses the summary goes to")
		}
	}
}
