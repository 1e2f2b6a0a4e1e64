package api

import (
	"strings"
	"testing"

	"frontdesk/ticket"
)

func TestTicketList(t *testing.T) {
	e := newAPIEnv(t)
	empty := e.do(t, req{method: "GET", target: "/api/v1/tickets", token: annToken})
	empty.want(t, 200, "")
	if got := strings.TrimSpace(string(empty.body)); got != `{"tickets":[],"next_cursor":""}` {
		t.Errorf("empty list = %s", got)
	}

	mail, sms := e.mail(t, 1), e.sms(t)
	tests := []struct {
		query string
		want  []string
	}{
		{"", []string{sms, mail}},
		{"?queue=support", []string{mail}},
		{"?channel=sms", []string{sms}},
		{"?status=new&queue=billing", []string{sms}},
		{"?status=closed", nil},
		{"?assignee=ann", nil},
	}
	for _, tt := range tests {
		a := e.do(t, req{method: "GET", target: "/api/v1/tickets" + tt.query, token: maxToken})
		a.want(t, 200, "")
		page := decode[struct {
			Tickets []map[string]any
		}](t, a)
		var ids []string
		for _, tk := range page.Tickets {
			ids = append(ids, tk["id"].(string))
			if msgs, ok := tk["messages"].([]any); !ok || len(msgs) != 0 {
				t.Errorf("%s: listed ticket has messages %v, want []", tt.query, tk["messages"])
			}
		}
		if strings.Join(ids, ",") != strings.Join(tt.want, ",") {
			t.Errorf("GET /api/v1/tickets%s = %v, want %v", tt.query, ids, tt.want)
		}
	}

	for _, bad := range []string{"?limit=0", "?limit=201", "?limit=x", "?cursor=abc", "?status=done", "?channel=pigeon"} {
		e.do(t, req{method: "GET", target: "/api/v1/tickets" + bad, token: annToken}).want(t, 400, "invalid input")
	}
}

func TestTicketListCursorWalksAll(t *testing.T) {
	e := newAPIEnv(t)
	var want []string
	for i := range 11 {
		want = append([]string{e.mail(t, i)}, want...) // newest first
	}
	var got []string
	cursor, pages := "", 0
	for {
		a := e.do(t, req{method: "GET", target: "/api/v1/tickets?limit=4&cursor=" + cursor, token: annToken})
		a.want(t, 200, "")
		page := decode[struct {
			Tickets    []ticket.Ticket
			NextCursor string `json:"next_cursor"`
		}](t, a)
		for _, tk := range page.Tickets {
			got = append(got, tk.ID)
		}
		pages++
		if page.NextCursor == "" || pages > 20 {
			break
		}
		cursor = page.NextCursor
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("walked %v, want each of %v once, newest first", got, want)
	}
	if pages < 3 {
		t.Errorf("%d pages of 4 for 11 tickets", pages)
	}
}

func TestTicketGet(t *testing.T) {
	e := newAPIEnv(t)
	id := e.mail(t, 553)
	a := e.do(t, req{method: "GET", target: "/api/v1/tickets/" + id, token: annToken})
	a.want(t, 200, "")
	tk := decode[ticket.Ticket](t, a)
	if tk.ID != id || tk.Subject != "Order 553 arrived broken" || tk.Customer.Email != "ann@example.org" {
		t.Errorf("ticket = %+v", tk)
	}
	if len(tk.Messages) != 1 || len(tk.Messages[0].Attachments) != 3 || len(tk.Events) == 0 {
		t.Errorf("ticket has %d messages, %d events", len(tk.Messages), len(tk.Events))
	}
	// Lists are [] in the JSON, never null.
	if s := string(a.body); strings.Contains(s, "null") {
		t.Errorf("ticket JSON has a null: %s", s)
	}

	e.do(t, req{method: "GET", target: "/api/v1/tickets/999", token: annToken}).want(t, 404, "not found")
	e.do(t, req{method: "GET", target: "/api/v1/tickets/abc", token: annToken}).want(t, 400, "invalid input")
}

func TestQueueNext(t *testing.T) {
	e := newAPIEnv(t)
	first, second := e.mail(t, 1), e.mail(t, 2)
	for _, want := range []string{first, second} {
		a := e.do(t, req{method: "POST", target: "/api/v1/queues/support/next", token: annToken})
		a.want(t, 200, "")
		tk := decode[ticket.Ticket](t, a)
		if tk.ID != want || tk.Assignee != "ann" || tk.Status != ticket.StatusOpen || tk.LeaseExpires == nil {
			t.Errorf("claimed %s assignee %q status %s lease %v, want %s for ann, open, under a lease", tk.ID, tk.Assignee, tk.Status, tk.LeaseExpires, want)
		}
		if len(tk.Messages) != 1 {
			t.Errorf("claimed ticket has %d messages, want its conversation", len(tk.Messages))
		}
	}
	a := e.do(t, req{method: "POST", target: "/api/v1/queues/support/next", token: maxToken})
	a.want(t, 204, "")
	if len(a.body) != 0 {
		t.Errorf("204 with a body: %q", a.body)
	}
	e.do(t, req{method: "POST", target: "/api/v1/queues/nope/next", token: annToken}).want(t, 404, `queue "nope"`)
}

func TestTicketAssign(t *testing.T) {
	e := newAPIEnv(t)
	id := e.mail(t, 1)
	a := e.do(t, req{method: "POST", target: "/api/v1/tickets/" + id + "/assign", token: annToken, body: `{"assignee":"bob"}`})
	a.want(t, 200, "")
	if tk := decode[ticket.Ticket](t, a); tk.Assignee != "bob" || tk.Status != ticket.StatusOpen {
		t.Errorf("after assign: assignee %q status %s", tk.Assignee, tk.Status)
	}
	for _, tc := range []struct {
		target, body string
		status       int
		msg          string
	}{
		{id, `{"assignee":""}`, 400, "assignee is required"},
		{id, `{}`, 400, "assignee is required"},
		{id, `{"assignee":"zed"}`, 400, `"zed" is not a user`},
		{id, `{"assignee":"bob","extra":1}`, 400, "unknown field"},
		{id, `{"assignee":`, 400, "invalid input"},
		{id, `{"assignee":"bob"} {}`, 400, "more than one JSON value"},
		{"999", `{"assignee":"bob"}`, 404, "not found"},
	} {
		e.do(t, req{method: "POST", target: "/api/v1/tickets/" + tc.target + "/assign", token: annToken, body: tc.body}).want(t, tc.status, tc.msg)
	}
}

func TestJSONBodyRules(t *testing.T) {
	e := newAPIEnv(t)
	id := e.mail(t, 1)
	target := "/api/v1/tickets/" + id + "/assign"
	e.do(t, req{method: "POST", target: target, token: annToken}).want(t, 415, "application/json")
	e.do(t, req{method: "POST", target: target, token: annToken, body: `{"assignee":"bob"}`,
		header: map[string]string{"Content-Type": "text/plain"}}).want(t, 415, "application/json")
	e.do(t, req{method: "POST", target: target, token: annToken, body: `{"assignee":"bob"}`,
		header: map[string]string{"Content-Type": "application/json; charset=utf-8"}}).want(t, 200, "")
	e.do(t, req{method: "POST", target: target, token: annToken, body: ``,
		header: map[string]string{"Content-Type": "application/json"}}).want(t, 400, "empty")
	huge := `{"assignee":"` + strings.Repeat("b", MaxBodySize) + `"}`
	e.do(t, req{method: "POST", target: target, token: annToken, body: huge}).want(t, 413, "too large")
}

func TestTicketRelease(t *testing.T) {
	e := newAPIEnv(t)
	id := e.mail(t, 1)
	e.do(t, req{method: "POST", target: "/api/v1/queues/support/next", token: annToken}).want(t, 200, "")
	a := e.do(t, req{method: "POST", target: "/api/v1/tickets/" + id + "/release", token: annToken})
	a.want(t, 200, "")
	if tk := decode[ticket.Ticket](t, a); tk.Assignee != "" || tk.Status != ticket.StatusNew {
		t.Errorf("after release: assignee %q status %s, want unassigned and new", tk.Assignee, tk.Status)
	}
	// Back in the queue: the next claim gets it again.
	if tk := decode[ticket.Ticket](t, e.do(t, req{method: "POST", target: "/api/v1/queues/support/next", token: maxToken})); tk.ID != id || tk.Assignee != "max" {
		t.Errorf("claim after release: %s for %q", tk.ID, tk.Assignee)
	}
	e.do(t, req{method: "POST", target: "/api/v1/tickets/999/release", token: annToken}).want(t, 404, "not found")
}

func TestTicketStatus(t *testing.T) {
	e := newAPIEnv(t)
	id := e.mail(t, 1)
	a := e.do(t, req{method: "POST", target: "/api/v1/tickets/" + id + "/status", token: annToken, body: `{"status":"closed"}`})
	a.want(t, 200, "")
	if tk := decode[ticket.Ticket](t, a); tk.Status != ticket.StatusClosed {
		t.Errorf("status = %s, want closed", tk.Status)
	}
	if got := e.get(t, id).Status; got != ticket.StatusClosed {
		t.Errorf("stored status = %s", got)
	}
	for _, body := range []string{`{"status":"done"}`, `{"status":""}`, `{}`, `{"status":3}`} {
		e.do(t, req{method: "POST", target: "/api/v1/tickets/" + id + "/status", token: annToken, body: body}).want(t, 400, "invalid input")
	}
	e.do(t, req{method: "POST", target: "/api/v1/tickets/999/status", token: annToken, body: `{"status":"open"}`}).want(t, 404, "not found")
}

func TestQueueList(t *testing.T) {
	e := newAPIEnv(t)
	e.mail(t, 1)
	e.mail(t, 2)
	e.sms(t)
	e.do(t, req{method: "POST", target: "/api/v1/queues/support/next", token: annToken}).want(t, 200, "")
	a := e.do(t, req{method: "GET", target: "/api/v1/queues", token: annToken})
	a.want(t, 200, "")
	qs := decode[[]ticket.QueueStats](t, a)
	if len(qs) != 2 || qs[0].Name != "support" || qs[1].Name != "billing" {
		t.Fatalf("queues = %+v, want support then billing", qs)
	}
	if qs[0].Waiting != 1 || qs[0].Open != 1 || qs[1].Waiting != 1 {
		t.Errorf("queues = %+v, want support 1 waiting 1 open, billing 1 waiting", qs)
	}
	for _, key := range []string{`"name"`, `"waiting"`, `"open"`, `"oldest_waiting_seconds"`, `"sla_breached"`} {
		if !strings.Contains(string(a.body), key) {
			t.Errorf("queue JSON lacks %s: %s", key, a.body)
		}
	}
}
