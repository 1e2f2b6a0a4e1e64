package desk

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"frontdesk/fault"
	"frontdesk/ticket"
)

func TestCreateIsRouted(t *testing.T) {
	td := newTestDesk(t, "")
	d, rules, store := td, td.rules, td.store
	ctx := context.Background()
	plain, _ := d.Receive(ctx, newMail("m0", "x@example.org", "Before any rules"))
	if _, err := rules.Replace(ctx, []byte(testRules), "max"); err != nil {
		t.Fatal(err)
	}
	inv, _ := d.Receive(ctx, newMail("m1", "ceo@bigcorp.example", "Invoice 12 is wrong"))
	inv2, _ := d.Receive(ctx, newMail("m2", "ann@example.org", "Another invoice"))
	spam, _ := d.Receive(ctx, newMail("m3", "x@spam.example", "Cheap pills!"))
	again, _ := d.Receive(ctx, newMail("m1", "ceo@bigcorp.example", "Invoice 12 is wrong"))

	get := func(id string) *ticket.Ticket {
		tk, err := store.Get(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return tk
	}
	if tk := get(plain.TicketID); tk.Queue != "support" || tk.Status != ticket.StatusNew {
		t.Fatalf("unrouted ticket = %+v", tk)
	}
	a, b := get(inv.TicketID), get(inv2.TicketID)
	if a.Queue != "billing" || a.Priority != ticket.PriorityHigh || strings.Join(a.Tags, ",") != "vip" ||
		a.Assignee == "" || a.Status != ticket.StatusOpen {
		t.Fatalf("invoice from a VIP = %+v", a)
	}
	if b.Assignee == "" || b.Assignee == a.Assignee {
		t.Fatalf("round robin gave both invoices to %q and %q", a.Assignee, b.Assignee)
	}
	if a.FirstResponseDue == nil || a.FirstResponseDue.Sub(a.CreatedAt) < 7*time.Hour {
		t.Fatalf("billing's 8h first response not applied: %v", a.FirstResponseDue)
	}
	routed := false
	for _, e := range a.Events {
		routed = routed || (e.Type == "routed" && strings.Contains(e.Detail, `rules "VIP", "Invoices"; queue billing; priority high; tags vip`))
	}
	if !routed {
		t.Fatalf("no routed event naming the rules: %+v", a.Events)
	}
	if s := get(spam.TicketID); s.Status != ticket.StatusClosed || !strings.Contains(strings.Join(s.Tags, ","), "spam") {
		t.Fatalf("spam = %+v", s)
	}
	if again.Created || again.TicketID != inv.TicketID {
		t.Fatalf("a redelivery was routed again: %+v", again)
	}
}

// A redelivered mail must not take a round-robin turn: the next new ticket
// goes to the next member as if the redelivery had not happened.
func TestRedeliveryTakesNoRoundRobinTurn(t *testing.T) {
	td := newTestDesk(t, "")
	d, rules, store := td, td.rules, td.store
	ctx := context.Background()
	if _, err := rules.Replace(ctx, []byte(testRules), "max"); err != nil {
		t.Fatal(err)
	}
	assignee := func(r ticket.Receipt, err error) string {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		tk, err := store.Get(ctx, r.TicketID)
		if err != nil {
			t.Fatal(err)
		}
		return tk.Assignee
	}
	first := assignee(d.Receive(ctx, newMail("inv-1", "ann@example.org", "Invoice 1")))
	for range 3 {
		if again := assignee(d.Receive(ctx, newMail("inv-1", "ann@example.org", "Invoice 1"))); again != first {
			t.Fatalf("redelivery changed the assignee from %q to %q", first, again)
		}
	}
	second := assignee(d.Receive(ctx, newMail("inv-2", "bob@example.org", "Invoice 2")))
	if first == "" || second == "" || second == first {
		t.Fatalf("after redeliveries the next invoice went to %q, the first to %q: want the other member", second, first)
	}
}

func TestInvalidRulesRefusedWhole(t *testing.T) {
	td := newTestDesk(t, "")
	rules, rs := td.rules, td.rs
	ctx := context.Background()
	bad := `{"rules": [{"name": "ok", "conditions": [], "actions": []},
	  {"name": "broken", "conditions": [{"field": "subjekt", "op": "contains", "value": "x"}], "actions": [{"type": "set_queue", "value": "nowhere"}]}]}`
	_, err := rules.Replace(ctx, []byte(bad), "max")
	if err == nil || !strings.Contains(err.Error(), `rules[1] "broken"`) || !strings.Contains(err.Error(), "subjekt") ||
		!strings.Contains(err.Error(), "nowhere") {
		t.Fatalf("invalid set: %v", err)
	}
	if _, err := rs.Current(ctx); err == nil {
		t.Fatal("an invalid rule set was stored")
	}
}

func TestRollbackAndTest(t *testing.T) {
	td := newTestDesk(t, "")
	d, rules := td, td.rules
	ctx := context.Background()
	v1, _ := rules.Replace(ctx, []byte(testRules), "max")
	v2, _ := rules.Replace(ctx, []byte(`{"rules": []}`), "max")
	res, err := rules.Test(ctx, []byte(`{"eml": "From: a@bigcorp.example\r\nSubject: invoice\r\n\r\nhi"}`))
	if err != nil || res.MatchedRule != "" || res.Version != v2 {
		t.Fatalf("test against the empty set = %+v, %v", res, err)
	}
	v3, err := rules.Rollback(ctx, v1, "max")
	if err != nil || v3 != v2+1 || d.Rules().Version() != v3 {
		t.Fatalf("rollback = %d, %v; in use %d", v3, err, d.Rules().Version())
	}
	res, err = rules.Test(ctx, []byte(`{"eml": "From: a@bigcorp.example\r\nSubject: invoice\r\n\r\nhi"}`))
	if err != nil || res.MatchedRule != "VIP" || res.Decision.Queue != "billing" || len(res.Trace) == 0 {
		t.Fatalf("test after rollback = %+v, %v", res, err)
	}
	// A draft rule set can be tried before it is saved.
	res, err = rules.Test(ctx, []byte(`{"eml": "Subject: hi\r\n\r\nx", "rules": {"rules": [{"name": "all to vip", "conditions": [], "actions": [{"type": "set_queue", "value": "vip"}]}]}}`))
	if err != nil || res.Decision.Queue != "vip" {
		t.Fatalf("draft test = %+v, %v", res, err)
	}
	if _, err := rules.Test(ctx, []byte(`{"nothing": 1}`)); err == nil {
		t.Fatal("a test without mail or ticket passed")
	}
}

// Every instance follows a new version within two seconds.
func TestInstancesFollowANewVersion(t *testing.T) {
	td := newTestDesk(t, "")
	d, rules, rs := td, td.rules, td.rs
	other := New(d.store, rules.cfg, nil)
	otherRules := NewRules(rs, other)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go otherRules.Watch(ctx, nil)
	n, err := rules.Replace(context.Background(), []byte(testRules), "max")
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(2 * time.Second)
	for other.Rules() == nil || other.Rules().Version() != n {
		if time.Now().After(deadline) {
			t.Fatal("the other instance did not follow within 2 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestRerouteRunsTheCurrentRules(t *testing.T) {
	td := newTestDesk(t, "")
	d, rules, store := td, td.rules, td.store
	ctx := context.Background()
	r, _ := d.Receive(ctx, newMail("m1", "ceo@bigcorp.example", "Invoice 7")) // no rules yet: support
	if _, err := rules.Reroute(ctx, r.TicketID, "max"); !errors.Is(err, fault.ErrConflict) {
		t.Fatalf("reroute without rules: %v", err)
	}
	if _, err := rules.Replace(ctx, []byte(testRules), "max"); err != nil {
		t.Fatal(err)
	}
	res, err := rules.Reroute(ctx, r.TicketID, "max")
	if err != nil || res.Decision.Queue != "billing" {
		t.Fatalf("reroute = %+v, %v", res, err)
	}
	tk, _ := store.Get(ctx, r.TicketID)
	if tk.Queue != "billing" || tk.Priority != ticket.PriorityHigh || tk.Events[len(tk.Events)-1].Type != "routed" {
		t.Fatalf("after reroute: %+v", tk)
	}
}

func TestReplaceWithAVersionIsCompareAndSet(t *testing.T) {
	td := newTestDesk(t, "")
	rules := td.rules
	ctx := context.Background()
	set := func(version int, name string) []byte {
		return []byte(fmt.Sprintf(`{"version": %d, "rules": [{"name": %q, "conditions": [], "actions": []}]}`, version, name))
	}
	if n, err := rules.Replace(ctx, set(0, "first"), "max"); err != nil || n != 1 {
		t.Fatalf("Replace based on no rule set: %d, %v", n, err)
	}
	// A second save based on no rule set, as by two managers saving the
	// first rules at once, is refused.
	if _, err := rules.Replace(ctx, set(0, "also first"), "ann"); !errors.Is(err, fault.ErrConflict) || !strings.Contains(err.Error(), "version 1 is in force") {
		t.Fatalf("a second Replace based on no rule set: %v, want ErrConflict", err)
	}
	if n, err := rules.Replace(ctx, set(1, "second"), "max"); err != nil || n != 2 {
		t.Fatalf("Replace based on the current version: %d, %v", n, err)
	}
	_, err := rules.Replace(ctx, set(1, "stale"), "ann")
	if !errors.Is(err, fault.ErrConflict) || !strings.Contains(err.Error(), "version 2 is in force") {
		t.Fatalf("Replace based on a replaced version: %v, want ErrConflict", err)
	}
	// The version holds in YAML too.
	_, err = rules.Replace(ctx, []byte("version: 1\nrules:\n  - {name: stale yaml, conditions: [], actions: []}\n"), "ann")
	if !errors.Is(err, fault.ErrConflict) {
		t.Fatalf("YAML Replace based on a replaced version: %v, want ErrConflict", err)
	}
	cur, err := rules.Current(ctx)
	if err != nil || cur.Version != 2 || cur.Rules[0].Name != "second" {
		t.Fatalf("current after the refused saves: %+v, %v", cur, err)
	}
	// Without a version the body replaces whatever is in force.
	if n, err := rules.Replace(ctx, []byte(`{"rules": []}`), "max"); err != nil || n != 3 {
		t.Fatalf("Replace without a version: %d, %v", n, err)
	}
}
