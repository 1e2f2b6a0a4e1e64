package email

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"frontdesk/ticket"
)

func corpusMail(t *testing.T, name string) string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "mailparse", "testdata", "itip", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(raw)
}

// Answers from Outlook, Gmail and Apple Mail land on the invitation's ticket
// as events, once each, without a new ticket, a message or a reopening; a
// counter-proposal is the customer's message with the time; the same answer
// from someone else is an ordinary mail.
func TestInvitationAnswersFromTheCorpus(t *testing.T) {
	im, s := newImporter(t)
	ctx := context.Background()
	deliver(t, im, msg(`
From: Ann Lee <ann@example.org>
To: support@example.com
Subject: New frame
Message-ID: <frame@example.org>`, "Can I come by for a fitting?"))
	tk := allTickets(t, s)[0]
	if err := s.SetStatus(ctx, tk.ID, ticket.StatusPending, "bob"); err != nil {
		t.Fatal(err)
	}
	start := time.Date(2027, 3, 3, 9, 0, 0, 0, time.UTC)
	for _, uid := range []string{
		"frontdesk-0a1b2c3d4e5f60718293a4b5c6d7e8f9@example.com", // Outlook
		"frontdesk-1b2c3d4e5f60718293a4b5c6d7e8f90a@example.com", // Gmail
		"frontdesk-2c3d4e5f60718293a4b5c6d7e8f90a1b@example.com", // Apple
	} {
		if _, err := s.SaveInvitation(ctx, ticket.Invitation{UID: uid, TicketID: tk.ID, MessageID: "m1", Title: "Fitting appointment",
			Start: start, End: start.Add(time.Hour), Organizer: "Support <support@example.com>", Attendee: "ann@example.org", By: "bob"}); err != nil {
			t.Fatal(err)
		}
	}
	events := func() []string {
		got, err := s.Get(ctx, tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, e := range got.Events {
			if strings.HasPrefix(e.Type, "invitation_") {
				out = append(out, e.Type)
			}
		}
		return out
	}
	state := func(uid string) ticket.InviteState {
		inv, err := s.Invitation(ctx, uid)
		if err != nil {
			t.Fatal(err)
		}
		return inv.State
	}

	deliver(t, im, corpusMail(t, "outlook-accepted.eml"))
	deliver(t, im, corpusMail(t, "outlook-accepted.eml")) // read again: nothing more
	deliver(t, im, corpusMail(t, "gmail-accepted.eml"))
	deliver(t, im, corpusMail(t, "gmail-declined.eml"))
	deliver(t, im, corpusMail(t, "apple-tentative.eml"))
	if got := strings.Join(events(), " "); got != "invitation_accepted invitation_accepted invitation_declined invitation_tentative" {
		t.Fatalf("events = %s", got)
	}
	if a, g, p := state("frontdesk-0a1b2c3d4e5f60718293a4b5c6d7e8f9@example.com"), state("frontdesk-1b2c3d4e5f60718293a4b5c6d7e8f90a@example.com"),
		state("frontdesk-2c3d4e5f60718293a4b5c6d7e8f90a1b@example.com"); a != ticket.InviteAccepted || g != ticket.InviteDeclined || p != ticket.InviteTentative {
		t.Fatalf("states = %s %s %s", a, g, p)
	}
	all := allTickets(t, s)
	if len(all) != 1 || len(all[0].Messages) != 1 || all[0].Status != ticket.StatusPending {
		t.Fatalf("%d tickets; the first has %d messages and is %s", len(all), len(all[0].Messages), all[0].Status)
	}
	if len(all[0].Invitations) != 0 {
		t.Fatalf("invitations on a ticket whose messages carry none: %+v", all[0].Invitations)
	}

	deliver(t, im, corpusMail(t, "outlook-counter.eml"))
	got, err := s.Get(ctx, tk.ID)
	if err != nil {
		t.Fatal(err)
	}
	last := got.Messages[len(got.Messages)-1]
	if len(got.Messages) != 2 || last.Direction != ticket.DirectionIn ||
		!strings.Contains(last.Text, `Proposes a new time for "Fitting appointment": Wed 3 Mar 2027 10:00–11:00 UTC`) ||
		!strings.Contains(last.Text, "Could we make it an hour later?") || last.Meta["counter_start"] != "2027-03-03T10:00:00Z" {
		t.Fatalf("counter-proposal = %d messages, last %+v", len(got.Messages), last)
	}
	if got.Status != ticket.StatusOpen && got.Status != ticket.StatusNew {
		t.Fatalf("a counter-proposal wants an answer: the ticket is %s", got.Status)
	}

	// The same answer from someone who was not invited is only a mail.
	forged := strings.Replace(corpusMail(t, "apple-tentative.eml"), "From: Ann Lee <ann@example.org>", "From: Eve <eve@example.net>", 1)
	forged = strings.Replace(forged, "Message-Id: <8C1D2E3F", "Message-Id: <forged", 1)
	deliver(t, im, forged)
	if n := len(allTickets(t, s)); n != 2 {
		t.Fatalf("%d tickets after a forged answer, want 2 (it is a mail of its own)", n)
	}
	if got := len(events()); got != 4 {
		t.Fatalf("%d invitation events after a forged answer, want 4", got)
	}
}
