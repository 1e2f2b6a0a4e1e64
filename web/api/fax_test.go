package api

import (
	"fmt"
	"strings"
	"testing"

	"frontdesk/ticket"
	"frontdesk/web/internal/testweb"
)

// A reply on a fax ticket is a fax of its one PDF to the sender; fax_to
// faxes a PDF from any ticket; what a fax cannot be is refused, naming the
// field, and stores nothing.
func TestReplyByFax(t *testing.T) {
	e := newAPIEnv(t)
	fax := testweb.Fax(t, e.store)
	pdf := fmt.Sprintf(`{"filename":"form.pdf","content_type":"application/pdf","data":%q}`, b64("%PDF-1.4 form"))
	target := "/api/v1/tickets/" + fax + "/replies"
	for _, tc := range []struct {
		target, body string
		status       int
		msg          string
	}{
		{target, `{"text":"Here is the form."}`, 400, "attachments: this reply goes to +31201234567 by fax, which is sent from a PDF: attach one"},
		{target, `{"attachments":[` + pdf + `,` + pdf + `]}`, 400, "a fax is one PDF"},
		{target, fmt.Sprintf(`{"attachments":[{"filename":"a.txt","data":%q}]}`, b64("hello")), 400, "attachments[0] (a.txt): a fax is sent from a PDF"},
		{target, `{"cc":["carl@example.org"],"attachments":[` + pdf + `]}`, 400, "by fax, which has no copies"},
		{target, `{"fax_to":"not a number","attachments":[` + pdf + `]}`, 400, `fax_to: "not a number" is not a phone number`},
		{target, `{"fax_to":123}`, 400, "fax_to"},
	} {
		e.do(t, req{method: "POST", target: tc.target, token: annToken, body: tc.body}).want(t, tc.status, tc.msg)
	}
	if n := len(outbound(e.get(t, fax))); n != 0 {
		t.Fatalf("refused faxes stored %d messages", n)
	}

	a := e.do(t, req{method: "POST", target: target, token: annToken, body: `{"attachments":[` + pdf + `]}`})
	a.want(t, 202, "")
	m := decode[ticket.Message](t, a)
	if m.Channel != ticket.ChannelFax || strings.Join(m.To, ",") != "+31201234567" || m.From != "+15555550199" ||
		m.Delivery != ticket.DeliveryQueued || len(m.Attachments) != 1 {
		t.Errorf("fax reply = %+v", m)
	}

	mail := e.mail(t, 1)
	b := e.do(t, req{method: "POST", target: "/api/v1/tickets/" + mail + "/replies", token: annToken,
		body: `{"text":"The contract, for your lawyer.","fax_to":"+1 (555) 555-0123","attachments":[` + pdf + `]}`})
	b.want(t, 202, "")
	if m := decode[ticket.Message](t, b); m.Channel != ticket.ChannelFax || strings.Join(m.To, ",") != "+15555550123" {
		t.Errorf("fax_to reply = %+v", m)
	}
}
