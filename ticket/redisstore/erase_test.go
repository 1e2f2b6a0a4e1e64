package redisstore

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"frontdesk/fault"
	"frontdesk/internal/testredis"
	"frontdesk/ticket"
)

// The customer whose every trace erasure must remove, and the words only
// their tickets hold.
const (
	zeldaName    = "Zelda Quorrimple"
	zeldaEmail   = "zelda.q@quorr.example"
	zeldaPhone   = "+15550199876"
	zeldaSubject = "Flamingo warranty"
	zeldaBody    = "my xylophone cracked"
	deskNumber   = "+15550100000"
)

// zeldaNeedles are what a scan of Redis must not find after erasure.
var zeldaNeedles = []string{"zelda", "Quorrimple", zeldaEmail, "15550199876", "Flamingo", "xylophone", "cracked",
	"vendor-secret-words"}

// zeldaTickets stores, for the customer above, a mail ticket with its
// original mail, an attachment, a note mentioning bob, a forward to a third
// party and a reply (both still in the outbox), being viewed; a text
// ticket, snoozed; and a voicemail ticket with a downloaded recording, a
// transcript and a call-back planned, with the call's details that phone
// intake keeps. It returns the three ticket ids and the customer id.
func zeldaTickets(t *testing.T, s *Store, tr *testredis.Redis, clk *clock) ([]string, string) {
	t.Helper()
	ctx := context.Background()
	raw := "From: " + zeldaName + " <" + zeldaEmail + ">\r\nSubject: " + zeldaSubject + "\r\nMessage-ID: <k7f3@mx.quorr.example>\r\n\r\n" + zeldaBody + "\r\n"
	mail := mustCreate(t, s, ticket.NewTicket{
		Channel: ticket.ChannelEmail, Queue: "support", Subject: zeldaSubject,
		Customer: ticket.Customer{Name: zeldaName, Email: zeldaEmail}, FirstResponseDue: clk.Now().Add(time.Hour),
		Message: ticket.NewMessage{
			SourceKey: "mail:support:<k7f3@mx.quorr.example>:9a8b", From: zeldaName + " <" + zeldaEmail + ">",
			To: []string{"support@example.com"}, Subject: zeldaSubject, Text: zeldaBody, MessageID: "<k7f3@mx.quorr.example>",
			Raw: []byte(raw), By: "intake:support",
			Attachments: []ticket.NewAttachment{{Filename: "xylophone-receipt.pdf", ContentType: "application/pdf",
				Data: []byte("%PDF receipt for Zelda's xylophone")}},
		},
	})
	id := mail.TicketID
	append1 := func(nm ticket.NewMessage) ticket.Receipt {
		t.Helper()
		r, err := s.AppendMessage(ctx, id, nm)
		if err != nil {
			t.Fatalf("append %s: %v", nm.SourceKey, err)
		}
		return r
	}
	append1(ticket.NewMessage{SourceKey: "note:1", Direction: ticket.DirectionInternal, Text: "@bob Zelda's xylophone again",
		By: "ann", Author: "ann", Mentions: []string{"bob"}})
	append1(ticket.NewMessage{SourceKey: "forward:1", Direction: ticket.DirectionOut, Kind: ticket.KindForward,
		To: []string{"repairs@vendor.example"}, Subject: "Fwd: " + zeldaSubject, Text: "vendor-secret-words: " + zeldaBody,
		MessageID: "<fd.fwd1@example.com>", Delivery: ticket.DeliveryQueued, By: "ann", Author: "ann"})
	append1(ticket.NewMessage{SourceKey: "reply:1", Direction: ticket.DirectionOut, To: []string{zeldaEmail},
		Subject: "Re: " + zeldaSubject, Text: "Dear Zelda, about your xylophone", MessageID: "<fd.reply1@example.com>",
		Delivery: ticket.DeliveryQueued, By: "ann", Author: "ann"})
	// An invitation to an appointment, sent with a reply: its record holds
	// the customer's address and the appointment's words.
	invited := append1(ticket.NewMessage{SourceKey: "reply:2", Direction: ticket.DirectionOut, To: []string{zeldaEmail},
		Subject: "Re: " + zeldaSubject, Text: "Come by for the xylophone", MessageID: "<fd.reply2@example.com>",
		Delivery: ticket.DeliveryQueued, By: "ann", Author: "ann", Meta: map[string]string{"invite_uid": "fd-zelda@example.com"}})
	start := time.Date(2027, 3, 3, 9, 0, 0, 0, time.UTC)
	if _, err := s.SaveInvitation(ctx, ticket.Invitation{UID: "fd-zelda@example.com", TicketID: id, MessageID: invited.MessageID,
		Title: "Xylophone fitting", Start: start, End: start.Add(time.Hour), Organizer: "support@example.com",
		Attendee: zeldaEmail, By: "ann"}); err != nil {
		t.Fatal(err)
	}
	// ann and bob are the desk's users (package accounts keeps their names).
	tr.Client.SAdd(ctx, s.prefix+":accounts:{users}:names", "ann", "bob")
	if _, err := s.Viewing(ctx, id, "ann", time.Minute); err != nil {
		t.Fatal(err)
	}
	cust, err := s.FindCustomer(ctx, zeldaEmail)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.LinkCustomer(ctx, cust.ID, ticket.Identity{Kind: ticket.IdentityPhone, Value: zeldaPhone}, "ann"); err != nil {
		t.Fatal(err)
	}
	sms := mustCreate(t, s, ticket.NewTicket{
		Channel: ticket.ChannelSMS, Queue: "support", Subject: "Text from " + zeldaPhone,
		Customer: ticket.Customer{Phone: zeldaPhone}, ThreadKey: "sms:" + zeldaPhone + ":" + deskNumber, ThreadTTL: 24 * time.Hour,
		Message: ticket.NewMessage{SourceKey: "twilio:sms:SM1", Channel: ticket.ChannelSMS, From: zeldaPhone,
			To: []string{deskNumber}, Text: "xylophone by text", Meta: map[string]string{"message_sid": "SM1"}, By: "intake:twilio"},
	})
	if err := s.Snooze(ctx, sms.TicketID, clk.Now().Add(48*time.Hour), "ann"); err != nil {
		t.Fatal(err)
	}
	call := mustCreate(t, s, ticket.NewTicket{
		Channel: ticket.ChannelVoice, Queue: "support", Subject: "Voicemail from " + zeldaPhone,
		Customer: ticket.Customer{Phone: zeldaPhone}, ThreadKey: "call:CA77", ThreadTTL: 7 * 24 * time.Hour,
		Message: ticket.NewMessage{SourceKey: "twilio:recording:RE1", Channel: ticket.ChannelVoice, Kind: ticket.KindVoicemail,
			From: zeldaPhone, To: []string{deskNumber}, Meta: map[string]string{"call_sid": "CA77", "caller": zeldaPhone},
			By: "intake:twilio"},
	})
	if _, err := s.AddAttachment(ctx, call.TicketID, "m1", "twilio:recording:RE1:file",
		ticket.NewAttachment{Filename: "voicemail.wav", ContentType: "audio/wav", Data: []byte("RIFF Zelda speaking, xylophone")}); err != nil {
		t.Fatal(err)
	}
	if err := s.SetTranscript(ctx, call.TicketID, "m1", "Hi it is Zelda, my xylophone cracked", "intake:twilio"); err != nil {
		t.Fatal(err)
	}
	if err := s.PlanCallback(ctx, call.TicketID, clk.Now().Add(time.Hour), "call Zelda about the xylophone", "ann"); err != nil {
		t.Fatal(err)
	}
	// What phone intake keeps about the call, in its own hash slot.
	callKey := s.prefix + ":twilio:call:{CA77}"
	if err := tr.Client.HSet(ctx, callKey, "from", zeldaPhone, "name", zeldaName).Err(); err != nil {
		t.Fatal(err)
	}
	tr.Client.Expire(ctx, callKey, time.Hour)
	// A second mail, with a file, merged into the first: its messages and
	// their files moved there.
	second := mustCreate(t, s, ticket.NewTicket{Channel: ticket.ChannelEmail, Queue: "support", Subject: "Flamingo again",
		Customer: ticket.Customer{Name: zeldaName, Email: zeldaEmail},
		Message: ticket.NewMessage{SourceKey: "mail:support:<k7f4@mx.quorr.example>:1c2d", From: zeldaEmail, Text: "the xylophone, again",
			MessageID: "<k7f4@mx.quorr.example>", Attachments: []ticket.NewAttachment{{Filename: "photo.jpg", ContentType: "image/jpeg",
				Data: []byte("JPEG of Zelda's xylophone")}}}})
	if _, err := s.Merge(ctx, second.TicketID, id, "ann"); err != nil {
		t.Fatal(err)
	}
	ids := []string{id, sms.TicketID, call.TicketID, second.TicketID}
	// The scan finds the customer before erasure: it can fail.
	found, err := testredis.Traces(ctx, tr.Client, s.prefix+"*", zeldaNeedles...)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range zeldaNeedles {
		if !slices.ContainsFunc(found, func(f string) bool { return strings.HasSuffix(f, ": "+n) }) {
			t.Fatalf("before erasure the scan does not find %q: %v", n, found)
		}
	}
	return ids, cust.ID
}

func assertNoTraces(t *testing.T, tr *testredis.Redis, prefix string, needles ...string) {
	t.Helper()
	found, err := testredis.Traces(context.Background(), tr.Client, prefix+"*", needles...)
	if err != nil {
		t.Fatal(err)
	}
	if len(found) > 0 {
		t.Fatalf("traces left in Redis:\n%s", strings.Join(found, "\n"))
	}
}

func TestForgetLeavesNoTrace(t *testing.T) {
	s, tr, clk := newTestStore(t)
	ctx := context.Background()
	ids, cid := zeldaTickets(t, s, tr, clk)
	// Another customer's ticket is left alone.
	other := mustCreate(t, s, mail("mail:other", "bea@example.net", "Printer jam"))
	seq, _ := tr.Client.Get(ctx, s.key("seq", "ticket")).Result()

	got, err := s.CustomerTicketIDs(ctx, cid)
	if err != nil || !slices.Equal(got, ids) {
		t.Fatalf("customer tickets %v, %v; want %v", got, err, ids)
	}
	if _, _, err := s.ForgetCustomer(ctx, cid); !errors.Is(err, fault.ErrConflict) {
		t.Fatalf("forgetting a customer whose tickets are there: %v, want a conflict", err)
	}
	for _, id := range ids {
		ok, err := s.EraseTicket(ctx, id, ticket.Erasure{Mode: ticket.EraseRedact, By: "dpo", Detail: "erased at the customer's request"})
		if err != nil || !ok {
			t.Fatalf("erase %s: %v %v", id, ok, err)
		}
		// Again: nothing more happens (a rerun after a crash).
		if ok, err := s.EraseTicket(ctx, id, ticket.Erasure{Mode: ticket.EraseRedact, By: "dpo"}); err != nil || ok {
			t.Fatalf("erase %s again: %v %v", id, ok, err)
		}
	}
	emails, phones, err := s.ForgetCustomer(ctx, cid)
	if err != nil || !slices.Equal(emails, []string{zeldaEmail}) || !slices.Equal(phones, []string{zeldaPhone}) {
		t.Fatalf("forget customer: %v %v %v", emails, phones, err)
	}
	assertNoTraces(t, tr, s.prefix, zeldaNeedles...)

	for _, id := range ids {
		tk, err := s.Get(ctx, id)
		if err != nil {
			t.Fatalf("the erased ticket's shell %s: %v", id, err)
		}
		last := tk.Events[len(tk.Events)-1]
		if tk.Status != ticket.StatusClosed || len(tk.Messages) != 0 || tk.Subject != "" || tk.Customer.ID != "" ||
			last.Type != "erased" || last.By != "dpo" {
			t.Fatalf("shell %s: %+v", id, tk)
		}
		for _, k := range []string{"queue:support", "queue:support:active", "queue:support:sla", "wakes", "callbacks",
			"leases", "mentions:bob", "outbox", "snoozed:ann"} {
			if n, _ := tr.Client.ZScore(ctx, s.key(k), id).Result(); n != 0 {
				t.Errorf("%s still names %s", k, id)
			}
		}
	}
	if n, _ := tr.Client.ZCard(ctx, s.key("outbox")).Result(); n != 0 {
		t.Errorf("outbox keeps %d entries of erased tickets", n)
	}
	if n, _ := tr.Client.ZCard(ctx, s.key("mentions", "bob")).Result(); n != 0 {
		t.Errorf("bob's mentions keep %d", n)
	}
	if _, err := s.FindByMessageID(ctx, "<k7f3@mx.quorr.example>", "<fd.reply1@example.com>"); !errors.Is(err, fault.ErrNotFound) {
		t.Errorf("mail answering an erased message still threads: %v", err)
	}
	// The same input again is known (the mailbox still holds it): not filed anew.
	if r, err := s.FindSource(ctx, "mail:support:<k7f3@mx.quorr.example>:9a8b"); err != nil || r.TicketID != ids[0] {
		t.Errorf("source of an erased ticket: %+v %v", r, err)
	}
	assertWhole(t, s, other.TicketID)
	if after, _ := tr.Client.Get(ctx, s.key("seq", "ticket")).Result(); after != seq {
		t.Errorf("ticket counter %s, was %s", after, seq)
	}
	// A text from the same number makes a new ticket with a new number.
	r := mustCreate(t, s, ticket.NewTicket{Channel: ticket.ChannelSMS, Queue: "support", Customer: ticket.Customer{Phone: zeldaPhone},
		ThreadKey: "sms:" + zeldaPhone + ":" + deskNumber, ThreadTTL: time.Hour,
		Message: ticket.NewMessage{SourceKey: "twilio:sms:SM2", Channel: ticket.ChannelSMS, From: zeldaPhone, To: []string{deskNumber}, Text: "hello"}})
	if !r.Created || slices.Contains(ids, r.TicketID) || r.TicketID <= other.TicketID {
		t.Fatalf("a new text after erasure: %+v", r)
	}
	if c, err := s.FindCustomer(ctx, zeldaPhone); err != nil || c.ID == cid {
		t.Fatalf("the number's customer after erasure: %+v %v", c, err)
	}
}

func TestRetentionPurgesOldClosedTickets(t *testing.T) {
	s, tr, clk := newTestStore(t)
	ctx := context.Background()
	ids, _ := zeldaTickets(t, s, tr, clk)
	for _, id := range ids[:3] { // the fourth was merged, and so closed
		if err := s.SetStatus(ctx, id, ticket.StatusClosed, "ann"); err != nil {
			t.Fatal(err)
		}
	}
	oldOpen := mustCreate(t, s, mail("mail:old-open", "bea@example.net", "Still open"))
	clk.Advance(800 * 24 * time.Hour)
	recent := mustCreate(t, s, mail("mail:recent", "cyd@example.net", "Recent"))
	if err := s.SetStatus(ctx, recent.TicketID, ticket.StatusClosed, "ann"); err != nil {
		t.Fatal(err)
	}
	users, err := s.MentionUsers(ctx)
	if err != nil || !slices.Contains(users, "bob") {
		t.Fatalf("mention users %v %v", users, err)
	}
	before := clk.Now().Add(-730 * 24 * time.Hour)
	total := 0
	for i := 0; ; i++ {
		n, done, err := s.EraseClosedBefore(ctx, before, 2, users)
		if err != nil {
			t.Fatal(err)
		}
		total += n
		if done {
			break
		}
		if i > 10 {
			t.Fatal("the sweep does not end")
		}
	}
	if total != len(ids) {
		t.Fatalf("erased %d, want %d", total, len(ids))
	}
	for {
		_, done, err := s.SweepErasedEntries(ctx, 10)
		if err != nil {
			t.Fatal(err)
		}
		if done {
			break
		}
	}
	// The customer record is a contact of its own, kept; so are the
	// identities in it. Everything of the tickets is gone.
	assertNoTraces(t, tr, s.prefix, "Flamingo", "xylophone", "cracked", "vendor-secret-words", "k7f3", "RE1", "SM1", "CA77")
	keys, _ := testredis.Keys(ctx, tr.Client, s.prefix+"*")
	for _, k := range keys {
		for _, id := range ids {
			if strings.HasSuffix(k, ":"+id) || strings.Contains(k, ":"+id+":") {
				t.Errorf("key %s of erased ticket %s left", k, id)
			}
		}
	}
	for _, k := range []string{"tickets", "wakes", "callbacks", "outbox", "mentions:bob"} {
		members, _ := tr.Client.ZRange(ctx, s.key(k), 0, -1).Result()
		for _, m := range members {
			if slices.Contains(ids, strings.Fields(m)[0]) {
				t.Errorf("%s still holds %s", k, m)
			}
		}
	}
	assertWhole(t, s, oldOpen.TicketID)
	assertWhole(t, s, recent.TicketID)
	if _, err := s.Get(ctx, ids[0]); !errors.Is(err, fault.ErrNotFound) {
		t.Fatalf("purged ticket: %v", err)
	}
	// Its input again, or a reply to it, is a new ticket with a new number.
	r := mustCreate(t, s, mail("mail:support:<k7f3@mx.quorr.example>:9a8b", zeldaEmail, zeldaSubject))
	if !r.Created || slices.Contains(ids, r.TicketID) || r.TicketID <= recent.TicketID {
		t.Fatalf("input of a purged ticket again: %+v", r)
	}
	// A second sweep finds nothing more, and keeps the open one.
	if n, _, err := s.EraseClosedBefore(ctx, before, 100, users); err != nil || n != 0 {
		t.Fatalf("second sweep: %d %v", n, err)
	}
}

// BenchmarkRetentionSweep measures the retention sweep's steps over closed
// mail tickets with an attachment each: ns/op is per ticket erased.
func BenchmarkRetentionSweep(b *testing.B) {
	s, _, clk := newTestStore(b)
	ctx := context.Background()
	for i := range b.N {
		nt := mail("bench:"+strconv.Itoa(i), "ann@example.org", "Bench")
		nt.Message.Attachments = []ticket.NewAttachment{{Filename: "a.txt", Data: []byte("file " + strconv.Itoa(i))}}
		r := mustCreate(b, s, nt)
		if err := s.SetStatus(ctx, r.TicketID, ticket.StatusClosed, "ann"); err != nil {
			b.Fatal(err)
		}
	}
	clk.Advance(48 * time.Hour)
	users, _ := s.MentionUsers(ctx)
	before := serverMicros(b, s)
	b.ResetTimer()
	erased := 0
	for {
		n, done, err := s.EraseClosedBefore(ctx, clk.Now().Add(-24*time.Hour), 100, users)
		if err != nil {
			b.Fatal(err)
		}
		erased += n
		if done {
			break
		}
	}
	b.StopTimer()
	if erased != b.N {
		b.Fatalf("erased %d of %d", erased, b.N)
	}
	// Redis's own time (all clients': run it on a Redis of its own).
	b.ReportMetric(float64(serverMicros(b, s)-before)/float64(b.N), "redis-µs/ticket")
}

// serverMicros is the time Redis spent on commands so far (INFO
// commandstats), in µs.
func serverMicros(b *testing.B, s *Store) int64 {
	info, err := s.rdb.Info(context.Background(), "commandstats").Result()
	if err != nil {
		b.Fatal(err)
	}
	var total int64
	for _, line := range strings.Split(info, "\n") {
		if i := strings.Index(line, "usec="); i >= 0 {
			f := strings.SplitN(line[i+5:], ",", 2)[0]
			n, _ := strconv.ParseInt(f, 10, 64)
			total += n
		}
	}
	return total
}
