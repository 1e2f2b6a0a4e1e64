package email

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"frontdesk/config"
	"frontdesk/desk"
	"frontdesk/fault"
	"frontdesk/intake/imappoll"
	"frontdesk/intake/mailparse"
	"frontdesk/ticket"
	"frontdesk/ticket/redisstore"
)

const testConfig = `
redis: {url: "redis://127.0.0.1:6379/0"}
mailboxes:
  - {name: support, host: imap.example.com, username: u, password: p, address: support@example.com, queue: support}
fax: {email_senders: ["*@fax.example.net"]}
queues:
  - {name: support, address: support@example.com, first_response: 4h}
`

func newImporter(t *testing.T) (*Importer, *redisstore.Store) {
	t.Helper()
	cfg, err := config.Parse([]byte(testConfig), func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	mr := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	t.Cleanup(func() { rdb.Close() })
	store := redisstore.New(rdb, nil)
	now := func() time.Time { return time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC) }
	return NewImporter(desk.New(store, cfg, &desk.Options{Now: now}), nil), store
}

// onStore makes im file into store instead, with the same configuration.
func onStore(im *Importer, store ticket.Store) {
	*im = *NewImporter(desk.New(store, im.cfg, nil), nil)
}

var uid uint32

func deliver(t *testing.T, im *Importer, raw string) {
	t.Helper()
	uid++
	m := imappoll.Mail{Mailbox: "support", UIDValidity: 1, UID: uid, Size: int64(len(raw)), Raw: []byte(raw), Attempt: 1, Received: time.Now()}
	if err := im.Handle(context.Background(), m); err != nil {
		t.Fatalf("handle: %v", err)
	}
}

func msg(headers, body string) string {
	return strings.ReplaceAll(strings.TrimSpace(headers), "\n", "\r\n") + "\r\n\r\n" + body + "\r\n"
}

func allTickets(t *testing.T, s *redisstore.Store) []*ticket.Ticket {
	t.Helper()
	p, err := s.List(context.Background(), ticket.ListFilter{Limit: 200})
	if err != nil {
		t.Fatal(err)
	}
	var out []*ticket.Ticket
	for i := len(p.Tickets) - 1; i >= 0; i-- {
		tk, err := s.Get(context.Background(), p.Tickets[i].ID)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, tk)
	}
	return out
}

func TestNewMailBecomesTicketOnce(t *testing.T) {
	im, s := newImporter(t)
	raw := msg(`
From: Ann Lee <Ann@Example.org>
To: support@example.com
Subject: Order 553 arrived broken
Message-ID: <553@example.org>
Date: Fri, 27 Nov 2026 09:00:00 +0000
Content-Type: text/plain; charset=utf-8`, "The lamp is broken.")
	deliver(t, im, raw)
	deliver(t, im, raw) // the same mail again, under another UID (a rescan)
	ts := allTickets(t, s)
	if len(ts) != 1 {
		t.Fatalf("%d tickets, want 1", len(ts))
	}
	tk := ts[0]
	if tk.Subject != "Order 553 arrived broken" || tk.Queue != "support" || tk.Customer.Email != "ann@example.org" ||
		tk.Customer.Name != "Ann Lee" || tk.Channel != ticket.ChannelEmail || tk.FirstResponseDue == nil ||
		!tk.FirstResponseDue.Equal(time.Date(2026, 11, 27, 13, 0, 0, 0, time.UTC)) {
		t.Fatalf("ticket = %+v", tk)
	}
	m := tk.Messages[0]
	if !strings.Contains(m.Text, "The lamp is broken.") || m.From != "Ann Lee <Ann@Example.org>" || m.RawID == "" || m.MessageID != "<553@example.org>" {
		t.Fatalf("message = %+v", m)
	}
}

func TestReusedMessageIDWithOtherBodyIsAnotherTicket(t *testing.T) {
	im, s := newImporter(t)
	deliver(t, im, msg("From: a@example.org\nSubject: one\nMessage-ID: <same@x>", "first body"))
	deliver(t, im, msg("From: a@example.org\nSubject: two\nMessage-ID: <same@x>", "second body"))
	if n := len(allTickets(t, s)); n != 2 {
		t.Fatalf("%d tickets, want 2", n)
	}
}

func TestReplyThreadsAndReopens(t *testing.T) {
	im, s := newImporter(t)
	ctx := context.Background()
	deliver(t, im, msg("From: ann@example.org\nSubject: Help\nMessage-ID: <q1@example.org>", "Question"))
	id := allTickets(t, s)[0].ID
	if err := s.SetStatus(ctx, id, ticket.StatusClosed, "bob"); err != nil {
		t.Fatal(err)
	}
	deliver(t, im, msg("From: ann@example.org\nSubject: Re: Help\nMessage-ID: <q2@example.org>\nIn-Reply-To: <q1@example.org>", "More"))
	ts := allTickets(t, s)
	if len(ts) != 1 || len(ts[0].Messages) != 2 || ts[0].Status != ticket.StatusNew {
		t.Fatalf("after reply: %d tickets, %+v", len(ts), ts[0])
	}
}

func TestReplyToSignedMessageIDThreadsWithoutIndex(t *testing.T) {
	im, s := newImporter(t)
	ctx := context.Background()
	deliver(t, im, msg("From: ann@example.org\nSubject: Help\nMessage-ID: <q1@example.org>", "Question"))
	id := allTickets(t, s)[0].ID
	key, err := s.Secret(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ours := ticket.MessageIDSigner{Key: key}.New(id, "desk.example.com")
	forged := ticket.MessageIDSigner{Key: []byte("wrong")}.New(id, "desk.example.com")
	// The customer's client kept only our outbound id, which the index never saw.
	deliver(t, im, msg("From: ann@example.org\nSubject: Thanks\nMessage-ID: <q3@example.org>\nReferences: "+ours, "Thanks"))
	deliver(t, im, msg("From: eve@example.org\nSubject: Hi\nMessage-ID: <e1@example.org>\nIn-Reply-To: "+forged, "Forged"))
	ts := allTickets(t, s)
	if len(ts) != 2 || len(ts[0].Messages) != 2 || len(ts[1].Messages) != 1 {
		t.Fatalf("want the signed reply on ticket %s and the forged one on its own: %d tickets", id, len(ts))
	}
}

func TestSubjectTagOnlyForPeopleOnTheTicket(t *testing.T) {
	im, s := newImporter(t)
	deliver(t, im, msg("From: ann@example.org\nCc: colleague@example.org\nSubject: Help\nMessage-ID: <q1@example.org>", "Question"))
	id := allTickets(t, s)[0].ID
	deliver(t, im, msg(fmt.Sprintf("From: Ann <ann@example.org>\nSubject: Re: Help [#%s]\nMessage-ID: <q2@example.org>", id), "From the customer"))
	deliver(t, im, msg(fmt.Sprintf("From: colleague@example.org\nSubject: Re: Help [#%s]\nMessage-ID: <q3@example.org>", id), "From someone on the ticket"))
	deliver(t, im, msg(fmt.Sprintf("From: eve@example.org\nSubject: Re: Help [#%s]\nMessage-ID: <q4@example.org>", id), "From a stranger"))
	ts := allTickets(t, s)
	if len(ts) != 2 || len(ts[0].Messages) != 3 || ts[1].Customer.Email != "eve@example.org" {
		t.Fatalf("tickets: %d; first has %d messages", len(ts), len(ts[0].Messages))
	}
}

// Any of the customer's addresses counts as the customer for a subject tag:
// one linked by hand, from which nothing was written on the ticket yet.
func TestSubjectTagFromAnotherOfTheCustomersAddresses(t *testing.T) {
	im, s := newImporter(t)
	deliver(t, im, msg("From: ann@example.org\nSubject: Help\nMessage-ID: <w1@example.org>", "Question"))
	tk := allTickets(t, s)[0]
	if _, err := s.LinkCustomer(context.Background(), tk.Customer.ID, ticket.Identity{Kind: ticket.IdentityEmail, Value: "ann@home.example"}, "bob"); err != nil {
		t.Fatal(err)
	}
	deliver(t, im, msg(fmt.Sprintf("From: Ann <ann@home.example>\nSubject: Re: Help [#%s]\nMessage-ID: <w2@example.org>", tk.ID), "From home"))
	ts := allTickets(t, s)
	if len(ts) != 1 || len(ts[0].Messages) != 2 || ts[0].Customer.Email != "ann@home.example" {
		t.Fatalf("tickets: %d; the first has %d messages and replies to %s", len(ts), len(ts[0].Messages), ts[0].Customer.Email)
	}
}

func TestBounceMarksOutboundMessageFailed(t *testing.T) {
	im, s := newImporter(t)
	ctx := context.Background()
	deliver(t, im, msg("From: ann@example.org\nSubject: Help\nMessage-ID: <q1@example.org>", "Question"))
	id := allTickets(t, s)[0].ID
	r, err := s.AppendMessage(ctx, id, ticket.NewMessage{SourceKey: "out-1", Direction: ticket.DirectionOut,
		Text: "Answer", MessageID: "<fd.out1@desk.example.com>", Delivery: ticket.DeliverySent})
	if err != nil {
		t.Fatal(err)
	}
	bounce := msg(`
From: Mail Delivery System <MAILER-DAEMON@mx.example.org>
To: support@example.com
Subject: Undelivered Mail Returned to Sender
Message-ID: <bounce1@mx.example.org>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="B"`, `--B
Content-Type: text/plain

I'm sorry, your mail could not be delivered.

--B
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.org

Final-Recipient: rfc822; ann@example.org
Action: failed
Status: 5.1.1
Diagnostic-Code: smtp; 550 5.1.1 <ann@example.org>: Recipient address rejected

--B
Content-Type: text/rfc822-headers

From: support@example.com
To: ann@example.org
Subject: Re: Help [#`+id+`]
Message-ID: <fd.out1@desk.example.com>

--B--`)
	deliver(t, im, bounce)
	deliver(t, im, bounce)
	ts := allTickets(t, s)
	if len(ts) != 1 {
		t.Fatalf("%d tickets, want the bounce on the first", len(ts))
	}
	msgs := ts[0].Messages
	if len(msgs) != 3 || msgs[2].Kind != ticket.KindBounce {
		t.Fatalf("messages = %+v", msgs)
	}
	out := msgs[1]
	if out.ID != r.MessageID || out.Delivery != ticket.DeliveryFailed || !strings.Contains(out.DeliveryDetail, "5.1.1") {
		t.Fatalf("outbound message after bounce = %+v", out)
	}
}

func TestAutoReplyAndFax(t *testing.T) {
	im, s := newImporter(t)
	deliver(t, im, msg("From: ann@example.org\nSubject: Out of office\nAuto-Submitted: auto-replied\nMessage-ID: <ooo@example.org>", "I am away."))
	deliver(t, im, msg(`
From: Fax Gateway <fax@fax.example.net>
Subject: Fax from +15555550111
Message-ID: <fax1@fax.example.net>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="F"`, `--F
Content-Type: text/plain

2 pages.
--F
Content-Type: application/pdf
Content-Disposition: attachment; filename="fax.pdf"
Content-Transfer-Encoding: base64

JVBERi0xLjQK
--F--`))
	ts := allTickets(t, s)
	if len(ts) != 2 {
		t.Fatalf("%d tickets", len(ts))
	}
	ooo, fax := ts[0], ts[1]
	if ooo.Messages[0].Kind != ticket.KindAutoReply || ooo.Priority != ticket.PriorityLow || ooo.FirstResponseDue != nil {
		t.Fatalf("auto reply ticket = %+v", ooo)
	}
	if fax.Channel != ticket.ChannelFax || fax.Messages[0].Kind != ticket.KindFax || len(fax.Messages[0].Attachments) != 1 ||
		fax.Messages[0].Attachments[0].ContentType != "application/pdf" {
		t.Fatalf("fax ticket = %+v", fax)
	}
	// The fax's customer is its sender's number, which the gateway wrote in
	// the subject; never the gateway's address, which every fax shares.
	if fax.Customer.Phone != "+15555550111" || fax.Customer.Email != "" {
		t.Fatalf("fax customer = %+v, want the sender's number", fax.Customer)
	}
}

func TestFaxSenderNumber(t *testing.T) {
	for _, c := range []struct{ name, subject, want string }{
		{"", "Fax from +31 20 123 4567", "+31201234567"},
		{"+1 (555) 555-0111", "New fax", "+15555550111"},
		{"Fax Gateway", "Fax from 0031-20-1234567 (2 pages)", "+31201234567"},
		{"Fax Gateway", "Fax from 020 123 4567", ""}, // a local number: its country is not guessed
		{"", "Your order 12345678", ""},
	} {
		p := &mailparse.Mail{From: mailparse.Address{Name: c.name}, Subject: c.subject}
		if got := faxSenderNumber(p); got != c.want {
			t.Errorf("faxSenderNumber(%q, %q) = %q, want %q", c.name, c.subject, got, c.want)
		}
	}
}

func TestOversizedMailKeepsHeaderAndNote(t *testing.T) {
	im, s := newImporter(t)
	header := strings.ReplaceAll("From: ann@example.org\nSubject: Huge scan\nMessage-ID: <huge@example.org>\n\n", "\n", "\r\n")
	m := imappoll.Mail{Mailbox: "support", UIDValidity: 1, UID: 99, Size: 40 << 20, Header: []byte(header), Oversized: true, Attempt: 1}
	if err := im.Handle(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	ts := allTickets(t, s)
	if len(ts) != 1 || ts[0].Subject != "Huge scan" || len(ts[0].Messages[0].Warnings) == 0 {
		t.Fatalf("oversized = %+v", ts)
	}
}

// failingStore refuses to create one ticket, as a bug or bad data would.
type failingStore struct {
	ticket.Store
	failSubject string
}

func (f failingStore) Create(ctx context.Context, nt ticket.NewTicket) (ticket.Receipt, error) {
	if nt.Subject == f.failSubject && !strings.Contains(nt.Message.SourceKey, ":raw:") {
		return ticket.Receipt{}, fmt.Errorf("bad data: %w", fault.ErrInvalid)
	}
	return f.Store.Create(ctx, nt)
}

// scriptErrorStore fails to create one ticket the way a script that chokes
// on its input does: an error reply from a Redis that is up.
type scriptErrorStore struct {
	ticket.Store
	rdb         *redis.Client
	failSubject string
}

func (f scriptErrorStore) Create(ctx context.Context, nt ticket.NewTicket) (ticket.Receipt, error) {
	if nt.Subject == f.failSubject && !strings.Contains(nt.Message.SourceKey, ":raw:") {
		err := f.rdb.Eval(ctx, "return redis.error_reply('ERR user_script:1: bad argument to cjson')", nil).Err()
		return ticket.Receipt{}, fault.Redis("create ticket", err)
	}
	return f.Store.Create(ctx, nt)
}

// A mail that a script chokes on is counted against itself and stored as-is
// at the third failure, not retried for ever as if Redis were down.
func TestScriptErrorCountsAgainstTheMail(t *testing.T) {
	im, s := newImporter(t)
	mr := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	defer rdb.Close()
	onStore(im, scriptErrorStore{Store: s, rdb: rdb, failSubject: "Choke"})
	m := imappoll.Mail{Mailbox: "support", UIDValidity: 1, UID: 9,
		Raw: []byte(msg("From: ann@example.org\nSubject: Choke\nMessage-ID: <c@example.org>", "x"))}
	for m.Attempt = 1; m.Attempt < maxAttempts; m.Attempt++ {
		err := im.Handle(context.Background(), m)
		if err == nil || fault.IsUnavailable(err) {
			t.Fatalf("attempt %d: %v, want a failure of the mail's own", m.Attempt, err)
		}
	}
	if err := im.Handle(context.Background(), m); err != nil {
		t.Fatalf("attempt %d: %v, want stored as-is", m.Attempt, err)
	}
	if ts := allTickets(t, s); len(ts) != 1 || ts[0].Messages[0].RawID == "" {
		t.Fatalf("tickets = %+v", ts)
	}
}

func TestRepeatedFailureStoresMailAsIs(t *testing.T) {
	im, s := newImporter(t)
	onStore(im, failingStore{Store: s, failSubject: "Poison"})
	raw := []byte(msg("From: ann@example.org\nSubject: Poison\nMessage-ID: <p@example.org>", "x"))
	m := imappoll.Mail{Mailbox: "support", UIDValidity: 1, UID: 7, Raw: raw, Attempt: 1}
	for attempt := 1; attempt < maxAttempts; attempt++ {
		m.Attempt = attempt
		if err := im.Handle(context.Background(), m); !errors.Is(err, fault.ErrInvalid) {
			t.Fatalf("attempt %d: %v, want the failure", attempt, err)
		}
	}
	m.Attempt = maxAttempts
	if err := im.Handle(context.Background(), m); err != nil {
		t.Fatalf("attempt %d: %v, want stored as-is", maxAttempts, err)
	}
	ts := allTickets(t, s)
	if len(ts) != 1 || ts[0].Messages[0].RawID == "" || !strings.Contains(strings.Join(ts[0].Messages[0].Warnings, " "), "bad data") {
		t.Fatalf("raw ticket = %+v", ts)
	}
}

func TestRedisDownIsRetriedNotCounted(t *testing.T) {
	im, s := newImporter(t)
	_ = s
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1})
	defer rdb.Close()
	onStore(im, redisstore.New(rdb, nil))
	m := imappoll.Mail{Mailbox: "support", UIDValidity: 1, UID: 8, Attempt: maxAttempts,
		Raw: []byte(msg("From: ann@example.org\nSubject: Hi\nMessage-ID: <h@example.org>", "x"))}
	if err := im.Handle(context.Background(), m); !fault.IsUnavailable(err) {
		t.Fatalf("with Redis down: %v, want unavailable (not stored as-is)", err)
	}
}

// A mail forged as from one of frontdesk's own addresses, naming a ticket in
// its subject, does not join (or reopen) that ticket: it makes one of its own.
func TestOwnAddressNeverJoinsATicket(t *testing.T) {
	im, s := newImporter(t)
	ctx := context.Background()
	deliver(t, im, msg("From: ann@example.org\nTo: support@example.com\nSubject: Help\nMessage-ID: <q1@example.org>", "Question"))
	id := allTickets(t, s)[0].ID
	if err := s.SetStatus(ctx, id, ticket.StatusClosed, "bob"); err != nil {
		t.Fatal(err)
	}
	deliver(t, im, msg(fmt.Sprintf("From: Support <support@example.com>\nSubject: Re: Help [#%s]\nMessage-ID: <forged@example.org>", id), "Click here"))
	ts := allTickets(t, s)
	if len(ts) != 2 || len(ts[0].Messages) != 1 || ts[0].Status != ticket.StatusClosed {
		t.Fatalf("a mail from our own address joined ticket %s: %d tickets, %d messages, status %s", id, len(ts), len(ts[0].Messages), ts[0].Status)
	}
}

// A reply to a signed Message-ID of ours threads only when its sender is on
// that ticket: a number handed out again after a restore must not pull a
// stranger's answer onto someone else's ticket.
func TestSignedMessageIDNeedsTheSenderOnTheTicket(t *testing.T) {
	im, s := newImporter(t)
	ctx := context.Background()
	deliver(t, im, msg("From: ann@example.org\nSubject: Help\nMessage-ID: <q1@example.org>", "Question"))
	id := allTickets(t, s)[0].ID
	key, err := s.Secret(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ours := ticket.MessageIDSigner{Key: key}.New(id, "desk.example.com")
	deliver(t, im, msg("From: stranger@example.net\nSubject: Re: your order\nMessage-ID: <s1@example.net>\nIn-Reply-To: "+ours, "Mine"))
	if ts := allTickets(t, s); len(ts) != 2 || len(ts[0].Messages) != 1 {
		t.Fatalf("a stranger's reply to a signed id joined ticket %s: %d tickets", id, len(ts))
	}
}

func TestMailForAMergedTicketLandsOnTheOneLeft(t *testing.T) {
	im, s := newImporter(t)
	ctx := context.Background()
	deliver(t, im, msg("From: ann@example.org\nCc: colleague@example.org\nSubject: Lamp\nMessage-ID: <q1@example.org>", "Broken lamp"))
	deliver(t, im, msg("From: ann@example.org\nSubject: Order 553\nMessage-ID: <q2@example.org>", "Where is it?"))
	ts := allTickets(t, s)
	merged, left := ts[1].ID, ts[0].ID
	if _, err := s.Merge(ctx, merged, left, "bob"); err != nil {
		t.Fatal(err)
	}
	// The colleague was only on the merged ticket's first mail; the tag names
	// the merged ticket, and the reply threads by a moved mail's Message-ID.
	deliver(t, im, msg(fmt.Sprintf("From: colleague@example.org\nSubject: Re: Lamp [#%s]\nMessage-ID: <q3@example.org>", merged), "A colleague answers"))
	deliver(t, im, msg("From: ann@example.org\nSubject: Re: Lamp\nMessage-ID: <q4@example.org>\nIn-Reply-To: <q1@example.org>", "Ann answers"))
	ts = allTickets(t, s)
	if len(ts) != 2 {
		t.Fatalf("%d tickets, want the two merged ones and nothing new", len(ts))
	}
	tk, _ := s.Get(ctx, left)
	if len(tk.Messages) != 4 {
		t.Fatalf("the ticket left has %d messages, want 4", len(tk.Messages))
	}
}
