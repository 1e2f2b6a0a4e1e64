package ui

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"frontdesk/ticket"
	"frontdesk/web/internal/testweb"
)

// unknownReply leaves a reply on a new ticket unknown, as a send cut off
// after its final dot does.
func (e *uiEnv) unknownReply(t *testing.T) (string, string) {
	t.Helper()
	id := e.mail(t, 1)
	return id, testweb.UnknownReply(t, e.store, id, "out-1")
}

// An unknown reply shows "Send again" on its ticket, which asks first and
// sends it once; managers see it under Undelivered until then.
func TestUISendAgainAndUndelivered(t *testing.T) {
	e := newUIEnv(t)
	id, mid := e.unknownReply(t)
	ann, max := e.login(t, "ann"), e.login(t, "max")

	_, page := ann.get(t, "/tickets/"+id)
	if !strings.Contains(page, `id="send-again-`+mid+`"`) || !strings.Contains(page, "may or may not have arrived") ||
		!strings.Contains(page, "data-confirm=") {
		t.Fatalf("ticket page has no Send again for the unknown reply:\n%s", page)
	}
	if res, _ := ann.get(t, "/outbox"); res.StatusCode != http.StatusForbidden {
		t.Errorf("an assistant sees Undelivered: %d", res.StatusCode)
	}
	_, list := max.get(t, "/outbox")
	if !strings.Contains(list, `data-send="`+id+"-"+mid+`"`) || !strings.Contains(list, "the sending was cut off") {
		t.Fatalf("Undelivered does not list the reply:\n%s", list)
	}

	res, body := ann.post(t, "/tickets/"+id+"/messages/"+mid+"/send-again", nil)
	wantRedirect(t, "send again", res, body, "/tickets/"+id, "The message goes out again.")
	res, body = ann.post(t, "/tickets/"+id+"/messages/"+mid+"/send-again", nil)
	wantRedirect(t, "send again twice", res, body, "/tickets/"+id, "The message is on its way already.")
	if _, page := ann.get(t, "/tickets/"+id); strings.Contains(page, `id="send-again-`+mid+`"`) {
		t.Error("a reply on its way still offers Send again")
	}
	if _, list := max.get(t, "/outbox"); !strings.Contains(list, `id="outbox-empty"`) {
		t.Errorf("Undelivered still lists the reply sent again:\n%s", list)
	}

	// Settled unknown again, a manager dismisses it; the ticket keeps it.
	o, err := e.store.TakeOutbound(context.Background(), time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.store.SettleOutbound(context.Background(), o, ticket.Settlement{Delivery: ticket.DeliveryFailed, Detail: "550 no such user", By: "responder"}); err != nil {
		t.Fatal(err)
	}
	res, body = max.post(t, "/outbox/"+id+"/"+mid+"/dismiss", url.Values{})
	wantRedirect(t, "dismiss", res, body, "/outbox", "Taken off the list.")
	if _, list := max.get(t, "/outbox"); !strings.Contains(list, `id="outbox-empty"`) {
		t.Errorf("Undelivered still lists the dismissed reply")
	}
	if _, page := ann.get(t, "/tickets/"+id); !strings.Contains(page, `id="send-again-`+mid+`"`) || !strings.Contains(page, "550 no such user") {
		t.Error("the failed reply's ticket no longer offers Send again with the reason")
	}
}
