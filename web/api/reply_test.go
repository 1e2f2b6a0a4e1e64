package api

import (
	"strings"
	"testing"

	"frontdesk/ticket"
)

func outbound(tk *ticket.Ticket) []ticket.Message {
	var out []ticket.Message
	for _, m := range tk.Messages {
		if m.Direction == ticket.DirectionOut {
			out = append(out, m)
		}
	}
	return out
}

func TestReplyCreate(t *testing.T) {
	e := newAPIEnv(t)
	id := e.mail(t, 553)
	a := e.do(t, req{method: "POST", target: "/api/v1/tickets/" + id + "/replies", token: annToken,
		body: `{"text":"Sorry! A new one is on its way."}`})
	a.want(t, 202, "")
	m := decode[ticket.Message](t, a)
	want := ticket.Message{
		Direction: ticket.DirectionOut, Channel: ticket.ChannelEmail, Kind: ticket.KindNormal,
		From: "Support <support@example.com>", Subject: "Re: Order 553 arrived broken [#" + id + "]",
		Text: "Sorry! A new one is on its way.", Delivery: ticket.DeliveryQueued, InReplyTo: "<m553@example.org>",
	}
	if m.Direction != want.Direction || m.Channel != want.Channel || m.Kind != want.Kind || m.From != want.From ||
		m.Subject != want.Subject || m.Text != want.Text || m.Delivery != want.Delivery || m.InReplyTo != want.InReplyTo {
		t.Errorf("reply = %+v\nwant %+v", m, want)
	}
	if len(m.To) != 1 || m.To[0] != "ann@example.org" {
		t.Errorf("reply to %v, want the customer", m.To)
	}
	if m.ID == "" || m.CreatedAt.IsZero() {
		t.Errorf("reply lacks its stored id or time: %+v", m)
	}
	if !strings.HasPrefix(m.MessageID, "<fd."+id+".") || !strings.HasSuffix(m.MessageID, "@example.com>") {
		t.Errorf("Message-ID = %q, want one signed for ticket %s", m.MessageID, id)
	}
	if !strings.Contains(string(a.body), `"delivery":"queued"`) {
		t.Errorf("reply JSON lacks delivery: %s", a.body)
	}

	tk := e.get(t, id)
	if tk.Status != ticket.StatusPending {
		t.Errorf("status after reply = %s, want pending", tk.Status)
	}
	if n := len(outbound(tk)); n != 1 {
		t.Errorf("%d outbound messages, want 1", n)
	}
	// The reply threads the customer's answer back by its Message-ID.
	if got, err := e.store.FindByMessageID(t.Context(), m.MessageID); err != nil || got != id {
		t.Errorf("FindByMessageID(reply) = %q, %v", got, err)
	}
}

func TestReplyClose(t *testing.T) {
	e := newAPIEnv(t)
	id := e.mail(t, 1)
	e.do(t, req{method: "POST", target: "/api/v1/tickets/" + id + "/replies", token: maxToken,
		body: `{"text":"Done.","close":true}`}).want(t, 202, "")
	if st := e.get(t, id).Status; st != ticket.StatusClosed {
		t.Errorf("status = %s, want closed", st)
	}
}

func TestReplyIdempotencyKey(t *testing.T) {
	e := newAPIEnv(t)
	id := e.mail(t, 1)
	other := e.mail(t, 2)
	send := func(ticketID, token, key, text string) ticket.Message {
		t.Helper()
		a := e.do(t, req{method: "POST", target: "/api/v1/tickets/" + ticketID + "/replies", token: token,
			body: `{"text":"` + text + `"}`, header: map[string]string{"Idempotency-Key": key}})
		a.want(t, 202, "")
		return decode[ticket.Message](t, a)
	}
	first := send(id, annToken, "k-1", "Hello")
	again := send(id, annToken, "k-1", "Hello")
	if first.ID != again.ID || first.MessageID != again.MessageID {
		t.Errorf("retry answered %s %s, want the first reply %s %s", again.ID, again.MessageID, first.ID, first.MessageID)
	}
	if n := len(outbound(e.get(t, id))); n != 1 {
		t.Errorf("%d outbound messages after a retry, want 1", n)
	}
	// The same key on another ticket, or from another caller, is another reply.
	if m := send(other, annToken, "k-1", "Hello"); len(outbound(e.get(t, other))) != 1 || m.Subject != "Re: Order 2 arrived broken [#"+other+"]" {
		t.Errorf("same key on ticket %s: %+v", other, m)
	}
	// (ann holds the ticket since her reply: max sends his anyway.)
	a := e.do(t, req{method: "POST", target: "/api/v1/tickets/" + id + "/replies", token: maxToken,
		body: `{"text":"Hello","force":true}`, header: map[string]string{"Idempotency-Key": "k-1"}})
	a.want(t, 202, "")
	if n := len(outbound(e.get(t, id))); n != 2 {
		t.Errorf("%d outbound messages after another caller's reply, want 2", n)
	}
	// Without a key every request is a reply of its own.
	for range 2 {
		e.do(t, req{method: "POST", target: "/api/v1/tickets/" + id + "/replies", token: annToken, body: `{"text":"x"}`}).want(t, 202, "")
	}
	if n := len(outbound(e.get(t, id))); n != 4 {
		t.Errorf("%d outbound messages, want 4", n)
	}
}

func TestReplySMS(t *testing.T) {
	e := newAPIEnv(t)
	id := e.sms(t)
	a := e.do(t, req{method: "POST", target: "/api/v1/tickets/" + id + "/replies", token: annToken, body: `{"text":"It is in your mail."}`})
	a.want(t, 202, "")
	m := decode[ticket.Message](t, a)
	if m.Channel != ticket.ChannelSMS || len(m.To) != 1 || m.To[0] != "+15555550123" || m.From != "+15555550100" || m.MessageID != "" || m.Author != "ann" {
		t.Errorf("SMS reply = %+v, want on sms to the caller's number from the number they texted, no Message-ID, by ann", m)
	}
}

func TestReplyBadInput(t *testing.T) {
	e := newAPIEnv(t)
	id := e.mail(t, 1)
	target := "/api/v1/tickets/" + id + "/replies"
	for _, tc := range []struct {
		body, key string
		status    int
		msg       string
	}{
		{`{"text":""}`, "", 400, "text is empty"},
		{`{"text":"  \n"}`, "", 400, "text is empty"},
		{`{}`, "", 400, "text is empty"},
		{`{"text":"x","bcc":"a@b"}`, "", 400, "cannot unmarshal"},
		{`{"text":"x","invite":{}}`, "", 400, "invite.start"},
		{`{"text":"x"}`, "has space", 400, "idempotency key"},
		{`{"text":"x"}`, strings.Repeat("k", 201), 400, "idempotency key"},
	} {
		e.do(t, req{method: "POST", target: target, token: annToken, body: tc.body,
			header: map[string]string{"Idempotency-Key": tc.key}}).want(t, tc.status, tc.msg)
	}
	e.do(t, req{method: "POST", target: "/api/v1/tickets/999/replies", token: annToken, body: `{"text":"x"}`}).want(t, 404, "not found")
	if n := len(outbound(e.get(t, id))); n != 0 {
		t.Errorf("%d outbound messages after bad requests", n)
	}
}
