package browser

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"frontdesk/internal/testdovecot"
	"frontdesk/internal/testoauth"
)

// TestManagerConnectsAMailbox: a mailbox signing in with OAuth2 (Dovecot
// checking its tokens at the test provider) is not connected yet. A manager
// presses "Connect with …" on the settings page; the provider's
// authorization page sends the browser back with a code; the settings page
// says the mailbox is connected, and its waiting mail becomes a ticket.
// When the consent is revoked the mailbox turns red with "Reconnect", at
// laptop and phone width, and reconnecting makes it whole again.
func TestManagerConnectsAMailbox(t *testing.T) {
	srv := testoauth.Start(t)
	dov := testdovecot.StartWith(t, testdovecot.Options{IntrospectionURL: srv.IntrospectionURL()}, "desk")
	dov.DeliverMaildir(t, "desk", 0, 1, 1000)
	mb := dov.Mailbox("desk")
	d := newDesk(t, deskOptions{extraConfig: fmt.Sprintf(`secrets:
  key: YnJvd3Nlci10ZXN0LWtleS0zMi1ieXRlcy1sb25nLS0=
mailboxes:
  - name: office365
    host: %s
    port: %d
    security: none
    username: desk
    auth: oauth2
    oauth2: {provider: custom, client_id: %s, client_secret: %s, auth_url: %q, token_url: %q}
    queue: support
`, mb.Host, mb.Port, testoauth.ClientID, testoauth.ClientSecret, srv.AuthURL(), srv.TokenURL())})
	d.addUser(t, "manager", "max", "max-manages-2026")

	b := newBrowser(t, d.url, browserOptions{})
	b.login("max", "max-manages-2026")
	if st := b.open("/settings"); st != 200 {
		t.Fatalf("settings: %d", st)
	}
	const row = `#settings-mail-auth tr[data-account="mailbox:office365"]`
	if s := eval[string](b, `document.querySelector('`+row+`').dataset.state`); s != "not connected" {
		t.Fatalf("the mailbox's state before connecting: %q", s)
	}
	provider := strings.TrimPrefix(srv.URL, "http://")
	if s := b.text(row + " button"); s != "Connect with "+provider {
		t.Errorf("the button reads %q, want Connect with %s", s, provider)
	}
	b.screenshot("mail-sign-in-not-connected")

	b.submit("connect the mailbox", chromedp.Click(chromedp.CSS(row+" button")))
	if p := b.path(); p != "/settings" {
		t.Fatalf("after connecting the browser shows %s, want /settings\n%s", p, b.text("main"))
	}
	if s := b.text(".notice"); s != "Mailbox office365 is connected to "+provider+" as desk." {
		t.Errorf("notice after connecting: %q", s)
	}
	if s := eval[string](b, `document.querySelector('`+row+`').dataset.state`); s != "connected" {
		t.Errorf("the mailbox's state after connecting: %q", s)
	}
	if s := b.text(row + " .mail-auth-state"); !strings.Contains(s, "Connected") || !strings.Contains(s, "by max") {
		t.Errorf("the state cell reads %q", s)
	}
	if q := srv.AuthorizeRequests(); len(q) != 1 || q[0].Get("code_challenge_method") != "S256" || q[0].Get("login_hint") != "desk" {
		t.Errorf("the provider saw %v", q)
	}
	waitFor(t, "the waiting mail as a ticket", func() bool {
		return d.rdb.ZCard(t.Context(), d.prefix+":{desk}:tickets").Val() == 1
	})

	// Consent revoked at the provider: within a token's life the mailbox
	// shows red, with Reconnect.
	srv.Revoke("desk")
	b.reloadUntil("the mailbox shows its sign-in refused", "/settings",
		`document.querySelector('`+row+`').dataset.state === "failed"`)
	if s := b.text(row + " .mail-auth-failure"); !strings.Contains(s, "invalid_grant") || !strings.Contains(s, "reconnected") {
		t.Errorf("the failure reads %q", s)
	}
	if s := b.text(row + " button"); s != "Reconnect" {
		t.Errorf("the button reads %q, want Reconnect", s)
	}
	if bg := eval[string](b, `getComputedStyle(document.querySelector('`+row+` td')).backgroundColor`); bg != "rgb(253, 236, 234)" {
		t.Errorf("the failed row's background is %s, want the problem red", bg)
	}
	b.screenshot("mail-sign-in-failed")

	phone := b.newSession(browserOptions{phone: true})
	phone.login("max", "max-manages-2026")
	if st := phone.open("/settings"); st != 200 {
		t.Fatalf("settings on a phone: %d", st)
	}
	if !phone.fitsWidth() {
		t.Errorf("the settings page does not fit a phone's width")
	}
	if !phone.exists(row + `.failed button`) {
		t.Errorf("no Reconnect on the phone")
	}
	phone.screenshot("mail-sign-in-failed-phone")

	b.submit("reconnect the mailbox", chromedp.Click(chromedp.CSS(row+" button")))
	if s := eval[string](b, `document.querySelector('`+row+`').dataset.state`); s != "connected" {
		t.Errorf("the mailbox's state after reconnecting: %q\n%s", s, b.text("main"))
	}
	b.checkNoScriptProblems()
	phone.checkNoScriptProblems()
}
