package api

import (
	"slices"
	"strings"
	"testing"

	"frontdesk/ticket"
)

func TestTicketUpdate(t *testing.T) {
	e := newAPIEnv(t)
	id := e.mail(t, 7)
	a := e.do(t, req{method: "PATCH", target: "/api/v1/tickets/" + id, token: annToken,
		body: `{"queue":"billing","priority":"high","tags":[" Refund ","refund","vip"]}`})
	a.want(t, 200, "")
	got := decode[ticket.Ticket](t, a)
	if got.Queue != "billing" || got.Priority != ticket.PriorityHigh || !slices.Equal(got.Tags, []string{"refund", "vip"}) {
		t.Errorf("answered ticket = queue %s, priority %s, tags %v", got.Queue, got.Priority, got.Tags)
	}
	tk := e.get(t, id)
	if tk.Queue != "billing" || tk.Priority != ticket.PriorityHigh || !slices.Equal(tk.Tags, []string{"refund", "vip"}) {
		t.Errorf("stored ticket = queue %s, priority %s, tags %v", tk.Queue, tk.Priority, tk.Tags)
	}
	ev := tk.Events[len(tk.Events)-1]
	if ev.Type != "changed" || ev.By != "ann" ||
		!strings.Contains(ev.Detail, "queue support → billing") || !strings.Contains(ev.Detail, "priority normal → high") ||
		!strings.Contains(ev.Detail, "+refund") {
		t.Errorf("last event = %+v, want a changed event by ann in words", ev)
	}

	// A field left out stays; the same values again add no event.
	n := len(tk.Events)
	e.do(t, req{method: "PATCH", target: "/api/v1/tickets/" + id, token: annToken, body: `{"priority":"high"}`}).want(t, 200, "")
	if tk := e.get(t, id); len(tk.Events) != n || tk.Queue != "billing" {
		t.Errorf("a no-op change added events (%d → %d) or moved the ticket to %s", n, len(tk.Events), tk.Queue)
	}
}

func TestTicketUpdateRefusesBadInput(t *testing.T) {
	e := newAPIEnv(t)
	id := e.mail(t, 7)
	for _, c := range []struct{ body, msg string }{
		{`{"queue":"nowhere"}`, `no queue "nowhere"`},
		{`{"priority":"asap"}`, "low, normal, high or urgent"},
		{`{"tags":["a,b"]}`, "comma"},
		{`{"tags":[""]}`, "empty"},
		{`{"tags":["` + strings.Repeat("x", 41) + `"]}`, "longer than 40"},
		{`{"queue":"billing","priority":"asap"}`, "priority"},
	} {
		e.do(t, req{method: "PATCH", target: "/api/v1/tickets/" + id, token: annToken, body: c.body}).want(t, 400, c.msg)
	}
	if tk := e.get(t, id); tk.Queue != "support" || tk.Priority != ticket.PriorityNormal || len(tk.Tags) != 0 {
		t.Errorf("a refused change changed the ticket: queue %s, priority %s, tags %v", tk.Queue, tk.Priority, tk.Tags)
	}
	e.do(t, req{method: "PATCH", target: "/api/v1/tickets/999999", token: annToken, body: `{"priority":"low"}`}).want(t, 404, "")
	e.do(t, req{method: "PATCH", target: "/api/v1/tickets/" + id, body: `{"priority":"low"}`}).want(t, 401, "")
}

func TestNoteCreate(t *testing.T) {
	e := newAPIEnv(t)
	id := e.mail(t, 3)
	a := e.do(t, req{method: "POST", target: "/api/v1/tickets/" + id + "/notes", token: annToken,
		body: `{"text":"Customer called, wants a refund."}`, header: map[string]string{"Idempotency-Key": "k1"}})
	a.want(t, 201, "")
	m := decode[ticket.Message](t, a)
	if m.Direction != ticket.DirectionInternal || m.Text != "Customer called, wants a refund." || m.Author != "ann" {
		t.Errorf("note = %+v", m)
	}
	if m.Delivery != "" || len(m.To) != 0 {
		t.Errorf("a note has a delivery or recipients: %+v", m)
	}
	// The same key again is the same note.
	e.do(t, req{method: "POST", target: "/api/v1/tickets/" + id + "/notes", token: annToken,
		body: `{"text":"Customer called, wants a refund."}`, header: map[string]string{"Idempotency-Key": "k1"}}).want(t, 201, "")
	var notes int
	for _, m := range e.get(t, id).Messages {
		if m.Direction == ticket.DirectionInternal {
			notes++
		}
	}
	if notes != 1 {
		t.Errorf("%d notes after a retried request, want 1", notes)
	}
	if n := len(outbound(e.get(t, id))); n != 0 {
		t.Errorf("a note queued %d outgoing messages", n)
	}
	e.do(t, req{method: "POST", target: "/api/v1/tickets/" + id + "/notes", token: annToken, body: `{"text":"  "}`}).want(t, 400, "")
}
