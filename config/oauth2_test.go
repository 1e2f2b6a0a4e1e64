package config

import (
	"testing"
)

// testKey is a valid secrets.key (32 bytes, base64).
const testKey = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="

func TestOAuth2Config(t *testing.T) {
	c, err := Parse([]byte(`
http: {public_url: 'https://desk.example.com'}
secrets: {key: `+testKey+`}
notify: {managers: [boss@example.com]}
mailboxes:
  - name: office365
    host: outlook.office365.com
    username: support@contoso.com
    auth: oauth2
    oauth2: {provider: microsoft, client_id: abc, client_secret: s}
  - name: gmail
    host: imap.gmail.com
    username: support@example.com
    auth: oauth2
    oauth2: {provider: google, client_id: g, client_secret: s, refresh_token: rt, mechanism: oauthbearer}
smtp:
  host: smtp.office365.com
  username: support@contoso.com
  auth: oauth2
  oauth2: {provider: custom, client_id: c, auth_url: 'https://id.example.com/auth', token_url: 'http://127.0.0.1:9/token', scopes: [mail]}
`), nil)
	if err != nil {
		t.Fatal(err)
	}
	if !c.UsesOAuth2() {
		t.Errorf("UsesOAuth2 = false")
	}
	m := c.Mailboxes[0]
	if m.Auth != AuthOAuth2 || m.OAuth2.Tenant != "common" || m.OAuth2.Mechanism != "auto" || m.Password != "" {
		t.Errorf("office365: %+v", m)
	}
	if g := c.Mailboxes[1].OAuth2; g.Tenant != "" || g.Mechanism != "oauthbearer" || g.RefreshToken != "rt" {
		t.Errorf("gmail oauth2: %+v", g)
	}
	if c.SMTP.Auth != AuthOAuth2 || c.SMTP.OAuth2.Provider != "custom" || c.SMTP.OAuth2.Mechanism != "auto" {
		t.Errorf("smtp: %+v", c.SMTP)
	}
	if len(c.Notify.Managers) != 1 {
		t.Errorf("notify.managers: %v", c.Notify.Managers)
	}
}

func TestOAuth2Problems(t *testing.T) {
	const ok = "{name: a, host: h, username: u, auth: oauth2, oauth2: {provider: google, client_id: c, refresh_token: r}}"
	tests := []struct {
		name, yaml string
		want       []string
	}{
		{"no key", "mailboxes: [" + ok + "]\n", []string{
			"secrets.key: required when a mailbox or smtp uses auth: oauth2: 32 bytes in base64, the same on every instance (openssl rand -base64 32)"}},
		{"bad key", "secrets: {key: c2hvcnQ=, previous_keys: ['!']}\nmailboxes: [" + ok + "]\n", []string{
			"secrets.key: invalid: 5 bytes, want 32 (make one with: openssl rand -base64 32)",
			"secrets.previous_keys[0]: invalid: not base64 (make one with: openssl rand -base64 32)"}},
		{"bad auth", "secrets: {key: " + testKey + "}\nmailboxes: [{name: a, host: h, username: u, auth: token}]\nsmtp: {host: h, auth: xoauth}\n", []string{
			"mailboxes[0].auth: must be password or oauth2",
			"smtp.auth: must be password, oauth2 or none"}},
		{"empty oauth2 block", "secrets: {key: " + testKey + "}\nmailboxes: [{name: a, host: h, username: u, password: p, auth: oauth2}]\n", []string{
			"mailboxes[0].password: not used with auth: oauth2; remove it",
			"mailboxes[0].oauth2.provider: required with auth: oauth2 (google, microsoft or custom)",
			"mailboxes[0].oauth2.client_id: required",
			"http.public_url: required to connect mailboxes[0] in the web UI (or set mailboxes[0].oauth2.refresh_token)"}},
		{"oauth2 without auth oauth2", "mailboxes: [{name: a, host: h, username: u, password: p, oauth2: {provider: google}}]\n", []string{
			"mailboxes[0].oauth2: only used with auth: oauth2"}},
		{"provider details", "secrets: {key: " + testKey + "}\nmailboxes:\n" +
			"  - {name: a, host: h, username: u, auth: oauth2, oauth2: {provider: google, tenant: x, client_id: c, refresh_token: r, token_url: 'https://x/t'}}\n" +
			"  - {name: b, host: h, username: u, auth: oauth2, oauth2: {provider: custom, client_id: c, refresh_token: r, auth_url: 'http://id.example.com/a', token_url: 'ftp://x', scopes: ['']}}\n" +
			"  - {name: c, host: h, username: u, auth: oauth2, oauth2: {provider: microsoft, tenant: 'a b', client_id: c, refresh_token: r, mechanism: plain}}\n" +
			"  - {name: d, host: h, username: u, auth: oauth2, oauth2: {provider: yahoo, client_id: c, refresh_token: r}}\n", []string{
			"mailboxes[0].oauth2.token_url: only with provider custom (google brings its own)",
			"mailboxes[0].oauth2.tenant: only with provider microsoft",
			"mailboxes[1].oauth2.auth_url: must be https:// (http only to a loopback address)",
			"mailboxes[1].oauth2.token_url: must be an absolute https:// URL",
			"mailboxes[1].oauth2.scopes[0]: must not be empty",
			"mailboxes[2].oauth2.tenant: must be a tenant domain or id, e.g. contoso.onmicrosoft.com",
			"mailboxes[2].oauth2.mechanism: must be auto, xoauth2 or oauthbearer",
			"mailboxes[3].oauth2.provider: must be google, microsoft or custom"}},
		{"plain text token", "secrets: {key: " + testKey + "}\nmailboxes: [{name: a, host: imap.example.com, security: none, username: u, auth: oauth2, oauth2: {provider: google, client_id: c, refresh_token: r}}]\n", []string{
			"mailboxes[0].security: none would send the access token in plain text to imap.example.com; use tls or starttls (or set allow_insecure: true for a network you trust)"}},
		{"smtp", "secrets: {key: " + testKey + "}\nsmtp: {host: h, auth: oauth2, password: p, oauth2: {provider: google, client_id: c, refresh_token: r}}\n", []string{
			"smtp.username: required",
			"smtp.password: not used with auth: oauth2; remove it"}},
		{"smtp none", "smtp: {host: h, auth: none, username: u, password: p}\n", []string{
			"smtp.auth: none signs in with nothing: remove username, password and oauth2, or choose password or oauth2"}},
		{"notify", "notify: {managers: [boss, '']}\n", []string{
			`notify.managers[0]: invalid address "boss"`,
			"notify.managers[1]: required"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { wantProblems(t, tt.yaml, tt.want) })
	}
}
