package api

import (
	"strings"
	"testing"
	"time"

	"frontdesk/desk"
)

func TestReportDaily(t *testing.T) {
	e := newAPIEnv(t)
	e.mail(t, 1)
	e.sms(t)
	now := time.Now().UTC()
	span := "from=" + now.AddDate(0, 0, -1).Format(time.DateOnly) + "&to=" + now.AddDate(0, 0, 1).Format(time.DateOnly)

	e.do(t, req{method: "GET", target: "/api/v1/reports/daily?" + span, token: annToken}).want(t, 403, `role "assistant" may not`)
	a := e.do(t, req{method: "GET", target: "/api/v1/reports/daily?" + span, token: maxToken})
	a.want(t, 200, "")
	rows := decode[[]desk.ReportRow](t, a)
	got := map[string]int64{}
	for _, r := range rows {
		got[r.Queue+"|"+r.Channel] += r.Received
	}
	if len(rows) != 2 || got["support|email"] != 1 || got["billing|sms"] != 1 {
		t.Errorf("rows = %+v", rows)
	}
	if !strings.Contains(string(a.body), `"first_response_p50_seconds":0`) {
		t.Errorf("body lacks the contract's fields: %s", a.body)
	}

	c := e.do(t, req{method: "GET", target: "/api/v1/reports/daily?format=csv&" + span, token: maxToken})
	c.want(t, 200, "")
	if ct := c.header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
		t.Errorf("CSV Content-Type = %q", ct)
	}
	if cd, want := c.header.Get("Content-Disposition"), `attachment; filename="frontdesk-report-`+strings.ReplaceAll(strings.TrimPrefix(span, "from="), "&to=", "-to-")+`.csv"`; cd != want {
		t.Errorf("CSV Content-Disposition = %q, want %q", cd, want)
	}
	lines := strings.Split(strings.TrimSpace(string(c.body)), "\n")
	if len(lines) != 3 || lines[0] != "date,queue,channel,received,first_responses,first_response_p50_seconds,first_response_p90_seconds,sla_met,sla_breached,closed,reopened,feedback_good,feedback_bad" {
		t.Errorf("CSV:\n%s", c.body)
	}

	e.do(t, req{method: "GET", target: "/api/v1/reports/daily?from=2026-13-01&to=2026-12-01", token: maxToken}).want(t, 400, "from")
	e.do(t, req{method: "GET", target: "/api/v1/reports/daily?from=2026-12-02&to=2026-12-01", token: maxToken}).want(t, 400, "to")
	e.do(t, req{method: "GET", target: "/api/v1/reports/daily?to=2026-02-30", token: maxToken}).want(t, 400, "to: want a date")
	e.do(t, req{method: "GET", target: "/api/v1/reports/daily?from=2020-01-01&to=2026-12-01", token: maxToken}).want(t, 400, "at most")
	e.do(t, req{method: "GET", target: "/api/v1/reports/daily?format=xml", token: maxToken}).want(t, 400, "format")

	as := e.do(t, req{method: "GET", target: "/api/v1/reports/assistants?" + span, token: maxToken})
	as.want(t, 200, "")
	if string(as.body) != "[]\n" {
		t.Errorf("assistants before anyone worked = %s", as.body)
	}
}
