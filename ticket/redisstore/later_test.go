package redisstore

import (
	"context"
	"errors"
	"testing"
	"time"

	"frontdesk/fault"
	"frontdesk/ticket"
)

func lastEvent(t *testing.T, s *Store, id string) ticket.Event {
	t.Helper()
	tk, err := s.Get(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return tk.Events[len(tk.Events)-1]
}

func TestSnoozeComesBackAtTheHeadOfTheQueue(t *testing.T) {
	s, _, clk := newTestStore(t)
	ctx := context.Background()
	id := mustCreate(t, s, mail("src-1", "ann@example.org", "Call me Monday")).TicketID
	if _, err := s.ClaimNext(ctx, []string{"support"}, "ann", 10*time.Minute); err != nil {
		t.Fatal(err)
	}
	until := clk.Now().Add(2 * time.Hour)
	if err := s.Snooze(ctx, id, until, "ann"); err != nil {
		t.Fatal(err)
	}
	tk, _ := s.Get(ctx, id)
	if tk.Status != ticket.StatusPending || tk.Assignee != "ann" || tk.LeaseExpires != nil ||
		tk.SnoozedUntil == nil || !tk.SnoozedUntil.Equal(until) || tk.SnoozedBy != "ann" {
		t.Fatalf("snoozed ticket = status %s, assignee %q, lease %v, until %v by %q", tk.Status, tk.Assignee, tk.LeaseExpires, tk.SnoozedUntil, tk.SnoozedBy)
	}
	if ev := lastEvent(t, s, id); ev.Type != "snoozed" || ev.By != "ann" || ev.Detail != "until 2026-11-27T11:15:02Z" {
		t.Errorf("event = %+v", ev)
	}
	shelf, err := s.Shelf(ctx, ticket.ShelfSnoozed, "ann", 50)
	if err != nil || len(shelf) != 1 || shelf[0].ID != id || shelf[0].SnoozedUntil == nil {
		t.Fatalf("ann's snoozed = %+v, %v", shelf, err)
	}

	// Meanwhile others wait, an urgent one among them.
	urgent := mail("src-2", "bob@example.org", "Urgent")
	urgent.Priority = ticket.PriorityUrgent
	urgentID := mustCreate(t, s, urgent).TicketID
	mustCreate(t, s, mail("src-3", "cid@example.org", "Normal"))

	clk.Advance(time.Hour)
	if n, err := s.WakeDue(ctx); err != nil || n != 0 {
		t.Fatalf("wake before the time = %d, %v", n, err)
	}
	clk.Advance(time.Hour)
	if n, err := s.WakeDue(ctx); err != nil || n != 1 {
		t.Fatalf("wake at the time = %d, %v; want 1", n, err)
	}
	tk, _ = s.Get(ctx, id)
	if tk.Status != ticket.StatusNew || tk.Assignee != "" || tk.SnoozedUntil != nil {
		t.Fatalf("woken ticket = status %s, assignee %q, snoozed until %v", tk.Status, tk.Assignee, tk.SnoozedUntil)
	}
	if ev := lastEvent(t, s, id); ev.Type != "snooze_ended" || ev.Detail != "back at the head of queue support" {
		t.Errorf("event = %+v", ev)
	}
	if shelf, _ := s.Shelf(ctx, ticket.ShelfSnoozed, "ann", 50); len(shelf) != 0 {
		t.Errorf("ann's snoozed still lists %d tickets", len(shelf))
	}
	waiting, _ := s.Waiting(ctx, "support", 10)
	if len(waiting) != 3 || waiting[0].ID != id || waiting[1].ID != urgentID {
		t.Fatalf("queue order = %v, want the woken ticket first, then the urgent one", ids(waiting))
	}
	st, _ := s.QueueStats(ctx, "support")
	if st.OldestWaitingSeconds < (2 * time.Hour).Seconds() {
		t.Errorf("oldest waiting = %v s, want the woken ticket's age (over 2 h)", st.OldestWaitingSeconds)
	}
	got, err := s.ClaimNext(ctx, []string{"support"}, "bob", 10*time.Minute)
	if err != nil || got.ID != id {
		t.Fatalf("next claim = %v, %v; want the woken ticket", got, err)
	}
	// Claimed, it loses its place at the head: released, it waits as any other.
	if err := s.Release(ctx, id, "bob"); err != nil {
		t.Fatal(err)
	}
	waiting, _ = s.Waiting(ctx, "support", 10)
	if waiting[0].ID != urgentID {
		t.Errorf("after a release the queue order = %v, want the urgent one first", ids(waiting))
	}
}

func TestClaimWakesDueTickets(t *testing.T) {
	s, _, clk := newTestStore(t)
	ctx := context.Background()
	id := mustCreate(t, s, mail("src-1", "ann@example.org", "Later")).TicketID
	if err := s.Snooze(ctx, id, clk.Now().Add(time.Hour), "ann"); err != nil {
		t.Fatal(err)
	}
	mustCreate(t, s, mail("src-2", "bob@example.org", "Now"))
	clk.Advance(61 * time.Minute)
	got, err := s.ClaimNext(ctx, []string{"support"}, "carl", 10*time.Minute)
	if err != nil || got.ID != id {
		t.Fatalf("claim = %v, %v; want the ticket whose snooze ended", got, err)
	}
}

func TestCustomerEndsSnoozeEarly(t *testing.T) {
	s, _, clk := newTestStore(t)
	ctx := context.Background()
	id := mustCreate(t, s, mail("src-1", "ann@example.org", "Waiting for photos")).TicketID
	if err := s.Assign(ctx, id, "ann", "ann"); err != nil {
		t.Fatal(err)
	}
	if err := s.Snooze(ctx, id, clk.Now().Add(24*time.Hour), "ann"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AppendMessage(ctx, id, ticket.NewMessage{SourceKey: "src-2", From: "ann@example.org", Text: "Here they are"}); err != nil {
		t.Fatal(err)
	}
	tk, _ := s.Get(ctx, id)
	if tk.Status != ticket.StatusOpen || tk.Assignee != "ann" || tk.SnoozedUntil != nil {
		t.Fatalf("after the customer wrote: status %s, assignee %q, snoozed until %v", tk.Status, tk.Assignee, tk.SnoozedUntil)
	}
	var ended bool
	for _, e := range tk.Events {
		ended = ended || (e.Type == "snooze_ended" && e.Detail == "the customer wrote")
	}
	if !ended {
		t.Errorf("no snooze_ended event: %+v", tk.Events)
	}
	clk.Advance(25 * time.Hour)
	if n, _ := s.WakeDue(ctx); n != 0 {
		t.Errorf("a snooze the customer ended woke %d tickets later", n)
	}
	if tk, _ := s.Get(ctx, id); tk.Assignee != "ann" {
		t.Errorf("the ticket left ann: %+v", tk)
	}
}

func TestAutoReplyDoesNotEndSnooze(t *testing.T) {
	s, _, clk := newTestStore(t)
	ctx := context.Background()
	id := mustCreate(t, s, mail("src-1", "ann@example.org", "Hi")).TicketID
	if err := s.Snooze(ctx, id, clk.Now().Add(time.Hour), "ann"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AppendMessage(ctx, id, ticket.NewMessage{SourceKey: "src-2", From: "ann@example.org", Kind: ticket.KindAutoReply, Text: "I am away"}); err != nil {
		t.Fatal(err)
	}
	if tk, _ := s.Get(ctx, id); tk.SnoozedUntil == nil || tk.Status != ticket.StatusPending {
		t.Errorf("an out-of-office ended the snooze: %+v", tk)
	}
}

func TestStatusByHandEndsSnooze(t *testing.T) {
	s, _, clk := newTestStore(t)
	ctx := context.Background()
	id := mustCreate(t, s, mail("src-1", "ann@example.org", "Hi")).TicketID
	if err := s.Snooze(ctx, id, clk.Now().Add(time.Hour), "ann"); err != nil {
		t.Fatal(err)
	}
	if err := s.SetStatus(ctx, id, ticket.StatusClosed, "ann"); err != nil {
		t.Fatal(err)
	}
	if tk, _ := s.Get(ctx, id); tk.SnoozedUntil != nil {
		t.Errorf("closed ticket still snoozed until %v", tk.SnoozedUntil)
	}
	if shelf, _ := s.Shelf(ctx, ticket.ShelfSnoozed, "ann", 50); len(shelf) != 0 {
		t.Errorf("a closed ticket stays on ann's snoozed list")
	}
	clk.Advance(2 * time.Hour)
	if n, _ := s.WakeDue(ctx); n != 0 {
		t.Errorf("a closed ticket woke")
	}
	if tk, _ := s.Get(ctx, id); tk.Status != ticket.StatusClosed {
		t.Errorf("status = %s, want closed", tk.Status)
	}
}

func TestSnoozeRefusals(t *testing.T) {
	s, _, clk := newTestStore(t)
	ctx := context.Background()
	id := mustCreate(t, s, mail("src-1", "ann@example.org", "Hi")).TicketID
	for _, c := range []struct {
		until time.Time
		want  error
	}{
		{clk.Now().Add(-time.Minute), fault.ErrInvalid},
		{clk.Now(), fault.ErrInvalid},
		{clk.Now().Add(400 * 24 * time.Hour), fault.ErrInvalid},
	} {
		if err := s.Snooze(ctx, id, c.until, "ann"); !errors.Is(err, c.want) {
			t.Errorf("snooze until %v: %v, want %v", c.until, err, c.want)
		}
	}
	if err := s.Snooze(ctx, "99999", clk.Now().Add(time.Hour), "ann"); !errors.Is(err, fault.ErrNotFound) {
		t.Errorf("snooze a missing ticket: %v", err)
	}
	if err := s.SetStatus(ctx, id, ticket.StatusClosed, "ann"); err != nil {
		t.Fatal(err)
	}
	if err := s.Snooze(ctx, id, clk.Now().Add(time.Hour), "ann"); !errors.Is(err, fault.ErrConflict) {
		t.Errorf("snooze a closed ticket: %v, want conflict", err)
	}
}

func TestMentions(t *testing.T) {
	s, _, clk := newTestStore(t)
	ctx := context.Background()
	a := mustCreate(t, s, mail("src-1", "ann@example.org", "First")).TicketID
	b := mustCreate(t, s, mail("src-2", "cid@example.org", "Second")).TicketID
	note := func(id, src string, mentions ...string) {
		t.Helper()
		clk.Advance(time.Minute)
		if _, err := s.AppendMessage(ctx, id, ticket.NewMessage{SourceKey: src, Direction: ticket.DirectionInternal,
			Text: "ping", By: "ann", Author: "ann", Mentions: mentions}); err != nil {
			t.Fatal(err)
		}
	}
	note(a, "n1", "bob")
	note(b, "n2", "bob", "carl")
	if n, err := s.NewMentions(ctx, "bob"); err != nil || n != 2 {
		t.Fatalf("bob's new mentions = %d, %v; want 2", n, err)
	}
	got, err := s.Shelf(ctx, ticket.ShelfMentions, "bob", 50)
	if err != nil || len(got) != 2 || got[0].ID != b || got[1].ID != a {
		t.Fatalf("bob's mentions = %v, %v; want latest first", ids(got), err)
	}
	if err := s.SeenMentions(ctx, "bob"); err != nil {
		t.Fatal(err)
	}
	if n, _ := s.NewMentions(ctx, "bob"); n != 0 {
		t.Errorf("new mentions after looking = %d", n)
	}
	note(a, "n3", "bob")
	if n, _ := s.NewMentions(ctx, "bob"); n != 1 {
		t.Errorf("new mentions after another = %d, want 1", n)
	}
	if got, _ := s.Shelf(ctx, ticket.ShelfMentions, "bob", 50); len(got) != 2 || got[0].ID != a {
		t.Errorf("bob's mentions = %v; want %s first, once", ids(got), a)
	}
	if n, _ := s.NewMentions(ctx, "carl"); n != 1 {
		t.Errorf("carl's new mentions = %d, want 1", n)
	}
	_, err = s.AppendMessage(ctx, a, ticket.NewMessage{SourceKey: "r1", Direction: ticket.DirectionOut, Text: "x", Mentions: []string{"bob"}})
	if !errors.Is(err, fault.ErrInvalid) {
		t.Errorf("a reply that mentions: %v, want invalid", err)
	}
	_, err = s.AppendMessage(ctx, a, ticket.NewMessage{SourceKey: "n9", Direction: ticket.DirectionInternal, Text: "x", Mentions: []string{"bo b"}})
	if !errors.Is(err, fault.ErrInvalid) {
		t.Errorf("a mention with a space: %v, want invalid", err)
	}
	if _, err := s.Shelf(ctx, "inbox", "bob", 10); !errors.Is(err, fault.ErrInvalid) {
		t.Errorf("an unknown shelf: %v", err)
	}
}

func TestCallbackComesDueAtTheHeadOfTheQueue(t *testing.T) {
	s, _, clk := newTestStore(t)
	ctx := context.Background()
	id := mustCreate(t, s, sms("SM1", "Please call me")).TicketID
	other := mustCreate(t, s, mail("src-1", "bob@example.org", "Waiting")).TicketID
	if err := s.Assign(ctx, id, "ann", "ann"); err != nil {
		t.Fatal(err)
	}
	at := clk.Now().Add(90 * time.Minute)
	if err := s.PlanCallback(ctx, id, at, "about the invoice", "ann"); err != nil {
		t.Fatal(err)
	}
	tk, _ := s.Get(ctx, id)
	if tk.Callback == nil || !tk.Callback.At.Equal(at) || tk.Callback.Note != "about the invoice" || tk.Callback.By != "ann" ||
		tk.Callback.Due || tk.CallbackAt == nil || tk.Status != ticket.StatusOpen || tk.Assignee != "ann" {
		t.Fatalf("ticket with a call-back planned = %+v, callback %+v", tk, tk.Callback)
	}
	if ev := lastEvent(t, s, id); ev.Type != "callback_planned" || ev.Detail != "at 2026-11-27T10:45:02Z: about the invoice" {
		t.Errorf("event = %+v", ev)
	}
	list, err := s.Callbacks(ctx, clk.Now(), clk.Now().Add(24*time.Hour), 100)
	if err != nil || len(list) != 1 || list[0].ID != id || list[0].Callback == nil {
		t.Fatalf("call-backs today = %v, %v", ids(list), err)
	}
	// A snooze cannot hide it.
	if err := s.Snooze(ctx, id, clk.Now().Add(time.Hour), "ann"); !errors.Is(err, fault.ErrConflict) {
		t.Errorf("snooze over a call-back: %v, want conflict", err)
	}

	clk.Advance(91 * time.Minute)
	if n, err := s.WakeDue(ctx); err != nil || n != 1 {
		t.Fatalf("wake = %d, %v", n, err)
	}
	tk, _ = s.Get(ctx, id)
	if tk.Status != ticket.StatusNew || tk.Assignee != "" || tk.Callback == nil || !tk.Callback.Due {
		t.Fatalf("after its time: status %s, assignee %q, callback %+v", tk.Status, tk.Assignee, tk.Callback)
	}
	if ev := lastEvent(t, s, id); ev.Type != "callback_due" || ev.Detail != "call back now; at the head of queue phone: about the invoice" {
		t.Errorf("event = %+v", ev)
	}
	w, _ := s.Waiting(ctx, "phone", 10)
	if len(w) != 1 || w[0].ID != id {
		t.Errorf("phone queue = %v", ids(w))
	}
	// Still on the board, as done, the day it was due.
	list, _ = s.Callbacks(ctx, clk.Now().Add(-3*time.Hour), clk.Now().Add(time.Hour), 100)
	if len(list) != 1 || !list[0].Callback.Due {
		t.Errorf("call-backs after it came due = %+v", list)
	}
	_ = other
}

func TestCallbackCancelledAndReplanned(t *testing.T) {
	s, _, clk := newTestStore(t)
	ctx := context.Background()
	id := mustCreate(t, s, sms("SM1", "Call me")).TicketID
	if err := s.Snooze(ctx, id, clk.Now().Add(time.Hour), "ann"); err != nil {
		t.Fatal(err)
	}
	// A call-back replaces a snooze.
	if err := s.PlanCallback(ctx, id, clk.Now().Add(2*time.Hour), "", "ann"); err != nil {
		t.Fatal(err)
	}
	if tk, _ := s.Get(ctx, id); tk.SnoozedUntil != nil {
		t.Errorf("still snoozed until %v", tk.SnoozedUntil)
	}
	if got, _ := s.Shelf(ctx, ticket.ShelfSnoozed, "ann", 10); len(got) != 0 {
		t.Errorf("still on ann's snoozed list")
	}
	// Planned again: one entry, the new time.
	later := clk.Now().Add(3 * time.Hour)
	if err := s.PlanCallback(ctx, id, later, "second try", "ann"); err != nil {
		t.Fatal(err)
	}
	list, _ := s.Callbacks(ctx, clk.Now(), clk.Now().Add(24*time.Hour), 100)
	if len(list) != 1 || !list[0].Callback.At.Equal(later) {
		t.Fatalf("call-backs = %+v", list)
	}
	if err := s.CancelCallback(ctx, id, "ann"); err != nil {
		t.Fatal(err)
	}
	if tk, _ := s.Get(ctx, id); tk.Callback != nil {
		t.Errorf("cancelled call-back still on the ticket: %+v", tk.Callback)
	}
	if list, _ := s.Callbacks(ctx, clk.Now(), clk.Now().Add(24*time.Hour), 100); len(list) != 0 {
		t.Errorf("cancelled call-back still listed")
	}
	clk.Advance(4 * time.Hour)
	if n, _ := s.WakeDue(ctx); n != 0 {
		t.Errorf("a cancelled call-back woke %d tickets", n)
	}
	if err := s.PlanCallback(ctx, id, clk.Now().Add(-time.Minute), "", "ann"); !errors.Is(err, fault.ErrInvalid) {
		t.Errorf("a call-back in the past: %v", err)
	}
	if err := s.SetStatus(ctx, id, ticket.StatusClosed, "ann"); err != nil {
		t.Fatal(err)
	}
	if err := s.PlanCallback(ctx, id, clk.Now().Add(time.Hour), "", "ann"); !errors.Is(err, fault.ErrConflict) {
		t.Errorf("a call-back on a closed ticket: %v", err)
	}
}
