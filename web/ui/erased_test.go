package ui

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"frontdesk/ticket"
)

// TestErasedTicketPage shows a ticket whose customer was erased: no
// messages, no subject, the timeline ending in the erasure.
func TestErasedTicketPage(t *testing.T) {
	e := newUIEnv(t)
	id := e.mail(t, 1)
	ok, err := e.store.EraseTicket(context.Background(), id, ticket.Erasure{Mode: ticket.EraseRedact, By: "max", Detail: "erased on request"})
	if err != nil || !ok {
		t.Fatalf("erase: %v %v", ok, err)
	}
	u := e.login(t, "ann")
	for _, path := range []string{"/tickets/" + id, "/tickets?status=closed", "/"} {
		resp, body := u.get(t, path)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d", path, resp.StatusCode)
		}
		if path == "/tickets/"+id && (!strings.Contains(body, "erased on request") || strings.Contains(body, "ann@example.org")) {
			t.Fatalf("the erased ticket's page:\n%s", body)
		}
	}
}
