// Package config loads and validates frontdesk's YAML configuration.
//
// The file is decoded key by key so that every problem names the key it
// concerns ("mailboxes[1].security: must be tls, starttls or none"), unknown
// keys are refused, and ${NAME} in a value is replaced by the environment
// variable NAME. Parse and Load report every problem they find at once, as
// an *Error.
//
// YAML anchors, aliases and "<<" merge keys work; top-level keys starting
// with "x-" are ignored, so that they can hold anchors for others to merge:
//
//	x-imap: &imap {host: imap.example.com, security: tls}
//	mailboxes:
//	  - <<: *imap
//	    name: support
package config

import (
	"net/netip"
	"path"
	"strings"
	"time"

	// The time zone database is embedded so that business_hours time zones
	// resolve in a static binary on a host without zoneinfo.
	_ "time/tzdata"
)

// Config is frontdesk's whole configuration, as read from frontdesk.yaml.
// Parse and Load return it with defaults filled in and validated.
type Config struct {
	Redis   Redis   `yaml:"redis"`
	HTTP    HTTP    `yaml:"http"`
	Log     Log     `yaml:"log"`
	Tickets Tickets `yaml:"tickets"`
	// Secrets holds the key that encrypts the secrets kept in Redis
	// (OAuth2 tokens).
	Secrets Secrets `yaml:"secrets"`
	// Notify names whom frontdesk tells, by mail, about trouble only a
	// person can fix (a mailbox whose sign-in was revoked).
	Notify    Notify    `yaml:"notify"`
	Mailboxes []Mailbox `yaml:"mailboxes"`
	SMTP      SMTP      `yaml:"smtp"`
	Twilio    Twilio    `yaml:"twilio"`
	Fax       Fax       `yaml:"fax"`
	// LMTP is push intake: a mail server delivers to frontdesk (lmtp.go).
	LMTP LMTP `yaml:"lmtp"`
	// Webhooks are the outgoing webhooks: ticket events POSTed, signed, to
	// other systems.
	Webhooks []Webhook `yaml:"webhooks"`
	// Acknowledgements brakes the automatic answers to new tickets.
	Acknowledgements Acknowledgements `yaml:"acknowledgements"`
	// Queues lists the ticket queues. When none are configured there is
	// one, named "support".
	Queues []Queue `yaml:"queues"`
	Teams  []Team  `yaml:"teams"`
	// BusinessHours holds the named calendars that queues, numbers and
	// routing rules refer to.
	BusinessHours map[string]Calendar `yaml:"business_hours"`
	// RulesFile is an optional YAML rule set, loaded when Redis holds none
	// yet. Load makes a relative path relative to the configuration file's
	// directory; Parse leaves it as written.
	RulesFile string `yaml:"rules_file"`
	// Reports configures the managers' daily reports and morning summary.
	Reports Reports `yaml:"reports"`
	// Feedback configures the "Was this helpful?" links of closing replies.
	Feedback Feedback `yaml:"feedback"`
}

// Redis says how to reach Redis: one server by URL, or several by address
// (a Redis Cluster, or Sentinels when MasterName is set).
type Redis struct {
	// URL is a redis:// or rediss:// URL. Default, when Addrs is empty:
	// redis://127.0.0.1:6379/0.
	URL string `yaml:"url"`
	// Addrs lists host:port addresses of a Cluster's nodes or of Sentinels.
	Addrs []string `yaml:"addrs"`
	// MasterName is the Sentinel master's name; only with Addrs.
	MasterName string `yaml:"master_name"`
	Username   string `yaml:"username"`
	Password   string `yaml:"password"`
	DB         int    `yaml:"db"`
	// TLS turns on TLS for Addrs (a URL says so with rediss://).
	TLS bool `yaml:"tls"`
	// Prefix starts every key frontdesk writes. Default: frontdesk.
	Prefix string `yaml:"prefix"`
	// MinReplicas is how many replicas must have a write before a source
	// is told it is done (WAIT, or WAITAOF on Redis 7.2+); 0 relies on the
	// server's own AOF (appendfsync always, or WAITAOF). Default: 0.
	MinReplicas int `yaml:"min_replicas"`
}

// HTTP configures the HTTP server.
type HTTP struct {
	// Listen is the host:port to listen on. Default: 127.0.0.1:8025.
	Listen string `yaml:"listen"`
	// PublicURL is the absolute base URL (http or https) under which
	// Twilio reaches frontdesk; Twilio signatures are checked against it.
	// A trailing slash is removed. When it is https, every answer carries
	// Strict-Transport-Security and the web UI's cookies are Secure.
	PublicURL string `yaml:"public_url"`
	// MaxConnections caps the connections open at once on Listen; further
	// ones wait in the kernel's queue until one closes. Default: 1000.
	MaxConnections int `yaml:"max_connections"`
	// MetricsListen, when set, is the host:port /metrics is served on
	// instead of Listen (which then answers /metrics with 404).
	MetricsListen string `yaml:"metrics_listen"`
	// MetricsToken, when set, is the bearer token /metrics requires
	// ("Authorization: Bearer TOKEN"); without it /metrics answers 401.
	// At least 16 characters.
	MetricsToken string `yaml:"metrics_token"`
	// TrustedProxies are the reverse proxies in front of frontdesk, as IP
	// addresses or CIDR prefixes (10.0.0.0/8). Only a request whose
	// connection comes from one of them has its X-Forwarded-For header
	// believed, and then only as far as the addresses in it are trusted
	// proxies too: the login brake counts the request against the first
	// address from the right that is not. Default: none; every request
	// comes from its connection's address.
	TrustedProxies []string `yaml:"trusted_proxies"`
}

// TrustedProxyPrefixes are TrustedProxies as prefixes (an address as its /32
// or /128). Entries that do not parse, which validation reports, are left
// out.
func (h HTTP) TrustedProxyPrefixes() []netip.Prefix {
	var out []netip.Prefix
	for _, s := range h.TrustedProxies {
		if p, ok := parseProxy(s); ok {
			out = append(out, p)
		}
	}
	return out
}

// parseProxy reads one entry of http.trusted_proxies.
func parseProxy(s string) (netip.Prefix, bool) {
	if p, err := netip.ParsePrefix(s); err == nil {
		return p.Masked(), true
	}
	if a, err := netip.ParseAddr(s); err == nil && a.Zone() == "" {
		a = a.Unmap()
		return netip.PrefixFrom(a, a.BitLen()), true
	}
	return netip.Prefix{}, false
}

// Log configures logging.
type Log struct {
	// Level is debug, info, warn or error. Default: info.
	Level string `yaml:"level"`
	// Format is text or json. Default: text.
	Format string `yaml:"format"`
}

// Tickets holds settings for tickets regardless of channel.
type Tickets struct {
	// ClaimLease is how long a claimed ticket stays with an assistant
	// without activity; between 1m and 24h. Default: 15m.
	ClaimLease time.Duration `yaml:"claim_lease"`
	// AttachmentMaxSize is the largest attachment kept; at most 512MB.
	// Default: 25MB.
	AttachmentMaxSize ByteSize `yaml:"attachment_max_size"`
	// PhoneRegion is the country (ISO 3166, e.g. "NL") whose way of writing
	// numbers applies to a number written without a country code, in a
	// search or a customer's details ("020 555 0123"). Default: the country
	// of the first Twilio number, else "US".
	PhoneRegion string `yaml:"phone_region"`
	// Retention is how long a closed ticket is kept after its last change:
	// older ones are erased, content, attachments and index entries alike,
	// by a sweep in serve. Written in days ("730d"); at least 1d and longer
	// than every reconciliation window (mailboxes' reconcile_days,
	// twilio.reconcile_window), so that reconciliation never imports an
	// erased ticket's mail again. Default: 0, keep everything.
	Retention Period `yaml:"retention"`
	// NumberMarkDir is the directory where this instance notes the highest
	// ticket number it has seen handed out, with the deployment's id (file
	// ticket-number, or ticket-number-INSTANCE with $FRONTDESK_INSTANCE), so
	// that after Redis is restored from a backup, its counter behind numbers
	// customers already have, start-up raises the counter above them.
	// Default: $XDG_STATE_HOME/frontdesk (else ~/.local/state/frontdesk),
	// where the default spool is.
	NumberMarkDir string `yaml:"number_mark_dir"`
}

// Acknowledgements limits the automatic answers frontdesk sends to new
// tickets, so that nobody can make it mail a stranger (or a whole domain) by
// forging their address as a sender.
type Acknowledgements struct {
	// PerAddress is how many acknowledgements one address gets per hour;
	// addresses that differ only by a +tag (and, at Gmail, by dots) count
	// as one. Default: 3.
	PerAddress int `yaml:"per_address"`
	// PerDomain is how many acknowledgements all addresses of one domain
	// get per hour. Default: 100.
	PerDomain int `yaml:"per_domain"`
}

// Secrets is the key that encrypts the secrets frontdesk keeps in Redis:
// the OAuth2 refresh and access tokens of mailboxes and of smtp (package
// internal/secrets). Required when anything uses auth oauth2.
type Secrets struct {
	// Key is 32 bytes in base64 (openssl rand -base64 32). Every instance
	// needs the same.
	Key string `yaml:"key"`
	// PreviousKeys are keys replaced by Key: secrets sealed with them are
	// still read, and sealed again with Key when next written (at the
	// latest when an instance starts). Remove one once every instance has
	// run with the new Key.
	PreviousKeys []string `yaml:"previous_keys"`
}

// Notify names the people frontdesk mails about trouble only a person can
// fix.
type Notify struct {
	// Managers are mail addresses that get one mail per incident when a
	// mailbox's OAuth2 sign-in fails for good (revoked consent, an expired
	// password): a manager must connect it again. Empty: the incident shows
	// on the settings page, /readyz, the metrics and the log only.
	Managers []string `yaml:"managers"`
}

// OAuth2 is how frontdesk signs in to a mail server with OAuth2 (SASL
// XOAUTH2 or OAUTHBEARER): the provider, the app registered there, and
// optionally a refresh token for a service account (else a manager connects
// the mailbox in the web UI, and the token is kept, encrypted, in Redis).
type OAuth2 struct {
	// Provider is google, microsoft or custom. google and microsoft bring
	// their endpoints and scopes; custom needs AuthURL and TokenURL.
	Provider string `yaml:"provider"`
	// Tenant is the Microsoft Entra tenant (its domain or id), microsoft
	// only. Default: common.
	Tenant       string `yaml:"tenant"`
	ClientID     string `yaml:"client_id"`
	ClientSecret string `yaml:"client_secret"`
	// RefreshToken, when set, is used instead of a connection made in the
	// web UI (a service's token); a new value replaces the one in Redis
	// when frontdesk starts. Rotated tokens are kept in Redis.
	RefreshToken string `yaml:"refresh_token"`
	// AuthURL and TokenURL are the provider's authorization and token
	// endpoints, custom only. https, or http to a loopback address.
	AuthURL  string `yaml:"auth_url"`
	TokenURL string `yaml:"token_url"`
	// Scopes asked for. Default: the provider's (google:
	// https://mail.google.com/; microsoft: IMAP.AccessAsUser.All,
	// SMTP.Send and offline_access at https://outlook.office.com/).
	Scopes []string `yaml:"scopes"`
	// Mechanism is the SASL mechanism: auto (XOAUTH2 where the server
	// offers it, else OAUTHBEARER), xoauth2 or oauthbearer. Default: auto.
	Mechanism string `yaml:"mechanism"`
}

// Used reports whether any OAuth2 setting is given.
func (o OAuth2) Used() bool {
	return o.Provider != "" || o.ClientID != "" || o.ClientSecret != "" || o.RefreshToken != "" ||
		o.AuthURL != "" || o.TokenURL != "" || o.Tenant != "" || len(o.Scopes) > 0
}

// UsesOAuth2 reports whether a mailbox or smtp signs in with OAuth2.
func (c *Config) UsesOAuth2() bool {
	for _, m := range c.Mailboxes {
		if m.Auth == AuthOAuth2 {
			return true
		}
	}
	return c.SMTP.Auth == AuthOAuth2
}

// Authentication methods of mailboxes[].auth and smtp.auth.
const (
	AuthPassword = "password"
	AuthOAuth2   = "oauth2"
	AuthNone     = "none" // smtp only
)

// Mailbox is an IMAP mailbox whose mail becomes tickets.
type Mailbox struct {
	// Name identifies the mailbox, e.g. in routing rules; unique.
	Name string `yaml:"name"`
	Host string `yaml:"host"`
	// Port defaults to 993 with security tls and to 143 otherwise.
	Port int `yaml:"port"`
	// Security is tls, starttls or none. Default: tls. None, which sends
	// the password in plain text, is refused for a host other than
	// localhost or a loopback address unless AllowInsecure is set.
	Security string `yaml:"security"`
	// AllowInsecure allows security none to a host that is not loopback,
	// for a network the operator trusts. Default: false.
	AllowInsecure bool   `yaml:"allow_insecure"`
	Username      string `yaml:"username"`
	// Auth is password (LOGIN with Password) or oauth2 (SASL XOAUTH2 or
	// OAUTHBEARER with a token of OAuth2). Default: password.
	Auth     string `yaml:"auth"`
	Password string `yaml:"password"`
	// OAuth2 is the sign-in with auth oauth2.
	OAuth2 OAuth2 `yaml:"oauth2"`
	// Folder is the folder mail is read from. Default: INBOX.
	Folder string `yaml:"folder"`
	// AfterImport is what happens to an imported message: "seen" marks it
	// seen, "move:FOLDER" moves it to FOLDER. Mail is never deleted.
	// Default: seen.
	AfterImport string `yaml:"after_import"`
	// Idle uses IMAP IDLE where the server offers it, else polls.
	// Default: true.
	Idle bool `yaml:"idle"`
	// PollInterval is the time between polls; at least 1s. Default: 60s.
	PollInterval time.Duration `yaml:"poll_interval"`
	// Address is our address for this mailbox: replies and
	// acknowledgements go out from it.
	Address string `yaml:"address"`
	// Queue is the ticket's queue before rules run. Default: the first
	// queue.
	Queue string `yaml:"queue"`
	// MaxMessageSize is the largest message imported. Default: 25MB.
	MaxMessageSize ByteSize `yaml:"max_message_size"`
	// ReconcileDays is how far back, in days of INTERNALDATE, the mailbox's
	// reconciliation looks for mail on the server that the store lacks
	// (every 10 minutes and at start); 0 turns it off. Default: 7.
	ReconcileDays int `yaml:"reconcile_days"`
}

// AfterImportFolder returns FOLDER when AfterImport is "move:FOLDER", and
// "" when messages are only marked seen.
func (m Mailbox) AfterImportFolder() string {
	if f, ok := strings.CutPrefix(m.AfterImport, afterImportMove); ok {
		return f
	}
	return ""
}

// SMTP is the server outgoing mail is sent through. Without a Host there is
// no outgoing mail.
type SMTP struct {
	Host string `yaml:"host"`
	// Port defaults to 465 with security tls and to 587 otherwise.
	Port int `yaml:"port"`
	// Security is tls, starttls or none. Default: starttls.
	Security string `yaml:"security"`
	// Auth is password (AUTH PLAIN with Username and Password, when a
	// Username is given), oauth2 (SASL XOAUTH2 or OAUTHBEARER with a token
	// of OAuth2, as Username) or none. Default: password.
	Auth     string `yaml:"auth"`
	Username string `yaml:"username"`
	Password string `yaml:"password"`
	// OAuth2 is the sign-in with auth oauth2.
	OAuth2 OAuth2 `yaml:"oauth2"`
	// HeloName is the name sent in EHLO; empty means the library's default.
	HeloName string `yaml:"helo_name"`
	// From is the sender address used when a message has no mailbox or
	// queue address of its own.
	From string `yaml:"from"`
	// DKIM signs outgoing mail when its key_file is set.
	DKIM DKIM `yaml:"dkim"`
	// DeliveryReports is what delivery status notifications (RFC 3461)
	// mail asks a server that offers them for: "success" (success and
	// failure: a reply is marked delivered when the recipient's server
	// reports it), "failure" (bounces only, with the envelope id), or
	// "none" (no DSN parameters). Default: success.
	DeliveryReports string `yaml:"delivery_reports"`
}

// Notify is what SMTP.DeliveryReports asks for, as NOTIFY values.
func (s SMTP) Notify() []string {
	switch s.DeliveryReports {
	case "success", "":
		return []string{"success", "failure"}
	case "failure":
		return []string{"failure"}
	}
	return nil
}

// DKIM configures DKIM signing of outgoing mail (RFC 6376).
type DKIM struct {
	// Domain is the signing domain (d=); Selector the DNS selector (s=).
	Domain   string `yaml:"domain"`
	Selector string `yaml:"selector"`
	// KeyFile is a PEM private key (RSA PKCS#1/PKCS#8 or Ed25519 PKCS#8).
	// Relative paths are taken from the configuration file's folder.
	KeyFile string `yaml:"key_file"`
}

// Twilio configures calls, SMS and faxes through Twilio. With neither an
// AccountSID nor Numbers it is off.
type Twilio struct {
	AccountSID string `yaml:"account_sid"`
	AuthToken  string `yaml:"auth_token"`
	// APIURL is Twilio's REST API base URL. Default: https://api.twilio.com.
	APIURL string `yaml:"api_url"`
	// DefaultQueue is the queue of numbers without one. Default: the first
	// queue.
	DefaultQueue string `yaml:"default_queue"`
	// SMSThreadWindow is how long after its last message an SMS
	// conversation continues its ticket. Default: 24h.
	SMSThreadWindow time.Duration `yaml:"sms_thread_window"`
	Numbers         []Number      `yaml:"numbers"`
	// SpoolDir is the directory of this instance's spool: the webhooks it
	// answered while Redis could not take them, kept on its disk until
	// Redis is back. Each instance needs a spool of its own. Empty: the
	// default, DefaultSpoolDir().
	SpoolDir string `yaml:"spool_dir"`
	// SpoolMaxSize bounds the webhooks a spool holds; a full spool answers
	// 503. Default: 100MB.
	SpoolMaxSize ByteSize `yaml:"spool_max_size"`
	// ReconcileInterval is how often Twilio's API is asked for the recent
	// inbound messages, calls and recordings of our numbers, to file those
	// that never reached frontdesk (one instance at a time). 0 turns it
	// off. Default: 10m.
	ReconcileInterval time.Duration `yaml:"reconcile_interval"`
	// ReconcileWindow is how far back the first reconciliation looks, and
	// how far back any may. Default: 24h.
	ReconcileWindow time.Duration `yaml:"reconcile_window"`
	// ReconcileSettle is how old an inbound item must be before the
	// reconciliation files it: younger ones are left to their webhooks,
	// which Twilio may still be delivering. Default: 5m.
	ReconcileSettle time.Duration `yaml:"reconcile_settle"`
}

// Number is one of our Twilio phone numbers.
type Number struct {
	// Number is in E.164 form, e.g. "+15555550100"; unique.
	Number string `yaml:"number"`
	// Queue defaults to the Twilio default queue.
	Queue string `yaml:"queue"`
	// Greeting is spoken before the recording starts.
	Greeting string `yaml:"greeting"`
	// AfterHoursGreeting is spoken outside BusinessHours. Default: the
	// Greeting when one is configured, else an English closed message.
	AfterHoursGreeting string `yaml:"after_hours_greeting"`
	// BusinessHours names a calendar; empty means always open.
	BusinessHours string `yaml:"business_hours"`
	// Transcribe asks Twilio for a transcript of each voicemail.
	Transcribe bool `yaml:"transcribe"`
	// MaxRecordingLength limits a voicemail; 1s to 4h. Default: 2m.
	MaxRecordingLength time.Duration `yaml:"max_recording_length"`
}

// Fax configures faxes that arrive by mail, and sending faxes.
type Fax struct {
	// EmailSenders are sender patterns, such as "*@fax.example.net" or
	// "fax@example.org", whose mail becomes a fax ticket. "*" matches any
	// run of characters; case does not matter.
	EmailSenders []string `yaml:"email_senders"`
	// Outbound sends faxes (fax_outbound.go); its zero value sends none.
	Outbound FaxOutbound `yaml:"outbound"`
}

// IsSender reports whether the mail address matches one of EmailSenders.
func (f Fax) IsSender(address string) bool {
	address = strings.ToLower(strings.TrimSpace(address))
	for _, p := range f.EmailSenders {
		if ok, _ := path.Match(strings.ToLower(p), address); ok {
			return true
		}
	}
	return false
}

// Queue is a queue of tickets that assistants work through.
type Queue struct {
	// Name is lowercase letters, digits, "_" and "-"; unique.
	Name string `yaml:"name"`
	// Address is the queue's sender address for replies.
	Address string `yaml:"address"`
	// AutoAck sends an acknowledgement to customers who open a ticket.
	AutoAck bool `yaml:"auto_ack"`
	// AckTemplate is a text/template for the acknowledgement; empty
	// means the built-in text.
	AckTemplate string `yaml:"ack_template"`
	// FirstResponse is the time within which a first answer is due;
	// zero means no target.
	FirstResponse time.Duration `yaml:"first_response"`
	// BusinessHours names the calendar FirstResponse is counted in; empty
	// means around the clock.
	BusinessHours string `yaml:"business_hours"`
}

// Team is a group of users that tickets can be assigned to.
type Team struct {
	Name string `yaml:"name"`
	// Members are user names, as created with "frontdesk users add".
	Members []string `yaml:"members"`
	// MaxOpenPerMember caps the open tickets assigned to one member;
	// 0 means no cap.
	MaxOpenPerMember int `yaml:"max_open_per_member"`
}

// Queue returns the queue with the given name.
func (c *Config) Queue(name string) (Queue, bool) {
	for _, q := range c.Queues {
		if q.Name == name {
			return q, true
		}
	}
	return Queue{}, false
}

// Mailbox returns the mailbox with the given name.
func (c *Config) Mailbox(name string) (Mailbox, bool) {
	for _, m := range c.Mailboxes {
		if m.Name == name {
			return m, true
		}
	}
	return Mailbox{}, false
}

// Number returns the Twilio number with the given E.164 form.
func (c *Config) Number(e164 string) (Number, bool) {
	for _, n := range c.Twilio.Numbers {
		if n.Number == e164 {
			return n, true
		}
	}
	return Number{}, false
}

// Team returns the team with the given name.
func (c *Config) Team(name string) (Team, bool) {
	for _, t := range c.Teams {
		if t.Name == name {
			return t, true
		}
	}
	return Team{}, false
}

// Calendar returns the business hours calendar with the given name.
func (c *Config) Calendar(name string) (Calendar, bool) {
	cal, ok := c.BusinessHours[name]
	return cal, ok
}
