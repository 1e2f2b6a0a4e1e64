package api

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"frontdesk/ticket"
	"frontdesk/web/internal/testweb"
)

// unknownReply queues a reply on a new ticket and leaves it unknown, as a
// send cut off after its final dot does; it returns the ticket's and the
// reply's ids.
func (e *apiEnv) unknownReply(t *testing.T, n int) (string, string) {
	t.Helper()
	id := e.mail(t, n)
	return id, testweb.UnknownReply(t, e.store, id, fmt.Sprintf("out-%d", n))
}

// An unknown send is sent again once from its ticket; managers see it on
// the dead list until then, and can retry or purge it by its job id.
func TestSendAgainAndDeadJobs(t *testing.T) {
	e := newAPIEnv(t)
	id, mid := e.unknownReply(t, 1)
	id2, mid2 := e.unknownReply(t, 2)
	id3, mid3 := e.unknownReply(t, 3)
	if _, err := e.store.DismissDead(context.Background(), id2, mid2); err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.DismissDead(context.Background(), id3, mid3); err != nil {
		t.Fatal(err)
	}

	e.do(t, req{method: "GET", target: "/api/v1/jobs", token: annToken}).want(t, http.StatusForbidden, "")
	page := decode[jobPage](t, e.do(t, req{method: "GET", target: "/api/v1/jobs?state=dead&queue=outbox", token: maxToken}))
	if page.Total != 1 || len(page.Jobs) != 1 || page.Jobs[0].ID != id+"-"+mid || page.Jobs[0].Delivery != ticket.DeliveryUnknown ||
		page.Jobs[0].Error != "the sending was cut off" {
		t.Fatalf("dead jobs = %+v", page)
	}
	e.do(t, req{method: "GET", target: "/api/v1/jobs?state=running", token: maxToken}).want(t, http.StatusBadRequest, "state must be dead")

	target := "/api/v1/tickets/" + id + "/messages/" + mid + "/send-again"
	for range 2 { // a double click sends it once
		a := e.do(t, req{method: "POST", target: target, token: annToken})
		a.want(t, http.StatusOK, "")
		tk := decode[ticket.Ticket](t, a)
		if m := tk.Messages[len(tk.Messages)-1]; m.Delivery != ticket.DeliveryQueued {
			t.Fatalf("after send again the reply is %s", m.Delivery)
		}
	}
	if _, err := e.store.TakeOutbound(context.Background(), time.Minute); err != nil {
		t.Fatalf("the reply sent again is not in the outbox: %v", err)
	}
	if _, err := e.store.TakeOutbound(context.Background(), time.Minute); err == nil {
		t.Fatal("the reply sent again twice is in the outbox twice")
	}
	if page := decode[jobPage](t, e.do(t, req{method: "GET", target: "/api/v1/jobs", token: maxToken})); page.Total != 0 {
		t.Fatalf("dead jobs after send again = %+v", page)
	}
	e.do(t, req{method: "POST", target: "/api/v1/tickets/" + id + "/messages/m1/send-again", token: annToken}).want(t, http.StatusNotFound, "")

	// Retry and purge by job id.
	job := "/api/v1/jobs/" + id2 + "-" + mid2
	e.do(t, req{method: "POST", target: job + "/retry", token: annToken}).want(t, http.StatusForbidden, "")
	if got := decode[map[string]bool](t, e.do(t, req{method: "POST", target: job + "/retry", token: maxToken})); !got["queued"] {
		t.Fatalf("retry = %v, want queued", got)
	}
	if got := decode[map[string]bool](t, e.do(t, req{method: "POST", target: job + "/retry", token: maxToken})); got["queued"] {
		t.Fatalf("second retry = %v, want not queued again", got)
	}
	e.do(t, req{method: "POST", target: "/api/v1/jobs/" + id3 + "-" + mid3 + "/purge", token: maxToken}).want(t, http.StatusNoContent, "")
	if page := decode[jobPage](t, e.do(t, req{method: "GET", target: "/api/v1/jobs", token: maxToken})); page.Total != 0 {
		t.Fatalf("dead jobs after purge = %+v", page)
	}
	tk := e.get(t, id3)
	if m := tk.Messages[len(tk.Messages)-1]; m.Delivery != ticket.DeliveryUnknown {
		t.Fatalf("purged reply is %s, want still unknown", m.Delivery)
	}
	e.do(t, req{method: "POST", target: "/api/v1/jobs/nonsense/purge", token: maxToken}).want(t, http.StatusBadRequest, "TICKET_ID-MESSAGE_ID")
}
