package responders

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"frontdesk/config"
	"frontdesk/desk"
	"frontdesk/responders/sms"
	"frontdesk/ticket"
)

// twilioMessages is Twilio's Messages list as sms.FindSent reads it: the
// texts it took, filtered by To and From; it counts the lookups.
type twilioMessages struct {
	mu      sync.Mutex
	texts   []map[string]any
	lookups int
}

func (f *twilioMessages) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if u, p, _ := r.BasicAuth(); u != "AC1" || p != "token" || r.Method != http.MethodGet {
		http.Error(w, `{"status": 401, "code": 20003, "message": "auth"}`, http.StatusUnauthorized)
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lookups++
	q := r.URL.Query()
	out := []map[string]any{}
	for _, m := range f.texts {
		if m["to"] == q.Get("To") && m["from"] == q.Get("From") {
			out = append(out, m)
		}
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"messages": out, "next_page_uri": nil})
}

// unknownText replies by text on a new SMS ticket from phone and leaves the
// reply unknown, as a worker that died while sending it does.
func (h *harness) unknownText(t *testing.T, src, phone, text string) (string, ticket.Message) {
	t.Helper()
	ctx := context.Background()
	r, err := h.desk.Receive(ctx, ticket.NewTicket{Channel: ticket.ChannelSMS, Queue: "support", Customer: ticket.Customer{Phone: phone},
		Message: ticket.NewMessage{SourceKey: src, Kind: ticket.KindSMS, From: phone, To: []string{"+15555550100"}, Text: "Hi"}})
	if err != nil {
		t.Fatal(err)
	}
	m, err := h.desk.Reply(ctx, r.TicketID, desk.Answer{Text: text, By: "bob"})
	if err != nil {
		t.Fatal(err)
	}
	o, err := h.store.TakeOutbound(ctx, time.Minute)
	if err != nil || o.MessageID != m.ID {
		t.Fatalf("take the reply: %+v, %v", o, err)
	}
	for _, st := range []ticket.Delivery{ticket.DeliverySending, ticket.DeliveryUnknown} {
		if err := h.store.SettleOutbound(ctx, o, ticket.Settlement{Delivery: st, Detail: "the sending was cut off", By: "responder"}); err != nil {
			t.Fatal(err)
		}
	}
	return r.TicketID, m
}

// A text left unknown that Twilio has becomes sent (or what Twilio says)
// and leaves the dead list; one Twilio does not have stays unknown for a
// person, and Twilio is not asked about it again.
func TestUnknownTextsCheckedWithTwilio(t *testing.T) {
	h := newHarness(t, options{})
	h.cfg.Twilio.AccountSID = "AC0123456789abcdef0123456789abcdef"
	ctx := context.Background()
	okID, okMsg := h.unknownText(t, "SM1", "+15555550123", "Your lamp ships today.")
	lostID, lostMsg := h.unknownText(t, "SM2", "+15555550124", "Your chair ships today.")
	delID, delMsg := h.unknownText(t, "SM3", "+15555550125", "Your desk ships today.")
	h.unknownReply(t) // a mail left unknown: not Twilio's to tell

	fake := &twilioMessages{texts: []map[string]any{
		{"sid": "SMfound", "to": "+15555550123", "from": "+15555550100", "body": "Your lamp ships today.", "status": "sent",
			"date_created": time.Now().UTC().Format(time.RFC1123Z)},
		{"sid": "SMwrong", "to": "+15555550124", "from": "+15555550100", "body": "Something else.", "status": "sent",
			"date_created": time.Now().UTC().Format(time.RFC1123Z)},
		{"sid": "SMdel", "to": "+15555550125", "from": "+15555550100", "body": "Your desk ships today.", "status": "delivered",
			"date_created": time.Now().UTC().Format(time.RFC1123Z)},
	}}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	h.resp.SMS = sms.New(config.Twilio{AccountSID: "AC1", AuthToken: "token", APIURL: srv.URL})

	n, err := h.resp.CheckUnknownTexts(ctx)
	if err != nil || n != 2 {
		t.Fatalf("CheckUnknownTexts = %d, %v; want 2 settled", n, err)
	}
	if m := h.message(t, okID, okMsg.ID); m.Delivery != ticket.DeliverySent || !strings.Contains(m.DeliveryDetail, "SMfound") {
		t.Errorf("the text Twilio has is %s (%q), want sent with its SID", m.Delivery, m.DeliveryDetail)
	}
	if m := h.message(t, delID, delMsg.ID); m.Delivery != ticket.DeliveryDelivered {
		t.Errorf("the text Twilio delivered is %s", m.Delivery)
	}
	if m := h.message(t, lostID, lostMsg.ID); m.Delivery != ticket.DeliveryUnknown {
		t.Errorf("the text Twilio does not have is %s, want still unknown", m.Delivery)
	}
	dead, err := h.desk.DeadSends(ctx, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if dead.Total != 2 {
		t.Errorf("dead list after the check: %+v; want the lost text and the mail", dead)
	}
	if fake.lookups != 3 {
		t.Errorf("Twilio was asked %d times, want once per text", fake.lookups)
	}
	if n, err := h.resp.CheckUnknownTexts(ctx); err != nil || n != 0 || fake.lookups != 3 {
		t.Errorf("a second check = %d, %v, %d lookups; want nothing new asked", n, err, fake.lookups)
	}
}

// unknownReply leaves a mail reply unknown on a new ticket.
func (h *harness) unknownReply(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	r, err := h.desk.Receive(ctx, customerMail("mail-unknown", "ann@example.org", "Hello"))
	if err != nil {
		t.Fatal(err)
	}
	o, err := h.store.TakeOutbound(ctx, time.Minute)
	if err != nil || o.TicketID != r.TicketID {
		t.Fatalf("take the acknowledgement of ticket %s: %+v, %v", r.TicketID, o, err)
	}
	for _, st := range []ticket.Delivery{ticket.DeliverySending, ticket.DeliveryUnknown} {
		if err := h.store.SettleOutbound(ctx, o, ticket.Settlement{Delivery: st, Detail: "cut off", By: "responder"}); err != nil {
			t.Fatal(err)
		}
	}
}

// twilioTakesButFails is Twilio taking a text and answering 503 all the
// same (its answer lost, in effect), and listing the texts it took.
type twilioTakesButFails struct {
	twilioMessages
	posts int
}

func (f *twilioTakesButFails) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		f.twilioMessages.ServeHTTP(w, r)
		return
	}
	_ = r.ParseForm()
	f.mu.Lock()
	f.posts++
	f.texts = append(f.texts, map[string]any{"sid": "SMtaken", "to": r.PostForm.Get("To"), "from": r.PostForm.Get("From"),
		"body": r.PostForm.Get("Body"), "status": "sent", "date_created": time.Now().UTC().Format(time.RFC1123Z)})
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusServiceUnavailable)
	fmt.Fprint(w, `{"status": 503, "code": 20503, "message": "try later"}`)
}

// A text Twilio took although it answered 503 is not sent again on the
// next try: the try finds it at Twilio and records it sent.
func TestTextRetryFindsTheEarlierTry(t *testing.T) {
	h := newHarness(t, options{})
	h.cfg.Twilio.AccountSID = "AC0123456789abcdef0123456789abcdef"
	fake := &twilioTakesButFails{}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	h.resp.SMS = sms.New(config.Twilio{AccountSID: "AC1", AuthToken: "token", APIURL: srv.URL})
	ctx := context.Background()
	r, err := h.desk.Receive(ctx, ticket.NewTicket{Channel: ticket.ChannelSMS, Queue: "support", Customer: ticket.Customer{Phone: "+15555550123"},
		Message: ticket.NewMessage{SourceKey: "SM1", Kind: ticket.KindSMS, From: "+15555550123", To: []string{"+15555550100"}, Text: "Hi"}})
	if err != nil {
		t.Fatal(err)
	}
	m, err := h.desk.Reply(ctx, r.TicketID, desk.Answer{Text: "Your lamp ships today.", By: "bob"})
	if err != nil {
		t.Fatal(err)
	}
	deliverNext := func() {
		t.Helper()
		var o *desk.Outgoing
		waitFor(t, "the text due", func() bool {
			var err error
			o, err = h.desk.NextOutgoing(ctx, time.Minute)
			return err == nil && o != nil
		})
		if o.MessageID != m.ID {
			t.Fatalf("took %s, want the reply %s", o.MessageID, m.ID)
		}
		h.resp.Deliver(ctx, o)
	}
	deliverNext()
	if got := h.message(t, r.TicketID, m.ID); got.Delivery != ticket.DeliveryQueued || fake.posts != 1 {
		t.Fatalf("after a 503 the text is %s with %d sends; want queued again after one", got.Delivery, fake.posts)
	}
	deliverNext()
	got := h.message(t, r.TicketID, m.ID)
	if got.Delivery != ticket.DeliverySent || !strings.Contains(got.DeliveryDetail, "SMtaken on an earlier try") {
		t.Errorf("the text Twilio had is %s (%q), want sent from the earlier try", got.Delivery, got.DeliveryDetail)
	}
	if fake.posts != 1 {
		t.Errorf("Twilio was asked to send it %d times, want once", fake.posts)
	}
}

// Two identical texts left unknown and one of them at Twilio: one becomes
// sent, the other stays unknown for a person; Twilio's one text does not
// settle both.
func TestOneTextAtTwilioSettlesOneUnknownText(t *testing.T) {
	h := newHarness(t, options{})
	h.cfg.Twilio.AccountSID = "AC0123456789abcdef0123456789abcdef"
	ctx := context.Background()
	aID, aMsg := h.unknownText(t, "SM1", "+15555550123", "Thanks!")
	bID, bMsg := h.unknownText(t, "SM2", "+15555550123", "Thanks!")
	fake := &twilioMessages{texts: []map[string]any{
		{"sid": "SMone", "to": "+15555550123", "from": "+15555550100", "body": "Thanks!", "status": "sent",
			"date_created": time.Now().UTC().Format(time.RFC1123Z)},
	}}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	h.resp.SMS = sms.New(config.Twilio{AccountSID: "AC1", AuthToken: "token", APIURL: srv.URL})

	n, err := h.resp.CheckUnknownTexts(ctx)
	if err != nil || n != 1 {
		t.Fatalf("CheckUnknownTexts = %d, %v; want 1 settled", n, err)
	}
	a, b := h.message(t, aID, aMsg.ID), h.message(t, bID, bMsg.ID)
	if (a.Delivery == ticket.DeliverySent) == (b.Delivery == ticket.DeliverySent) {
		t.Errorf("texts are %s and %s; want one sent, one unknown", a.Delivery, b.Delivery)
	}
}
