package config

import (
	"strings"
	"testing"
	"time"
)

func TestRetention(t *testing.T) {
	for _, tc := range []struct {
		yaml string
		want time.Duration
	}{
		{"", 0},
		{"tickets: {retention: 0}", 0},
		{"tickets: {retention: 730d}", 730 * 24 * time.Hour},
		{"tickets: {retention: 104w}", 104 * 7 * 24 * time.Hour},
		{"tickets: {retention: 2400h}", 100 * 24 * time.Hour},
	} {
		c := mustParse(t, tc.yaml, nil)
		if got := c.Tickets.Retention.Duration(); got != tc.want {
			t.Errorf("%q: retention %s, want %s", tc.yaml, got, tc.want)
		}
	}
}

func TestRetentionProblems(t *testing.T) {
	for _, tc := range []struct{ yaml, want string }{
		{"tickets: {retention: 2y}", `tickets.retention: invalid period "2y": write a number of days such as 730d`},
		{"tickets: {retention: -3d}", `tickets.retention: invalid period "-3d": write a whole number of days such as 730d`},
		{"tickets: {retention: 12h}", "tickets.retention: must be 0 (keep everything) or at least 1d"},
		{"tickets: {retention: 7d}\nmailboxes: [" + mbox + "}]",
			"tickets.retention: must be longer than mailboxes[0].reconcile_days (7d): reconciliation would import erased mail again"},
		{"tickets: {retention: 1d}\ntwilio: {account_sid: AC1, auth_token: t, numbers: [{number: '+15555550100', queue: support}]}",
			"tickets.retention: must be longer than twilio.reconcile_window (24h0m0s): reconciliation would import erased texts and calls again"},
	} {
		got := problemsOf(t, tc.yaml)
		if !strings.Contains(strings.Join(got, "\n"), tc.want) {
			t.Errorf("%q: problems\n%s\nwant %s", tc.yaml, strings.Join(got, "\n"), tc.want)
		}
	}
}
