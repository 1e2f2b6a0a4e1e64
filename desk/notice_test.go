package desk

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"frontdesk/fault"
	"frontdesk/ticket"
)

// A notice is filed once per key as a closed ticket and its mail waits in
// the outbox, from the mailbox's queue's address; the same key again
// changes nothing.
func TestNotify(t *testing.T) {
	d := newTestDesk(t, "")
	ctx := context.Background()
	n := Notice{Key: "oauth2:mailbox:support:1", To: []string{"boss@example.com"}, Subject: "Mailbox support cannot sign in",
		Text: "Reconnect it.", Queue: "support", Mailbox: "support"}
	id, err := d.Notify(ctx, n)
	if err != nil {
		t.Fatal(err)
	}
	again, err := d.Notify(ctx, n)
	if err != nil || again != id {
		t.Fatalf("the same notice again: %s, %v; want %s", again, err, id)
	}
	tk := d.get(t, id)
	if tk.Status != ticket.StatusClosed || !slices.Contains(tk.Tags, NoticeTag) || tk.Queue != "support" {
		t.Errorf("the notice's ticket: status %s, tags %v, queue %s", tk.Status, tk.Tags, tk.Queue)
	}
	out := outbound(tk)
	if len(out) != 1 {
		t.Fatalf("%d outbound messages, want 1", len(out))
	}
	m := out[0]
	if !slices.Equal(m.To, n.To) || m.From != "Support <support@example.com>" || m.Subject != n.Subject+" [#"+id+"]" ||
		m.Delivery != ticket.DeliveryQueued || m.Meta["notice"] != "1" {
		t.Errorf("the notice mail: %+v", m)
	}
	o, err := d.NextOutgoing(ctx, time.Minute)
	if err != nil || o.TicketID != id || o.MessageID != m.ID {
		t.Fatalf("the outbox gives %+v, %v; want the notice", o, err)
	}
	if _, err := d.NextOutgoing(ctx, time.Minute); !errors.Is(err, fault.ErrNotFound) {
		t.Errorf("a second message in the outbox: %v", err)
	}
	if _, err := d.Notify(ctx, Notice{Key: "k", Subject: "s", Queue: "support"}); !errors.Is(err, fault.ErrInvalid) {
		t.Errorf("a notice to nobody: %v", err)
	}
}
