package e2e

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/mail"
	"os/exec"
	"strings"
	"testing"
	"time"

	"frontdesk/config"
	"frontdesk/internal/testdovecot"
	"frontdesk/responders/smtpsink"
)

// TestAcknowledgementAndReplyAcrossRestartAndOutage: a customer's mail gets
// one acknowledgement; serve is killed and restarted; the SMTP server goes
// down; an assistant's reply still arrives once, threaded into the customer's
// conversation, when it is back.
func TestAcknowledgementAndReplyAcrossRestartAndOutage(t *testing.T) {
	d := newDesk(t)
	srv := testdovecot.Start(t, "desk")
	srv.DeliverMaildir(t, "desk", 0, 1, 2000)
	sink, err := smtpsink.Start(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close()
	mb := srv.Mailbox("desk")
	mb.Name = "support"
	s := writeConfig(t, d, []config.Mailbox{mb}, configOpts{smtpPort: sink.Port()})
	s.instance = "e2e-replies"

	p := start(t, s)
	p.waitReady(t)
	waitUntil(t, "the acknowledgement", func() bool { return len(sink.Received()) == 1 })
	ack, err := mail.ReadMessage(bytes.NewReader(sink.Received()[0].Data))
	if err != nil {
		t.Fatalf("the acknowledgement: %v", err)
	}
	if ack.Header.Get("Auto-Submitted") != "auto-replied" || ack.Header.Get("In-Reply-To") != testdovecot.MessageID(0) {
		t.Fatalf("acknowledgement headers: %v", ack.Header)
	}
	out, err := exec.Command(binary, "users", "add", "-config", s.config, "-role", "assistant", "ann").Output()
	if err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			t.Fatalf("users add: %v\n%s", err, exit.Stderr)
		}
		t.Fatalf("users add: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	token := lines[len(lines)-1]

	p.kill(t)
	p = start(t, s)
	p.waitReady(t)
	sink.SetDown(true)
	id := firstTicket(t, s.url, token)
	req, _ := http.NewRequest(http.MethodPost, s.url+"/api/v1/tickets/"+id+"/replies", strings.NewReader(`{"text": "A new lamp is on its way."}`))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != http.StatusAccepted {
		t.Fatalf("reply: %v %v", resp, err)
	}
	resp.Body.Close()
	// The reply meets the outage: its send fails at least once (this
	// process's counters start at 0, after the acknowledgement).
	const failures = `frontdesk_outbound_total{channel="mail",result="retried"}`
	waitUntil(t, "a failed send during the outage", func() bool { v, _ := p.metric(t, failures); return v >= 1 })
	if n := len(sink.Received()); n != 1 {
		t.Fatalf("%d mails during the outage", n)
	}
	sink.SetDown(false)
	waitUntil(t, "the reply after the outage", func() bool { return len(sink.Received()) == 2 })
	// Once it is recorded sent, nothing is left to send it again.
	waitMetric(t, p, `frontdesk_outbound_total{channel="mail",result="sent"}`, 1, 30*time.Second)
	if n := len(sink.Received()); n != 2 {
		t.Fatalf("%d mails, want the acknowledgement and one reply", n)
	}
	reply, err := mail.ReadMessage(bytes.NewReader(sink.Received()[1].Data))
	if err != nil {
		t.Fatalf("the reply: %v", err)
	}
	h := reply.Header
	if h.Get("In-Reply-To") != testdovecot.MessageID(0) || !strings.Contains(h.Get("References"), testdovecot.MessageID(0)) ||
		!strings.Contains(h.Get("Subject"), "[#"+id+"]") || h.Get("Auto-Submitted") != "" {
		t.Fatalf("reply headers: %v", h)
	}
	p.stop(t)
}

// firstTicket is the id of the only ticket.
func firstTicket(t *testing.T, base, token string) string {
	t.Helper()
	ids := listTickets(t, base+"/api/v1/tickets", token)
	if len(ids) != 1 {
		t.Fatalf("tickets: %q, want one", ids)
	}
	return ids[0]
}

// listTickets is the ids of the tickets the API lists at url.
func listTickets(t *testing.T, url, token string) []string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var page struct{ Tickets []struct{ ID string } }
	if err := json.NewDecoder(resp.Body).Decode(&page); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("tickets: %s, %v", resp.Status, err)
	}
	var ids []string
	for _, tk := range page.Tickets {
		if tk.ID == "" {
			t.Fatalf("tickets: a ticket without an id: %+v", page)
		}
		ids = append(ids, tk.ID)
	}
	return ids
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 30s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
