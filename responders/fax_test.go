package responders

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"frontdesk/config"
	"frontdesk/desk"
	"frontdesk/intake/mailparse"
	"frontdesk/intake/phone"
	"frontdesk/internal/testfax"
	"frontdesk/internal/testredis"
	"frontdesk/responders/fax"
	outmail "frontdesk/responders/mail"
	"frontdesk/responders/smtpsink"
	"frontdesk/ticket"
	"frontdesk/ticket/redisstore"
)

// faxFrom is the number frontdesk faxes from.
const faxFrom = "+15555550199"

// postSigned posts a form with a Twilio signature and returns the status.
func postSigned(link string, form url.Values, sig string) int {
	req, _ := http.NewRequest(http.MethodPost, link, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Twilio-Signature", sig)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

// faxHarness is a desk that sends faxes through the fake service, its
// routes (the PDFs, the callbacks) served at its public URL.
type faxHarness struct {
	desk    *desk.Desk
	store   *redisstore.Store
	service *testfax.Service
	fax     *fax.Service
	public  *httptest.Server
	sink    *smtpsink.Sink
}

// newFaxHarness runs a desk with two delivery workers, sending faxes as
// outbound says (YAML; "" for the fake Faxes API).
func newFaxHarness(t *testing.T, outbound string) *faxHarness {
	t.Helper()
	h := &faxHarness{service: testfax.Start(t)}
	var mux http.ServeMux
	h.public = httptest.NewServer(&mux)
	t.Cleanup(h.public.Close)
	sink, err := smtpsink.Start(nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sink.Close() })
	h.sink = sink
	if outbound == "" {
		outbound = fmt.Sprintf("{api_url: %q, account_sid: %s, auth_token: %s, from: %q}", h.service.URL, testfax.AccountSID, testfax.AuthToken, faxFrom)
	}
	cfg, err := config.Parse([]byte(fmt.Sprintf(`
http: {public_url: %q}
smtp: {host: 127.0.0.1, port: %d, security: none, from: support@example.com}
queues: [{name: support, address: "Support <support@example.com>"}]
fax: {outbound: %s}
`, h.public.URL, sink.Port(), outbound)), func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	tr := testredis.New(t)
	cfg.Redis.Prefix = tr.Prefix
	quiet := slog.New(slog.DiscardHandler)
	h.store = redisstore.New(tr.Client, &redisstore.Options{Prefix: tr.Prefix})
	h.desk = desk.New(h.store, cfg, &desk.Options{Redis: tr.Client, Logger: quiet})
	resp := New(h.desk, quiet, nil)
	resp.Poll = 20 * time.Millisecond
	if cfg.Fax.Outbound.API() {
		h.fax = fax.New(h.desk, cfg.Fax.Outbound, cfg.HTTP.PublicURL, &fax.Options{Logger: quiet})
		h.fax.Register(&mux)
		resp.Fax = h.fax
	} else {
		sender := outmail.NewSender(cfg.SMTP, &outmail.SenderOptions{Logger: quiet})
		t.Cleanup(func() { sender.Close() })
		resp.Mail, resp.SMTPHost, resp.FaxGateway = sender, cfg.SMTP.Host, cfg.Fax.Outbound.EmailGateway
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); resp.Run(ctx, 2) }()
	t.Cleanup(func() { cancel(); <-done })
	return h
}

var testPDF = []byte("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")

// faxReply receives a fax from +31201234567 and answers it with a PDF.
func (h *faxHarness) faxReply(t *testing.T) (string, ticket.Message) {
	t.Helper()
	ctx := context.Background()
	r, err := h.desk.Receive(ctx, ticket.NewTicket{Channel: ticket.ChannelFax, Queue: "support", Subject: "Fax from +31201234567",
		Customer: ticket.Customer{Phone: "+31201234567"},
		Message: ticket.NewMessage{SourceKey: "fax-in-1", Channel: ticket.ChannelFax, Kind: ticket.KindFax,
			From: "+31201234567", To: []string{faxFrom}, Text: "Fax of 1 page"}})
	if err != nil {
		t.Fatal(err)
	}
	m, err := h.desk.Reply(ctx, r.TicketID, desk.Answer{Text: "The signed form.", By: "bob",
		Attachments: []ticket.NewAttachment{{Filename: "form.pdf", Data: testPDF}}})
	if err != nil {
		t.Fatal(err)
	}
	return r.TicketID, m
}

func (h *faxHarness) message(t *testing.T, id, mid string) ticket.Message {
	t.Helper()
	tk, err := h.store.Get(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range tk.Messages {
		if m.ID == mid {
			return m
		}
	}
	t.Fatalf("no message %s on ticket %s", mid, id)
	return ticket.Message{}
}

// A reply with a PDF on a fax ticket is faxed once, to the sender, from
// our number: the service fetches the PDF from the signed link (which,
// tampered with, is refused), and its signed callback makes it delivered.
func TestFaxReplyFaxedOnceAndDelivered(t *testing.T) {
	h := newFaxHarness(t, "")
	id, m := h.faxReply(t)
	waitFor(t, "the fax delivered", func() bool { return h.message(t, id, m.ID).Delivery == ticket.DeliveryDelivered })
	time.Sleep(100 * time.Millisecond) // more polls pass: still one fax
	faxes, creates, problems := h.service.Sent()
	for _, p := range problems {
		t.Error(p)
	}
	if creates != 1 || len(faxes) != 1 {
		t.Fatalf("%d requests, %d faxes; want one", creates, len(faxes))
	}
	fx := faxes[0]
	if fx.To != "+31201234567" || fx.From != faxFrom || !bytes.Equal(fx.PDF, testPDF) {
		t.Errorf("fax to %s from %s with %q; want the PDF to the sender from our number", fx.To, fx.From, fx.PDF)
	}
	if !strings.HasPrefix(fx.MediaURL, h.public.URL+"/fax/media/"+id+"/") || !strings.HasPrefix(fx.Callback, h.public.URL+"/fax/status?") {
		t.Errorf("MediaUrl %s, StatusCallback %s: want links under the public URL", fx.MediaURL, fx.Callback)
	}
	got := h.message(t, id, m.ID)
	if !strings.Contains(got.DeliveryDetail, "took it: 1 page") || !strings.Contains(got.DeliveryDetail, fx.SID) {
		t.Errorf("delivered with %q", got.DeliveryDetail)
	}

	// A callback signed with another key, or not signed, changes nothing.
	form := url.Values{"FaxSid": {fx.SID}, "FaxStatus": {"failed"}}
	for _, sig := range []string{"", phone.Sign("another-token", fx.Callback, form)} {
		if st := postSigned(fx.Callback, form, sig); st != http.StatusForbidden {
			t.Errorf("callback signed %q answered %d, want 403", sig, st)
		}
	}
	if d := h.message(t, id, m.ID).Delivery; d != ticket.DeliveryDelivered {
		t.Errorf("after forged callbacks the fax is %s", d)
	}
}

// A link past its expiry, or to a file that is not the fax's PDF, serves
// nothing.
func TestFaxMediaLinkExpires(t *testing.T) {
	h := newFaxHarness(t, "")
	h.service.Final = ""
	id, m := h.faxReply(t)
	waitFor(t, "the fax sent", func() bool { return h.message(t, id, m.ID).Delivery == ticket.DeliverySent })
	ctx := context.Background()
	old := fax.New(h.desk, h.desk.Config().Fax.Outbound, h.public.URL, &fax.Options{Now: func() time.Time { return time.Now().Add(-2 * time.Hour) }})
	link, err := old.MediaURL(ctx, id, m.Attachments[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if st, body := testfax.GetPDF(link); st != http.StatusForbidden || !strings.Contains(string(body), "expired") {
		t.Errorf("an expired link answered %d %q", st, body)
	}
	fresh, _ := h.fax.MediaURL(ctx, id, m.Attachments[0].ID)
	if st, _ := testfax.GetPDF(fresh); st != http.StatusOK {
		t.Errorf("a fresh link answered %d", st)
	}
	other, _ := h.fax.MediaURL(ctx, id, "a0000000000000000000000")
	if st, _ := testfax.GetPDF(other); st != http.StatusNotFound {
		t.Errorf("a signed link to no file answered %d", st)
	}
	if st, _ := testfax.GetPDF(strings.Replace(fresh, "/"+id+"/", "/1"+id+"/", 1)); st != http.StatusForbidden {
		t.Errorf("a link moved to another ticket answered %d", st)
	}
}

// A service that answers 500 without taking the fax gets it again later:
// one fax.
func TestFaxServiceDownThenOneFax(t *testing.T) {
	h := newFaxHarness(t, "")
	h.service.Answer = func(n int) (int, string, bool) {
		if n == 1 {
			return http.StatusInternalServerError, `{"code": 20500, "message": "Internal Server Error"}`, false
		}
		return http.StatusCreated, "", true
	}
	id, m := h.faxReply(t)
	waitFor(t, "the fax delivered", func() bool { return h.message(t, id, m.ID).Delivery == ticket.DeliveryDelivered })
	faxes, creates, problems := h.service.Sent()
	for _, p := range problems {
		t.Error(p)
	}
	if creates != 2 || len(faxes) != 1 {
		t.Errorf("%d requests, %d faxes; want two requests, one fax", creates, len(faxes))
	}
}

// A service that takes the fax but whose answer is lost (a 500 after it)
// is asked before the next try: the fax found is this one, and it is not
// sent again.
func TestFaxAnswerLostNotSentTwice(t *testing.T) {
	h := newFaxHarness(t, "")
	h.service.Final = ""
	h.service.Answer = func(n int) (int, string, bool) {
		return http.StatusBadGateway, `{"code": 20502, "message": "Bad Gateway"}`, true
	}
	id, m := h.faxReply(t)
	waitFor(t, "the fax sent", func() bool { return h.message(t, id, m.ID).Delivery == ticket.DeliverySent })
	time.Sleep(100 * time.Millisecond)
	faxes, creates, problems := h.service.Sent()
	for _, p := range problems {
		t.Error(p)
	}
	if creates != 1 || len(faxes) != 1 {
		t.Fatalf("%d requests, %d faxes; want one", creates, len(faxes))
	}
	if d := h.message(t, id, m.ID).DeliveryDetail; !strings.Contains(d, faxes[0].SID+" on an earlier try") {
		t.Errorf("sent with %q", d)
	}
}

// A refusal (400) fails the fax with the service's reason, at once; a
// fax the service could not deliver fails with the reason in words.
func TestFaxRefusedOrUndelivered(t *testing.T) {
	h := newFaxHarness(t, "")
	h.service.Answer = func(int) (int, string, bool) {
		return http.StatusBadRequest, `{"code": 21211, "message": "The 'To' number +31201234567 is not a valid fax number"}`, false
	}
	id, m := h.faxReply(t)
	waitFor(t, "the fax failed", func() bool { return h.message(t, id, m.ID).Delivery == ticket.DeliveryFailed })
	if d := h.message(t, id, m.ID).DeliveryDetail; !strings.Contains(d, "refused it (400, code 21211): The 'To' number +31201234567 is not a valid fax number") {
		t.Errorf("failed with %q", d)
	}
	if _, creates, _ := h.service.Sent(); creates != 1 {
		t.Errorf("%d requests, want 1", creates)
	}

	h2 := newFaxHarness(t, "")
	h2.service.Final = "no-answer"
	id2, m2 := h2.faxReply(t)
	waitFor(t, "the fax failed", func() bool { return h2.message(t, id2, m2.ID).Delivery == ticket.DeliveryFailed })
	if d := h2.message(t, id2, m2.ID).DeliveryDetail; !strings.HasPrefix(d, "no fax machine answered: The remote fax machine did not answer the call (error 15001)") {
		t.Errorf("failed with %q", d)
	}
}

// Through a mail-to-fax gateway a fax is a mail to {number}@gateway with
// the PDF attached.
func TestFaxThroughMailGateway(t *testing.T) {
	h := newFaxHarness(t, `{email_gateway: "{number}@fax.example.net"}`)
	id, m := h.faxReply(t)
	waitFor(t, "the fax mailed", func() bool { return h.message(t, id, m.ID).Delivery == ticket.DeliverySent })
	got := h.sink.Received()
	if len(got) != 1 || strings.Join(got[0].To, ",") != "31201234567@fax.example.net" {
		t.Fatalf("mails %+v, want one to the gateway", got)
	}
	p, err := mailparse.Parse(got[0].Data, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Attachments) != 1 || p.Attachments[0].Filename != "form.pdf" || !bytes.Equal(p.Attachments[0].Data, testPDF) ||
		!strings.Contains(p.Text, "The signed form.") || p.MessageID != m.MessageID {
		t.Errorf("gateway mail: attachments %+v, text %q, Message-ID %s", p.Attachments, p.Text, p.MessageID)
	}
	if _, creates, _ := h.service.Sent(); creates != 0 {
		t.Errorf("the Faxes API was called %d times in gateway mode", creates)
	}
}
