package desk

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"frontdesk/fault"
	"frontdesk/ticket"
)

// A reply by mail carries its copies and files: Cc and Bcc written as
// addresses, each once and never the customer again; files cleaned and
// typed; Bcc recorded on the message for the desk.
func TestReplyWithCopiesAndFiles(t *testing.T) {
	d := newTestDesk(t, "")
	ctx := context.Background()
	r := d.receive(t, newMail("c-1", "ann@example.org", "Lamp"))
	m, err := d.Reply(ctx, r.TicketID, Answer{Text: "See the label.", By: "bob",
		Cc:  []string{"Carl Berg <carl@example.org>", "ANN@example.org", "carl@example.org"},
		Bcc: []string{"  boss@example.org ", "carl@example.org"},
		Attachments: []ticket.NewAttachment{
			{Filename: `C:\Users\bob\label.pdf`, Data: []byte("%PDF-1.4 label")},
			{Filename: "notes\u202etxt.md", ContentType: "text/plain; charset=utf-8", Data: []byte("thanks")},
		}})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(m.Cc, []string{"Carl Berg <carl@example.org>"}) || !slices.Equal(m.Bcc, []string{"boss@example.org"}) {
		t.Errorf("cc %q, bcc %q; want carl once and the boss", m.Cc, m.Bcc)
	}
	if len(m.Attachments) != 2 {
		t.Fatalf("attachments %+v", m.Attachments)
	}
	if a := m.Attachments[0]; a.Filename != "label.pdf" || a.ContentType != "application/pdf" || a.Size != 14 {
		t.Errorf("first file %+v, want label.pdf, application/pdf from its name", a)
	}
	if a := m.Attachments[1]; a.Filename != "notestxt.md" || a.ContentType != "text/plain; charset=utf-8" {
		t.Errorf("second file %+v, want its name without the right-to-left override", a)
	}
	_, data, err := d.store.Attachment(ctx, r.TicketID, m.Attachments[0].ID)
	if err != nil || !bytes.Equal(data, []byte("%PDF-1.4 label")) {
		t.Errorf("the stored file: %q, %v", data, err)
	}
}

// Bad copies and files are refused with the field named, and nothing is
// stored.
func TestReplyRefusesBadCopiesAndFiles(t *testing.T) {
	d := newTestDesk(t, "tickets: {attachment_max_size: 1000}\n")
	ctx := context.Background()
	r := d.receive(t, newMail("c-2", "ann@example.org", "Lamp"))
	big := bytes.Repeat([]byte("x"), 600)
	file := func(name, ctype string, data []byte) []ticket.NewAttachment {
		return []ticket.NewAttachment{{Filename: name, ContentType: ctype, Data: data}}
	}
	for _, tc := range []struct {
		a    Answer
		kind error
		want string
	}{
		{Answer{Cc: []string{"carl@example.org\r\nBcc: eve@example.org"}}, fault.ErrInvalid, "cc[0] holds a line break"},
		{Answer{Cc: []string{"not an address"}}, fault.ErrInvalid, `cc[0]: "not an address" is not an email address`},
		{Answer{Bcc: []string{"ok@example.org", "ann@example"}}, fault.ErrInvalid, "bcc[1]"},
		{Answer{Cc: []string{""}}, fault.ErrInvalid, "cc[0] is empty"},
		{Answer{Cc: []string{"Support <support@example.com>"}}, fault.ErrInvalid, "frontdesk's own address"},
		{Answer{Attachments: file("setup.exe", "", []byte("MZ"))}, fault.ErrInvalid, "attachments[0] (setup.exe): .exe files are programs"},
		{Answer{Attachments: file("a.bin", "application/x-msdownload", []byte("x"))}, fault.ErrInvalid, "application/x-msdownload"},
		{Answer{Attachments: file("photo.jpg", "image/jpeg", append([]byte("MZ"), big[:100]...))}, fault.ErrInvalid, "Windows program"},
		{Answer{Attachments: file("a.txt", "text plain", []byte("x"))}, fault.ErrInvalid, `content type "text plain"`},
		{Answer{Attachments: file("a.txt", "multipart/mixed", []byte("x"))}, fault.ErrInvalid, "not a file's media type"},
		{Answer{Attachments: file("a.txt", "", nil)}, fault.ErrInvalid, "attachments[0] (a.txt) is empty"},
		{Answer{Attachments: file("big.txt", "", bytes.Repeat([]byte("x"), 1001))}, fault.ErrTooLarge, "attachments[0] (big.txt) is 1001 bytes; a file may be at most 1000 bytes"},
		{Answer{Attachments: append(file("a.txt", "", big), file("b.txt", "", big)...)}, fault.ErrTooLarge, "come to 1.2 KB, more than the 1 KB a reply may carry"},
		{Answer{Attachments: make([]ticket.NewAttachment, 21)}, fault.ErrTooLarge, "at most 20 attachments"},
		{Answer{Cc: make([]string, 21)}, fault.ErrInvalid, "cc: at most 20"},
	} {
		tc.a.Text, tc.a.By = "x", "bob"
		_, err := d.Reply(ctx, r.TicketID, tc.a)
		if !errors.Is(err, tc.kind) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("reply: %v, want %v saying %q", err, tc.kind, tc.want)
		}
	}
	tk := d.get(t, r.TicketID)
	for _, m := range outbound(tk) {
		if m.Author != "" {
			t.Errorf("a refused reply was stored: %+v", m)
		}
	}
	if tk.Assignee != "" {
		t.Errorf("refused replies took the ticket for %q", tk.Assignee)
	}
}

// A text carries no copies and no files: asking is a clear refusal, on a
// fax ticket saying that faxes cannot be sent.
func TestReplyByTextRefusesCopiesAndFiles(t *testing.T) {
	d := newTestDesk(t, "")
	ctx := context.Background()
	sms := d.receive(t, ticket.NewTicket{Channel: ticket.ChannelSMS, Queue: "support", Subject: "SMS",
		Customer: ticket.Customer{Phone: "+15555550123"},
		Message:  ticket.NewMessage{SourceKey: "sms-1", Kind: ticket.KindSMS, From: "+15555550123", To: []string{"+15555550100"}, Text: "Hi"}})
	fax := d.receive(t, ticket.NewTicket{Channel: ticket.ChannelFax, Queue: "support", Subject: "Fax",
		Customer: ticket.Customer{Phone: "+31201234567"},
		Message:  ticket.NewMessage{SourceKey: "fax-1", Kind: ticket.KindFax, From: "+31201234567", To: []string{"+15555550100"}, Text: "Fax"}})
	pdf := []ticket.NewAttachment{{Filename: "form.pdf", Data: []byte("%PDF")}}
	for _, tc := range []struct {
		id   string
		a    Answer
		want string
	}{
		{sms.TicketID, Answer{Attachments: pdf}, "MMS is not supported"},
		{sms.TicketID, Answer{Cc: []string{"carl@example.org"}}, "has no copies"},
		{fax.TicketID, Answer{Attachments: pdf}, "cannot send faxes (fax.outbound is not set up)"},
	} {
		tc.a.Text, tc.a.By = "x", "bob"
		if _, err := d.Reply(ctx, tc.id, tc.a); !errors.Is(err, fault.ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("reply %+v on %s: %v, want invalid saying %q", tc.a, tc.id, err, tc.want)
		}
	}
}

// Only whoever holds a ticket replies to it, unless they force it; a reply
// to a ticket nobody holds takes it; a ticket that changed hands since the
// writer saw it is refused too; a retried reply is returned, whoever holds
// the ticket by then.
func TestReplyCollision(t *testing.T) {
	d := newTestDesk(t, "")
	ctx := context.Background()
	r := d.receive(t, newMail("h-1", "ann@example.org", "Lamp"))
	id := r.TicketID
	nobody := ""
	if _, err := d.Reply(ctx, id, Answer{Text: "First.", By: "bob", Key: "k1", Seen: &nobody}); err != nil {
		t.Fatal(err)
	}
	tk := d.get(t, id)
	if tk.Assignee != "bob" || tk.Status != ticket.StatusPending {
		t.Fatalf("after bob's reply to a ticket nobody held: assignee %q, status %s; want bob, pending", tk.Assignee, tk.Status)
	}

	_, err := d.Reply(ctx, id, Answer{Text: "Me too.", By: "eve"})
	var held *HeldError
	if !errors.As(err, &held) || !errors.Is(err, fault.ErrConflict) || held.Holder != "bob" || !strings.HasSuffix(err.Error(), "held by bob") {
		t.Fatalf("eve's reply to bob's ticket: %v, want a conflict ending in held by bob", err)
	}
	// eve saw nobody holding it when she began: it changed hands.
	_, err = d.Reply(ctx, id, Answer{Text: "Me too.", By: "eve", Seen: &nobody})
	if !errors.As(err, &held) || !held.Changed || !strings.Contains(err.Error(), "changed hands since you opened it: it is held by bob") {
		t.Fatalf("eve's reply after it changed hands: %v", err)
	}
	m, err := d.Reply(ctx, id, Answer{Text: "Me too.", By: "eve", Force: true})
	if err != nil || m.Author != "eve" {
		t.Fatalf("eve's forced reply: %+v, %v", m, err)
	}
	if tk := d.get(t, id); tk.Assignee != "bob" || len(outbound(tk)) != 3 { // the acknowledgement and two replies
		t.Fatalf("after a forced reply: assignee %q, %d outbound; want bob keeps it", tk.Assignee, len(outbound(tk)))
	}

	// bob's retry of his first reply is that reply, even once eve holds it.
	if err := d.store.Assign(ctx, id, "eve", "eve"); err != nil {
		t.Fatal(err)
	}
	again, err := d.Reply(ctx, id, Answer{Text: "First.", By: "bob", Key: "k1"})
	if err != nil || again.Text != "First." {
		t.Fatalf("bob's retried reply: %+v, %v", again, err)
	}
	// bob released it (nobody holds it) since eve saw it as hers.
	if err := d.Release(ctx, id, "eve"); err != nil {
		t.Fatal(err)
	}
	sawEve := "eve"
	if _, err := d.Reply(ctx, id, Answer{Text: "x", By: "bob", Seen: &sawEve}); !errors.As(err, &held) || !strings.Contains(err.Error(), "nobody holds it now") {
		t.Fatalf("reply after the ticket was released since: %v", err)
	}
	if _, err := d.Reply(ctx, id, Answer{Text: "x", By: "bob", Seen: &nobody}); err != nil {
		t.Fatalf("reply seeing it as it is: %v", err)
	}
}

// Canned replies: managers keep them per queue or for every queue; each is
// a template of three fields and nothing else, refused whole with the entry
// named; a reply naming one is its text filled in, the queue's own winning
// over a global one of the same name.
func TestCannedReplies(t *testing.T) {
	d := newTestDesk(t, "")
	ctx := context.Background()
	bad := []struct {
		list []ticket.CannedReply
		want string
	}{
		{[]ticket.CannedReply{{Name: "", Text: "x"}}, "canned[0]: the name is empty"},
		{[]ticket.CannedReply{{Name: "A", Text: " "}}, `canned[0] "A": the text is empty`},
		{[]ticket.CannedReply{{Name: "A", Queue: "nowhere", Text: "x"}}, `there is no queue "nowhere"`},
		{[]ticket.CannedReply{{Name: "A", Text: "x"}, {Name: "a", Text: "y"}}, `canned[1] "a": canned[0] has the same name for every queue`},
		{[]ticket.CannedReply{{Name: "A", Text: "Hi {{.Customer}}"}}, `canned[0] "A": text: {{.Customer}} is not allowed`},
		{[]ticket.CannedReply{{Name: "A", Text: `{{printf "%s" .TicketID}}`}}, "is not allowed"},
		{[]ticket.CannedReply{{Name: "A", Text: "{{range .TicketID}}x{{end}}"}}, "is not allowed"},
		{[]ticket.CannedReply{{Name: "A", Text: "{{.CustomerName.Foo}}"}}, "is not allowed"},
		{[]ticket.CannedReply{{Name: "A", Text: `{{define "x"}}y{{end}}`}}, "{{define}}"},
		{[]ticket.CannedReply{{Name: "A", Text: "{{$x := .TicketID}}"}}, "is not allowed"},
		{[]ticket.CannedReply{{Name: "A", Text: "{{.TicketID"}}, "not a valid template"},
		{[]ticket.CannedReply{{Name: "A\nB", Text: "x"}}, "one line"},
	}
	for _, tc := range bad {
		if _, err := d.ReplaceCanned(ctx, tc.list, "max", -1); !errors.Is(err, fault.ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("canned %+v: %v, want invalid saying %q", tc.list, err, tc.want)
		}
	}
	if set, _ := d.CannedReplies(ctx); set.Version != 0 {
		t.Fatalf("refused lists were stored: version %d", set.Version)
	}
	good := []ticket.CannedReply{
		{Name: "Thanks", Text: "{{if .CustomerName}}Dear {{.CustomerName}}{{else}}Hello{{end}}, thanks for ticket #{{.TicketID}}. {{.Assistant}}"},
		{Name: "Refund", Queue: "billing", Text: "Refunded."},
		{Name: "thanks", Queue: "support", Text: "Support thanks you, {{.CustomerName}}."},
	}
	if n, err := d.ReplaceCanned(ctx, good, "max", 0); err != nil || n != 1 {
		t.Fatalf("store canned replies: %d, %v", n, err)
	}
	nt := newMail("cn-1", "ann@example.org", "Lamp")
	nt.Customer.Name = "Ann Lee"
	r := d.receive(t, nt)
	tk := d.get(t, r.TicketID)
	offered, err := d.CannedFor(ctx, tk, "bob")
	if err != nil || len(offered) != 1 || offered[0].Text != "Support thanks you, Ann Lee." {
		t.Fatalf("offered on a support ticket: %+v, %v; want the queue's own thanks only", offered, err)
	}
	m, err := d.Reply(ctx, r.TicketID, Answer{Canned: "THANKS", By: "bob"})
	if err != nil || m.Text != "Support thanks you, Ann Lee." {
		t.Fatalf("reply with canned THANKS: %+v, %v", m, err)
	}
	if _, err := d.Reply(ctx, r.TicketID, Answer{Canned: "Refund", By: "bob"}); !errors.Is(err, fault.ErrInvalid) || !strings.Contains(err.Error(), `no canned reply "Refund"`) {
		t.Errorf("a billing reply on a support ticket: %v", err)
	}
	if _, err := d.Reply(ctx, r.TicketID, Answer{Canned: "Thanks", Text: "and more", By: "bob"}); !errors.Is(err, fault.ErrInvalid) || !strings.Contains(err.Error(), "not both") {
		t.Errorf("canned and text: %v", err)
	}
	vip := newMail("cn-2", "carl@example.org", "Hi")
	vip.Queue = "vip"
	rv := d.receive(t, vip)
	offered, err = d.CannedFor(ctx, d.get(t, rv.TicketID), "eve")
	if err != nil || len(offered) != 1 || offered[0].Text != "Hello, thanks for ticket #"+rv.TicketID+". eve" {
		t.Fatalf("offered on a vip ticket: %+v, %v", offered, err)
	}
	if _, err := d.ReplaceCanned(ctx, good, "max", 0); !errors.Is(err, fault.ErrConflict) {
		t.Errorf("a store based on version 0 after version 1: %v, want a conflict", err)
	}
}

// A canned reply's output is bounded, however often it repeats a field.
func TestCannedOutputBounded(t *testing.T) {
	c := ticket.CannedReply{Name: "x", Text: strings.Repeat("{{.CustomerName}}", 1000)}
	_, err := fillCanned(c, &ticket.Ticket{ID: "1", Customer: ticket.Customer{Name: strings.Repeat("n", 200)}}, "bob")
	if err == nil || !strings.Contains(err.Error(), "longer than") {
		t.Fatalf("fill 200 KB: %v, want it refused", err)
	}
}

// A forward goes to a third party by mail with the message's text and
// files, from the ticket's address with a Message-ID of the ticket's and
// "Fwd: … [#ID]"; it changes neither status nor SLA, and leaves out files
// mail servers refuse, saying so.
func TestForward(t *testing.T) {
	d := newTestDesk(t, "")
	ctx := context.Background()
	nt := newMail("f-1", "ann@example.org", "Broken lamp")
	nt.Message.Attachments = []ticket.NewAttachment{
		{Filename: "photo.jpg", ContentType: "image/jpeg", Data: []byte("JPEG")},
		{Filename: "tool.exe", ContentType: "application/octet-stream", Data: []byte("MZ")},
	}
	r := d.receive(t, nt)
	before := d.get(t, r.TicketID)
	m, err := d.Forward(ctx, r.TicketID, Forwarding{To: []string{"Claims <claims@carrier.example>"}, Text: "Please file a claim.",
		MessageID: "m1", By: "bob", Key: "fw1"})
	if err != nil {
		t.Fatal(err)
	}
	if m.Kind != ticket.KindForward || m.Direction != ticket.DirectionOut || m.Meta["forwarded"] != "m1" || m.Author != "bob" ||
		m.Subject != "Fwd: Broken lamp [#"+r.TicketID+"]" || !slices.Equal(m.To, []string{"Claims <claims@carrier.example>"}) ||
		m.From != "Support <support@example.com>" || m.Delivery != ticket.DeliveryQueued || m.InReplyTo != "" {
		t.Fatalf("forward = %+v", m)
	}
	if id, ok, _ := d.TicketOfMessageID(ctx, m.MessageID); !ok || id != r.TicketID {
		t.Errorf("the forward's Message-ID %q is not the ticket's", m.MessageID)
	}
	for _, want := range []string{"Please file a claim.\n\n---------- Forwarded message ----------", "From: ann@example.org", "Subject: Broken lamp", "\nhello\n", "Not attached: tool.exe"} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("the forward's text lacks %q:\n%s", want, m.Text)
		}
	}
	if len(m.Attachments) != 1 || m.Attachments[0].Filename != "photo.jpg" {
		t.Errorf("forwarded files %+v, want the photo only", m.Attachments)
	}
	after := d.get(t, r.TicketID)
	if after.Status != before.Status || after.FirstResponseAt != nil || after.Assignee != "" {
		t.Errorf("the forward changed the ticket: status %s → %s, first response %v, assignee %q", before.Status, after.Status, after.FirstResponseAt, after.Assignee)
	}
	again, err := d.Forward(ctx, r.TicketID, Forwarding{To: []string{"claims@carrier.example"}, MessageID: "m1", By: "bob", Key: "fw1"})
	if err != nil || again.ID != m.ID {
		t.Errorf("a retried forward: %+v, %v; want the first", again, err)
	}

	note, err := d.Note(ctx, r.TicketID, Answer{Text: "internal", By: "bob"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		f    Forwarding
		want string
	}{
		{Forwarding{To: []string{"x@example.org"}, MessageID: note.ID}, "is a note"},
		{Forwarding{To: []string{"x@example.org"}, MessageID: "m99"}, `has no message "m99"`},
		{Forwarding{To: []string{"x@example.org"}}, "message_id"},
		{Forwarding{MessageID: "m1"}, "to: whom"},
		{Forwarding{To: []string{"x@example.org\nBcc: y@example.org"}, MessageID: "m1"}, "to[0] holds a line break"},
	} {
		tc.f.By = "bob"
		if _, err := d.Forward(ctx, r.TicketID, tc.f); !errors.Is(err, fault.ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("forward %+v: %v, want invalid saying %q", tc.f, err, tc.want)
		}
	}
}
