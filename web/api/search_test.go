package api

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"frontdesk/ticket"
)

// searchAnswer is the body of GET /api/v1/search, as a client reads it.
type searchAnswer struct {
	Tickets []struct {
		ID, Subject, Status, Channel, Found, Where string
		Customer                                   struct{ ID, Name string }
		Matched                                    []string
		Snippet                                    []struct {
			Text string
			Mark bool
		}
	} `json:"tickets"`
}

func (e *apiEnv) search(t *testing.T, token, q string) searchAnswer {
	t.Helper()
	a := e.do(t, req{method: "GET", target: "/api/v1/search?q=" + url.QueryEscape(q), token: token})
	a.want(t, 200, "")
	return decode[searchAnswer](t, a)
}

func ids(a searchAnswer) string {
	var out []string
	for _, h := range a.Tickets {
		out = append(out, h.ID)
	}
	return strings.Join(out, ",")
}

func TestSearch(t *testing.T) {
	e := newAPIEnv(t)
	ctx := context.Background()
	m1 := e.mail(t, 1) // "Order 1 arrived broken", "The box was crushed."
	m2 := e.mail(t, 2)
	sms := e.sms(t) // +15555550123, "Where is my invoice?"
	rc, err := e.store.Create(ctx, ticket.NewTicket{
		Channel: ticket.ChannelEmail, Queue: "support", Subject: "Rücksendung",
		Customer: ticket.Customer{Name: "Jörg Müller", Email: "jorg@example.de"},
		Message: ticket.NewMessage{SourceKey: "search:jorg", From: "Jörg Müller <jorg@example.de>",
			Text: "Guten Tag, <script>alert(1)</script> das Gerät ist kaputt. Grüße, Jörg"},
	})
	if err != nil {
		t.Fatal(err)
	}
	jorg := rc.TicketID
	if _, err := e.store.AppendMessage(ctx, m1, ticket.NewMessage{SourceKey: "search:note", Direction: ticket.DirectionInternal,
		Text: "Customer sent photos of the kettle", By: "ann"}); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct{ q, want string }{
		{"crushed box", m2 + "," + m1}, // words, newest first
		{"crus", m2 + "," + m1},        // the last word while typing
		{"crus ", ""},                  // a finished word that is no word
		{"kettle", m1},                 // an internal note
		{"#" + m2, m2},
		{m1, m1},
		{"ann@example.org", m2 + "," + m1}, // the customer's address
		{"ANN@example.org", m2 + "," + m1}, // any case
		{"+1 (555) 555-0123", sms},         // a phone number as written
		{"555.555.0123", sms},              // another way
		{"jorg", jorg},                     // folded
		{"JÖRG gerat", jorg},               // both ways
		{"nobody@example.org", ""},         // nobody's address: words, none match
		{"", ""},
	} {
		if got := ids(e.search(t, annToken, tc.q)); got != tc.want {
			t.Errorf("search %q = [%s], want [%s]", tc.q, got, tc.want)
		}
	}

	// A hit by words says where and carries the passage, matches marked;
	// the text is plain (the client escapes it).
	a := e.search(t, maxToken, "jorg kaputt")
	h := a.Tickets[0]
	var marked []string
	var all strings.Builder
	for _, p := range h.Snippet {
		all.WriteString(p.Text)
		if p.Mark {
			marked = append(marked, p.Text)
		}
	}
	if h.Found != "words" || h.Where != "message" || strings.Join(marked, ",") != "kaputt,Jörg" ||
		!strings.Contains(all.String(), "<script>") || h.Customer.Name != "Jörg Müller" {
		t.Errorf("hit = %+v", h)
	}
	if a := e.search(t, annToken, "#"+m1); a.Tickets[0].Found != "number" || a.Tickets[0].Subject != "Order 1 arrived broken" {
		t.Errorf("by number: %+v", a.Tickets[0])
	}
	if a := e.search(t, annToken, "555 555 0123"); a.Tickets[0].Found != "customer" || a.Tickets[0].Channel != "sms" {
		t.Errorf("by phone: %+v", a.Tickets[0])
	}

	e.do(t, req{method: "GET", target: "/api/v1/search?q=box&limit=1", token: annToken}).want(t, 200, "")
	if got := ids(decode[searchAnswer](t, e.do(t, req{method: "GET", target: "/api/v1/search?q=box&limit=1", token: annToken}))); got != m2 {
		t.Errorf("limit 1 = [%s]", got)
	}
	e.do(t, req{method: "GET", target: "/api/v1/search?q=box&limit=51", token: annToken}).want(t, 400, "limit")
	e.do(t, req{method: "GET", target: "/api/v1/search?q=box&limit=x", token: annToken}).want(t, 400, "limit")
	e.do(t, req{method: "GET", target: "/api/v1/search?q=" + strings.Repeat("a", 201), token: annToken}).want(t, 400, "q")
	e.do(t, req{method: "GET", target: "/api/v1/search?q=box"}).want(t, 401, "")
}
