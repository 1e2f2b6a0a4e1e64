package desk

import (
	"context"
	"errors"
	"testing"

	"frontdesk/fault"
	"frontdesk/ticket"
)

func ptr[T any](v T) *T { return &v }

// A person moves a ticket to another queue, priority and tags; the timeline
// says what changed; bad values change nothing.
func TestChange(t *testing.T) {
	d := newTestDesk(t, "")
	ctx := context.Background()
	r := d.receive(t, newMail("c-1", "ann@example.org", "Invoice"))
	tk, err := d.Change(ctx, r.TicketID, Change{Queue: ptr("billing"), Priority: ptr(ticket.PriorityHigh), Tags: ptr([]string{" VIP ", "invoice", "vip"})}, "bob")
	if err != nil {
		t.Fatal(err)
	}
	if tk.Queue != "billing" || tk.Priority != ticket.PriorityHigh || len(tk.Tags) != 2 || tk.Tags[0] != "vip" {
		t.Fatalf("after the change: %+v", tk)
	}
	last := tk.Events[len(tk.Events)-1]
	if last.Type != "changed" || last.By != "bob" || last.Detail != "queue support → billing; priority normal → high; tags +vip +invoice" {
		t.Fatalf("event = %+v", last)
	}
	if st, _ := d.store.QueueStats(ctx, "billing"); st.Waiting != 1 {
		t.Fatalf("billing waiting = %d", st.Waiting)
	}
	before := len(d.get(t, r.TicketID).Events)
	for _, bad := range []Change{{Queue: ptr("nowhere")}, {Priority: ptr(ticket.Priority("asap"))}, {Tags: ptr([]string{"a,b"})}, {Tags: ptr([]string{""})}} {
		if _, err := d.Change(ctx, r.TicketID, bad, "bob"); !errors.Is(err, fault.ErrInvalid) {
			t.Errorf("change %+v: %v, want invalid", bad, err)
		}
	}
	if tk := d.get(t, r.TicketID); tk.Queue != "billing" || len(tk.Events) != before {
		t.Fatalf("a refused change changed the ticket: %+v", tk)
	}
	if _, err := d.Change(ctx, "99999", Change{Queue: ptr("billing")}, "bob"); !errors.Is(err, fault.ErrNotFound) {
		t.Fatalf("change of a missing ticket: %v", err)
	}
}
