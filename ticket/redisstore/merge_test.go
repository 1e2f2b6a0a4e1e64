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

func TestMergeMovesEveryMessage(t *testing.T) {
	s, _, clk := newTestStore(t)
	ctx := context.Background()

	// The ticket left: a mail, closed after a reply.
	into := mustCreate(t, s, mail("src-1", "ann@example.org", "Order 553")).TicketID
	clk.Advance(time.Minute)
	// The one merged: a voicemail from the same customer, with a recording
	// and a transcript that come later, and a mail with an attachment.
	vm := ticket.NewTicket{Channel: ticket.ChannelVoice, Queue: "support", Subject: "Voicemail",
		Customer: ticket.Customer{Phone: "+15555550123"},
		Message:  ticket.NewMessage{SourceKey: "twilio:CA1", Kind: ticket.KindVoicemail, From: "+15555550123", Text: ""}}
	src := mustCreate(t, s, vm).TicketID
	clk.Advance(time.Minute)
	if _, err := s.AppendMessage(ctx, src, ticket.NewMessage{SourceKey: "src-3", From: "ann@example.org",
		Text: "Photo attached", MessageID: "<photo@example.org>",
		Attachments: []ticket.NewAttachment{{Filename: "photo.jpg", ContentType: "image/jpeg", Data: []byte("jpeg")}}}); err != nil {
		t.Fatal(err)
	}
	rec, err := s.AddAttachment(ctx, src, "m1", "twilio:RE1", ticket.NewAttachment{Filename: "voicemail.wav", ContentType: "audio/wav", Data: []byte("RIFF")})
	if err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Minute)
	if _, err := s.AppendMessage(ctx, into, ticket.NewMessage{SourceKey: "src-4", From: "ann@example.org", Text: "Any news?"}); err != nil {
		t.Fatal(err)
	}
	if err := s.SetStatus(ctx, into, ticket.StatusClosed, "bob"); err != nil {
		t.Fatal(err)
	}

	left, err := s.Merge(ctx, src, into, "bob")
	if err != nil || left != into {
		t.Fatalf("merge = %q, %v; want %s", left, err, into)
	}
	merged, _ := s.Get(ctx, src)
	if merged.Status != ticket.StatusClosed || merged.MergedInto != into || len(merged.Messages) != 0 {
		t.Fatalf("merged ticket = status %s, merged into %q, %d messages", merged.Status, merged.MergedInto, len(merged.Messages))
	}
	if ev := merged.Events[len(merged.Events)-1]; ev.Type != "merged" || ev.Detail != "into #"+into+", with its 2 messages" {
		t.Errorf("merged ticket's last event = %+v", ev)
	}
	if w, _ := s.Waiting(ctx, "support", 10); len(w) != 1 || w[0].ID != into {
		t.Errorf("waiting: %v; want only the ticket left, reopened", ids(w))
	}

	tk, _ := s.Get(ctx, into)
	var texts []string
	for _, m := range tk.Messages {
		texts = append(texts, m.Text)
	}
	// In the order they were written, not the order they were merged.
	if got := strings.Join(texts, "|"); got != "Hello, Order 553||Photo attached|Any news?" {
		t.Fatalf("messages after the merge = %q", got)
	}
	if tk.Status != ticket.StatusNew {
		t.Errorf("the closed ticket left is %s; the merged one was waiting, so it should wait again", tk.Status)
	}
	photo := tk.Messages[2]
	if photo.ID != "m4" || len(photo.Attachments) != 1 {
		t.Fatalf("moved mail = %+v", photo)
	}
	if _, data, err := s.Attachment(ctx, into, photo.Attachments[0].ID); err != nil || string(data) != "jpeg" {
		t.Errorf("moved attachment = %q, %v", data, err)
	}
	voicemail := tk.Messages[1]
	if len(voicemail.Attachments) != 1 || voicemail.Attachments[0].ID != rec.ID {
		t.Errorf("moved voicemail's recording = %+v", voicemail.Attachments)
	}

	// Later writes naming the merged ticket land on the one left.
	if err := s.SetTranscript(ctx, src, "m1", "Please call me back", "transcriber"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddAttachment(ctx, src, "m2", "late-pic", ticket.NewAttachment{Filename: "b.png", ContentType: "image/png", Data: []byte("png")}); err != nil {
		t.Fatal(err)
	}
	if got, err := s.FindByMessageID(ctx, "<photo@example.org>"); err != nil || got != into {
		t.Errorf("FindByMessageID of a moved mail = %q, %v", got, err)
	}
	r, err := s.AppendMessage(ctx, src, ticket.NewMessage{SourceKey: "src-5", From: "ann@example.org", Text: "Hello again"})
	if err != nil || r.TicketID != into {
		t.Errorf("a mail for the merged ticket went to %q, %v; want %s", r.TicketID, err, into)
	}
	tk, _ = s.Get(ctx, into)
	if tk.Messages[1].Transcript != "Please call me back" || len(tk.Messages[2].Attachments) != 2 {
		t.Errorf("later writes did not follow the messages: transcript %q, %d attachments", tk.Messages[1].Transcript, len(tk.Messages[2].Attachments))
	}
	if last := tk.Messages[len(tk.Messages)-1]; last.Text != "Hello again" {
		t.Errorf("last message = %q", last.Text)
	}
	// A note or a reply on the merged ticket is refused: it is done.
	_, err = s.AppendMessage(ctx, src, ticket.NewMessage{SourceKey: "note-1", Direction: ticket.DirectionInternal, Text: "x", By: "bob"})
	if !errors.Is(err, fault.ErrConflict) || !strings.Contains(err.Error(), "merged into #"+into) {
		t.Errorf("a note on the merged ticket: %v, want a conflict naming %s", err, into)
	}
}

func TestMergeRefusals(t *testing.T) {
	s, _, _ := newTestStore(t)
	ctx := context.Background()
	a := mustCreate(t, s, mail("src-1", "ann@example.org", "A")).TicketID
	b := mustCreate(t, s, mail("src-2", "ann@example.org", "B")).TicketID
	c := mustCreate(t, s, mail("src-3", "ann@example.org", "C")).TicketID
	if _, err := s.Merge(ctx, a, a, "bob"); !errors.Is(err, fault.ErrConflict) {
		t.Errorf("merge into itself: %v", err)
	}
	if _, err := s.Merge(ctx, a, "99999", "bob"); !errors.Is(err, fault.ErrNotFound) {
		t.Errorf("merge into a missing ticket: %v", err)
	}
	// A reply still in the outbox keeps its ticket.
	if _, err := s.AppendMessage(ctx, c, ticket.NewMessage{SourceKey: "reply-1", Direction: ticket.DirectionOut,
		To: []string{"ann@example.org"}, Text: "On its way", Delivery: ticket.DeliveryQueued, By: "bob"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Merge(ctx, c, a, "bob"); !errors.Is(err, fault.ErrConflict) || !strings.Contains(err.Error(), "still being sent") {
		t.Errorf("merge with a reply queued: %v", err)
	}
	if _, err := s.Merge(ctx, a, b, "bob"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Merge(ctx, a, c, "bob"); !errors.Is(err, fault.ErrConflict) {
		t.Errorf("merge a merged ticket again: %v", err)
	}
	if _, err := s.Merge(ctx, b, a, "bob"); !errors.Is(err, fault.ErrConflict) || !strings.Contains(err.Error(), "merged into #"+b) {
		t.Errorf("merge b into a ticket merged into b: %v", err)
	}
	// Merging into a merged ticket goes on to where it went.
	d := mustCreate(t, s, mail("src-4", "ann@example.org", "D")).TicketID
	if left, err := s.Merge(ctx, d, a, "bob"); err != nil || left != b {
		t.Errorf("merge into merged a = %q, %v; want %s", left, err, b)
	}
}

func TestMergeFollowsAConversation(t *testing.T) {
	s, _, _ := newTestStore(t)
	ctx := context.Background()
	first := mustCreate(t, s, sms("SM1", "Hi")).TicketID
	other := mustCreate(t, s, mail("src-1", "ann@example.org", "Mail")).TicketID
	if _, err := s.Merge(ctx, first, other, "bob"); err != nil {
		t.Fatal(err)
	}
	r := mustCreate(t, s, sms("SM2", "Still there?"))
	if r.TicketID != other || !r.Created {
		t.Errorf("the next text of the conversation went to %s (created %v); want %s", r.TicketID, r.Created, other)
	}
}

func TestMergedTicketCannotBeWorkedOn(t *testing.T) {
	s, _, _ := newTestStore(t)
	ctx := context.Background()
	a := mustCreate(t, s, mail("src-1", "ann@example.org", "A")).TicketID
	b := mustCreate(t, s, mail("src-2", "ann@example.org", "B")).TicketID
	if _, err := s.Merge(ctx, a, b, "bob"); err != nil {
		t.Fatal(err)
	}
	for what, err := range map[string]error{
		"reopen":  s.SetStatus(ctx, a, ticket.StatusNew, "bob"),
		"assign":  s.Assign(ctx, a, "bob", "bob"),
		"release": s.Release(ctx, a, "bob"),
	} {
		if !errors.Is(err, fault.ErrConflict) || !strings.Contains(err.Error(), "merged into #"+b) {
			t.Errorf("%s a merged ticket: %v, want a conflict naming %s", what, err, b)
		}
	}
	if tk, _ := s.Get(ctx, a); tk.Status != ticket.StatusClosed {
		t.Errorf("merged ticket is %s", tk.Status)
	}
}

// Whom a merged ticket was forwarded to is remembered on the ticket left:
// their answer, arriving for the merged one, does not become the customer's.
func TestMergeKeepsForwardRecipients(t *testing.T) {
	s, _, _ := newTestStore(t)
	ctx := context.Background()
	src := mustCreate(t, s, sms("SM1", "My parcel is lost")).TicketID
	into := mustCreate(t, s, ticket.NewTicket{Channel: ticket.ChannelVoice, Queue: "phone", Subject: "Voicemail",
		Customer: ticket.Customer{Phone: "+15555550123"},
		Message:  ticket.NewMessage{SourceKey: "call:1", Kind: ticket.KindVoicemail, From: "+15555550123"}}).TicketID
	if _, err := s.AppendMessage(ctx, src, ticket.NewMessage{
		SourceKey: "forward:1", Direction: ticket.DirectionOut, Channel: ticket.ChannelEmail, Kind: ticket.KindForward,
		From: "support@example.com", To: []string{"claims@carrier.example"}, Subject: "Fwd: lost parcel",
		MessageID: "<fd.fwd@example.com>", Delivery: ticket.DeliverySent, By: "ann", Author: "ann",
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Merge(ctx, src, into, "ann"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AppendMessage(ctx, src, ticket.NewMessage{SourceKey: "answer:1", From: "claims@carrier.example",
		Text: "Claim filed.", InReplyTo: "<fd.fwd@example.com>"}); err != nil {
		t.Fatal(err)
	}
	if tk, _ := s.Get(ctx, into); tk.Customer.Email != "" {
		t.Errorf("the carrier's answer made %q the customer's address", tk.Customer.Email)
	}
}
