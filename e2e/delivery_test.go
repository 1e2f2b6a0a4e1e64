package e2e

import (
	"bytes"
	"encoding/json"
	"net/mail"
	"regexp"
	"strings"
	"testing"
	"time"

	"frontdesk/config"
	"frontdesk/internal/testdovecot"
	"frontdesk/responders/smtpsink"
)

// TestSendsSurviveTermAndKill sends acknowledgements through a slow SMTP
// server (it keeps a mail at its final dot and answers 2 s later) while
// frontdesk is stopped with SIGTERM and killed with SIGKILL in the middle of
// sends: each acknowledgement ends delivered exactly once and recorded sent,
// or visibly unknown — never lost silently, never sent twice.
func TestSendsSurviveTermAndKill(t *testing.T) {
	if testing.Short() {
		t.Skip("waits out a killed worker's one-minute lease")
	}
	const n = 5
	d := newDesk(t)
	srv := testdovecot.Start(t, "desk")
	srv.DeliverMaildir(t, "desk", 0, n, 2000)
	arrived := make(chan struct{}, 100)
	sink, err := smtpsink.StartWith(smtpsink.Options{Answer: 2 * time.Second, OnMail: func(smtpsink.Received) { arrived <- struct{}{} }})
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close()
	mb := srv.Mailbox("desk")
	mb.Name = "support"
	s := writeConfig(t, d, []config.Mailbox{mb}, configOpts{smtpPort: sink.Port()})
	s.instance = "e2e-delivery"

	// SIGTERM as the server holds the first mail's final dot: the send in
	// flight finishes, nothing new is handed over, the process exits 0.
	p := start(t, s)
	<-arrived
	termAt := time.Now()
	p.stop(t)
	t.Logf("SIGTERM with a send in flight: stopped after %v", time.Since(termAt).Round(10*time.Millisecond))
	if got := len(sink.Received()); got != 1 {
		t.Fatalf("%d mails arrived by the SIGTERM, want 1", got)
	}
	sent, _ := ackStates(t, d)
	if len(sent) != 1 {
		t.Fatalf("after the SIGTERM, acknowledgements sent: %v, want the one in flight", sent)
	}

	// SIGKILL as the server holds the next mail's final dot: it arrived,
	// and nobody knows; once the dead worker's lease runs out it is unknown.
	p = start(t, s)
	<-arrived
	p.kill(t)
	p = start(t, s)
	defer p.stop(t)
	deadline := time.Now().Add(150 * time.Second)
	for {
		sent, unknown := ackStates(t, d)
		if len(sent)+len(unknown) == n && len(unknown) >= 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 150 s: sent %v, unknown %v of %d acknowledgements\n%s", sent, unknown, n, tail(s.log, 30))
		}
		time.Sleep(200 * time.Millisecond)
	}

	sent, unknown := ackStates(t, d)
	got := map[string]int{}
	for _, m := range sink.Received() {
		msg, err := mail.ReadMessage(bytes.NewReader(m.Data))
		if err != nil {
			t.Fatal(err)
		}
		id := regexp.MustCompile(`\[#(\d+)\]`).FindStringSubmatch(msg.Header.Get("Subject"))
		if id == nil {
			t.Fatalf("a mail without a ticket tag: %q", msg.Header.Get("Subject"))
		}
		got[id[1]]++
	}
	for id := range sent {
		if got[id] != 1 {
			t.Errorf("ticket %s: acknowledgement recorded sent, arrived %d times", id, got[id])
		}
	}
	for id := range unknown {
		if got[id] > 1 {
			t.Errorf("ticket %s: acknowledgement unknown, arrived %d times", id, got[id])
		}
	}
	if len(unknown) != 1 {
		t.Errorf("unknown acknowledgements %v, want the one cut by SIGKILL", unknown)
	}
	for id, c := range got {
		if c > 1 {
			t.Errorf("ticket %s: %d acknowledgements arrived", id, c)
		}
	}
	if dead := d.rdb.ZCard(d.ctx(t), d.key("outbox:dead")).Val(); dead != int64(len(unknown)) {
		t.Errorf("the dead list holds %d, want the %d unknown", dead, len(unknown))
	}
	t.Logf("%d acknowledgements: %d sent and arrived once, %d unknown (arrived %d times); %d mails in all",
		n, len(sent), len(unknown), func() (c int) {
			for id := range unknown {
				c += got[id]
			}
			return
		}(), len(sink.Received()))
}

// ackStates reads each ticket's acknowledgement (its message m2) and
// returns the tickets whose acknowledgement is sent and those whose is
// unknown; any other settled state fails the test.
func ackStates(t *testing.T, d *desk) (sent, unknown map[string]bool) {
	t.Helper()
	ctx := d.ctx(t)
	ids, err := d.rdb.ZRange(ctx, d.key("tickets"), 0, -1).Result()
	if err != nil {
		t.Fatal(err)
	}
	sent, unknown = map[string]bool{}, map[string]bool{}
	for _, id := range ids {
		raw, err := d.rdb.HGet(ctx, d.key("ticket:"+id+":delivery"), "m2").Result()
		if err != nil {
			continue // not acknowledged yet
		}
		var e struct{ Delivery string }
		if err := json.Unmarshal([]byte(raw), &e); err != nil {
			t.Fatal(err)
		}
		switch e.Delivery {
		case "sent":
			sent[id] = true
		case "unknown":
			unknown[id] = true
		case "queued", "sending":
		default:
			t.Fatalf("ticket %s: acknowledgement %s", id, strings.TrimSpace(raw))
		}
	}
	return sent, unknown
}
