package e2e

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/mail"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"frontdesk/internal/testdovecot"
	"frontdesk/internal/testoauth"
	"frontdesk/responders/smtpsink"
)

// secretKey is the e2e desks' secrets.key.
const secretKey = "ZTJlLXRlc3Qta2V5LTMyLWJ5dGVzLWxvbmctLS0tLS0="

// oauthSetup writes one instance's configuration: mailbox support on
// Dovecot signing in with OAuth2 at the test provider (a refresh token from
// the configuration), SMTP to the sink signing in with OAuth2 as outbound,
// and the managers to notify.
func oauthSetup(t *testing.T, d *desk, dov *testdovecot.Server, srv *testoauth.Server, sink *smtpsink.Sink, mailboxToken, smtpToken string) *setup {
	t.Helper()
	dir := t.TempDir()
	addr := freeAddr(t)
	mb := dov.Mailbox("desk")
	provider := func(token string) string {
		return fmt.Sprintf("{provider: custom, client_id: %s, client_secret: %s, auth_url: %q, token_url: %q, refresh_token: %q}",
			testoauth.ClientID, testoauth.ClientSecret, srv.AuthURL(), srv.TokenURL(), token)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "redis:\n  url: %q\n  prefix: %q\n", d.url, d.prefix)
	fmt.Fprintf(&b, "http:\n  listen: %q\n  public_url: %q\n", addr, "http://"+addr)
	b.WriteString("log:\n  level: info\n  format: json\n")
	fmt.Fprintf(&b, "secrets:\n  key: %s\n", secretKey)
	b.WriteString("notify:\n  managers: [boss@example.com]\n")
	b.WriteString("mailboxes:\n")
	fmt.Fprintf(&b, "  - name: support\n    host: %q\n    port: %d\n    security: none\n    username: desk\n    auth: oauth2\n    oauth2: %s\n",
		mb.Host, mb.Port, provider(mailboxToken))
	b.WriteString("    folder: INBOX\n    after_import: seen\n    idle: true\n    poll_interval: 1s\n    queue: support\n")
	fmt.Fprintf(&b, "smtp:\n  host: 127.0.0.1\n  port: %d\n  security: none\n  username: outbound\n  auth: oauth2\n  oauth2: %s\n",
		sink.Port(), provider(smtpToken))
	b.WriteString("queues:\n  - name: support\n    address: \"Support <support@example.com>\"\n")
	s := &setup{config: filepath.Join(dir, "frontdesk.yaml"), log: filepath.Join(dir, "frontdesk.log"), url: "http://" + addr}
	if err := os.WriteFile(s.config, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return s
}

// TestOAuth2MailboxTwoInstances: two instances share a mailbox that signs
// in with OAuth2 through Dovecot's oauth2 passdb (tokens checked by
// introspection at the test provider, 3 s each). Mail arrives in waves with
// a handover of the mailbox between them: each wave is signed in with a
// token fresher than the last, one instance refreshing at a time. Replies
// go out by SMTP signed in with XOAUTH2 against a server that checks the
// token. Then the mailbox's consent is revoked: one log line, one failure
// counted, one mail to the managers, /readyz names the mailbox and stays
// ready, and both instances keep running.
func TestOAuth2MailboxTwoInstances(t *testing.T) {
	d := newDesk(t)
	srv := testoauth.Start(t)
	dov := testdovecot.StartWith(t, testdovecot.Options{IntrospectionURL: srv.IntrospectionURL()}, "desk")
	sink, err := smtpsink.StartWith(smtpsink.Options{Tokens: srv.Active})
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close()
	mailboxToken, smtpToken := srv.Grant("desk"), srv.Grant("outbound")
	procs := []*process{
		start(t, oauthSetup(t, d, dov, srv, sink, mailboxToken, smtpToken)),
		start(t, oauthSetup(t, d, dov, srv, sink, mailboxToken, smtpToken)),
	}
	for _, p := range procs {
		p.waitReady(t)
	}
	const lease = `frontdesk_imap_lease_held{mailbox="support"}`
	holder := func() int {
		for {
			for i, p := range procs {
				if v, _ := p.metric(t, lease); v == 1 {
					return i
				}
			}
			time.Sleep(20 * time.Millisecond)
		}
	}

	const perWave, waves = 10, 3
	n := 0
	var steps []string
	for wave := range waves {
		dov.DeliverMaildir(t, "desk", n, perWave, 2000)
		n += perWave
		waitUntil(t, fmt.Sprintf("wave %d imported", wave), func() bool {
			u, _ := unseen(t, dov, "desk")
			return u == 0 && d.rdb.ZCard(d.ctx(t), d.key("tickets")).Val() == int64(n)
		})
		if wave < waves-1 {
			time.Sleep(3 * time.Second) // the holder refreshes the token meanwhile
			steps = append(steps, takeOver(t, d, procs, holder(), lease))
		}
	}
	checkImported(t, d, n)
	t.Logf("%d mails in %d waves; %s; %d refreshes, %d sign-ins checked by Dovecot", n, waves, strings.Join(steps, "; "),
		srv.Refreshes("desk"), srv.Introspected("desk"))
	if r := srv.Refreshes("desk"); r < 3 {
		t.Errorf("%d refreshes of the mailbox's token, want several", r)
	}
	if s := srv.Introspected("desk"); s < waves {
		t.Errorf("Dovecot checked %d tokens, want a sign-in per wave at least", s)
	}
	if srv.Refused() != 0 || srv.Reuses() != 0 {
		t.Errorf("Dovecot was shown %d tokens that were not active; %d refresh tokens were used twice", srv.Refused(), srv.Reuses())
	}

	// A reply goes out signed in with XOAUTH2.
	token := addUser(t, procs[0].s, "assistant", "ann")
	id := newestTicket(t, procs[0].s.url, token)
	req, _ := http.NewRequest(http.MethodPost, procs[0].s.url+"/api/v1/tickets/"+id+"/replies", strings.NewReader(`{"text": "A new lamp is on its way."}`))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != http.StatusAccepted {
		t.Fatalf("reply: %v %v", resp, err)
	}
	resp.Body.Close()
	waitUntil(t, "the reply at the SMTP server", func() bool { return len(sink.Received()) == 1 })
	if m := sink.Received()[0]; m.User != "outbound" || !slices.Equal(m.To, []string{"dev.patel@example.co.uk"}) && len(m.To) != 1 {
		t.Errorf("the reply: signed in as %q, to %v", m.User, m.To)
	}
	if ok, refused := sink.Auths(); ok < 1 || refused != 0 {
		t.Errorf("SMTP sign-ins: %d accepted, %d refused", ok, refused)
	}

	// The mailbox's consent is revoked.
	srv.Revoke("desk")
	const failures = `frontdesk_mailbox_auth_failures_total{mailbox="support"}`
	waitUntil(t, "the failure counted", func() bool {
		v0, _ := procs[0].metric(t, failures)
		v1, _ := procs[1].metric(t, failures)
		return v0+v1 >= 1
	})
	for i, p := range procs {
		waitMetric(t, p, `frontdesk_mailbox_auth_failed{mailbox="support"}`, 1, 15*time.Second)
		body := readyz(t, p)
		if !strings.HasPrefix(body, "ready\n") || !strings.Contains(body, "warning: mailbox support: sign-in refused since") ||
			!strings.Contains(body, "invalid_grant") || !strings.Contains(body, "reconnect") {
			t.Errorf("instance %d /readyz: %q", i, body)
		}
	}
	waitUntil(t, "the managers' notice", func() bool { return len(sink.Received()) == 2 })
	v0, _ := procs[0].metric(t, failures)
	v1, _ := procs[1].metric(t, failures)
	if v0+v1 != 1 {
		t.Errorf("%v failures counted across the instances, want 1", v0+v1)
	}
	// The session signed in before the revocation lives on (Dovecot does
	// not check its token again); the holder is stopped and started again,
	// so that the mailbox must sign in anew, and cannot: new mail waits on
	// the server. The restarted instance keeps the failure (the
	// configuration's refresh token is the one that failed).
	steps = append(steps, takeOver(t, d, procs, holder(), lease))
	dov.DeliverMaildir(t, "desk", n, 2, 2000)
	time.Sleep(6 * time.Second) // a few more sign-in attempts and watches
	for i, p := range procs {
		if body := readyz(t, p); !strings.Contains(body, "warning: mailbox support:") {
			t.Errorf("instance %d /readyz after the restart: %q", i, body)
		}
	}

	notice, err := mail.ReadMessage(bytes.NewReader(sink.Received()[1].Data))
	if err != nil {
		t.Fatal(err)
	}
	if got := sink.Received()[1].To; !slices.Equal(got, []string{"boss@example.com"}) ||
		!strings.HasPrefix(notice.Header.Get("Subject"), "Mailbox support cannot sign in: reconnect it [#") ||
		notice.Header.Get("Auto-Submitted") != "auto-generated" {
		t.Errorf("the notice: to %v, headers %v", got, notice.Header)
	}
	body, _ := io.ReadAll(notice.Body)
	if !strings.Contains(string(body), "invalid_grant") || !strings.Contains(string(body), procs[0].s.url+"/settings") &&
		!strings.Contains(string(body), procs[1].s.url+"/settings") {
		t.Errorf("the notice's text:\n%s", body)
	}
	if len(sink.Received()) != 2 {
		t.Errorf("%d mails, want the reply and one notice", len(sink.Received()))
	}
	// One line says the sign-in was refused for good, and each instance's
	// poller says once that it cannot sign in, not at every retry (the
	// restarted one says it again).
	incident := countLines(t, procs[0].s.log, `"msg":"oauth2 sign-in refused for good`) + countLines(t, procs[1].s.log, `"msg":"oauth2 sign-in refused for good`)
	pollers := countLines(t, procs[0].s.log, `"error":"sign in as desk`) + countLines(t, procs[1].s.log, `"error":"sign in as desk`)
	if incident != 1 || pollers > 3 {
		t.Errorf("%d lines on the incident and %d from the pollers across the instances, want 1 and at most 3", incident, pollers)
		t.Log(tail(procs[0].s.log, 40), tail(procs[1].s.log, 40))
	}
	if got := d.rdb.ZCard(d.ctx(t), d.key("tickets")).Val(); got != int64(n+1) {
		t.Errorf("%d tickets, want the %d mails and the notice: mail was imported after the revocation", got, n)
	}
	for _, p := range procs {
		if !p.running() {
			t.Fatalf("an instance stopped:\n%s", tail(p.s.log, 20))
		}
		p.stop(t)
	}
}

// addUser creates a user with `frontdesk users add` and returns its API
// token.
func addUser(t *testing.T, s *setup, role, name string) string {
	t.Helper()
	out, err := exec.Command(binary, "users", "add", "-config", s.config, "-role", role, name).Output()
	if err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			t.Fatalf("users add: %v\n%s", err, exit.Stderr)
		}
		t.Fatalf("users add: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	return lines[len(lines)-1]
}

// newestTicket is the id of the newest ticket.
func newestTicket(t *testing.T, base, token string) string {
	t.Helper()
	ids := listTickets(t, base+"/api/v1/tickets?limit=1", token)
	if len(ids) == 0 {
		t.Fatal("tickets: none")
	}
	return ids[0]
}

// readyz returns the body of a 200 /readyz, failing otherwise.
func readyz(t *testing.T, p *process) string {
	t.Helper()
	resp, err := http.Get(p.s.url + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Errorf("/readyz: %d %s", resp.StatusCode, b)
	}
	return string(b)
}

// countLines counts the lines of a log that contain s.
func countLines(t *testing.T, path, s string) int {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	n := 0
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if strings.Contains(sc.Text(), s) {
			n++
		}
	}
	return n
}
