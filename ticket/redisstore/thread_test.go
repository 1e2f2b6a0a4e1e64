package redisstore

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"frontdesk/fault"
	"frontdesk/ticket"
)

func sms(sid, text string) ticket.NewTicket {
	return ticket.NewTicket{
		Channel: ticket.ChannelSMS, Queue: "phone", Subject: "SMS from +15555550123",
		Customer:  ticket.Customer{Phone: "+15555550123"},
		ThreadKey: "sms:+15555550123:+15555550100", ThreadTTL: 24 * time.Hour,
		Message: ticket.NewMessage{SourceKey: "twilio:" + sid, Kind: ticket.KindSMS, From: "+15555550123", Text: text},
	}
}

func TestThreadKeyJoinsAConversation(t *testing.T) {
	s, tr, clk := newTestStore(t)
	ctx := context.Background()
	first := mustCreate(t, s, sms("SM1", "Hi"))
	second := mustCreate(t, s, sms("SM2", "Are you open?"))
	again := mustCreate(t, s, sms("SM2", "Are you open?"))
	if !second.Created || second.TicketID != first.TicketID || second.MessageID != "m2" || again.Created || again.MessageID != "m2" {
		t.Fatalf("receipts %+v %+v %+v", first, second, again)
	}
	if err := s.SetStatus(ctx, first.TicketID, ticket.StatusClosed, "ann"); err != nil {
		t.Fatal(err)
	}
	third := mustCreate(t, s, sms("SM3", "One more thing"))
	if third.TicketID == first.TicketID {
		t.Fatal("a closed ticket took a new text; want a new ticket")
	}
	fourth := mustCreate(t, s, sms("SM4", "and another"))
	if fourth.TicketID != third.TicketID {
		t.Fatalf("the thread key should now name ticket %s, got %s", third.TicketID, fourth.TicketID)
	}
	// The window: after it, a new ticket. (miniredis needs its clock moved.)
	if tr.Mini != nil {
		tr.Mini.FastForward(25 * time.Hour)
	} else {
		tr.Client.Del(ctx, s.key("thread", "sms:+15555550123:+15555550100"))
	}
	clk.Advance(25 * time.Hour)
	fifth := mustCreate(t, s, sms("SM5", "next day"))
	if fifth.TicketID == third.TicketID {
		t.Fatal("a text after the window joined the old ticket")
	}
	if r, err := s.FindSource(ctx, "twilio:SM2"); err != nil || r.TicketID != first.TicketID || r.MessageID != "m2" {
		t.Fatalf("find source = %+v, %v", r, err)
	}
	if _, err := s.FindSource(ctx, "twilio:nope"); !errors.Is(err, fault.ErrNotFound) {
		t.Fatalf("find unknown source: %v", err)
	}
}

// TestThreadKeyUnderConcurrency: many inputs of one conversation at once make
// one ticket with every message once.
func TestThreadKeyUnderConcurrency(t *testing.T) {
	s, _, _ := newTestStore(t)
	var wg sync.WaitGroup
	for i := range 50 {
		for range 3 { // each delivered three times
			wg.Go(func() {
				if _, err := s.Create(context.Background(), sms("SM"+string(rune('A'+i%26))+string(rune('a'+i/26)), "x")); err != nil {
					t.Error(err)
				}
			})
		}
	}
	wg.Wait()
	listed := visibleTickets(t, s)
	if len(listed) != 1 {
		t.Fatalf("%d tickets, want 1", len(listed))
	}
	tk, _ := s.Get(context.Background(), listed[0].ID)
	if len(tk.Messages) != 50 {
		t.Fatalf("%d messages, want 50", len(tk.Messages))
	}
}

func TestTranscriptAndLateAttachment(t *testing.T) {
	s, _, _ := newTestStore(t)
	ctx := context.Background()
	vm := ticket.NewTicket{Channel: ticket.ChannelVoice, Queue: "phone", Subject: "Voicemail",
		Customer: ticket.Customer{Phone: "+15555550199"},
		Message:  ticket.NewMessage{SourceKey: "twilio:RE1", Kind: ticket.KindVoicemail, From: "+15555550199"}}
	r := mustCreate(t, s, vm)
	if err := s.SetTranscript(ctx, r.TicketID, r.MessageID, "Please call me back", "twilio"); err != nil {
		t.Fatal(err)
	}
	audio := ticket.NewAttachment{Filename: "voicemail.mp3", ContentType: "audio/mpeg", Data: []byte("ID3 audio")}
	a, err := s.AddAttachment(ctx, r.TicketID, r.MessageID, "twilio:RE1:audio", audio)
	if err != nil {
		t.Fatal(err)
	}
	if again, err := s.AddAttachment(ctx, r.TicketID, r.MessageID, "twilio:RE1:audio", audio); err != nil || again.ID != a.ID {
		t.Fatalf("add again = %+v, %v", again, err)
	}
	tk, _ := s.Get(ctx, r.TicketID)
	m := tk.Messages[0]
	if m.Text != "Please call me back" || m.Transcript != "Please call me back" {
		t.Fatalf("message text %q transcript %q", m.Text, m.Transcript)
	}
	if len(m.Attachments) != 1 || m.Attachments[0].ID != a.ID || m.Attachments[0].ContentType != "audio/mpeg" {
		t.Fatalf("attachments = %+v", m.Attachments)
	}
	if _, data, err := s.Attachment(ctx, r.TicketID, a.ID); err != nil || string(data) != "ID3 audio" {
		t.Fatalf("fetch audio = %q, %v", data, err)
	}
	// The timeline says what came in words: no message or attachment ids.
	var details []string
	for _, e := range tk.Events {
		if e.Type == "transcript" || e.Type == "attachment" {
			details = append(details, e.Type+": "+e.Detail)
		}
	}
	if want := []string{"transcript: of the voicemail", "attachment: voicemail.mp3"}; !slices.Equal(details, want) {
		t.Fatalf("timeline %q, want %q", details, want)
	}
	if err := s.SetTranscript(ctx, r.TicketID, "m7", "x", "twilio"); !errors.Is(err, fault.ErrNotFound) {
		t.Fatalf("transcript on a missing message: %v", err)
	}
	if _, err := s.AddAttachment(ctx, "4444", "m1", "twilio:x", audio); !errors.Is(err, fault.ErrNotFound) {
		t.Fatalf("attachment on a missing ticket: %v", err)
	}
}
