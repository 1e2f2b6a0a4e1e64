package redisstore

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"frontdesk/fault"
	"frontdesk/ticket"
)

// takeAll takes and delivers every due event of hook, in the order given out.
func takeAll(t *testing.T, s *Store, hook string) []ticket.HookEvent {
	t.Helper()
	ctx := context.Background()
	var out []ticket.HookEvent
	for {
		e, err := s.TakeHookEvent(ctx, hook, time.Minute, "h")
		if errors.Is(err, fault.ErrNotFound) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, e)
		if r, err := s.SettleHookEvent(ctx, e, ticket.HookOutcome{Delivered: true, Status: 204, MaxAge: time.Hour}); err != nil || r != ticket.HookDelivered {
			t.Fatalf("settle %s: %v, %v", e.DeliveryID(), r, err)
		}
	}
}

// Each change to a ticket records the webhook events the hooks want, with
// the ticket as it is after the change, in order.
func TestHookEventsRecordedWithTheChange(t *testing.T) {
	s, _, _ := newTestStore(t)
	ctx := context.Background()
	// Nothing is recorded before hooks are registered.
	mustCreate(t, s, mail("before", "ann@example.org", "Before"))
	if err := s.RegisterHooks(ctx, map[string][]string{
		"all":    {"ticket.created", "ticket.assigned", "ticket.replied", "ticket.closed", "ticket.reopened", "sla.breached"},
		"closes": {"ticket.closed"},
	}); err != nil {
		t.Fatal(err)
	}
	id, _ := queuedReply(t, s, "src-1") // created, then a reply by bob
	// An acknowledgement is not a reply; a note is not either.
	if _, err := s.AppendMessage(ctx, id, ticket.NewMessage{SourceKey: "ack", Direction: ticket.DirectionOut, Kind: ticket.KindAutoReply,
		To: []string{"ann@example.org"}, Text: "Thanks", Delivery: ticket.DeliveryQueued, By: "frontdesk"}); err != nil {
		t.Fatal(err)
	}
	if err := s.Assign(ctx, id, "bob", "carol"); err != nil {
		t.Fatal(err)
	}
	if err := s.SetStatus(ctx, id, ticket.StatusClosed, "bob"); err != nil {
		t.Fatal(err)
	}
	// The customer writes again: reopened.
	if _, err := s.AppendMessage(ctx, id, ticket.NewMessage{SourceKey: "again", Direction: ticket.DirectionIn, From: "ann@example.org", Text: "Still broken", By: "intake"}); err != nil {
		t.Fatal(err)
	}
	got := takeAll(t, s, "all")
	want := []string{"ticket.created", "ticket.replied", "ticket.assigned", "ticket.closed", "ticket.reopened"}
	if len(got) != len(want) {
		t.Fatalf("events %v, want %v", got, want)
	}
	for i, e := range got {
		if e.Event != want[i] || e.TicketID != id || e.Seq != int64(i+1) || e.Attempt != 1 || e.At.IsZero() {
			t.Errorf("event %d = %s #%d of %s (attempt %d, at %v), want %s", i, e.Event, e.Seq, e.TicketID, e.Attempt, e.At, want[i])
		}
	}
	if a := got[2]; a.Ticket.Assignee != "bob" || a.Ticket.Status != ticket.StatusOpen || a.By != "carol" || a.Ticket.Customer.Email != "ann@example.org" {
		t.Errorf("assigned event's ticket: %+v by %q", a.Ticket, a.By)
	}
	if c := got[3]; c.Ticket.Status != ticket.StatusClosed || c.Ticket.Subject != "Hi" {
		t.Errorf("closed event's ticket: %+v", c.Ticket)
	}
	closes := takeAll(t, s, "closes")
	if len(closes) != 1 || closes[0].Event != "ticket.closed" || closes[0].DeliveryID() != got[3].DeliveryID() {
		t.Errorf("the closes hook got %+v, want the one ticket.closed with the same delivery id %s", closes, got[3].DeliveryID())
	}
	// A merge closes the merged ticket: ticket.closed, unless it was closed.
	open := mustCreate(t, s, mail("open", "bo@example.org", "Open one")).TicketID
	closed := mustCreate(t, s, mail("closed", "cy@example.org", "Closed one")).TicketID
	if err := s.SetStatus(ctx, closed, ticket.StatusClosed, "bob"); err != nil {
		t.Fatal(err)
	}
	takeAll(t, s, "closes")
	for _, src := range []string{open, closed} {
		if _, err := s.Merge(ctx, src, id, "bob"); err != nil {
			t.Fatal(err)
		}
	}
	merged := takeAll(t, s, "closes")
	if len(merged) != 1 || merged[0].TicketID != open || merged[0].Ticket.MergedInto != id {
		t.Errorf("the merges made %+v, want one ticket.closed of %s", merged, open)
	}
	takeAll(t, s, "all")
	// Unregistering stops the recording.
	if err := s.RegisterHooks(ctx, nil); err != nil {
		t.Fatal(err)
	}
	mustCreate(t, s, mail("after", "ann@example.org", "After"))
	if e, err := s.TakeHookEvent(ctx, "all", time.Minute, "h"); !errors.Is(err, fault.ErrNotFound) {
		t.Fatalf("after unregistering: %+v, %v", e, err)
	}
}

// A ticket's next event waits while the one before is held or failing; other
// tickets' events do not wait for it. A failed event comes back after its
// delay; one past its max age is dead, and the next goes.
func TestHookEventsInOrderPerTicket(t *testing.T) {
	s, _, _ := newTestStore(t)
	ctx := context.Background()
	if err := s.RegisterHooks(ctx, map[string][]string{"h1": {"ticket.created", "ticket.closed"}}); err != nil {
		t.Fatal(err)
	}
	a := mustCreate(t, s, mail("a", "ann@example.org", "A")).TicketID
	if err := s.SetStatus(ctx, a, ticket.StatusClosed, "bob"); err != nil {
		t.Fatal(err)
	}
	b := mustCreate(t, s, mail("b", "bo@example.org", "B")).TicketID
	first, err := s.TakeHookEvent(ctx, "h1", time.Minute, "w1")
	if err != nil || first.TicketID != a || first.Event != "ticket.created" {
		t.Fatalf("first take: %+v, %v", first, err)
	}
	second, err := s.TakeHookEvent(ctx, "h1", time.Minute, "w2")
	if err != nil || second.TicketID != b {
		t.Fatalf("second take: %+v, %v; want ticket %s's, not the second of %s", second, err, b, a)
	}
	if e, err := s.TakeHookEvent(ctx, "h1", time.Minute, "w3"); !errors.Is(err, fault.ErrNotFound) {
		t.Fatalf("third take: %+v, %v; want none (a's next waits for its first)", e, err)
	}
	// Not w1's to settle with another hold.
	wrong := first
	wrong.Hold = "w2"
	if _, err := s.SettleHookEvent(ctx, wrong, ticket.HookOutcome{Delivered: true}); !errors.Is(err, fault.ErrConflict) {
		t.Fatalf("settle by the wrong hold: %v", err)
	}
	r, err := s.SettleHookEvent(ctx, first, ticket.HookOutcome{Status: 500, Error: "500 Internal Server Error", RetryIn: 50 * time.Millisecond, MaxAge: time.Hour})
	if err != nil || r != ticket.HookFailed {
		t.Fatalf("settle failed: %v, %v", r, err)
	}
	if e, err := s.TakeHookEvent(ctx, "h1", time.Minute, "w3"); !errors.Is(err, fault.ErrNotFound) {
		t.Fatalf("take during the retry delay: %+v, %v", e, err)
	}
	time.Sleep(100 * time.Millisecond)
	retry, err := s.TakeHookEvent(ctx, "h1", time.Minute, "w3")
	if err != nil || retry.DeliveryID() != first.DeliveryID() || retry.Attempt != 2 {
		t.Fatalf("retry: %+v, %v", retry, err)
	}
	// Past its max age it is dead, and the ticket's next event is due.
	r, err = s.SettleHookEvent(ctx, retry, ticket.HookOutcome{Error: "timeout", RetryIn: time.Minute, MaxAge: time.Millisecond})
	if err != nil || r != ticket.HookDead {
		t.Fatalf("settle past max age: %v, %v", r, err)
	}
	next, err := s.TakeHookEvent(ctx, "h1", time.Minute, "w4")
	if err != nil || next.TicketID != a || next.Event != "ticket.closed" || next.Attempt != 1 {
		t.Fatalf("after the dead one: %+v, %v", next, err)
	}
	log, err := s.HookLog(ctx, "h1", 10)
	if err != nil || len(log) != 2 || log[0].Result != ticket.HookDead || log[1].Result != ticket.HookFailed || log[1].Status != 500 ||
		log[0].Delivery != first.DeliveryID() || log[0].Attempt != 2 {
		t.Fatalf("log %+v, %v", log, err)
	}
	st, err := s.HookStats(ctx, "h1")
	if err != nil || st.Waiting != 2 || st.Failed != 1 || st.Dead != 1 || st.GivenUp != 1 {
		t.Fatalf("stats %+v, %v", st, err)
	}
	// Sent again, the given-up event goes after the ticket's waiting one,
	// under its own delivery id, with a new day of retries.
	if n, err := s.ReviveHookEvents(ctx, "h1", 100); err != nil || n != 1 {
		t.Fatalf("revive: %d, %v", n, err)
	}
	if _, err := s.SettleHookEvent(ctx, next, ticket.HookOutcome{Delivered: true, Status: 200}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SettleHookEvent(ctx, second, ticket.HookOutcome{Delivered: true, Status: 200}); err != nil {
		t.Fatal(err)
	}
	again, err := s.TakeHookEvent(ctx, "h1", time.Minute, "w5")
	if err != nil || again.DeliveryID() != first.DeliveryID() || again.Attempt != 1 {
		t.Fatalf("the revived event: %+v, %v", again, err)
	}
	if r, err := s.SettleHookEvent(ctx, again, ticket.HookOutcome{Error: "still down", RetryIn: time.Minute, MaxAge: time.Hour}); err != nil || r != ticket.HookFailed {
		t.Fatalf("the revived event failing again: %v, %v; want failed (a new day), not dead", r, err)
	}
	if st, _ := s.HookStats(ctx, "h1"); st.GivenUp != 0 {
		t.Fatalf("given up after reviving: %+v", st)
	}
}

// A worker that stops holding an event (its lease runs out) leaves it to be
// taken again, logged as lost; the stopped worker can no longer settle it.
func TestHookEventLeaseRunsOut(t *testing.T) {
	s, _, _ := newTestStore(t)
	ctx := context.Background()
	if err := s.RegisterHooks(ctx, map[string][]string{"h1": {"ticket.created"}}); err != nil {
		t.Fatal(err)
	}
	mustCreate(t, s, mail("a", "ann@example.org", "A"))
	first, err := s.TakeHookEvent(ctx, "h1", 30*time.Millisecond, "w1")
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(80 * time.Millisecond)
	again, err := s.TakeHookEvent(ctx, "h1", time.Minute, "w2")
	if err != nil || again.DeliveryID() != first.DeliveryID() || again.Attempt != 2 {
		t.Fatalf("take after the lease: %+v, %v", again, err)
	}
	if _, err := s.SettleHookEvent(ctx, first, ticket.HookOutcome{Delivered: true}); !errors.Is(err, fault.ErrConflict) {
		t.Fatalf("the stopped worker settled: %v", err)
	}
	if r, err := s.SettleHookEvent(ctx, again, ticket.HookOutcome{Delivered: true, Status: 200}); err != nil || r != ticket.HookDelivered {
		t.Fatalf("settle: %v, %v", r, err)
	}
	log, _ := s.HookLog(ctx, "h1", 0)
	if len(log) != 2 || log[0].Result != ticket.HookDelivered || log[1].Result != ticket.HookLost {
		t.Fatalf("log %+v", log)
	}
	if n, _ := s.rdb.Exists(ctx, s.key("ticket", first.TicketID, "hook", "h1"), s.hookKey("h1", "due")).Result(); n != 0 {
		t.Fatalf("%d keys left after delivery", n)
	}
}

// The webhook scripts keep to the desk's slot on a Redis Cluster.
func TestHookEventsOnRedisCluster(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Redis Cluster; skipped with -short")
	}
	rdb := startRedisCluster(t)
	s := New(rdb, &Options{Prefix: "fdtest-" + randomHex(6)})
	ctx := context.Background()
	if err := s.RegisterHooks(ctx, map[string][]string{"h1": {"ticket.created", "ticket.closed"}}); err != nil {
		t.Fatal(err)
	}
	id := mustCreate(t, s, mail("cluster-hook", "ann@example.org", "On a cluster")).TicketID
	if err := s.SetStatus(ctx, id, ticket.StatusClosed, "bob"); err != nil {
		t.Fatal(err)
	}
	got := takeAll(t, s, "h1")
	if len(got) != 2 || got[0].Event != "ticket.created" || got[1].Event != "ticket.closed" {
		t.Fatalf("events on a cluster: %+v", got)
	}
	if st, err := s.HookStats(ctx, "h1"); err != nil || st.Delivered != 2 || st.Waiting != 0 {
		t.Fatalf("stats on a cluster: %+v, %v", st, err)
	}
}

// Erasing a ticket takes its given-up webhook events out of the hooks' dead
// lists too: each holds the ticket and its customer as they were, and the
// dead list outlives the ticket otherwise (up to 1,000 events per hook).
func TestEraseDropsGivenUpHookEvents(t *testing.T) {
	s, _, _ := newTestStore(t)
	ctx := context.Background()
	if err := s.RegisterHooks(ctx, map[string][]string{"h1": {"ticket.created"}}); err != nil {
		t.Fatal(err)
	}
	erased := mustCreate(t, s, mail("erased", "ann@example.org", "Erase me")).TicketID
	kept := mustCreate(t, s, mail("kept", "bea@example.org", "Keep me")).TicketID
	for range 2 {
		e, err := s.TakeHookEvent(ctx, "h1", time.Minute, "h")
		if err != nil {
			t.Fatal(err)
		}
		// A max age already over: the failed attempt gives the event up.
		if r, err := s.SettleHookEvent(ctx, e, ticket.HookOutcome{Status: 500, Error: "answered 500", MaxAge: time.Nanosecond}); err != nil || r != ticket.HookDead {
			t.Fatalf("settle %s: %v, %v", e.DeliveryID(), r, err)
		}
	}
	if ok, err := s.EraseTicket(ctx, erased, ticket.Erasure{Mode: ticket.EraseRedact, By: "dpo", Users: []string{}}); err != nil || !ok {
		t.Fatalf("erase: %v, %v", ok, err)
	}
	dead, err := s.rdb.LRange(ctx, s.hookKey("h1", "dead"), 0, -1).Result()
	if err != nil {
		t.Fatal(err)
	}
	if len(dead) != 1 || !strings.Contains(dead[0], `"ticket":"`+kept+`"`) || strings.Contains(dead[0], "ann@example.org") {
		t.Errorf("dead list after erasing %s: %q, want only %s's event", erased, dead, kept)
	}
	// Sent again, the kept ticket's event is all that goes.
	if n, err := s.ReviveHookEvents(ctx, "h1", 10); err != nil || n != 1 {
		t.Errorf("revive: %d, %v, want 1", n, err)
	}
}

// A hook taken out of the configuration keeps its undelivered events (they
// go when it is back), but erasing a ticket meanwhile takes them too: put
// back later, the hook must not send the erased ticket as it was.
func TestEraseDropsEventsOfHooksNoLongerRegistered(t *testing.T) {
	s, _, _ := newTestStore(t)
	ctx := context.Background()
	both := map[string][]string{"h1": {"ticket.created"}, "h2": {"ticket.created"}}
	if err := s.RegisterHooks(ctx, both); err != nil {
		t.Fatal(err)
	}
	id := mustCreate(t, s, mail("erased", "ann@example.org", "Erase me")).TicketID
	kept := mustCreate(t, s, mail("kept", "bea@example.org", "Keep me")).TicketID
	if err := s.RegisterHooks(ctx, map[string][]string{"h1": {"ticket.created"}}); err != nil {
		t.Fatal(err)
	}
	if ok, err := s.EraseTicket(ctx, id, ticket.Erasure{Mode: ticket.EraseRedact, By: "dpo", Users: []string{}}); err != nil || !ok {
		t.Fatalf("erase: %v, %v", ok, err)
	}
	if n, err := s.rdb.Exists(ctx, s.key("ticket", id, "hook", "h2")).Result(); err != nil || n != 0 {
		t.Errorf("the erased ticket's events for the unregistered hook: %d keys, %v; want none", n, err)
	}
	if err := s.RegisterHooks(ctx, both); err != nil {
		t.Fatal(err)
	}
	got := takeAll(t, s, "h2")
	if len(got) != 1 || got[0].TicketID != kept {
		t.Errorf("h2, registered again, got %+v; want only ticket %s's event", got, kept)
	}
}
