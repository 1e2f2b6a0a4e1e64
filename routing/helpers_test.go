package routing

import (
	"testing"
	"time"

	"frontdesk/config"
	"frontdesk/ticket"
)

// office is a calendar like the configuration example's.
var office = config.Calendar{Timezone: "Europe/Amsterdam", Days: "mon-fri", Hours: "09:00-17:00", Holidays: []string{"2026-12-25"}}

// testKnown is what rules in tests may refer to.
var testKnown = Known{
	Queues:    []string{"support", "vip", "billing", "phone", "spam"},
	Teams:     []string{"billing-team"},
	Calendars: map[string]config.Calendar{"office": office},
}

// amsterdam returns a wall clock time in Europe/Amsterdam.
func amsterdam(t testing.TB, y int, m time.Month, d, hh, mm int) time.Time {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Amsterdam")
	if err != nil {
		t.Fatal(err)
	}
	return time.Date(y, m, d, hh, mm, 0, 0, loc)
}

// baseInput is a mail with something in every field.
func baseInput(t testing.TB) Input {
	return Input{
		Channel:      ticket.ChannelEmail,
		Mailbox:      "support",
		To:           []string{"Support <support@example.com>", "sales@example.com"},
		From:         "Ann Lee <ann@VIP.example>",
		Subject:      "Größe der Bestellung 553",
		Body:         "Bonjour, ÇA ne marche pas. 請求書 INV-123456",
		Attachments:  []string{"image/jpeg; name=a.jpg", "application/pdf"},
		Caller:       "+1 (555) 555-0100",
		Called:       "+15555550199",
		Kind:         ticket.KindNormal,
		CustomerTags: []string{"VIP", "Gold"},
		Priority:     ticket.PriorityNormal,
		Now:          amsterdam(t, 2026, time.November, 27, 10, 0), // a Friday
	}
}

// compile compiles rs with testKnown, failing the test on error.
func compile(t testing.TB, rs *RuleSet) *Compiled {
	t.Helper()
	c, err := Compile(rs, testKnown)
	if err != nil {
		t.Fatalf("Compile: %v", err)
	}
	return c
}

// tagRule is a rule that adds the tag "hit" when its conditions hold.
func tagRule(name string, conds ...Condition) Rule {
	return Rule{Name: name, Conditions: conds, Actions: []Action{{Type: "add_tags", Value: []string{"hit"}}}}
}

func ptr[T any](v T) *T { return &v }
