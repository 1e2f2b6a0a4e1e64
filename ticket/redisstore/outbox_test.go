package redisstore

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"frontdesk/fault"
	"frontdesk/ticket"
)

// seedDeadEntries puts n dead entries in the outbox, all due before anything
// queued now: the first 30 left sending by workers that died (their leases
// long over), then by halves sends whose ticket is gone and sends settled
// failed whose entries stayed behind. It returns the ticket holding the
// sends.
func seedDeadEntries(t testing.TB, s *Store, n int) string {
	t.Helper()
	ctx := context.Background()
	id := mustCreate(t, s, mail(fmt.Sprintf("dead-%d", n), "dead@example.org", "Dead")).TicketID
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i := range n {
			ref, score := "", float64(1+i)
			switch {
			case i < 30:
				mid := fmt.Sprintf("m%d", 100+i)
				p.HSet(ctx, s.ticketKey(id)+":delivery", mid, `{"delivery":"sending","hold":"h","lease":1,"attempts":1}`)
				ref = id + " " + mid
			case i%2 == 0:
				ref = fmt.Sprintf("%d m2", 90000000+i)
			default:
				mid := fmt.Sprintf("m%d", 100+i)
				p.HSet(ctx, s.ticketKey(id)+":delivery", mid, `{"delivery":"failed","detail":"550 no such user","attempts":1}`)
				ref = id + " " + mid
			}
			p.ZAdd(ctx, s.key("outbox"), redis.Z{Score: score, Member: ref})
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// 10,000 dead sends do not delay a new acknowledgement by more than one
// sweep: the first take after it was queued gives it to a worker.
func TestTenThousandDeadSendsDoNotDelayANewOne(t *testing.T) {
	s, _, _ := newTestStore(t)
	ctx := context.Background()
	dead := seedDeadEntries(t, s, 10_000)
	id, mid := queuedReply(t, s, "new-1")
	o, err := s.TakeOutbound(ctx, time.Minute) // one sweep
	if err != nil || o.TicketID != id || o.MessageID != mid {
		t.Fatalf("the first take after 10,000 dead entries = %+v, %v; want %s %s", o, err, id, mid)
	}
	if n := s.rdb.ZCard(ctx, s.key("outbox")).Val(); n != 1 {
		t.Errorf("outbox holds %d entries, want only the one taken", n)
	}
	// The sends cut off by the dead worker are unknown, on the dead list.
	list, err := s.DeadSends(ctx, 0, 500)
	if err != nil {
		t.Fatal(err)
	}
	if list.Total != 30 || len(list.Sends) != 30 || list.Sends[0].TicketID != dead || list.Sends[0].Delivery != ticket.DeliveryUnknown {
		t.Fatalf("dead list: %d in all, first %+v; want 30 unknown sends of ticket %s", list.Total, list.Sends[:min(1, len(list.Sends))], dead)
	}
}

// BenchmarkTakeBehindDeadSends measures one take of a new message behind
// 10,000 dead entries (the seeding is not timed).
func BenchmarkTakeBehindDeadSends(b *testing.B) {
	s, _, _ := newTestStore(b)
	ctx := context.Background()
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		_ = s.rdb.Del(ctx, s.key("outbox")).Err()
		seedDeadEntries(b, s, 10_000)
		id, mid := queuedReplyB(b, s, fmt.Sprintf("bench-%d", i))
		b.StartTimer()
		o, err := s.TakeOutbound(ctx, time.Minute)
		if err != nil || o.TicketID != id || o.MessageID != mid {
			b.Fatalf("take = %+v, %v", o, err)
		}
	}
}

func queuedReplyB(b *testing.B, s *Store, src string) (string, string) {
	id := mustCreate(b, s, mail(src, "ann@example.org", "Hi")).TicketID
	r, err := s.AppendMessage(context.Background(), id, ticket.NewMessage{SourceKey: "out-" + src, Direction: ticket.DirectionOut,
		To: []string{"ann@example.org"}, Text: "Answer", Delivery: ticket.DeliveryQueued, Author: "bob", By: "bob"})
	if err != nil {
		b.Fatal(err)
	}
	return id, r.MessageID
}

// A failed or unknown send is on the dead list; sending it again puts it
// back in the outbox once, off the list, its tries counted afresh; a second
// request changes nothing; a sent message is not sent again.
func TestSendAgainOnceAndTheDeadList(t *testing.T) {
	s, _, _ := newTestStore(t)
	ctx := context.Background()
	id, mid := queuedReply(t, s, "again-1")
	o, err := s.TakeOutbound(ctx, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SettleOutbound(ctx, o, ticket.Settlement{Delivery: ticket.DeliverySending, By: "responder"}); err != nil {
		t.Fatal(err)
	}
	if err := s.SettleOutbound(ctx, o, ticket.Settlement{Delivery: ticket.DeliveryUnknown, Detail: "cut after the dot", By: "responder"}); err != nil {
		t.Fatal(err)
	}
	list, err := s.DeadSends(ctx, 0, 10)
	if err != nil || list.Total != 1 || len(list.Sends) != 1 || list.Sends[0].MessageID != mid || list.Sends[0].Detail != "cut after the dot" ||
		list.Sends[0].Attempts != 1 || list.Sends[0].At.IsZero() {
		t.Fatalf("dead list = %+v, %v", list, err)
	}
	again, err := s.SendAgain(ctx, id, mid, "ann")
	if err != nil || !again {
		t.Fatalf("send again = %v, %v; want true", again, err)
	}
	if again, err := s.SendAgain(ctx, id, mid, "ann"); err != nil || again {
		t.Fatalf("second send again = %v, %v; want false (queued already)", again, err)
	}
	if m := deliveryOf(t, s, id, mid); m.Delivery != ticket.DeliveryQueued {
		t.Fatalf("after send again: %s", m.Delivery)
	}
	if list, _ := s.DeadSends(ctx, 0, 10); list.Total != 0 {
		t.Fatalf("dead list after send again: %+v", list)
	}
	o, err = s.TakeOutbound(ctx, time.Minute)
	if err != nil || o.MessageID != mid || o.Attempt != 1 {
		t.Fatalf("take after send again = %+v, %v; want attempt 1", o, err)
	}
	if _, err := s.TakeOutbound(ctx, time.Minute); !errors.Is(err, fault.ErrNotFound) {
		t.Fatalf("a message sent again is in the outbox twice: %v", err)
	}
	if err := s.SettleOutbound(ctx, o, ticket.Settlement{Delivery: ticket.DeliverySent, By: "responder"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SendAgain(ctx, id, mid, "ann"); !errors.Is(err, fault.ErrConflict) {
		t.Fatalf("send again of a sent message: %v, want conflict", err)
	}
	tk, _ := s.Get(ctx, id)
	found := false
	for _, e := range tk.Events {
		found = found || e.Detail == "reply to ann@example.org: sent again (it was unknown)"
	}
	if !found {
		t.Errorf("no event tells of the send again: %+v", tk.Events)
	}

	// A bounce puts it on the dead list; dismissing takes it off, the
	// message stays failed.
	if err := s.SetDelivery(ctx, id, mid, ticket.DeliveryFailed, "550 user unknown", "intake:support"); err != nil {
		t.Fatal(err)
	}
	if list, _ := s.DeadSends(ctx, 0, 10); list.Total != 1 || list.Sends[0].Delivery != ticket.DeliveryFailed {
		t.Fatalf("dead list after a bounce: %+v", list)
	}
	if ok, err := s.DismissDead(ctx, id, mid); err != nil || !ok {
		t.Fatal(err)
	}
	if list, _ := s.DeadSends(ctx, 0, 10); list.Total != 0 {
		t.Fatalf("dead list after dismissing: %+v", list)
	}
	if ok, err := s.DismissDead(ctx, id, mid); ok || err != nil {
		t.Fatalf("dismissing twice = %v, %v; want false", ok, err)
	}
	if m := deliveryOf(t, s, id, mid); m.Delivery != ticket.DeliveryFailed {
		t.Fatalf("dismissed message is %s, want still failed", m.Delivery)
	}
	if _, err := s.SendAgain(ctx, id, "m9", "ann"); !errors.Is(err, fault.ErrNotFound) {
		t.Fatalf("send again of no message: %v", err)
	}
}

// TestErasedTicketLeavesTheDeadList: a ticket erased for a customer takes its
// dead sends off the dead list, which would otherwise name it for ever.
func TestErasedTicketLeavesTheDeadList(t *testing.T) {
	s, _, _ := newTestStore(t)
	ctx := context.Background()
	id, _ := queuedReply(t, s, "erase-dead-1")
	o, err := s.TakeOutbound(ctx, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SettleOutbound(ctx, o, ticket.Settlement{Delivery: ticket.DeliveryFailed, Detail: "550 no such user", By: "responder"}); err != nil {
		t.Fatal(err)
	}
	if list, err := s.DeadSends(ctx, 0, 10); err != nil || list.Total != 1 {
		t.Fatalf("dead list before the erasure = %+v, %v", list, err)
	}
	if ok, err := s.EraseTicket(ctx, id, ticket.Erasure{Mode: ticket.EraseRedact, By: "dpo", Users: []string{}}); err != nil || !ok {
		t.Fatalf("erase %s: %v %v", id, ok, err)
	}
	if n, err := s.rdb.ZCard(ctx, s.key("outbox", "dead")).Result(); err != nil || n != 0 {
		t.Fatalf("dead list after the erasure holds %d entries (%v), want none", n, err)
	}
}

// TestMergedTicketKeepsItsDeadSends: a failed reply on a ticket merged into
// another stays on the dead list, named where it is now, so that a person
// can still send it again or dismiss it.
func TestMergedTicketKeepsItsDeadSends(t *testing.T) {
	s, _, _ := newTestStore(t)
	ctx := context.Background()
	id, _ := queuedReply(t, s, "merge-dead-1")
	into := mustCreate(t, s, mail("merge-dead-2", "bob@example.org", "Other")).TicketID
	o, err := s.TakeOutbound(ctx, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SettleOutbound(ctx, o, ticket.Settlement{Delivery: ticket.DeliveryFailed, Detail: "550 no such user", By: "responder"}); err != nil {
		t.Fatal(err)
	}
	before, err := s.DeadSends(ctx, 0, 10)
	if err != nil || before.Total != 1 {
		t.Fatalf("dead list before the merge = %+v, %v", before, err)
	}
	if _, err := s.Merge(ctx, id, into, "ann"); err != nil {
		t.Fatal(err)
	}
	list, err := s.DeadSends(ctx, 0, 10)
	if err != nil || list.Total != 1 || len(list.Sends) != 1 {
		t.Fatalf("dead list after the merge = %+v, %v; want the moved send", list, err)
	}
	got := list.Sends[0]
	if got.TicketID != into || got.Delivery != ticket.DeliveryFailed {
		t.Fatalf("dead send after the merge = %+v, want it on ticket %s", got, into)
	}
	if m := deliveryOf(t, s, into, got.MessageID); m.Delivery != ticket.DeliveryFailed || m.Direction != ticket.DirectionOut {
		t.Fatalf("the dead list names %s of %s, which is %+v", got.MessageID, into, m)
	}
}

// TestDeadSinceStays: a send on the dead list keeps the time it got there
// when more is learnt of it (a bounce after the SMTP refusal), so that the
// list stays oldest first.
func TestDeadSinceStays(t *testing.T) {
	s, _, _ := newTestStore(t)
	ctx := context.Background()
	id, mid := queuedReply(t, s, "dead-since-1")
	o, err := s.TakeOutbound(ctx, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SettleOutbound(ctx, o, ticket.Settlement{Delivery: ticket.DeliveryFailed, Detail: "550 no such user", By: "responder"}); err != nil {
		t.Fatal(err)
	}
	ref := id + " " + mid
	before, err := s.rdb.ZScore(ctx, s.key("outbox", "dead"), ref).Result()
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(5 * time.Millisecond)
	if err := s.SetDelivery(ctx, id, mid, ticket.DeliveryFailed, "a bounce: mailbox unknown", "intake:support"); err != nil {
		t.Fatal(err)
	}
	if after, err := s.rdb.ZScore(ctx, s.key("outbox", "dead"), ref).Result(); err != nil || after != before {
		t.Fatalf("dead since %v, then %v (%v); want it kept", before, after, err)
	}
}
