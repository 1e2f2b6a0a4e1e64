package redisstore

import (
	"context"
	"errors"
	"testing"
	"time"

	"frontdesk/fault"
	"frontdesk/ticket"
)

// An invitation is stored once per UID; its answer lands, once per mail, on
// the ticket it is on now (after a merge), the latest answer winning; the
// feed's range finds it while it overlaps the window.
func TestInvitationLifecycle(t *testing.T) {
	s, _, _ := newTestStore(t)
	ctx := context.Background()
	a := mustCreate(t, s, mail("inv-a", "ann@example.org", "Frame"))
	b := mustCreate(t, s, mail("inv-b", "ann@example.org", "Frame again"))
	start := time.Date(2027, 3, 3, 9, 0, 0, 0, time.UTC)
	inv := ticket.Invitation{UID: "frontdesk-1@example.com", TicketID: a.TicketID, MessageID: "m1", Title: "Fitting",
		Start: start, End: start.Add(time.Hour), Organizer: "support@example.com", Attendee: "ann@example.org", By: "bob"}
	got, err := s.SaveInvitation(ctx, inv)
	if err != nil || got.State != ticket.InvitePending || got.Title != "Fitting" || !got.Start.Equal(start) {
		t.Fatalf("save: %+v, %v", got, err)
	}
	again := inv
	again.Title = "Something else"
	if got, err := s.SaveInvitation(ctx, again); err != nil || got.Title != "Fitting" {
		t.Fatalf("a second save changed the invitation: %+v, %v", got, err)
	}
	bad := inv
	bad.UID, bad.End = "frontdesk-2@example.com", start
	if _, err := s.SaveInvitation(ctx, bad); !errors.Is(err, fault.ErrInvalid) {
		t.Fatalf("an invitation ending when it starts: %v", err)
	}

	if _, err := s.Merge(ctx, a.TicketID, b.TicketID, "bob"); err != nil {
		t.Fatal(err)
	}
	answer := func(state ticket.InviteState, src string, stamp time.Time) bool {
		t.Helper()
		ok, err := s.AnswerInvitation(ctx, ticket.InviteAnswer{UID: inv.UID, State: state, Stamp: stamp, SourceKey: src, Detail: "Fitting", By: "intake:support"})
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	if !answer(ticket.InviteAccepted, "mail:1", start.Add(-48*time.Hour)) {
		t.Fatal("the accept was not recorded")
	}
	if answer(ticket.InviteAccepted, "mail:1", start.Add(-48*time.Hour)) {
		t.Fatal("the same mail recorded twice")
	}
	if answer(ticket.InviteDeclined, "mail:0", start.Add(-72*time.Hour)) {
		t.Fatal("an older answer, read late, was recorded")
	}
	found, err := s.Invitation(ctx, inv.UID)
	if err != nil || found.State != ticket.InviteAccepted || found.TicketID != b.TicketID || found.AnsweredAt == nil {
		t.Fatalf("after the answers: %+v, %v", found, err)
	}
	tk, err := s.Get(ctx, b.TicketID)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range tk.Events {
		if e.Type == "invitation_accepted" {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("%d invitation_accepted events on the ticket merged into, want 1: %+v", n, tk.Events)
	}
	if _, err := s.AnswerInvitation(ctx, ticket.InviteAnswer{UID: "frontdesk-none@example.com", State: ticket.InviteAccepted,
		SourceKey: "mail:9", By: "x"}); !errors.Is(err, fault.ErrNotFound) {
		t.Fatalf("an unknown UID: %v", err)
	}

	for _, c := range []struct {
		from, to time.Time
		want     int
	}{
		{start.Add(-time.Hour), start.Add(time.Minute), 1},
		{start.Add(30 * time.Minute), start.Add(24 * time.Hour), 1}, // under way when the window opens
		{start.Add(time.Hour), start.Add(24 * time.Hour), 0},
		{start.Add(-48 * time.Hour), start.Add(-time.Hour), 0},
	} {
		invs, err := s.Invitations(ctx, c.from, c.to, 10)
		if err != nil || len(invs) != c.want {
			t.Errorf("invitations %v–%v: %d, %v; want %d", c.from, c.to, len(invs), err, c.want)
		}
	}
}

// A reply that carries an invitation stores it pending in the same step as
// the reply (the append script): there is no moment where the reply, queued
// for delivery, exists without its invitation. A retry under the same source
// key stores nothing more; an inbound message cannot carry one.
func TestAppendStoresInvitationWithReply(t *testing.T) {
	s, _, _ := newTestStore(t)
	ctx := context.Background()
	r := mustCreate(t, s, mail("inv-append", "ann@example.org", "Frame"))
	start := time.Date(2027, 3, 3, 9, 0, 0, 0, time.UTC)
	nm := ticket.NewMessage{SourceKey: "reply:" + r.TicketID + ":x", Direction: ticket.DirectionOut, Channel: ticket.ChannelEmail,
		From: "support@example.com", To: []string{"ann@example.org"}, Text: "Wednesday?", By: "bob", Delivery: ticket.DeliveryQueued,
		Meta: map[string]string{"invite_uid": "frontdesk-9@example.com"},
		Invitation: &ticket.Invitation{UID: "frontdesk-9@example.com", Title: "Fitting", Start: start, End: start.Add(time.Hour),
			Organizer: "support@example.com", Attendee: "ann@example.org", Sequence: 0}}
	rc, err := s.AppendMessage(ctx, r.TicketID, nm)
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Invitation(ctx, "frontdesk-9@example.com")
	if err != nil || got.State != ticket.InvitePending || got.TicketID != r.TicketID || got.MessageID != rc.MessageID ||
		got.By != "bob" || got.Title != "Fitting" || !got.Start.Equal(start) || !got.End.Equal(start.Add(time.Hour)) {
		t.Fatalf("invitation stored with the reply: %+v, %v", got, err)
	}
	if invs, err := s.Invitations(ctx, start, start.Add(time.Hour), 10); err != nil || len(invs) != 1 {
		t.Fatalf("feed: %+v, %v", invs, err)
	}
	retry := nm
	retry.Invitation = &ticket.Invitation{UID: "frontdesk-9@example.com", Title: "Changed", Start: start, End: start.Add(time.Hour)}
	if rc2, err := s.AppendMessage(ctx, r.TicketID, retry); err != nil || rc2.Created {
		t.Fatalf("retry: %+v, %v", rc2, err)
	}
	if got, _ := s.Invitation(ctx, "frontdesk-9@example.com"); got.Title != "Fitting" {
		t.Fatalf("a retry changed the invitation: %+v", got)
	}
	in := ticket.NewMessage{SourceKey: "mail:inv-in", Channel: ticket.ChannelEmail, From: "ann@example.org", Text: "Yes"}
	in.Invitation = &ticket.Invitation{UID: "frontdesk-10@example.com", Start: start, End: start.Add(time.Hour)}
	if _, err := s.AppendMessage(ctx, r.TicketID, in); !errors.Is(err, fault.ErrInvalid) {
		t.Fatalf("an inbound message carrying an invitation: %v", err)
	}
}
