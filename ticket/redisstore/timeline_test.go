package redisstore

import (
	"context"
	"regexp"
	"testing"
	"time"

	"frontdesk/ticket"
)

// A note stays inside the desk: it is not queued for delivery, does not
// reopen a ticket, and is not the ticket's first response.
func TestNoteIsNeitherSentNorAnAnswer(t *testing.T) {
	s, _, _ := newTestStore(t)
	ctx := context.Background()
	id := mustCreate(t, s, mail("src-1", "ann@example.org", "Hi")).TicketID
	if err := s.SetStatus(ctx, id, ticket.StatusPending, "bob"); err != nil {
		t.Fatal(err)
	}
	r, err := s.AppendMessage(ctx, id, ticket.NewMessage{SourceKey: "note-1", Direction: ticket.DirectionInternal,
		Text: "She called too; see the voicemail.", Author: "bob", By: "bob"})
	if err != nil {
		t.Fatal(err)
	}
	tk, _ := s.Get(ctx, id)
	m := *messageOf(tk, r.MessageID)
	if m.Direction != ticket.DirectionInternal || m.Author != "bob" || m.Delivery != "" {
		t.Fatalf("note = %+v", m)
	}
	if tk.Status != ticket.StatusPending || tk.FirstResponseAt != nil {
		t.Fatalf("after a note: status %s, first response %v", tk.Status, tk.FirstResponseAt)
	}
	if last := tk.Events[len(tk.Events)-1]; last.Type != "note" || last.By != "bob" {
		t.Fatalf("last event = %+v", last)
	}
	if n, _ := s.rdb.ZCard(ctx, s.key("outbox")).Result(); n != 0 {
		t.Fatalf("a note is in the outbox")
	}
}

// The first reply written by a person is the ticket's first response; an
// acknowledgement is not, and a second reply does not move it.
func TestFirstResponseIsRecordedOnce(t *testing.T) {
	s, _, clk := newTestStore(t)
	ctx := context.Background()
	nt := mail("src-1", "ann@example.org", "Hi")
	nt.FirstResponseDue = clk.Now().Add(4 * time.Hour)
	id := mustCreate(t, s, nt).TicketID
	out := func(src string, kind ticket.Kind) {
		t.Helper()
		if _, err := s.AppendMessage(ctx, id, ticket.NewMessage{SourceKey: src, Direction: ticket.DirectionOut, Kind: kind,
			To: []string{"ann@example.org"}, Text: "x", Delivery: ticket.DeliveryQueued}); err != nil {
			t.Fatal(err)
		}
	}
	out("ack", ticket.KindAutoReply)
	if tk, _ := s.Get(ctx, id); tk.FirstResponseAt != nil {
		t.Fatalf("an acknowledgement counted as the first response: %v", tk.FirstResponseAt)
	}
	clk.Advance(90 * time.Minute)
	out("reply-1", ticket.KindNormal)
	tk, _ := s.Get(ctx, id)
	if tk.FirstResponseAt == nil || !tk.FirstResponseAt.Equal(clk.Now()) {
		t.Fatalf("first response at %v, want %v", tk.FirstResponseAt, clk.Now())
	}
	first := *tk.FirstResponseAt
	clk.Advance(time.Hour)
	out("reply-2", ticket.KindNormal)
	if tk, _ := s.Get(ctx, id); !tk.FirstResponseAt.Equal(first) {
		t.Fatalf("a second reply moved the first response to %v", tk.FirstResponseAt)
	}
	if st, _ := s.QueueStats(ctx, "support"); st.SLABreached != 0 {
		t.Fatalf("answered ticket counted as breached: %+v", st)
	}
}

// Taking the next ticket from several queues takes the most urgent head of
// any of them: priority first, then age.
func TestClaimNextAcrossQueues(t *testing.T) {
	s, _, clk := newTestStore(t)
	ctx := context.Background()
	waiting := func(src, queue string, p ticket.Priority) string {
		nt := mail(src, src+"@example.org", src)
		nt.Queue, nt.Priority = queue, p
		clk.Advance(time.Second)
		return mustCreate(t, s, nt).TicketID
	}
	oldNormal := waiting("a", "support", ticket.PriorityNormal)
	newHigh := waiting("b", "billing", ticket.PriorityHigh)
	newNormal := waiting("c", "billing", ticket.PriorityNormal)
	want := []string{newHigh, oldNormal, newNormal}
	for i, w := range want {
		tk, err := s.ClaimNext(ctx, []string{"support", "billing"}, "ann", time.Minute)
		if err != nil || tk.ID != w {
			t.Fatalf("claim %d = %v, %v; want %s", i+1, tk, err, w)
		}
		if tk.Status != ticket.StatusOpen || tk.Assignee != "ann" {
			t.Fatalf("claimed = %+v", tk)
		}
	}
}

// The timeline speaks the ticket page's words: no message ids.
func TestTimelineNamesNoInternalIDs(t *testing.T) {
	s, _, _ := newTestStore(t)
	ctx := context.Background()
	nt := mail("src-1", "ann@example.org", "Hi")
	nt.Mailbox = "support"
	id := mustCreate(t, s, nt).TicketID
	if _, err := s.AppendMessage(ctx, id, ticket.NewMessage{SourceKey: "in-2", From: "Ann Lee <ann@example.org>", Text: "more"}); err != nil {
		t.Fatal(err)
	}
	r, err := s.AppendMessage(ctx, id, ticket.NewMessage{SourceKey: "out-3", Direction: ticket.DirectionOut,
		To: []string{"ann@example.org"}, Text: "answer", Delivery: ticket.DeliveryQueued, By: "bob", Author: "bob"})
	if err != nil {
		t.Fatal(err)
	}
	o, err := s.TakeOutbound(ctx, time.Minute)
	if err != nil || o.MessageID != r.MessageID {
		t.Fatal(o, err)
	}
	_ = s.SettleOutbound(ctx, o, ticket.Settlement{Delivery: ticket.DeliveryQueued, Detail: "421 busy", By: "responder"})
	tk, _ := s.Get(ctx, id)
	if tk.Mailbox != "support" {
		t.Fatalf("mailbox = %q", tk.Mailbox)
	}
	internal := regexp.MustCompile(`\bm\d+\b`)
	want := map[string]bool{"mail from ann@example.org": false, "reply to ann@example.org": false}
	for _, e := range tk.Events {
		if internal.MatchString(e.Detail) {
			t.Errorf("event names a message id: %+v", e)
		}
		if _, ok := want[e.Detail]; ok {
			want[e.Detail] = true
		}
	}
	for d, seen := range want {
		if !seen {
			t.Errorf("no event %q in %+v", d, tk.Events)
		}
	}
}
