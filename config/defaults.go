package config

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"frontdesk/internal/phone"
)

// Defaults for keys the configuration leaves out.
const (
	DefaultRedisURL       = "redis://127.0.0.1:6379/0"
	DefaultRedisPrefix    = "frontdesk"
	DefaultListen         = "127.0.0.1:8025"
	DefaultMaxConnections = 1000
	DefaultTwilioAPIURL   = "https://api.twilio.com"
	DefaultQueueName      = "support"
	DefaultGreeting       = "Thank you for calling. Please leave a message after the tone, and we will get back to you."
	DefaultAfterHours     = "Thank you for calling. We are closed right now. Please leave a message after the tone, and we will get back to you."
	defaultFolder         = "INBOX"
	defaultAfterImport    = "seen"
	afterImportMove       = "move:"
	defaultAttachmentSize = 25 * MB
	defaultReconcileDays  = 7
	maxReconcileDays      = 366

	// DefaultSpoolMaxSize is twilio.spool_max_size's default.
	DefaultSpoolMaxSize = 100 * MB
	// DefaultReconcileInterval is twilio.reconcile_interval's default.
	DefaultReconcileInterval = 10 * time.Minute
	// DefaultReconcileSettle is twilio.reconcile_settle's default.
	DefaultReconcileSettle = 5 * time.Minute
	// DefaultReconcileWindow is twilio.reconcile_window's default.
	DefaultReconcileWindow = 24 * time.Hour
)

// DefaultSpoolDir is twilio.spool_dir's default: frontdesk/spool in the
// user's state directory ($XDG_STATE_HOME, else ~/.local/state), or in the
// temporary directory when there is no home (a temporary directory may not
// survive a reboot: configure one that does).
func DefaultSpoolDir() string {
	if d := os.Getenv("XDG_STATE_HOME"); filepath.IsAbs(d) {
		return filepath.Join(d, "frontdesk", "spool")
	}
	if home, err := os.UserHomeDir(); err == nil && home != "" {
		return filepath.Join(home, ".local", "state", "frontdesk", "spool")
	}
	return filepath.Join(os.TempDir(), "frontdesk-spool")
}

// defaulter fills in defaults for the keys that decoding did not set.
type defaulter struct {
	set map[string]bool
}

func (d defaulter) str(path string, p *string, v string) {
	if !d.set[path] {
		*p = v
	}
}

func (d defaulter) int(path string, p *int, v int) {
	if !d.set[path] {
		*p = v
	}
}

func (d defaulter) bool(path string, p *bool, v bool) {
	if !d.set[path] {
		*p = v
	}
}

func (d defaulter) duration(path string, p *time.Duration, v time.Duration) {
	if !d.set[path] {
		*p = v
	}
}

func (d defaulter) size(path string, p *ByteSize, v ByteSize) {
	if !d.set[path] {
		*p = v
	}
}

// applyDefaults fills in the defaults of every key absent from the file
// (or null in it); set holds the paths that had a value.
func applyDefaults(c *Config, set map[string]bool) {
	d := defaulter{set: set}

	if len(c.Redis.Addrs) == 0 {
		d.str("redis.url", &c.Redis.URL, DefaultRedisURL)
	}
	d.str("redis.prefix", &c.Redis.Prefix, DefaultRedisPrefix)
	d.str("http.listen", &c.HTTP.Listen, DefaultListen)
	c.HTTP.PublicURL = strings.TrimSuffix(c.HTTP.PublicURL, "/")
	d.int("http.max_connections", &c.HTTP.MaxConnections, DefaultMaxConnections)
	d.str("log.level", &c.Log.Level, "info")
	d.str("log.format", &c.Log.Format, "text")
	d.duration("tickets.claim_lease", &c.Tickets.ClaimLease, 15*time.Minute)
	d.size("tickets.attachment_max_size", &c.Tickets.AttachmentMaxSize, defaultAttachmentSize)
	region := phone.DefaultRegion
	if len(c.Twilio.Numbers) > 0 {
		if r := phone.Region(c.Twilio.Numbers[0].Number); r != "" {
			region = r
		}
	}
	d.str("tickets.phone_region", &c.Tickets.PhoneRegion, region)
	c.Tickets.PhoneRegion = strings.ToUpper(c.Tickets.PhoneRegion)
	d.int("acknowledgements.per_address", &c.Acknowledgements.PerAddress, 3)
	d.int("acknowledgements.per_domain", &c.Acknowledgements.PerDomain, 100)

	if len(c.Queues) == 0 {
		c.Queues = []Queue{{Name: DefaultQueueName}}
	}
	firstQueue := ""
	if len(c.Queues) > 0 {
		firstQueue = c.Queues[0].Name
	}

	for i := range c.Mailboxes {
		m := &c.Mailboxes[i]
		p := fmt.Sprintf("mailboxes[%d]", i)
		d.str(p+".security", &m.Security, "tls")
		if m.Security == "tls" {
			d.int(p+".port", &m.Port, 993)
		} else {
			d.int(p+".port", &m.Port, 143)
		}
		d.str(p+".auth", &m.Auth, AuthPassword)
		defaultOAuth2(d, p+".oauth2", &m.OAuth2)
		d.str(p+".folder", &m.Folder, defaultFolder)
		d.str(p+".after_import", &m.AfterImport, defaultAfterImport)
		d.bool(p+".idle", &m.Idle, true)
		d.duration(p+".poll_interval", &m.PollInterval, 60*time.Second)
		d.str(p+".queue", &m.Queue, firstQueue)
		d.size(p+".max_message_size", &m.MaxMessageSize, defaultAttachmentSize)
		d.int(p+".reconcile_days", &m.ReconcileDays, defaultReconcileDays)
	}

	d.str("smtp.security", &c.SMTP.Security, "starttls")
	d.str("smtp.auth", &c.SMTP.Auth, AuthPassword)
	d.str("smtp.delivery_reports", &c.SMTP.DeliveryReports, "success")
	defaultOAuth2(d, "smtp.oauth2", &c.SMTP.OAuth2)
	if c.SMTP.Security == "tls" {
		d.int("smtp.port", &c.SMTP.Port, 465)
	} else {
		d.int("smtp.port", &c.SMTP.Port, 587)
	}

	t := &c.Twilio
	d.str("twilio.api_url", &t.APIURL, DefaultTwilioAPIURL)
	t.APIURL = strings.TrimSuffix(t.APIURL, "/")
	d.str("twilio.default_queue", &t.DefaultQueue, firstQueue)
	d.duration("twilio.sms_thread_window", &t.SMSThreadWindow, 24*time.Hour)
	d.size("twilio.spool_max_size", &t.SpoolMaxSize, DefaultSpoolMaxSize)
	d.duration("twilio.reconcile_interval", &t.ReconcileInterval, DefaultReconcileInterval)
	d.duration("twilio.reconcile_window", &t.ReconcileWindow, DefaultReconcileWindow)
	d.duration("twilio.reconcile_settle", &t.ReconcileSettle, DefaultReconcileSettle)
	for i := range t.Numbers {
		n := &t.Numbers[i]
		p := fmt.Sprintf("twilio.numbers[%d]", i)
		d.str(p+".queue", &n.Queue, t.DefaultQueue)
		if set[p+".greeting"] {
			d.str(p+".after_hours_greeting", &n.AfterHoursGreeting, n.Greeting)
		} else {
			d.str(p+".after_hours_greeting", &n.AfterHoursGreeting, DefaultAfterHours)
		}
		d.str(p+".greeting", &n.Greeting, DefaultGreeting)
		d.duration(p+".max_recording_length", &n.MaxRecordingLength, 2*time.Minute)
	}

	faxOutboundDefaults(d, &c.Fax.Outbound)
	lmtpDefaults(d, &c.LMTP)

	for name, cal := range c.BusinessHours {
		p := join("business_hours", name)
		d.str(p+".timezone", &cal.Timezone, defaultTimezone)
		d.str(p+".days", &cal.Days, defaultDays)
		d.str(p+".hours", &cal.Hours, defaultHours)
		c.BusinessHours[name] = cal
	}
}

// defaultOAuth2 fills in an oauth2 block's defaults: the Microsoft tenant
// and the SASL mechanism.
func defaultOAuth2(d defaulter, p string, o *OAuth2) {
	if !o.Used() {
		return
	}
	if o.Provider == "microsoft" {
		d.str(p+".tenant", &o.Tenant, "common")
	}
	d.str(p+".mechanism", &o.Mechanism, "auto")
}
