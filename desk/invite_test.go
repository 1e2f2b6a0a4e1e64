package desk

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-ical"

	"frontdesk/calendar"
	"frontdesk/fault"
	"frontdesk/ticket"
)

// A reply with an invitation carries an iCalendar REQUEST (RFC 5546) from the
// queue's address to the customer, stored pending on the ticket by its UID;
// the same reply again (its idempotency key) is the same invitation.
func TestReplyCarriesInvitation(t *testing.T) {
	d := newTestDesk(t, "")
	ctx := context.Background()
	nt := newMail("inv-1", "ann@example.org", "New frame")
	nt.Customer.Name = "Ann Lee"
	r := d.receive(t, nt)
	start := time.Now().Add(48 * time.Hour).Truncate(time.Minute)
	inv := &Invite{Title: "Fitting", Start: start, End: start.Add(time.Hour), Location: "Shop, Main Street 1", Description: "Bring the old frame.\nThanks!"}
	m, err := d.Reply(ctx, r.TicketID, Answer{Text: "Would Wednesday suit you?", By: "bob", Key: "k1", Invite: inv})
	if err != nil {
		t.Fatal(err)
	}
	uid := m.Meta["invite_uid"]
	if !strings.HasPrefix(uid, "frontdesk-") || !strings.HasSuffix(uid, "@example.com") {
		t.Fatalf("uid %q", uid)
	}
	var att *ticket.Attachment
	for i := range m.Attachments {
		if m.Attachments[i].Filename == "invite.ics" {
			att = &m.Attachments[i]
		}
	}
	if att == nil || att.ContentType != "text/calendar; method=REQUEST; charset=UTF-8" {
		t.Fatalf("attachments %+v", m.Attachments)
	}
	_, data, err := d.store.Attachment(ctx, r.TicketID, att.ID)
	if err != nil {
		t.Fatal(err)
	}
	cal, err := ical.NewDecoder(bytes.NewReader(data)).Decode()
	if err != nil {
		t.Fatalf("decode: %v\n%s", err, data)
	}
	if method, _ := cal.Props.Text(ical.PropMethod); method != "REQUEST" {
		t.Fatalf("method %q", method)
	}
	ev := cal.Events()[0]
	org, att1 := ev.Props.Get(ical.PropOrganizer), ev.Props.Get(ical.PropAttendee)
	gotUID, _ := ev.Props.Text(ical.PropUID)
	desc, _ := ev.Props.Text(ical.PropDescription)
	loc, _ := ev.Props.Text(ical.PropLocation)
	st, _ := ev.DateTimeStart(nil)
	if gotUID != uid || org.Value != "mailto:support@example.com" || org.Params.Get("CN") != "Support" ||
		att1.Value != "mailto:ann@example.org" || att1.Params.Get("CN") != "Ann Lee" || att1.Params.Get("PARTSTAT") != "NEEDS-ACTION" || att1.Params.Get("RSVP") != "TRUE" ||
		!st.Equal(start) || !strings.HasSuffix(ev.Props.Get(ical.PropDateTimeStart).Value, "Z") ||
		ev.Props.Get(ical.PropDateTimeStamp) == nil || ev.Props.Get(ical.PropSequence).Value != "0" ||
		desc != "Bring the old frame.\nThanks!" || loc != "Shop, Main Street 1" {
		t.Fatalf("event read back:\n%s", data)
	}
	tk := d.get(t, r.TicketID)
	if len(tk.Invitations) != 1 || tk.Invitations[0].UID != uid || tk.Invitations[0].State != ticket.InvitePending ||
		tk.Invitations[0].MessageID != m.ID || tk.Invitations[0].Attendee != "Ann Lee <ann@example.org>" {
		t.Fatalf("invitations %+v", tk.Invitations)
	}

	again, err := d.Reply(ctx, r.TicketID, Answer{Text: "Would Wednesday suit you?", By: "bob", Key: "k1", Invite: inv})
	if err != nil {
		t.Fatal(err)
	}
	if again.ID != m.ID || again.Meta["invite_uid"] != uid || len(d.get(t, r.TicketID).Invitations) != 1 {
		t.Fatalf("the retried reply made another invitation: %+v", again)
	}
}

func TestInvitationRefused(t *testing.T) {
	d := newTestDesk(t, "")
	ctx := context.Background()
	r := d.receive(t, newMail("inv-2", "ann@example.org", "New frame"))
	sms := d.receive(t, ticket.NewTicket{Channel: ticket.ChannelSMS, Queue: "support", Subject: "Text",
		Customer: ticket.Customer{Phone: "+15555550123"}, Message: ticket.NewMessage{SourceKey: "sms-1", Channel: ticket.ChannelSMS,
			Kind: ticket.KindSMS, From: "+15555550123", To: []string{"+15555550100"}, Text: "hi"}})
	soon := time.Now().Add(time.Hour)
	for _, c := range []struct {
		name, ticket string
		inv          Invite
		want         string
	}{
		{"no title", r.TicketID, Invite{Start: soon, End: soon.Add(time.Hour)}, "invite.title is required"},
		{"long title", r.TicketID, Invite{Title: strings.Repeat("x", 201), Start: soon, End: soon.Add(time.Hour)}, "longer than 200"},
		{"line break", r.TicketID, Invite{Title: "a\r\nX-Evil: 1", Start: soon, End: soon.Add(time.Hour)}, "line break"},
		{"end before start", r.TicketID, Invite{Title: "a", Start: soon, End: soon.Add(-time.Minute)}, "end must be after"},
		{"past", r.TicketID, Invite{Title: "a", Start: soon.Add(-3 * time.Hour), End: soon}, "in the past"},
		{"too long", r.TicketID, Invite{Title: "a", Start: soon, End: soon.Add(15 * 24 * time.Hour)}, "at most 14 days"},
		{"by text", sms.TicketID, Invite{Title: "a", Start: soon, End: soon.Add(time.Hour)}, "goes by mail"},
	} {
		_, err := d.Reply(ctx, c.ticket, Answer{Text: "x", By: "bob", Invite: &c.inv})
		if !errors.Is(err, fault.ErrInvalid) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want invalid saying %q", c.name, err, c.want)
		}
	}
	if tk := d.get(t, r.TicketID); len(tk.Messages) != 2 || len(tk.Invitations) != 0 { // the mail and its acknowledgement
		t.Fatalf("a refused invitation stored something: %+v", tk)
	}
}

// The customer's answers move the appointment in the calendar feed:
// pending and tentative ones tentative, accepted ones confirmed, declined
// ones gone; the feed reads back in go-ical and in Python's icalendar.
func TestInvitationAnswersAndTheFeed(t *testing.T) {
	d := newTestDesk(t, "")
	ctx := context.Background()
	r := d.receive(t, newMail("inv-3", "ann@example.org", "New frame"))
	start := time.Now().Add(72 * time.Hour).Truncate(time.Minute)
	send := func(key, title string, at time.Time) string {
		m, err := d.Reply(ctx, r.TicketID, Answer{Text: "See the invitation.", By: "bob", Key: key,
			Invite: &Invite{Title: title, Start: at, End: at.Add(time.Hour)}})
		if err != nil {
			t.Fatal(err)
		}
		return m.Meta["invite_uid"]
	}
	fitting, pickup := send("a", "Fitting", start), send("b", "Pick-up", start.Add(24*time.Hour))
	answer := func(uid, partstat, from, src string, stamp time.Time) bool {
		t.Helper()
		ok, err := d.AnswerInvitation(ctx, InviteReply{From: from, Message: ticket.NewMessage{SourceKey: src, By: "intake:support"},
			Answer: &calendar.Answer{Method: calendar.MethodReply, UID: uid, Attendee: "ann@example.org", Partstat: partstat, Stamp: stamp}})
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	feed := func(inPython bool) map[string]string {
		t.Helper()
		events, err := d.CalendarEvents(ctx, time.Now().Add(-time.Hour), time.Now().Add(30*24*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := calendar.Write(&buf, "frontdesk", events, time.Now()); err != nil {
			t.Fatal(err)
		}
		cal, err := ical.NewDecoder(bytes.NewReader(buf.Bytes())).Decode()
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		for _, ev := range cal.Events() {
			uid, _ := ev.Props.Text(ical.PropUID)
			status, _ := ev.Props.Text(ical.PropStatus)
			out[uid] = status
		}
		if inPython {
			pythonReads(t, buf.Bytes(), len(out))
		}
		return out
	}
	if f := feed(false); f[fitting] != "TENTATIVE" || f[pickup] != "TENTATIVE" {
		t.Fatalf("pending appointments in the feed: %v", f)
	}
	now := time.Now()
	if !answer(fitting, "ACCEPTED", "ann@example.org", "mail:1", now) {
		t.Fatal("an accept was not recorded")
	}
	answer(fitting, "ACCEPTED", "ann@example.org", "mail:1", now)                 // the same mail again
	answer(fitting, "DECLINED", "ann@example.org", "mail:0", now.Add(-time.Hour)) // an older answer, read late
	if answer(pickup, "DECLINED", "eve@example.net", "mail:2", now) {             // not the customer
		t.Fatal("an answer from someone not invited was recorded")
	}
	if answer("frontdesk-unknown@example.com", "ACCEPTED", "ann@example.org", "mail:3", now) {
		t.Fatal("an answer to an unknown invitation was recorded")
	}
	if f := feed(true); f[fitting] != "CONFIRMED" || f[pickup] != "TENTATIVE" {
		t.Fatalf("after the accept: %v", f)
	}
	answer(pickup, "DECLINED", "ann@example.org", "mail:4", now)
	if f := feed(false); f[fitting] != "CONFIRMED" || f[pickup] != "" {
		t.Fatalf("after the decline: %v", f)
	}
	tk := d.get(t, r.TicketID)
	var evs []string
	for _, e := range tk.Events {
		if strings.HasPrefix(e.Type, "invitation_") {
			evs = append(evs, e.Type+" "+e.Detail)
		}
	}
	if len(evs) != 2 || !strings.HasPrefix(evs[0], "invitation_accepted Fitting, ") || !strings.HasPrefix(evs[1], "invitation_declined Pick-up, ") {
		t.Fatalf("events %q", evs)
	}
	if tk.Status != ticket.StatusPending || len(tk.Messages) != 4 { // the mail, its acknowledgement, two replies
		t.Fatalf("answers changed the ticket: %s, %d messages", tk.Status, len(tk.Messages))
	}
}

// pythonReads checks that Python's icalendar reads the feed with n events;
// skipped without python3-icalendar, except under CI=true.
func pythonReads(t *testing.T, feed []byte, n int) {
	t.Helper()
	py := ""
	for _, p := range []string{"python3", "/usr/bin/python3"} {
		if exec.Command(p, "-c", "import icalendar").Run() == nil {
			py = p
			break
		}
	}
	if py == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("python3 with icalendar is required under CI (apt-get install python3-icalendar)")
		}
		t.Log("no python3 with icalendar: the feed is not read back in Python")
		return
	}
	path := filepath.Join(t.TempDir(), "feed.ics")
	if err := os.WriteFile(path, feed, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(py, "-c", `import sys, icalendar
cal = icalendar.Calendar.from_ical(open(sys.argv[1], "rb").read())
evs = cal.walk("VEVENT")
for e in evs:
    assert e.decoded("DTEND") > e.decoded("DTSTART"), e
    assert str(e["STATUS"]) in ("CONFIRMED", "TENTATIVE"), e["STATUS"]
print(len(evs))`, path).CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != strconv.Itoa(n) {
		t.Fatalf("python read the feed: %v: %s (want %d events)", err, out, n)
	}
}

// assignFails is a store whose Assign fails: a reply's later step failing
// after the reply is stored (a crash, Redis gone for a moment).
type assignFails struct{ ticket.Store }

func (assignFails) Assign(context.Context, string, string, string) error {
	return fault.Unavailable(errors.New("connection reset"))
}

// A reply's invitation is stored with the reply, in one step: when a later
// step of the reply fails (here taking the ticket), the reply — queued and
// sent — already has its invitation recorded, so the customer's Accept finds
// it. (It was saved in a later step: a reply without idempotency key was
// never finished, and its invitation was lost.)
func TestInvitationStoredWithItsReply(t *testing.T) {
	td := newTestDesk(t, "")
	d := New(assignFails{td.store}, td.cfg, &Options{Redis: td.redis.Client, Logger: td.logger})
	ctx := context.Background()
	r := td.receive(t, newMail("inv-crash", "ann@example.org", "New frame"))
	start := time.Now().Add(48 * time.Hour).Truncate(time.Minute)
	_, err := d.Reply(ctx, r.TicketID, Answer{Text: "Wednesday?", By: "bob", Invite: &Invite{Title: "Fitting", Start: start, End: start.Add(time.Hour)}})
	if !fault.IsUnavailable(err) {
		t.Fatalf("reply with its later step failing = %v", err)
	}
	tk := td.get(t, r.TicketID)
	var uid string
	for _, m := range tk.Messages {
		if m.Direction == ticket.DirectionOut {
			uid = m.Meta["invite_uid"]
		}
	}
	if uid == "" {
		t.Fatalf("the reply was not stored: %+v", tk.Messages)
	}
	inv, err := td.store.Invitation(ctx, uid)
	if err != nil || inv.State != ticket.InvitePending || inv.TicketID != r.TicketID || !inv.Start.Equal(start) {
		t.Fatalf("the stored reply's invitation: %+v, %v", inv, err)
	}
}
