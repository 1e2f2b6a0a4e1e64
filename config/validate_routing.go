package config

import (
	"regexp"
	"slices"
	"strings"
	"text/template"
)

// queueName is the form of a queue's name.
var queueName = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)

// validateQueues checks the queues.
func validateQueues(c *Config, ps *problems) {
	names := map[string]bool{}
	for i, q := range c.Queues {
		p := index("queues", i)
		switch {
		case q.Name == "":
			ps.add(p+".name", "required")
		case !queueName.MatchString(q.Name):
			ps.add(p+".name", `must be lowercase letters, digits, "_" and "-", starting with a letter or digit`)
		default:
			unique(ps, names, p+".name", q.Name)
		}
		checkAddress(ps, p+".address", q.Address)
		if q.FirstResponse < 0 {
			ps.add(p+".first_response", "must not be negative")
		}
		checkCalendarRef(c, ps, p+".business_hours", q.BusinessHours)
		if q.AckTemplate != "" {
			if _, err := template.New("ack").Parse(q.AckTemplate); err != nil {
				ps.add(p+".ack_template", "invalid template: %s", strings.TrimPrefix(err.Error(), "template: ack:"))
			}
		}
	}
}

// validateTeams checks the teams.
func validateTeams(teams []Team, ps *problems) {
	names := map[string]bool{}
	for i, t := range teams {
		p := index("teams", i)
		if required(ps, p+".name", t.Name) {
			unique(ps, names, p+".name", t.Name)
		}
		members := map[string]bool{}
		for j, m := range t.Members {
			mp := index(p+".members", j)
			if strings.TrimSpace(m) == "" {
				ps.add(mp, "must not be empty")
				continue
			}
			unique(ps, members, mp, m)
		}
		if t.MaxOpenPerMember < 0 {
			ps.add(p+".max_open_per_member", "must not be negative")
		}
	}
}

// validateCalendars checks the business hours calendars and stores their
// parsed form.
func validateCalendars(cals map[string]Calendar, ps *problems) {
	names := make([]string, 0, len(cals))
	for name := range cals {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		cal := cals[name]
		cal.compile(join("business_hours", name), ps)
		cals[name] = cal
	}
}
