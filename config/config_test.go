package config

import (
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// env returns a getenv function backed by m.
func env(m map[string]string) func(string) (string, bool) {
	return func(name string) (string, bool) {
		v, ok := m[name]
		return v, ok
	}
}

func mustParse(t *testing.T, yaml string, vars map[string]string) *Config {
	t.Helper()
	c, err := Parse([]byte(yaml), env(vars))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return c
}

// problemsOf parses yaml, which must fail with an *Error, and returns its
// problems as the operator reads them.
func problemsOf(t *testing.T, yaml string) []string {
	t.Helper()
	_, err := Parse([]byte(yaml), env(nil))
	var cerr *Error
	if !errors.As(err, &cerr) {
		t.Fatalf("Parse(%q) error = %v, want *Error", yaml, err)
	}
	var got []string
	for _, p := range cerr.Problems {
		got = append(got, p.String())
	}
	return got
}

// wantProblems checks that yaml fails with exactly the problems want, in order.
func wantProblems(t *testing.T, yaml string, want []string) {
	t.Helper()
	got := problemsOf(t, yaml)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestExampleFile(t *testing.T) {
	data, err := os.ReadFile("../frontdesk.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	c := mustParse(t, string(data), map[string]string{
		"SUPPORT_IMAP_PASSWORD": "imap-secret",
		"SMTP_PASSWORD":         "smtp-secret",
		"TWILIO_AUTH_TOKEN":     "twiliosecret",
	})

	check := func(name string, got, want any) {
		t.Helper()
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s = %#v, want %#v", name, got, want)
		}
	}
	check("redis.url", c.Redis.URL, "redis://127.0.0.1:6379/0")
	check("redis.prefix", c.Redis.Prefix, "frontdesk")
	check("http.listen", c.HTTP.Listen, "127.0.0.1:8025")
	check("http.public_url", c.HTTP.PublicURL, "https://desk.example.com")
	check("http.max_connections", c.HTTP.MaxConnections, 1000)
	check("http.metrics_listen", c.HTTP.MetricsListen, "")
	check("http.metrics_token", c.HTTP.MetricsToken, "")
	check("http.trusted_proxies", c.HTTP.TrustedProxyPrefixes(), []netip.Prefix(nil))
	check("log", c.Log, Log{Level: "info", Format: "text"})
	check("tickets", c.Tickets, Tickets{ClaimLease: 15 * time.Minute, AttachmentMaxSize: 25 * MB, PhoneRegion: "US"})

	check("len(mailboxes)", len(c.Mailboxes), 1)
	check("mailboxes[0]", c.Mailboxes[0], Mailbox{
		Name: "support", Host: "imap.example.com", Port: 993, Security: "tls",
		Username: "support@example.com", Auth: "password", Password: "imap-secret", Folder: "INBOX",
		AfterImport: "seen", Idle: true, PollInterval: 60 * time.Second,
		Address: "support@example.com", Queue: "support", MaxMessageSize: 25 * MB, ReconcileDays: 7,
	})
	check("smtp", c.SMTP, SMTP{
		Host: "smtp.example.com", Port: 587, Security: "starttls", Auth: "password",
		Username: "support@example.com", Password: "smtp-secret", From: "support@example.com", DeliveryReports: "success",
	})
	check("twilio.account_sid", c.Twilio.AccountSID, "ACxxxxxxxx")
	check("twilio.auth_token", c.Twilio.AuthToken, "twiliosecret")
	check("twilio.api_url", c.Twilio.APIURL, "https://api.twilio.com")
	check("twilio.default_queue", c.Twilio.DefaultQueue, "support")
	check("twilio.sms_thread_window", c.Twilio.SMSThreadWindow, 24*time.Hour)
	check("twilio.spool_dir", c.Twilio.SpoolDir, "")
	check("twilio.spool_max_size", c.Twilio.SpoolMaxSize, 100*MB)
	check("twilio.reconcile_interval", c.Twilio.ReconcileInterval, 10*time.Minute)
	check("twilio.reconcile_window", c.Twilio.ReconcileWindow, 24*time.Hour)
	check("twilio.reconcile_settle", c.Twilio.ReconcileSettle, 5*time.Minute)
	n, ok := c.Number("+15555550100")
	check("Number found", ok, true)
	check("number", n, Number{
		Number: "+15555550100", Queue: "phone",
		Greeting:           "Thank you for calling. Please leave a message after the tone.",
		AfterHoursGreeting: "We are closed right now. Please leave a message after the tone.",
		BusinessHours:      "office", Transcribe: true, MaxRecordingLength: 2 * time.Minute,
	})
	check("fax", c.Fax.EmailSenders, []string{"*@fax.example.net"})
	check("fax sender", c.Fax.IsSender("Scanner@FAX.example.net"), true)
	check("fax non-sender", c.Fax.IsSender("ann@example.org"), false)

	q, ok := c.Queue("support")
	check("Queue found", ok, true)
	check("queue", q, Queue{Name: "support", Address: "support@example.com", AutoAck: true,
		FirstResponse: 4 * time.Hour, BusinessHours: "office"})
	check("len(queues)", len(c.Queues), 3)
	tm, _ := c.Team("billing-team")
	check("team", tm, Team{Name: "billing-team", Members: []string{"ann", "bob"}, MaxOpenPerMember: 20})

	cal, ok := c.Calendar("office")
	check("Calendar found", ok, true)
	check("timezone", cal.Location().String(), "Europe/Amsterdam")
	check("weekdays", cal.Weekdays(), [7]bool{false, true, true, true, true, true, false})
	start, end := cal.Open()
	check("open", [2]time.Duration{start, end}, [2]time.Duration{9 * time.Hour, 17 * time.Hour})
	check("holidays", cal.HolidayDates(), []string{"2026-12-25"})
	check("rules_file", c.RulesFile, "rules.yaml")
	if _, ok := c.Mailbox("support"); !ok {
		t.Error(`Mailbox("support") not found`)
	}
	if _, ok := c.Mailbox("nope"); ok {
		t.Error(`Mailbox("nope") found`)
	}
}

func TestMinimalDefaults(t *testing.T) {
	c := mustParse(t, `
redis: {url: "redis://redis.internal:6379/2"}
mailboxes:
  - {name: a, host: imap.example.com, username: u, password: p}
  - {name: b, host: imap.example.com, username: u, password: p, idle: false, security: starttls}
http: {public_url: "https://desk.example.com"}
twilio:
  account_sid: AC123
  auth_token: t
  numbers: [{number: "+31201234567"}, {number: "+31201234568", greeting: "Hallo."}]
business_hours:
  office: {}
`, nil)
	want := &Config{
		Redis:            Redis{URL: "redis://redis.internal:6379/2", Prefix: "frontdesk"},
		HTTP:             HTTP{Listen: "127.0.0.1:8025", PublicURL: "https://desk.example.com", MaxConnections: 1000},
		Log:              Log{Level: "info", Format: "text"},
		Tickets:          Tickets{ClaimLease: 15 * time.Minute, AttachmentMaxSize: 25 * MB, PhoneRegion: "NL"},
		Acknowledgements: Acknowledgements{PerAddress: 3, PerDomain: 100},
		Mailboxes: []Mailbox{
			{Name: "a", Host: "imap.example.com", Port: 993, Security: "tls", Username: "u", Auth: "password", Password: "p",
				Folder: "INBOX", AfterImport: "seen", Idle: true, PollInterval: time.Minute,
				Queue: "support", MaxMessageSize: 25 * MB, ReconcileDays: 7},
			{Name: "b", Host: "imap.example.com", Port: 143, Security: "starttls", Username: "u", Auth: "password", Password: "p",
				Folder: "INBOX", AfterImport: "seen", Idle: false, PollInterval: time.Minute,
				Queue: "support", MaxMessageSize: 25 * MB, ReconcileDays: 7},
		},
		SMTP: SMTP{Port: 587, Security: "starttls", Auth: "password", DeliveryReports: "success"},
		Twilio: Twilio{AccountSID: "AC123", AuthToken: "t", APIURL: "https://api.twilio.com",
			DefaultQueue: "support", SMSThreadWindow: 24 * time.Hour,
			SpoolMaxSize: 100 * MB, ReconcileInterval: 10 * time.Minute, ReconcileWindow: 24 * time.Hour, ReconcileSettle: 5 * time.Minute,
			Numbers: []Number{
				{Number: "+31201234567", Queue: "support", Greeting: DefaultGreeting,
					AfterHoursGreeting: DefaultAfterHours, MaxRecordingLength: 2 * time.Minute},
				{Number: "+31201234568", Queue: "support", Greeting: "Hallo.",
					AfterHoursGreeting: "Hallo.", MaxRecordingLength: 2 * time.Minute},
			}},
		Fax: Fax{Outbound: FaxOutbound{MediaTTL: DefaultFaxMediaTTL}},
		LMTP: LMTP{Protocol: DefaultLMTPProtocol, MaxMessageSize: 25 * MB, MaxConnections: DefaultLMTPMaxConnections,
			MaxRecipients: DefaultLMTPMaxRecipients, Timeout: DefaultLMTPTimeout},
		Queues:        []Queue{{Name: "support"}},
		BusinessHours: map[string]Calendar{"office": {Timezone: "UTC", Days: "mon-fri", Hours: "09:00-17:00"}},
	}
	// The parsed calendar form is compared through its accessors below.
	cal := c.BusinessHours["office"]
	c.BusinessHours["office"] = Calendar{Timezone: cal.Timezone, Days: cal.Days, Hours: cal.Hours, Holidays: cal.Holidays}
	if !reflect.DeepEqual(c, want) {
		t.Errorf("got\n%#v\nwant\n%#v", c, want)
	}
	if cal.Location() != time.UTC {
		t.Errorf("Location = %v, want UTC", cal.Location())
	}
}

func TestEmptyDocument(t *testing.T) {
	for _, doc := range []string{"", "\n# nothing\n", "---\n", "~\n", "redis: ~\nqueues: ~\n"} {
		c := mustParse(t, doc, nil)
		if c.Redis.URL != DefaultRedisURL || len(c.Queues) != 1 || c.Queues[0].Name != "support" || c.Tickets.PhoneRegion != "US" {
			t.Errorf("%q: got redis %q, queues %v, phone region %q", doc, c.Redis.URL, c.Queues, c.Tickets.PhoneRegion)
		}
	}
}

func TestAddrsNoDefaultURL(t *testing.T) {
	c := mustParse(t, "redis: {addrs: [a:6379, b:6379], master_name: m, tls: true}\n", nil)
	if c.Redis.URL != "" || len(c.Redis.Addrs) != 2 || !c.Redis.TLS {
		t.Errorf("redis = %+v", c.Redis)
	}
}

func TestMergeKeys(t *testing.T) {
	c := mustParse(t, `
x-imap: &imap {host: imap.example.com, username: u, password: p, idle: false}
mailboxes:
  - <<: *imap
    name: a
  - <<: *imap
    name: b
    idle: true
`, nil)
	if c.Mailboxes[0].Host != "imap.example.com" || c.Mailboxes[0].Idle || !c.Mailboxes[1].Idle {
		t.Errorf("mailboxes = %+v", c.Mailboxes)
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "frontdesk.yaml")
	if err := os.WriteFile(path, []byte("rules_file: rules.yaml\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(dir, "rules.yaml"); c.RulesFile != want {
		t.Errorf("RulesFile = %q, want %q", c.RulesFile, want)
	}
	if _, err := Load(filepath.Join(dir, "missing.yaml")); err == nil || !os.IsNotExist(unwrapAll(err)) {
		t.Errorf("Load(missing) = %v, want a not-exist error", err)
	}
}

func unwrapAll(err error) error {
	for {
		u, ok := err.(interface{ Unwrap() error })
		if !ok {
			return err
		}
		err = u.Unwrap()
	}
}

func TestResolve(t *testing.T) {
	t.Setenv("FRONTDESK_CONFIG", "")
	if got := Resolve(""); got != "./frontdesk.yaml" {
		t.Errorf("Resolve(\"\") = %q", got)
	}
	t.Setenv("FRONTDESK_CONFIG", "/etc/frontdesk.yaml")
	if got := Resolve(""); got != "/etc/frontdesk.yaml" {
		t.Errorf("Resolve(\"\") with env = %q", got)
	}
	if got := Resolve("x.yaml"); got != "x.yaml" {
		t.Errorf("Resolve(x.yaml) = %q", got)
	}
}

// The HTTP limits take what the file says, ${NAME} included.
func TestHTTPLimits(t *testing.T) {
	c := mustParse(t, `http: {max_connections: 50, metrics_listen: "127.0.0.1:9025", metrics_token: "${METRICS_TOKEN}"}`,
		map[string]string{"METRICS_TOKEN": "0123456789abcdef0123"})
	h := c.HTTP
	if h.Listen != DefaultListen || h.MaxConnections != 50 || h.MetricsListen != "127.0.0.1:9025" || h.MetricsToken != "0123456789abcdef0123" {
		t.Errorf("http = %+v", h)
	}
}

// IMAP without TLS is allowed where the password cannot leave the machine,
// or where the operator says the network is trusted.
func TestInsecureIMAPAllowed(t *testing.T) {
	c := mustParse(t, `
mailboxes:
  - {name: a, host: 127.0.0.1, security: none, username: u, password: p}
  - {name: b, host: "::1", security: none, username: u, password: p}
  - {name: c, host: LocalHost, security: none, username: u, password: p}
  - {name: d, host: imap.lan, security: none, allow_insecure: true, username: u, password: p}
`, nil)
	if c.Mailboxes[0].AllowInsecure || !c.Mailboxes[3].AllowInsecure {
		t.Errorf("allow_insecure = %v, %v; want false, true", c.Mailboxes[0].AllowInsecure, c.Mailboxes[3].AllowInsecure)
	}
}

func TestTrustedProxyPrefixes(t *testing.T) {
	h := HTTP{TrustedProxies: []string{"192.0.2.1", "10.1.2.3/8", "::ffff:10.0.0.1", "2001:db8::/32", "::1", "not an address"}}
	var got []string
	for _, p := range h.TrustedProxyPrefixes() {
		got = append(got, p.String())
	}
	want := "192.0.2.1/32 10.0.0.0/8 10.0.0.1/32 2001:db8::/32 ::1/128"
	if strings.Join(got, " ") != want {
		t.Errorf("TrustedProxyPrefixes = %q, want %q", strings.Join(got, " "), want)
	}
}

func TestReconcileOff(t *testing.T) {
	c := mustParse(t, "http: {public_url: 'https://d.example.com'}\ntwilio: {account_sid: AC1, auth_token: t, reconcile_interval: 0, spool_dir: /var/lib/frontdesk/spool}\n", nil)
	if c.Twilio.ReconcileInterval != 0 || c.Twilio.SpoolDir != "/var/lib/frontdesk/spool" {
		t.Fatalf("twilio = %+v", c.Twilio)
	}
}

func TestDefaultSpoolDir(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", "/state")
	if got := DefaultSpoolDir(); got != "/state/frontdesk/spool" {
		t.Errorf("with XDG_STATE_HOME: %s", got)
	}
	t.Setenv("XDG_STATE_HOME", "")
	t.Setenv("HOME", "/home/desk")
	if got := DefaultSpoolDir(); got != "/home/desk/.local/state/frontdesk/spool" {
		t.Errorf("with HOME: %s", got)
	}
}
