package api

import (
	"encoding/base64"
	"fmt"
	"slices"
	"strings"
	"testing"

	"frontdesk/ticket"
)

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// A reply by mail with copies and a file: 202 with them on the stored
// message (Bcc recorded for the desk), the file fetched back as sent.
func TestReplyWithCopiesAndAttachment(t *testing.T) {
	e := newAPIEnv(t)
	id := e.mail(t, 1)
	body := fmt.Sprintf(`{"text":"The label is attached.","cc":["Carl <carl@example.org>"],"bcc":["boss@example.org"],
		"attachments":[{"filename":"label.pdf","content_type":"application/pdf","data":%q}]}`, b64("%PDF-1.4 label"))
	a := e.do(t, req{method: "POST", target: "/api/v1/tickets/" + id + "/replies", token: annToken, body: body})
	a.want(t, 202, "")
	m := decode[ticket.Message](t, a)
	if !slices.Equal(m.Cc, []string{"Carl <carl@example.org>"}) || !slices.Equal(m.Bcc, []string{"boss@example.org"}) {
		t.Errorf("cc %v, bcc %v", m.Cc, m.Bcc)
	}
	if len(m.Attachments) != 1 || m.Attachments[0].Filename != "label.pdf" || m.Attachments[0].Size != 14 {
		t.Fatalf("attachments %+v", m.Attachments)
	}
	got := e.do(t, req{method: "GET", target: "/api/v1/tickets/" + id + "/attachments/" + m.Attachments[0].ID, token: annToken})
	got.want(t, 200, "")
	if string(got.body) != "%PDF-1.4 label" {
		t.Errorf("the attachment reads %q", got.body)
	}
	// Base64 as mail writes it, with line breaks and without padding, is
	// taken too.
	e.do(t, req{method: "POST", target: "/api/v1/tickets/" + id + "/replies", token: annToken,
		body: `{"text":"x","attachments":[{"filename":"a.txt","data":"aGVs\nbG8"}]}`}).want(t, 202, "")
}

// Bad replies are refused with the field named and store nothing.
func TestReplyRefusals(t *testing.T) {
	e := newAPIEnv(t)
	id := e.mail(t, 1)
	sms := e.sms(t)
	target := "/api/v1/tickets/" + id + "/replies"
	file := func(name, ctype, data string) string {
		return fmt.Sprintf(`{"text":"x","attachments":[{"filename":%q,"content_type":%q,"data":%q}]}`, name, ctype, data)
	}
	for _, tc := range []struct {
		target, body string
		status       int
		msg          string
	}{
		{target, file("a.txt", "", "not base64!"), 400, "attachments[0].data is not base64"},
		{target, file("big.bin", "", b64(strings.Repeat("x", 1001))), 413, "attachments[0] (big.bin) is 1001 bytes"},
		{target, file("run.exe", "", b64("MZ")), 400, ".exe files are programs"},
		{target, file("a.js", "application/javascript", b64("alert(1)")), 400, "programs or scripts"},
		{target, file("a.txt", "text/plain\r\nX-Evil: 1", b64("x")), 400, "content type"},
		{target, `{"text":"x","cc":["carl@example.org\r\nBcc: eve@example.org"]}`, 400, "cc[0] holds a line break"},
		{target, `{"text":"x","bcc":["nobody"]}`, 400, `bcc[0]: "nobody" is not an email address`},
		{target, `{"text":"x","canned":"Nope"}`, 400, "canned"},
		{target, `{"canned":"Nope","text":"x"}`, 400, "not both"},
		{"/api/v1/tickets/" + sms + "/replies", file("a.pdf", "", b64("%PDF")), 400, "MMS is not supported"},
		{"/api/v1/tickets/" + sms + "/replies", `{"text":"x","cc":["carl@example.org"]}`, 400, "has no copies"},
	} {
		e.do(t, req{method: "POST", target: tc.target, token: annToken, body: tc.body}).want(t, tc.status, tc.msg)
	}
	for _, tid := range []string{id, sms} {
		if tk := e.get(t, tid); len(outbound(tk)) != 0 || tk.Assignee != "" {
			t.Errorf("ticket %s after refused replies: %d outbound, assignee %q", tid, len(outbound(tk)), tk.Assignee)
		}
	}
}

// A reply to a ticket someone else holds is 409 naming the holder, unless
// forced; so is one to a ticket that changed hands since assignee_seen. A
// reply to a ticket nobody holds takes it.
func TestReplyCollisionAndForce(t *testing.T) {
	e := newAPIEnv(t)
	id := e.mail(t, 1)
	target := "/api/v1/tickets/" + id + "/replies"
	e.do(t, req{method: "POST", target: target, token: annToken, body: `{"text":"Mine.","assignee_seen":""}`}).want(t, 202, "")
	if tk := e.get(t, id); tk.Assignee != "ann" {
		t.Fatalf("after ann's reply the ticket is held by %q, want ann", tk.Assignee)
	}
	a := e.do(t, req{method: "POST", target: target, token: maxToken, body: `{"text":"Also mine."}`})
	a.want(t, 409, "held by ann")
	if !strings.HasSuffix(strings.TrimSpace(string(a.body)), `held by ann"}`) {
		t.Errorf("409 body %s, want the error to end in held by ann", a.body)
	}
	e.do(t, req{method: "POST", target: target, token: maxToken, body: `{"text":"Also mine.","assignee_seen":""}`}).
		want(t, 409, "changed hands since you opened it: it is held by ann")
	a = e.do(t, req{method: "POST", target: target, token: maxToken, body: `{"text":"Also mine.","force":true}`})
	a.want(t, 202, "")
	if m := decode[ticket.Message](t, a); m.Author != "max" {
		t.Errorf("forced reply by %q, want max", m.Author)
	}
	if tk := e.get(t, id); tk.Assignee != "ann" || len(outbound(tk)) != 2 {
		t.Errorf("after the forced reply: held by %q, %d replies; want ann keeps it, 2 replies", tk.Assignee, len(outbound(tk)))
	}
	e.do(t, req{method: "POST", target: target, token: annToken, body: `{"text":"Still mine.","assignee_seen":"ann"}`}).want(t, 202, "")
}

// Forward: 202 with the stored forward; bad input 400.
func TestForwardCreate(t *testing.T) {
	e := newAPIEnv(t)
	id := e.mail(t, 1)
	target := "/api/v1/tickets/" + id + "/forward"
	a := e.do(t, req{method: "POST", target: target, token: annToken,
		body: `{"to":["Claims <claims@carrier.example>"],"text":"Please file a claim.","message_id":"m1"}`})
	a.want(t, 202, "")
	m := decode[ticket.Message](t, a)
	if m.Kind != ticket.KindForward || m.Meta["forwarded"] != "m1" || m.Subject != "Fwd: Order 1 arrived broken [#"+id+"]" ||
		!slices.Equal(m.To, []string{"Claims <claims@carrier.example>"}) || m.Author != "ann" || m.Delivery != ticket.DeliveryQueued {
		t.Errorf("forward = %+v", m)
	}
	// The photo and the HTML page go along; big.bin was not kept (over the
	// store's cap) and is named instead.
	var names []string
	for _, f := range m.Attachments {
		names = append(names, f.Filename)
	}
	if !slices.Equal(names, []string{"photo.jpg", `évil "name".html`}) || !strings.Contains(m.Text, "Not attached: big.bin") {
		t.Errorf("forwarded files %v; text %q", names, m.Text)
	}
	if tk := e.get(t, id); tk.Status != ticket.StatusNew || tk.Assignee != "" {
		t.Errorf("the forward changed the ticket: %s, %q", tk.Status, tk.Assignee)
	}
	for _, tc := range []struct {
		body   string
		status int
		msg    string
	}{
		{`{"to":[],"message_id":"m1"}`, 400, "to: whom"},
		{`{"to":["carl"],"message_id":"m1"}`, 400, `to[0]: "carl" is not an email address`},
		{`{"to":["carl@example.org"],"message_id":"m7"}`, 400, `no message "m7"`},
		{`{"to":["carl@example.org"]}`, 400, "message_id"},
		{`{"to":["carl@example.org"],"message_id":"m1","cc":["x@example.org"]}`, 400, "unknown field"},
	} {
		e.do(t, req{method: "POST", target: target, token: annToken, body: tc.body}).want(t, tc.status, tc.msg)
	}
	e.do(t, req{method: "POST", target: "/api/v1/tickets/999/forward", token: annToken, body: `{"to":["c@example.org"],"message_id":"m1"}`}).want(t, 404, "not found")
}

// Canned replies: everyone reads them, managers replace them; an invalid
// list is 400 naming the entry; If-Match guards against a lost update; a
// reply names one.
func TestCannedAPI(t *testing.T) {
	e := newAPIEnv(t)
	a := e.do(t, req{method: "GET", target: "/api/v1/canned", token: annToken})
	a.want(t, 200, "")
	if strings.TrimSpace(string(a.body)) != "[]" || a.header.Get("ETag") != `"0"` {
		t.Fatalf("canned before any: %s, ETag %s", a.body, a.header.Get("ETag"))
	}
	list := `[{"name":"Thanks","queue":"","text":"Thanks, {{.CustomerName}}! Ticket #{{.TicketID}}. {{.Assistant}}"},
		{"name":"Refund","queue":"billing","text":"Refunded."}]`
	e.do(t, req{method: "PUT", target: "/api/v1/canned", token: annToken, body: list}).want(t, 403, "")
	for _, tc := range []struct{ body, msg string }{
		{`[{"name":"A","text":"{{.Secret}}"}]`, `canned[0] "A": text: {{.Secret}} is not allowed`},
		{`[{"name":"A","text":"{{index .TicketID 0}}"}]`, `canned[0] "A": text:`},
		{`[{"name":"A","text":"x"},{"name":"B","queue":"nope","text":"y"}]`, `canned[1] "B": there is no queue "nope"`},
		{`[{"name":"A","text":"x"},{"name":"a","text":"y"}]`, "same name"},
		{`{"name":"A"}`, "request body"},
	} {
		e.do(t, req{method: "PUT", target: "/api/v1/canned", token: maxToken, body: tc.body}).want(t, 400, tc.msg)
	}
	a = e.do(t, req{method: "PUT", target: "/api/v1/canned", token: maxToken, body: list, header: map[string]string{"If-Match": `"0"`}})
	a.want(t, 200, "")
	if strings.TrimSpace(string(a.body)) != `{"version":1}` {
		t.Errorf("PUT answered %s", a.body)
	}
	e.do(t, req{method: "PUT", target: "/api/v1/canned", token: maxToken, body: list, header: map[string]string{"If-Match": `"0"`}}).want(t, 409, "changed meanwhile")
	a = e.do(t, req{method: "GET", target: "/api/v1/canned", token: annToken})
	got := decode[[]ticket.CannedReply](t, a)
	if len(got) != 2 || got[1].Queue != "billing" || a.header.Get("ETag") != `"1"` {
		t.Errorf("canned = %+v, ETag %s", got, a.header.Get("ETag"))
	}

	id := e.mail(t, 1)
	a = e.do(t, req{method: "POST", target: "/api/v1/tickets/" + id + "/replies", token: annToken, body: `{"canned":"thanks"}`})
	a.want(t, 202, "")
	if m := decode[ticket.Message](t, a); m.Text != "Thanks, Ann Lee! Ticket #"+id+". ann" {
		t.Errorf("canned reply text %q", m.Text)
	}
	e.do(t, req{method: "POST", target: "/api/v1/tickets/" + id + "/replies", token: annToken, body: `{"canned":"Refund"}`}).want(t, 400, `no canned reply "Refund" for queue support`)
}

// Presence: the caller is among the viewers, with who holds the ticket.
func TestTicketPresence(t *testing.T) {
	e := newAPIEnv(t)
	id := e.mail(t, 1)
	e.do(t, req{method: "POST", target: "/api/v1/tickets/" + id + "/presence", token: maxToken}).want(t, 200, "")
	e.do(t, req{method: "POST", target: "/api/v1/tickets/" + id + "/assign", token: maxToken, body: `{"assignee":"ann"}`}).want(t, 200, "")
	a := e.do(t, req{method: "POST", target: "/api/v1/tickets/" + id + "/presence", token: annToken})
	a.want(t, 200, "")
	p := decode[ticket.Presence](t, a)
	if p.Assignee != "ann" || !slices.Equal(p.Viewers, []string{"ann", "max"}) {
		t.Errorf("presence = %+v, want ann holding, ann and max viewing", p)
	}
	e.do(t, req{method: "POST", target: "/api/v1/tickets/999/presence", token: annToken}).want(t, 404, "not found")
}
