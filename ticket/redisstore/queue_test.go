package redisstore

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"frontdesk/fault"
	"frontdesk/ticket"
)

func TestQueueOrderIsPriorityThenAge(t *testing.T) {
	s, _, clk := newTestStore(t)
	ctx := context.Background()
	// Created in this order, one minute apart.
	specs := []struct {
		source   string
		priority ticket.Priority
	}{{"old-normal", ""}, {"low", ticket.PriorityLow}, {"new-normal", ticket.PriorityNormal}, {"urgent", ticket.PriorityUrgent}, {"high", ticket.PriorityHigh}}
	ids := map[string]string{}
	for _, sp := range specs {
		nt := mail(sp.source, sp.source+"@example.org", sp.source)
		nt.Priority = sp.priority
		ids[mustCreate(t, s, nt).TicketID] = sp.source
		clk.Advance(time.Minute)
	}
	st, err := s.QueueStats(ctx, "support")
	if err != nil || st.Waiting != 5 || st.Open != 0 || st.OldestWaitingSeconds != 300 {
		t.Fatalf("stats = %+v, %v; want 5 waiting, oldest 300 s", st, err)
	}
	want := []string{"urgent", "high", "old-normal", "new-normal", "low"}
	waiting, err := s.Waiting(ctx, "support", 4)
	if err != nil {
		t.Fatalf("Waiting: %v", err)
	}
	var shown []string
	for _, tk := range waiting {
		if tk.Customer.Email == "" || tk.Subject == "" {
			t.Errorf("waiting ticket without its record: %+v", tk)
		}
		shown = append(shown, ids[tk.ID])
	}
	if fmt.Sprint(shown) != fmt.Sprint(want[:4]) {
		t.Fatalf("Waiting = %v, want %v", shown, want[:4])
	}
	if _, err := s.Waiting(ctx, "support", 0); !errors.Is(err, fault.ErrInvalid) {
		t.Errorf("Waiting limit 0: %v, want ErrInvalid", err)
	}
	var got []string
	for range specs {
		tk, err := s.ClaimNext(ctx, []string{"support"}, "ann", 15*time.Minute)
		if err != nil {
			t.Fatalf("claim: %v", err)
		}
		if tk.Status != ticket.StatusOpen || tk.Assignee != "ann" || tk.LeaseExpires == nil {
			t.Fatalf("claimed ticket = %+v", tk)
		}
		got = append(got, ids[tk.ID])
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("claim order = %v, want %v", got, want)
	}
	if _, err := s.ClaimNext(ctx, []string{"support"}, "ann", time.Minute); !errors.Is(err, fault.ErrNotFound) {
		t.Fatalf("claim from empty queue: %v, want not found", err)
	}
	st, _ = s.QueueStats(ctx, "support")
	if st.Waiting != 0 || st.Open != 5 || st.OldestWaitingSeconds != 0 {
		t.Fatalf("stats after claiming all = %+v", st)
	}
}

func TestWaitingChannelsCountsInClaimOrder(t *testing.T) {
	s, _, clk := newTestStore(t)
	ctx := context.Background()
	// Oldest first: mail, sms, mail, voice (urgent, so first in claim order),
	// fax, sms; then one mail claimed, so no longer waiting.
	channels := []ticket.Channel{ticket.ChannelEmail, ticket.ChannelSMS, ticket.ChannelEmail, ticket.ChannelVoice, ticket.ChannelFax, ticket.ChannelSMS}
	for i, ch := range channels {
		nt := mail(fmt.Sprintf("ch-%d", i), fmt.Sprintf("c%d@example.org", i), string(ch))
		nt.Channel = ch
		if ch == ticket.ChannelVoice {
			nt.Priority = ticket.PriorityUrgent
		}
		mustCreate(t, s, nt)
		clk.Advance(time.Minute)
	}
	if _, err := s.ClaimNext(ctx, []string{"support"}, "ann", time.Hour); err != nil { // the voice ticket
		t.Fatal(err)
	}
	all, err := s.WaitingChannels(ctx, "support", 1000)
	if err != nil {
		t.Fatal(err)
	}
	want := map[ticket.Channel]int{ticket.ChannelEmail: 2, ticket.ChannelSMS: 2, ticket.ChannelFax: 1}
	if fmt.Sprint(all) != fmt.Sprint(want) {
		t.Errorf("WaitingChannels(1000) = %v, want %v", all, want)
	}
	first3, err := s.WaitingChannels(ctx, "support", 3)
	want = map[ticket.Channel]int{ticket.ChannelEmail: 2, ticket.ChannelSMS: 1}
	if err != nil || fmt.Sprint(first3) != fmt.Sprint(want) {
		t.Errorf("WaitingChannels(3) = %v, %v; want %v", first3, err, want)
	}
	if empty, err := s.WaitingChannels(ctx, "nobody", 10); err != nil || len(empty) != 0 {
		t.Errorf("WaitingChannels of an empty queue = %v, %v", empty, err)
	}
	for _, limit := range []int{0, 1001} {
		if _, err := s.WaitingChannels(ctx, "support", limit); !errors.Is(err, fault.ErrInvalid) {
			t.Errorf("WaitingChannels limit %d: %v, want ErrInvalid", limit, err)
		}
	}
}

func TestExpiredLeaseReturnsTicketToQueue(t *testing.T) {
	s, _, clk := newTestStore(t)
	ctx := context.Background()
	id := mustCreate(t, s, mail("src-1", "ann@example.org", "Hi")).TicketID
	if _, err := s.ClaimNext(ctx, []string{"support"}, "bob", 10*time.Minute); err != nil {
		t.Fatal(err)
	}
	clk.Advance(9 * time.Minute)
	if err := s.RenewLease(ctx, id, "bob", 10*time.Minute); err != nil {
		t.Fatalf("renew by holder: %v", err)
	}
	if err := s.RenewLease(ctx, id, "eve", 10*time.Minute); !errors.Is(err, fault.ErrConflict) {
		t.Fatalf("renew by someone else: %v, want conflict", err)
	}
	clk.Advance(9 * time.Minute)
	if n, err := s.ExpireLeases(ctx); err != nil || n != 0 {
		t.Fatalf("expire before the renewed lease ends = %d, %v", n, err)
	}
	clk.Advance(2 * time.Minute)
	// Claiming returns expired leases first, so carol gets bob's abandoned ticket.
	tk, err := s.ClaimNext(ctx, []string{"support"}, "carol", 10*time.Minute)
	if err != nil || tk.ID != id || tk.Assignee != "carol" {
		t.Fatalf("claim after expiry = %+v, %v", tk, err)
	}
	types := eventTypes(tk)
	if fmt.Sprint(types) != "[created assigned lease_expired assigned]" {
		t.Fatalf("events = %v", types)
	}
	clk.Advance(11 * time.Minute)
	if n, err := s.ExpireLeases(ctx); err != nil || n != 1 {
		t.Fatalf("expire = %d, %v; want 1", n, err)
	}
	tk, _ = s.Get(ctx, id)
	if tk.Status != ticket.StatusNew || tk.Assignee != "" || tk.LeaseExpires != nil {
		t.Fatalf("after expiry: %+v", tk)
	}
}

func TestReleaseAssignAndStatus(t *testing.T) {
	s, _, _ := newTestStore(t)
	ctx := context.Background()
	id := mustCreate(t, s, mail("src-1", "ann@example.org", "Hi")).TicketID
	stats := func() ticket.QueueStats {
		st, err := s.QueueStats(ctx, "support")
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	if _, err := s.ClaimNext(ctx, []string{"support"}, "ann", time.Minute); err != nil {
		t.Fatal(err)
	}
	if err := s.Release(ctx, id, "ann"); err != nil {
		t.Fatal(err)
	}
	if st := stats(); st.Waiting != 1 || st.Open != 0 {
		t.Fatalf("after release: %+v", st)
	}
	if err := s.Assign(ctx, id, "bob", "manager"); err != nil {
		t.Fatal(err)
	}
	tk, _ := s.Get(ctx, id)
	if tk.Assignee != "bob" || tk.Status != ticket.StatusOpen || tk.LeaseExpires != nil {
		t.Fatalf("after assign: %+v", tk)
	}
	if st := stats(); st.Waiting != 0 || st.Open != 1 {
		t.Fatalf("after assign: %+v", st)
	}
	if err := s.SetStatus(ctx, id, ticket.StatusClosed, "bob"); err != nil {
		t.Fatal(err)
	}
	if st := stats(); st.Waiting != 0 || st.Open != 0 {
		t.Fatalf("after close: %+v", st)
	}
	if err := s.Release(ctx, id, "bob"); !errors.Is(err, fault.ErrConflict) {
		t.Fatalf("release closed ticket: %v, want conflict", err)
	}
	if err := s.SetStatus(ctx, id, "done", "bob"); !errors.Is(err, fault.ErrInvalid) {
		t.Fatalf("bad status: %v, want invalid", err)
	}
	if err := s.SetStatus(ctx, "4242", ticket.StatusOpen, "bob"); !errors.Is(err, fault.ErrNotFound) {
		t.Fatalf("missing ticket: %v, want not found", err)
	}
	if err := s.SetStatus(ctx, id, ticket.StatusNew, "bob"); err != nil {
		t.Fatal(err)
	}
	tk, _ = s.Get(ctx, id)
	if tk.Assignee != "" || stats().Waiting != 1 {
		t.Fatalf("after setting new: %+v", tk)
	}
	want := "[created assigned released assigned status status]"
	if got := fmt.Sprint(eventTypes(tk)); got != want {
		t.Fatalf("events = %s, want %s", got, want)
	}
}

// TestConcurrentClaimsNeverShareATicket has 100 assistants claim at once from a
// queue of 300 tickets: each ticket goes to exactly one of them.
func TestConcurrentClaimsNeverShareATicket(t *testing.T) {
	s, _, _ := newTestStore(t)
	for i := range 300 {
		mustCreate(t, s, mail(fmt.Sprintf("src-%d", i), "ann@example.org", "Hi"))
	}
	var mu sync.Mutex
	owner := map[string]string{}
	var wg sync.WaitGroup
	for a := range 100 {
		wg.Go(func() {
			name := fmt.Sprintf("assistant-%d", a)
			for {
				tk, err := s.ClaimNext(context.Background(), []string{"support"}, name, time.Minute)
				if errors.Is(err, fault.ErrNotFound) {
					return
				}
				if err != nil {
					t.Errorf("claim: %v", err)
					return
				}
				mu.Lock()
				if prev, ok := owner[tk.ID]; ok {
					t.Errorf("ticket %s claimed by %s and %s", tk.ID, prev, name)
				}
				owner[tk.ID] = name
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(owner) != 300 {
		t.Fatalf("%d tickets claimed, want 300", len(owner))
	}
}

func TestAppendThreadsReopensAndStopsTheSLAClock(t *testing.T) {
	s, _, clk := newTestStore(t)
	ctx := context.Background()
	nt := mail("src-1", "ann@example.org", "Hi")
	nt.FirstResponseDue = clk.Now().Add(time.Hour)
	id := mustCreate(t, s, nt).TicketID
	clk.Advance(2 * time.Hour)
	if st, _ := s.QueueStats(ctx, "support"); st.SLABreached != 1 {
		t.Fatalf("breached = %d, want 1", st.SLABreached)
	}

	reply := ticket.NewMessage{SourceKey: "out-1", Direction: ticket.DirectionOut, Text: "We are on it",
		MessageID: "<reply-1@desk.example.com>", Delivery: ticket.DeliveryQueued, By: "bob"}
	r, err := s.AppendMessage(ctx, id, reply)
	if err != nil || r.MessageID != "m2" || !r.Created {
		t.Fatalf("append reply = %+v, %v", r, err)
	}
	if st, _ := s.QueueStats(ctx, "support"); st.SLABreached != 0 {
		t.Fatalf("breached after first response = %d, want 0", st.SLABreached)
	}
	if again, _ := s.AppendMessage(ctx, id, reply); again.Created || again.MessageID != "m2" {
		t.Fatalf("append again = %+v, want the first receipt", again)
	}
	if err := s.SetStatus(ctx, id, ticket.StatusClosed, "bob"); err != nil {
		t.Fatal(err)
	}
	// The customer answers the reply: threading finds the ticket and reopens it.
	// An out-of-office answer to the reply does not reopen it.
	ooo := ticket.NewMessage{SourceKey: "ooo-1", Kind: ticket.KindAutoReply, From: "ann@example.org", Text: "Away"}
	if _, err := s.AppendMessage(ctx, id, ooo); err != nil {
		t.Fatal(err)
	}
	if tk, _ := s.Get(ctx, id); tk.Status != ticket.StatusClosed {
		t.Fatalf("an auto-reply reopened the ticket: %s", tk.Status)
	}
	found, err := s.FindByMessageID(ctx, "<reply-1@desk.example.com>")
	if err != nil || found != id {
		t.Fatalf("thread lookup = %q, %v", found, err)
	}
	answer := ticket.NewMessage{SourceKey: "src-2", From: "ann@example.org", Text: "Thanks!", InReplyTo: "<reply-1@desk.example.com>"}
	if r, err := s.AppendMessage(ctx, id, answer); err != nil || r.MessageID != "m4" {
		t.Fatalf("append answer = %+v, %v", r, err)
	}
	tk, _ := s.Get(ctx, id)
	if tk.Status != ticket.StatusNew || len(tk.Messages) != 4 || tk.Messages[1].Direction != ticket.DirectionOut ||
		tk.Messages[3].Channel != ticket.ChannelEmail {
		t.Fatalf("after answer: status %s, messages %+v", tk.Status, tk.Messages)
	}
	if st, _ := s.QueueStats(ctx, "support"); st.Waiting != 1 {
		t.Fatalf("reopened ticket not waiting: %+v", st)
	}
	if _, err := s.AppendMessage(ctx, "9999", ticket.NewMessage{SourceKey: "x"}); !errors.Is(err, fault.ErrNotFound) {
		t.Fatalf("append to missing ticket: %v", err)
	}
}

func TestListFiltersAndPages(t *testing.T) {
	s, _, _ := newTestStore(t)
	ctx := context.Background()
	for i := range 7 {
		nt := mail(fmt.Sprintf("src-%d", i), "ann@example.org", "Hi")
		if i%2 == 1 {
			nt.Queue = "billing"
		}
		mustCreate(t, s, nt)
	}
	p, err := s.List(ctx, ticket.ListFilter{Limit: 3})
	if err != nil || len(p.Tickets) != 3 || p.Tickets[0].ID != "1007" || p.NextCursor != "1005" {
		t.Fatalf("first page = %v, %q, %v", ids(p.Tickets), p.NextCursor, err)
	}
	p, _ = s.List(ctx, ticket.ListFilter{Limit: 3, Cursor: p.NextCursor})
	if fmt.Sprint(ids(p.Tickets)) != "[1004 1003 1002]" || p.NextCursor != "1002" {
		t.Fatalf("second page = %v, %q", ids(p.Tickets), p.NextCursor)
	}
	p, _ = s.List(ctx, ticket.ListFilter{Limit: 3, Cursor: p.NextCursor})
	if fmt.Sprint(ids(p.Tickets)) != "[1001]" || p.NextCursor != "" {
		t.Fatalf("last page = %v, %q", ids(p.Tickets), p.NextCursor)
	}
	p, _ = s.List(ctx, ticket.ListFilter{Queue: "billing"})
	if fmt.Sprint(ids(p.Tickets)) != "[1006 1004 1002]" || p.Tickets[0].Customer.Email != "ann@example.org" {
		t.Fatalf("billing = %v", p.Tickets)
	}
	if _, err := s.ClaimNext(ctx, []string{"billing"}, "bob", time.Minute); err != nil {
		t.Fatal(err)
	}
	p, _ = s.List(ctx, ticket.ListFilter{Assignee: "bob", Status: ticket.StatusOpen, Channel: ticket.ChannelEmail})
	if fmt.Sprint(ids(p.Tickets)) != "[1002]" {
		t.Fatalf("bob's open = %v", ids(p.Tickets))
	}
	for _, bad := range []ticket.ListFilter{{Limit: 500}, {Limit: -1}, {Cursor: "abc"}} {
		if _, err := s.List(ctx, bad); !errors.Is(err, fault.ErrInvalid) {
			t.Errorf("list %+v: %v, want invalid", bad, err)
		}
	}
}

func TestCustomersAcrossChannels(t *testing.T) {
	s, _, _ := newTestStore(t)
	ctx := context.Background()
	sms := ticket.NewTicket{Channel: ticket.ChannelSMS, Queue: "phone", Customer: ticket.Customer{Phone: "+15555550123"},
		Message: ticket.NewMessage{SourceKey: "SM1", Kind: ticket.KindSMS, From: "+15555550123", Text: "Call me"}}
	id := mustCreate(t, s, sms).TicketID
	c, err := s.FindCustomer(ctx, "+15555550123")
	if err != nil || c.Phone != "+15555550123" {
		t.Fatalf("find by phone = %+v, %v", c, err)
	}
	// A mail that names both the email and the phone joins the same customer.
	nt := mail("src-1", "Ann@Example.org", "Hi")
	nt.Customer.Phone = "+15555550123"
	id2 := mustCreate(t, s, nt).TicketID
	byMail, err := s.FindCustomer(ctx, "ann@example.org")
	if err != nil || byMail.ID != c.ID || byMail.Name != "Ann Lee" || byMail.Email != "ann@example.org" {
		t.Fatalf("find by email = %+v, %v; want customer %s with name and email learnt", byMail, err, c.ID)
	}
	a, _ := s.Get(ctx, id)
	b, _ := s.Get(ctx, id2)
	if a.Customer.ID != b.Customer.ID || a.Channel != ticket.ChannelSMS || a.Messages[0].Kind != ticket.KindSMS {
		t.Fatalf("tickets %+v / %+v", a, b)
	}
	if _, err := s.FindCustomer(ctx, "nobody@example.org"); !errors.Is(err, fault.ErrNotFound) {
		t.Fatalf("unknown customer: %v", err)
	}
}

func TestAddEvent(t *testing.T) {
	s, _, _ := newTestStore(t)
	ctx := context.Background()
	id := mustCreate(t, s, mail("src-1", "ann@example.org", "Hi")).TicketID
	if err := s.AddEvent(ctx, id, ticket.Event{Type: "routed", By: "rules", Detail: "rule VIP"}); err != nil {
		t.Fatal(err)
	}
	tk, _ := s.Get(ctx, id)
	if e := tk.Events[len(tk.Events)-1]; e.Type != "routed" || e.Detail != "rule VIP" || e.At.IsZero() {
		t.Fatalf("last event = %+v", e)
	}
	if err := s.AddEvent(ctx, "777", ticket.Event{Type: "x"}); !errors.Is(err, fault.ErrNotFound) {
		t.Fatalf("event on missing ticket: %v", err)
	}
}

func eventTypes(tk *ticket.Ticket) []string {
	var out []string
	for _, e := range tk.Events {
		out = append(out, e.Type)
	}
	return out
}

func ids(ts []ticket.Ticket) []string {
	var out []string
	for _, t := range ts {
		out = append(out, t.ID)
	}
	return out
}

// OpenCount follows every way a ticket gains or loses its assistant.
func TestOpenCountFollowsAssignments(t *testing.T) {
	s, _, clk := newTestStore(t)
	ctx := context.Background()
	count := func(who string) int {
		n, err := s.OpenCount(ctx, who)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	a := mustCreate(t, s, mail("a", "ann@example.org", "A")).TicketID
	b := mustCreate(t, s, mail("b", "bob@example.org", "B")).TicketID
	if _, err := s.ClaimNext(ctx, []string{"support"}, "ann", time.Minute); err != nil { // a
		t.Fatal(err)
	}
	if err := s.Assign(ctx, b, "ann", "max"); err != nil {
		t.Fatal(err)
	}
	if got := count("ann"); got != 2 {
		t.Fatalf("after claim and assign: %d, want 2", got)
	}
	if err := s.SetStatus(ctx, b, ticket.StatusPending, "ann"); err != nil {
		t.Fatal(err)
	}
	if got := count("ann"); got != 2 {
		t.Fatalf("pending still counts: %d, want 2", got)
	}
	if err := s.Assign(ctx, b, "bob", "max"); err != nil {
		t.Fatal(err)
	}
	if count("ann") != 1 || count("bob") != 1 {
		t.Fatalf("after handing over: ann %d, bob %d", count("ann"), count("bob"))
	}
	if err := s.SetStatus(ctx, b, ticket.StatusClosed, "bob"); err != nil {
		t.Fatal(err)
	}
	if count("bob") != 0 {
		t.Fatalf("closed counted: %d", count("bob"))
	}
	if _, err := s.AppendMessage(ctx, b, ticket.NewMessage{SourceKey: "b2", From: "bob@example.org", Text: "again"}); err != nil {
		t.Fatal(err)
	}
	if count("bob") != 1 {
		t.Fatalf("reopened ticket not counted: %d", count("bob"))
	}
	clk.Advance(2 * time.Minute)
	if n, err := s.ExpireLeases(ctx); err != nil || n != 1 {
		t.Fatalf("expire = %d, %v", n, err)
	}
	if count("ann") != 0 {
		t.Fatalf("expired lease still counted: %d", count("ann"))
	}
	_ = a
}

// Routing's decision lands inside the create script: assigned, closed as spam,
// the route noted.
func TestCreateRouted(t *testing.T) {
	s, _, _ := newTestStore(t)
	ctx := context.Background()
	nt := mail("r1", "vip@bigcorp.example", "Urgent")
	nt.Assignee, nt.RouteNote = "ann", `rule "VIP customers"`
	r := mustCreate(t, s, nt)
	tk, _ := s.Get(ctx, r.TicketID)
	if tk.Status != ticket.StatusOpen || tk.Assignee != "ann" || fmt.Sprint(eventTypes(tk)) != "[created routed assigned]" {
		t.Fatalf("assigned ticket = %s %s %v", tk.Status, tk.Assignee, eventTypes(tk))
	}
	if n, _ := s.OpenCount(ctx, "ann"); n != 1 {
		t.Fatalf("open count %d", n)
	}
	spam := mail("r2", "spam@spam.example", "Cheap pills")
	spam.Closed, spam.RouteNote, spam.FirstResponseDue = true, `rule "Spam": spam`, time.Now().Add(time.Hour)
	r2 := mustCreate(t, s, spam)
	tk2, _ := s.Get(ctx, r2.TicketID)
	st, _ := s.QueueStats(ctx, "support")
	if tk2.Status != ticket.StatusClosed || st.Waiting != 0 || st.SLABreached != 0 {
		t.Fatalf("spam ticket %s, queue %+v", tk2.Status, st)
	}
}

func TestBreachRaisesPriorityOnce(t *testing.T) {
	s, _, clk := newTestStore(t)
	ctx := context.Background()
	late := mail("late", "ann@example.org", "Waiting")
	late.FirstResponseDue = clk.Now().Add(time.Hour)
	id := mustCreate(t, s, late).TicketID
	early := mail("early", "bob@example.org", "Fresh") // no SLA
	mustCreate(t, s, early)
	if ids, err := s.MarkBreaches(ctx, []string{"support"}); err != nil || len(ids) != 0 {
		t.Fatalf("before the deadline: %v, %v", ids, err)
	}
	clk.Advance(2 * time.Hour)
	ids, err := s.MarkBreaches(ctx, []string{"support"})
	if err != nil || fmt.Sprint(ids) != "["+id+"]" {
		t.Fatalf("after the deadline: %v, %v", ids, err)
	}
	if again, _ := s.MarkBreaches(ctx, []string{"support"}); len(again) != 0 {
		t.Fatalf("marked twice: %v", again)
	}
	tk, _ := s.Get(ctx, id)
	if tk.Priority != ticket.PriorityHigh || tk.Events[len(tk.Events)-1].Type != "sla_breached" {
		t.Fatalf("breached ticket = %s, %v", tk.Priority, eventTypes(tk))
	}
	// Raised to high, it is now taken before the normal one created later.
	if next, err := s.ClaimNext(ctx, []string{"support"}, "ann", time.Minute); err != nil || next.ID != id {
		t.Fatalf("claim after breach = %v, %v", next, err)
	}
	if st, _ := s.QueueStats(ctx, "support"); st.SLABreached != 1 {
		t.Fatalf("breaches counted %d", st.SLABreached)
	}
}

func TestReroute(t *testing.T) {
	s, _, clk := newTestStore(t)
	ctx := context.Background()
	nt := mail("r", "ann@example.org", "Invoice")
	nt.FirstResponseDue = clk.Now().Add(time.Hour)
	id := mustCreate(t, s, nt).TicketID
	if err := s.Reroute(ctx, id, ticket.Move{Queue: "billing", Priority: ticket.PriorityHigh, Tags: []string{"invoice"}, By: "max", Detail: "by hand"}); err != nil {
		t.Fatal(err)
	}
	tk, _ := s.Get(ctx, id)
	old, _ := s.QueueStats(ctx, "support")
	nw, _ := s.QueueStats(ctx, "billing")
	if tk.Queue != "billing" || tk.Priority != ticket.PriorityHigh || fmt.Sprint(tk.Tags) != "[invoice]" ||
		old.Waiting != 0 || nw.Waiting != 1 {
		t.Fatalf("rerouted = %+v; support %+v billing %+v", tk, old, nw)
	}
	clk.Advance(2 * time.Hour)
	if st, _ := s.QueueStats(ctx, "billing"); st.SLABreached != 1 {
		t.Fatalf("the SLA did not move with the ticket: %+v", st)
	}
	if err := s.Reroute(ctx, "999", ticket.Move{Queue: "billing", By: "max"}); !errors.Is(err, fault.ErrNotFound) {
		t.Fatalf("reroute missing: %v", err)
	}
}
