package lmtp

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"math/big"
	"net"
	"strings"
	"testing"
	"time"

	"frontdesk/intake/email"
	"frontdesk/intake/imappoll"
	"frontdesk/internal/testredis"
)

// Over LMTP every recipient gets its own answer: a mailbox's and a queue's
// address are stored, each once (a +tag and case do not matter; the same
// address twice is one delivery); an unknown address is refused at RCPT.
func TestLMTPAnswersPerRecipient(t *testing.T) {
	h := start(t, harnessOpts{})
	d := dial(t, h.addr)
	d.expect("LHLO mta.example.net", 250)
	d.expect("MAIL FROM:<ann@example.org>", 250)
	d.expect("RCPT TO:<support@example.com>", 250)
	if code, msg := d.cmd("RCPT TO:<nobody@example.com>"); code != 550 || !strings.HasPrefix(msg, "5.1.1") {
		t.Fatalf("unknown recipient: %d %s, want 550 5.1.1", code, msg)
	}
	d.expect("RCPT TO:<Sales@Example.COM>", 250)
	d.expect("RCPT TO:<support+billing@example.com>", 250)
	codes := d.data(mail("a1@example.org", "Lamp broken", "The lamp is broken."), 3)
	for i, c := range codes {
		if c != 250 {
			t.Fatalf("answer %d: %d, want 250 (all: %v)", i, c, codes)
		}
	}
	d.expect("QUIT", 221)

	ts := h.tickets(t)
	if len(ts) != 2 {
		t.Fatalf("%d tickets, want 2 (support's mailbox, the sales queue)", len(ts))
	}
	byQueue := map[string]string{}
	for _, tk := range ts {
		byQueue[tk.Queue] = tk.Mailbox
		if tk.Subject != "Lamp broken" || tk.Customer.Email != "ann@example.org" || len(tk.Messages) != 1 ||
			!strings.Contains(tk.Messages[0].Text, "The lamp is broken.") {
			t.Errorf("ticket %+v", tk)
		}
	}
	if mb, ok := byQueue["support"]; !ok || mb != "support" {
		t.Errorf("support ticket's mailbox %q (%v), want support", mb, ok)
	}
	if mb, ok := byQueue["sales"]; !ok || mb != "" {
		t.Errorf("sales ticket's mailbox %q (%v), want none: it came to the queue's address", mb, ok)
	}
}

// A mail delivered again (a retry after a lost answer), or also fetched
// from the mailbox by IMAP, is stored once; so is a mail without a
// Message-ID delivered twice.
func TestRedeliveredAndFetchedStoredOnce(t *testing.T) {
	h := start(t, harnessOpts{})
	withID := mail("once@example.org", "Once", "Only once, please.")
	noID := mail("", "No id", "A mail without a Message-ID.")
	for range 2 {
		for _, m := range []string{withID, noID} {
			d := dial(t, h.addr)
			d.expect("LHLO mta", 250)
			d.expect("MAIL FROM:<ann@example.org>", 250)
			d.expect("RCPT TO:<support@example.com>", 250)
			if c := d.data(m, 1); c[0] != 250 {
				t.Fatalf("delivery: %d", c[0])
			}
		}
	}
	if n := len(h.tickets(t)); n != 2 {
		t.Fatalf("%d tickets after delivering two mails twice, want 2", n)
	}
	// The IMAP poller of the same mailbox fetches the mail as Dovecot
	// stored it, with the headers its delivery added.
	fetched := "Return-Path: <ann@example.org>\r\nDelivered-To: support@example.com\r\n" + withID
	err := h.importer.Handle(context.Background(), imappoll.Mail{Mailbox: "support", UIDValidity: 1, UID: 7,
		Size: int64(len(fetched)), Raw: []byte(fetched), Attempt: 1, Received: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(h.tickets(t)); n != 2 {
		t.Fatalf("%d tickets after IMAP fetched a delivered mail, want 2", n)
	}
}

// CHUNKING (RFC 3030), which Postfix uses when offered: BDAT delivers as
// DATA does, one answer per recipient.
func TestBDAT(t *testing.T) {
	h := start(t, harnessOpts{})
	d := dial(t, h.addr)
	if msg := d.expect("LHLO mta", 250); !strings.Contains(msg, "CHUNKING") {
		t.Fatalf("LHLO: %s", msg)
	}
	d.expect("MAIL FROM:<ann@example.org>", 250)
	d.expect("RCPT TO:<support@example.com>", 250)
	d.expect("RCPT TO:<sales@example.com>", 250)
	m := mail("bdat@example.org", "In chunks", "Sent with BDAT.")
	half := len(m) / 2
	if _, err := fmt.Fprintf(d.conn, "BDAT %d\r\n%s", half, m[:half]); err != nil {
		t.Fatal(err)
	}
	if code, msg := d.read(); code != 250 {
		t.Fatalf("first chunk: %d %s", code, msg)
	}
	if _, err := fmt.Fprintf(d.conn, "BDAT %d LAST\r\n%s", len(m)-half, m[half:]); err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		if code, msg := d.read(); code != 250 {
			t.Fatalf("answer %d: %d %s", i, code, msg)
		}
	}
	ts := h.tickets(t)
	if len(ts) != 2 || !strings.Contains(ts[0].Messages[0].Text, "Sent with BDAT.") {
		t.Fatalf("%d tickets: %+v", len(ts), ts)
	}
}

// A reply delivered by LMTP threads onto its ticket, as one fetched by IMAP
// does: the same path after storing.
func TestDeliveredReplyThreads(t *testing.T) {
	h := start(t, harnessOpts{})
	reply := strings.Replace(mail("r1@example.org", "Re: Lamp", "Still broken."), "Subject:",
		"In-Reply-To: <first@example.org>\r\nSubject:", 1)
	for _, m := range []string{mail("first@example.org", "Lamp", "Broken."), reply} {
		d := dial(t, h.addr)
		d.expect("LHLO mta", 250)
		d.expect("MAIL FROM:<ann@example.org>", 250)
		d.expect("RCPT TO:<support@example.com>", 250)
		if c := d.data(m, 1); c[0] != 250 {
			t.Fatalf("delivery: %d", c[0])
		}
	}
	ts := h.tickets(t)
	if len(ts) != 1 || len(ts[0].Messages) != 2 {
		t.Fatalf("%d tickets (%+v), want 1 with 2 messages", len(ts), ts)
	}
}

// A message over lmtp.max_message_size is refused with 552, by its SIZE or
// by its data; nothing is stored. The connection goes on.
func TestTooLargeRefused(t *testing.T) {
	h := start(t, harnessOpts{})
	d := dial(t, h.addr)
	d.expect("LHLO mta", 250)
	if code, _ := d.cmd("MAIL FROM:<ann@example.org> SIZE=100000"); code != 552 {
		t.Fatalf("SIZE over the limit: %d, want 552", code)
	}
	d.expect("MAIL FROM:<ann@example.org>", 250)
	d.expect("RCPT TO:<support@example.com>", 250)
	d.expect("RCPT TO:<sales@example.com>", 250)
	big := mail("big@example.org", "Big", strings.Repeat("0123456789abcdef\r\n", 5000))
	if codes := d.data(big, 2); codes[0] != 552 || codes[1] != 552 {
		t.Fatalf("too large: %v, want 552 for both", codes)
	}
	d.expect("NOOP", 250)
	if n := len(h.tickets(t)); n != 0 {
		t.Fatalf("%d tickets, want none", n)
	}
}

// More recipients than lmtp.max_recipients hear 452 (the mail server sends
// them in another transaction); the accepted ones are stored.
func TestTooManyRecipients(t *testing.T) {
	h := start(t, harnessOpts{})
	d := dial(t, h.addr)
	d.expect("LHLO mta", 250)
	d.expect("MAIL FROM:<ann@example.org>", 250)
	for range 5 {
		d.expect("RCPT TO:<support@example.com>", 250)
	}
	d.expect("RCPT TO:<sales@example.com>", 452)
	codes := d.data(mail("many@example.org", "Many", "x"), 5)
	for _, c := range codes {
		if c != 250 {
			t.Fatalf("answers %v, want 250 each", codes)
		}
	}
	if n := len(h.tickets(t)); n != 1 {
		t.Fatalf("%d tickets, want 1", n)
	}
}

// Past lmtp.max_connections a connection hears 421 and is closed; once one
// closes, the next is served.
func TestConnectionLimit(t *testing.T) {
	h := start(t, harnessOpts{})
	var open []*dialog
	for range 4 {
		open = append(open, dial(t, h.addr))
	}
	conn, err := net.Dial("tcp", h.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 200)
	n, _ := conn.Read(buf)
	if !strings.HasPrefix(string(buf[:n]), "421 ") {
		t.Fatalf("fifth connection heard %q, want 421", buf[:n])
	}
	if _, err := conn.Read(buf); err == nil {
		t.Fatal("fifth connection still open")
	}
	open[0].expect("QUIT", 221)
	deadline := time.Now().Add(5 * time.Second)
	for {
		c, err := net.Dial("tcp", h.addr)
		if err != nil {
			t.Fatal(err)
		}
		_ = c.SetDeadline(time.Now().Add(5 * time.Second))
		n, _ := c.Read(buf)
		_ = c.Close()
		if strings.HasPrefix(string(buf[:n]), "220 ") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after one closed: %q", buf[:n])
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// A line longer than MaxLineLength ends the connection, in a command or in
// a message's data; so do repeated junk commands.
func TestHostileInput(t *testing.T) {
	h := start(t, harnessOpts{yaml: `lmtp: {listen: "127.0.0.1:0", timeout: 10s}`})
	// The server closes the connection with the rest of the line unread,
	// which may reset it before its 500 arrives: either ends it.
	ended := func(d *dialog, what string) {
		t.Helper()
		for range 3 {
			code, msg, err := d.c.ReadResponse(0)
			if err != nil && code == 0 {
				return
			}
			if code != 500 {
				t.Fatalf("%s: %d %s, want 500 or the end", what, code, msg)
			}
		}
		t.Fatalf("%s: connection still open", what)
	}
	d := dial(t, h.addr)
	d.expect("LHLO mta", 250)
	_, _ = d.conn.Write([]byte("NOOP " + strings.Repeat("x", 3*MaxLineLength) + "\r\n"))
	ended(d, "long command line")

	d = dial(t, h.addr)
	d.expect("LHLO mta", 250)
	d.expect("MAIL FROM:<ann@example.org>", 250)
	d.expect("RCPT TO:<support@example.com>", 250)
	d.expect("DATA", 354)
	_, _ = d.conn.Write([]byte(mail("long@example.org", "Long", strings.Repeat("y", 3*MaxLineLength)) + ".\r\n"))
	ended(d, "long line in data")

	// Junk: after a few unknown commands the connection ends.
	d = dial(t, h.addr)
	for i := range 4 {
		if code, _ := d.cmd("\x00\xffJUNK"); code/100 != 5 {
			t.Fatalf("junk %d: %d, want 5xx", i, code)
		}
	}
	if _, _, err := d.c.ReadResponse(0); err != nil {
		t.Fatalf("no farewell after too many errors: %v", err)
	}
	if _, _, err := d.c.ReadResponse(0); err == nil {
		t.Fatal("connection open after too many errors")
	}
	if n := len(h.tickets(t)); n != 0 {
		t.Fatalf("%d tickets, want none", n)
	}
}

// While Redis is away every recipient hears 451 and nothing is lost: the
// mail server's retry, once Redis is back, stores the mail once.
func TestRedisAwayIs451ThenStoredOnce(t *testing.T) {
	r := testredis.Mini(t)
	h := start(t, harnessOpts{rdb: r.Client, opts: &Options{StoreTimeout: 2 * time.Second}})
	m := mail("away@example.org", "Away", "Redis is away.")
	deliver := func() []int {
		d := dial(t, h.addr)
		d.expect("LHLO mta", 250)
		d.expect("MAIL FROM:<ann@example.org>", 250)
		d.expect("RCPT TO:<support@example.com>", 250)
		d.expect("RCPT TO:<sales@example.com>", 250)
		return d.data(m, 2)
	}
	r.Mini.Close()
	if codes := deliver(); codes[0] != 451 || codes[1] != 451 {
		t.Fatalf("Redis away: %v, want 451 for both", codes)
	}
	if err := r.Mini.Restart(); err != nil {
		t.Fatal(err)
	}
	for range 2 { // the retry, and one more for good measure
		if codes := deliver(); codes[0] != 250 || codes[1] != 250 {
			t.Fatalf("Redis back: %v, want 250 for both", codes)
		}
	}
	if n := len(h.tickets(t)); n != 2 {
		t.Fatalf("%d tickets, want 2 (one per recipient)", n)
	}
}

// Past the memory budget a message hears 452 4.3.1 and is not stored.
func TestMemoryBudget(t *testing.T) {
	h := start(t, harnessOpts{opts: &Options{MemoryBudget: 1000}})
	d := dial(t, h.addr)
	d.expect("LHLO mta", 250)
	d.expect("MAIL FROM:<ann@example.org>", 250)
	d.expect("RCPT TO:<support@example.com>", 250)
	if c := d.data(mail("mem@example.org", "Mem", strings.Repeat("z", 500)), 1); c[0] != 452 {
		t.Fatalf("over the budget: %d, want 452", c[0])
	}
	if h.srv.budget.used.Load() != 0 {
		t.Fatalf("budget holds %d bytes after the transaction", h.srv.budget.used.Load())
	}
}

// A client that announces a large SIZE and then sends nothing holds no more
// of the memory budget than it has sent (a little ahead): the others'
// mail is still stored.
func TestAnnouncedSizeHoldsNoBudget(t *testing.T) {
	h := start(t, harnessOpts{
		yaml: `lmtp: {listen: "127.0.0.1:0", max_message_size: 1MB, timeout: 10s}` + "\n",
		opts: &Options{MemoryBudget: 910_000},
	})
	slow := dial(t, h.addr)
	slow.expect("LHLO mta", 250)
	slow.expect("MAIL FROM:<ann@example.org> SIZE=900000", 250)
	slow.expect("RCPT TO:<support@example.com>", 250)
	slow.expect("DATA", 354)
	if err := slow.c.PrintfLine("Subject: slow"); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(5 * time.Second); h.srv.budget.used.Load() == 0; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the stalled transaction reserved nothing")
		}
	}
	d := dial(t, h.addr)
	d.expect("LHLO mta", 250)
	d.expect("MAIL FROM:<bob@example.org>", 250)
	d.expect("RCPT TO:<support@example.com>", 250)
	if c := d.data(mail("quick@example.org", "Quick", "A short one."), 1); c[0] != 250 {
		t.Fatalf("a small mail beside a stalled large SIZE: %d, want 250", c[0])
	}
	_ = slow.conn.Close()
}

// In SMTP mode the message gets one answer; EHLO, not LHLO.
func TestSMTPMode(t *testing.T) {
	h := start(t, harnessOpts{yaml: `lmtp: {listen: "127.0.0.1:0", protocol: smtp}`})
	d := dial(t, h.addr)
	d.expect("LHLO mta", 500)
	d.expect("EHLO mta", 250)
	d.expect("MAIL FROM:<ann@example.org>", 250)
	d.expect("RCPT TO:<support@example.com>", 250)
	d.expect("RCPT TO:<stranger@example.com>", 550)
	d.expect("RCPT TO:<sales@example.com>", 250)
	if c := d.data(mail("smtp@example.org", "SMTP", "Over SMTP."), 1); c[0] != 250 {
		t.Fatalf("SMTP delivery: %d", c[0])
	}
	d.expect("NOOP", 250) // exactly one answer came
	if n := len(h.tickets(t)); n != 2 {
		t.Fatalf("%d tickets, want 2", n)
	}
}

// With a certificate STARTTLS is offered; with require_tls no mail is taken
// before it.
func TestSTARTTLS(t *testing.T) {
	h := start(t, harnessOpts{
		yaml: `lmtp: {listen: "127.0.0.1:0", tls_cert: c.pem, tls_key: k.pem, require_tls: true}`,
		opts: &Options{TLSConfig: &tls.Config{Certificates: []tls.Certificate{selfSigned(t)}}},
	})
	d := dial(t, h.addr)
	if msg := d.expect("LHLO mta", 250); !strings.Contains(msg, "STARTTLS") {
		t.Fatalf("LHLO: %s, want STARTTLS offered", msg)
	}
	d.expect("MAIL FROM:<ann@example.org>", 451)
	d.startTLS()
	d.expect("LHLO mta", 250)
	d.expect("MAIL FROM:<ann@example.org>", 250)
	d.expect("RCPT TO:<support@example.com>", 250)
	if c := d.data(mail("tls@example.org", "TLS", "Over TLS."), 1); c[0] != 250 {
		t.Fatalf("delivery over TLS: %d", c[0])
	}
}

// Shutdown lets a message being filed finish — its recipient hears 250 —
// then closes the idle connections a mail server keeps.
func TestShutdownIsGraceful(t *testing.T) {
	h := start(t, harnessOpts{})
	entered, release := make(chan struct{}), make(chan struct{})
	h.srv.deliver = gate{next: h.importer, entered: entered, release: release}
	idle := dial(t, h.addr)
	idle.expect("LHLO mta", 250)
	busy := dial(t, h.addr)
	busy.expect("LHLO mta", 250)
	busy.expect("MAIL FROM:<ann@example.org>", 250)
	busy.expect("RCPT TO:<support@example.com>", 250)
	answer := make(chan []int, 1)
	go func() { answer <- busy.data(mail("late@example.org", "Late", "Just in time."), 1) }()
	<-entered
	stopped := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		stopped <- h.srv.Shutdown(ctx)
	}()
	time.Sleep(50 * time.Millisecond)
	select {
	case err := <-stopped:
		t.Fatalf("shutdown returned (%v) while a message was being filed", err)
	default:
	}
	close(release)
	if c := <-answer; c[0] != 250 {
		t.Fatalf("message filed during shutdown: %d, want 250", c[0])
	}
	if err := <-stopped; err != nil {
		t.Fatal(err)
	}
	if _, _, err := idle.c.ReadResponse(0); err == nil {
		t.Fatal("idle connection still open after shutdown")
	}
	if _, err := net.DialTimeout("tcp", h.addr, time.Second); err == nil {
		t.Fatal("still accepting after shutdown")
	}
	if n := len(h.tickets(t)); n != 1 {
		t.Fatalf("%d tickets, want 1", n)
	}
}

// gate holds deliveries until released.
type gate struct {
	next             Deliverer
	entered, release chan struct{}
}

func (g gate) Deliver(ctx context.Context, to email.Recipient, raw []byte, received time.Time) error {
	close(g.entered)
	<-g.release
	return g.next.Deliver(ctx, to, raw, received)
}

func selfSigned(t testing.TB) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), DNSNames: []string{"localhost"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}
