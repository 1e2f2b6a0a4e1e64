package ui

import (
	"net/url"
	"strings"
	"testing"

	"frontdesk/ticket"
	"frontdesk/web/internal/testweb"
)

// On a fax ticket the reply form says it goes by fax, to whom, and takes a
// PDF; a reply without one is refused with the reason and the words kept;
// with one it is queued as a fax, and the page shows its delivery state.
func TestUIReplyByFax(t *testing.T) {
	e := newUIEnv(t)
	id := testweb.Fax(t, e.store)
	ann := e.login(t, "ann")
	_, page := ann.get(t, "/tickets/"+id)
	for _, want := range []string{"Reply by fax to <strong>&#43;31 20 123 4567</strong>", `accept="application/pdf,.pdf"`,
		"The fax carries the PDF alone", `aria-describedby="reply-fax-words"`} {
		if !strings.Contains(page, want) {
			t.Errorf("the reply form lacks %s", want)
		}
	}
	if strings.Contains(page, `id="reply-copies"`) {
		t.Error("a fax reply offers copies")
	}
	res, body := ann.postMultipart(t, "/tickets/"+id+"/reply",
		url.Values{"text": {"The signed form."}, "reply_key": {replyKey(t, page)}, "seen": {""}})
	if res.StatusCode != 400 || !strings.Contains(body, "by fax, which is sent from a PDF: attach one") || !strings.Contains(body, "The signed form.") {
		t.Fatalf("a fax without a PDF: %d\n%s", res.StatusCode, body)
	}
	res, body = ann.postMultipart(t, "/tickets/"+id+"/reply",
		url.Values{"text": {"The signed form."}, "reply_key": {replyKey(t, page)}, "seen": {""}},
		uiFile{"files", "form.pdf", "application/pdf", "%PDF-1.4 form"})
	wantRedirect(t, "fax reply", res, body, "/tickets/"+id, "Fax queued to +31 20 123 4567.")
	out := outboundOf(e.get(t, id))
	if len(out) != 1 || out[0].Channel != ticket.ChannelFax || len(out[0].Attachments) != 1 {
		t.Fatalf("replies = %+v", out)
	}
	if err := e.store.SetDelivery(t.Context(), id, out[0].ID, ticket.DeliveryDelivered, "the fax machine took it: 1 page", "fax service"); err != nil {
		t.Fatal(err)
	}
	_, page = ann.get(t, "/tickets/"+id)
	if !strings.Contains(page, `data-delivery="delivered"`) || !strings.Contains(page, "the fax machine took it: 1 page") {
		t.Errorf("the page does not show the fax delivered")
	}
}
