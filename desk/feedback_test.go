package desk

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"frontdesk/fault"
	"frontdesk/ticket"
)

// TestFeedbackLinks: with feedback.enabled a closing reply by mail carries
// signed "Was this helpful?" links, a reply that does not close none; an
// answer through a link is an event and counts; a forged signature or an
// overlong comment is refused.
func TestFeedbackLinks(t *testing.T) {
	ctx := context.Background()
	clock := &testClock{t: time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)}
	d, store, _ := newClockDesk(t, clock, "feedback: {enabled: true}\n")
	r, err := d.Receive(ctx, ticket.NewTicket{Channel: ticket.ChannelEmail, Queue: "support", Subject: "Help",
		Customer: ticket.Customer{Email: "ann@example.org"},
		Message: ticket.NewMessage{SourceKey: "fb-1", From: "ann@example.org", To: []string{"support@example.com"},
			Subject: "Help", Text: "hello"}})
	if err != nil {
		t.Fatal(err)
	}
	first, err := d.Reply(ctx, r.TicketID, Answer{Text: "Looking into it", By: "ann"})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(first.Text, "helpful") {
		t.Errorf("a reply that does not close asks for feedback:\n%s", first.Text)
	}
	last, err := d.Reply(ctx, r.TicketID, Answer{Text: "Fixed.", By: "ann", Close: true})
	if err != nil {
		t.Fatal(err)
	}
	var good, bad *url.URL
	for _, line := range strings.Split(last.Text, "\n") {
		if u, ok := strings.CutPrefix(line, "👍 Yes: "); ok {
			good, _ = url.Parse(u)
		}
		if u, ok := strings.CutPrefix(line, "👎 No: "); ok {
			bad, _ = url.Parse(u)
		}
	}
	if !strings.Contains(last.Text, "Was this helpful?") || good == nil || bad == nil {
		t.Fatalf("closing reply:\n%s", last.Text)
	}
	if good.Host != "desk.example.com" || good.Path != "/feedback/"+r.TicketID || good.Query().Get("a") != "good" || bad.Query().Get("a") != "bad" {
		t.Errorf("links %s and %s", good, bad)
	}
	sig := good.Query().Get("s")
	forged := sig[:len(sig)-1] + "0"
	if strings.HasSuffix(sig, "0") {
		forged = sig[:len(sig)-1] + "1"
	}
	if err := d.RecordFeedback(ctx, r.TicketID, forged, false, ""); !errors.Is(err, fault.ErrInvalid) {
		t.Errorf("a forged signature: %v", err)
	}
	if err := d.RecordFeedback(ctx, "999", sig, true, ""); !errors.Is(err, fault.ErrInvalid) {
		t.Errorf("another ticket's signature: %v", err)
	}
	if err := d.RecordFeedback(ctx, r.TicketID, sig, true, strings.Repeat("x", MaxFeedbackComment+1)); !errors.Is(err, fault.ErrTooLarge) {
		t.Errorf("an overlong comment: %v", err)
	}
	// The limit counts characters, as the page's textarea does, with a
	// line break sent as CRLF counting one: 2,000 accented letters are
	// taken.
	if err := d.RecordFeedback(ctx, r.TicketID, sig, true, strings.Repeat("é", MaxFeedbackComment-2)+"\r\né"); err != nil {
		t.Errorf("a comment of %d characters, %d bytes: %v", MaxFeedbackComment, 2*MaxFeedbackComment+1, err)
	}
	if err := d.RecordFeedback(ctx, r.TicketID, sig, true, strings.Repeat("é", MaxFeedbackComment+1)); !errors.Is(err, fault.ErrTooLarge) {
		t.Errorf("a comment of %d accented letters: %v", MaxFeedbackComment+1, err)
	}
	// A short comment with a byte that is not UTF-8 is taken, not called
	// too long.
	if err := d.RecordFeedback(ctx, r.TicketID, sig, true, "ok\xff"); err != nil {
		t.Errorf("a comment with a stray byte: %v", err)
	} else if fb, _, _ := store.TicketFeedback(ctx, r.TicketID); fb.Comment != "ok\uFFFD" {
		t.Errorf("a comment with a stray byte kept as %q", fb.Comment)
	}
	if err := d.RecordFeedback(ctx, r.TicketID, sig, true, "  Quick, thanks!  "); err != nil {
		t.Fatal(err)
	}
	tk, err := store.Get(ctx, r.TicketID)
	if err != nil {
		t.Fatal(err)
	}
	ev := tk.Events[len(tk.Events)-1]
	if ev.Type != "feedback_good" || ev.Detail != "Quick, thanks!" || ev.By != "customer" {
		t.Errorf("last event: %+v", ev)
	}
	rep, err := d.DailyReport(ctx, "2026-12-01", "2026-12-01")
	if err != nil || rep.Total.FeedbackGood != 1 || rep.Total.FeedbackBad != 0 {
		t.Errorf("report: %+v, %v", rep.Total, err)
	}

	// The page finds the answer given, changeable until a day after the
	// first; then no longer.
	if _, _, err := d.GivenFeedback(ctx, r.TicketID, forged); !errors.Is(err, fault.ErrInvalid) {
		t.Errorf("GivenFeedback with a forged signature: %v", err)
	}
	clock.Set(clock.Now().Add(23 * time.Hour))
	fb, until, err := d.GivenFeedback(ctx, r.TicketID, sig)
	if err != nil || fb == nil || !fb.Good || fb.Comment != "Quick, thanks!" || !until.Equal(time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)) {
		t.Errorf("GivenFeedback within the day: %+v until %v, %v", fb, until, err)
	}
	clock.Set(clock.Now().Add(time.Hour + time.Second))
	if fb, until, err := d.GivenFeedback(ctx, r.TicketID, sig); err != nil || fb == nil || !until.IsZero() {
		t.Errorf("GivenFeedback after the day: %+v until %v, %v", fb, until, err)
	}
	if err := d.RecordFeedback(ctx, r.TicketID, sig, false, ""); !errors.Is(err, fault.ErrConflict) {
		t.Errorf("a change after the day: %v", err)
	}
}
