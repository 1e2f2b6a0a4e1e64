package api

import (
	"strings"
	"testing"
	"time"

	"frontdesk/ticket"
)

func TestTicketSnooze(t *testing.T) {
	e := newAPIEnv(t)
	id := e.mail(t, 1)
	until := time.Now().Add(3 * time.Hour).UTC().Truncate(time.Second)
	a := e.do(t, req{method: "POST", target: "/api/v1/tickets/" + id + "/snooze", token: annToken,
		body: `{"until":"` + until.Format(time.RFC3339) + `"}`})
	a.want(t, 200, "")
	tk := decode[ticket.Ticket](t, a)
	if tk.Status != ticket.StatusPending || tk.SnoozedUntil == nil || !tk.SnoozedUntil.Equal(until) || tk.SnoozedBy != "ann" {
		t.Fatalf("snoozed ticket = status %s, until %v, by %q", tk.Status, tk.SnoozedUntil, tk.SnoozedBy)
	}
	if !strings.Contains(string(a.body), `"snoozed_until":"`+until.Format(time.RFC3339)+`"`) {
		t.Errorf("JSON lacks snoozed_until: %s", a.body)
	}
	list := decode[shelfPage](t, e.do(t, req{method: "GET", target: "/api/v1/me/snoozed", token: annToken}))
	if len(list.Tickets) != 1 || list.Tickets[0].ID != id {
		t.Errorf("ann's snoozed = %+v", list.Tickets)
	}
	if list := decode[shelfPage](t, e.do(t, req{method: "GET", target: "/api/v1/me/snoozed", token: maxToken})); len(list.Tickets) != 0 {
		t.Errorf("max's snoozed lists ann's: %+v", list.Tickets)
	}

	for _, c := range []struct{ body, msg string }{
		{`{"until":"tomorrow"}`, "must be a time"},
		{`{"until":"2020-01-01T00:00:00Z"}`, "in the future"},
		{`{}`, "must be a time"},
	} {
		e.do(t, req{method: "POST", target: "/api/v1/tickets/" + id + "/snooze", token: annToken, body: c.body}).want(t, 400, c.msg)
	}
	e.do(t, req{method: "POST", target: "/api/v1/tickets/" + id + "/status", token: annToken, body: `{"status":"closed"}`}).want(t, 200, "")
	e.do(t, req{method: "POST", target: "/api/v1/tickets/" + id + "/snooze", token: annToken,
		body: `{"until":"` + until.Format(time.RFC3339) + `"}`}).want(t, 409, "closed")
}

func TestTicketMerge(t *testing.T) {
	e := newAPIEnv(t)
	a := e.mail(t, 1)
	b := e.mail(t, 2)
	res := e.do(t, req{method: "POST", target: "/api/v1/tickets/" + a + "/merge", token: annToken, body: `{"into":"#` + b + `"}`})
	res.want(t, 200, "")
	left := decode[ticket.Ticket](t, res)
	if left.ID != b || len(left.Messages) != 2 {
		t.Fatalf("merge answered ticket %s with %d messages; want %s with 2", left.ID, len(left.Messages), b)
	}
	merged := e.get(t, a)
	if merged.MergedInto != b || merged.Status != ticket.StatusClosed {
		t.Errorf("merged ticket = %+v", merged)
	}
	if got := e.do(t, req{method: "GET", target: "/api/v1/tickets/" + a, token: annToken}); !strings.Contains(string(got.body), `"merged_into":"`+b+`"`) {
		t.Errorf("GET of the merged ticket lacks merged_into: %s", got.body)
	}
	e.do(t, req{method: "POST", target: "/api/v1/tickets/" + a + "/merge", token: annToken, body: `{"into":"` + b + `"}`}).want(t, 409, "merged into #"+b)
	e.do(t, req{method: "POST", target: "/api/v1/tickets/" + b + "/merge", token: annToken, body: `{"into":"` + b + `"}`}).want(t, 409, "itself")
	e.do(t, req{method: "POST", target: "/api/v1/tickets/" + b + "/merge", token: annToken, body: `{"into":""}`}).want(t, 400, "required")
	e.do(t, req{method: "POST", target: "/api/v1/tickets/" + b + "/merge", token: annToken, body: `{"into":"abc"}`}).want(t, 400, "")
	e.do(t, req{method: "POST", target: "/api/v1/tickets/" + b + "/merge", token: annToken, body: `{"into":"99999"}`}).want(t, 404, "")
	// A reply on the merged ticket is refused, naming where its messages went.
	e.do(t, req{method: "POST", target: "/api/v1/tickets/" + a + "/replies", token: annToken, body: `{"text":"hi"}`}).want(t, 409, "#"+b)
}

func TestNoteMentionsPutTheTicketInMentions(t *testing.T) {
	e := newAPIEnv(t)
	id := e.mail(t, 1)
	e.do(t, req{method: "POST", target: "/api/v1/tickets/" + id + "/notes", token: annToken,
		body: `{"text":"@max can you approve the refund?"}`}).want(t, 201, "")
	list := decode[shelfPage](t, e.do(t, req{method: "GET", target: "/api/v1/me/mentions", token: maxToken}))
	if len(list.Tickets) != 1 || list.Tickets[0].ID != id {
		t.Fatalf("max's mentions = %+v", list.Tickets)
	}
	if list := decode[shelfPage](t, e.do(t, req{method: "GET", target: "/api/v1/me/mentions", token: annToken})); len(list.Tickets) != 0 {
		t.Errorf("ann's mentions = %+v", list.Tickets)
	}
}

func TestTicketCallback(t *testing.T) {
	e := newAPIEnv(t)
	id := e.sms(t)
	at := time.Now().Add(2 * time.Hour).UTC().Truncate(time.Second)
	a := e.do(t, req{method: "POST", target: "/api/v1/tickets/" + id + "/callback", token: annToken,
		body: `{"at":"` + at.Format(time.RFC3339) + `","note":"about the refund"}`})
	a.want(t, 200, "")
	tk := decode[ticket.Ticket](t, a)
	if tk.CallbackAt == nil || !tk.CallbackAt.Equal(at) || tk.Callback == nil || tk.Callback.Note != "about the refund" || tk.Callback.Due {
		t.Fatalf("ticket = callback_at %v, callback %+v", tk.CallbackAt, tk.Callback)
	}
	if !strings.Contains(string(a.body), `"callback_at":"`+at.Format(time.RFC3339)+`"`) {
		t.Errorf("JSON lacks callback_at: %s", a.body)
	}
	e.do(t, req{method: "POST", target: "/api/v1/tickets/" + id + "/callback", token: annToken, body: `{"at":"soon"}`}).want(t, 400, "must be a time")
	e.do(t, req{method: "POST", target: "/api/v1/tickets/" + id + "/callback", token: annToken,
		body: `{"at":"` + at.Format(time.RFC3339) + `","note":"` + strings.Repeat("x", 501) + `"}`}).want(t, 400, "at most 500")
	a = e.do(t, req{method: "DELETE", target: "/api/v1/tickets/" + id + "/callback", token: annToken})
	a.want(t, 200, "")
	if tk := decode[ticket.Ticket](t, a); tk.Callback != nil {
		t.Errorf("cancelled call-back still there: %+v", tk.Callback)
	}
}
