package config

import (
	"path"
	"regexp"
	"strings"
	"time"
)

// validateMailboxes checks the IMAP mailboxes.
func validateMailboxes(c *Config, ps *problems) {
	names := map[string]bool{}
	for i, m := range c.Mailboxes {
		p := index("mailboxes", i)
		if required(ps, p+".name", m.Name) {
			unique(ps, names, p+".name", m.Name)
		}
		required(ps, p+".host", m.Host)
		checkPort(ps, p+".port", m.Port)
		checkSecurity(ps, p+".security", m.Security)
		if m.Security == "none" && m.Host != "" && !isLoopbackHost(m.Host) && !m.AllowInsecure {
			// As the SMTP sender refuses AUTH in plain text beyond
			// loopback: an IMAP login would send the password in the clear.
			what := "the password"
			if m.Auth == AuthOAuth2 {
				what = "the access token"
			}
			ps.add(p+".security", "none would send %s in plain text to %s; use tls or starttls "+
				"(or set allow_insecure: true for a network you trust)", what, m.Host)
		}
		required(ps, p+".username", m.Username)
		switch m.Auth {
		case AuthPassword:
			required(ps, p+".password", m.Password)
			if m.OAuth2.Used() {
				ps.add(p+".oauth2", "only used with auth: oauth2")
			}
		case AuthOAuth2:
			if m.Password != "" {
				ps.add(p+".password", "not used with auth: oauth2; remove it")
			}
			validateOAuth2(c, ps, p+".oauth2", m.OAuth2)
		default:
			ps.add(p+".auth", "must be password or oauth2")
		}
		required(ps, p+".folder", m.Folder)
		if m.AfterImport != defaultAfterImport {
			if f, ok := strings.CutPrefix(m.AfterImport, afterImportMove); !ok || strings.TrimSpace(f) == "" {
				ps.add(p+".after_import", "must be seen or move:FOLDER")
			}
		}
		if m.PollInterval < time.Second {
			ps.add(p+".poll_interval", "must be at least 1s")
		}
		checkAddress(ps, p+".address", m.Address)
		checkQueueRef(c, ps, p+".queue", m.Queue, true)
		if m.MaxMessageSize <= 0 {
			ps.add(p+".max_message_size", "must be more than 0")
		}
		if m.ReconcileDays < 0 || m.ReconcileDays > maxReconcileDays {
			ps.add(p+".reconcile_days", "must be 0 (off) to %d", maxReconcileDays)
		}
	}
}

// validateSMTP checks the outgoing mail server, if there is one.
func validateSMTP(c *Config, ps *problems) {
	s := &c.SMTP
	if s.Host == "" {
		if s.Username != "" || s.Password != "" || s.From != "" || s.HeloName != "" || s.OAuth2.Used() || s.Auth != AuthPassword {
			ps.add("smtp.host", "required when smtp is configured")
		}
		return
	}
	checkPort(ps, "smtp.port", s.Port)
	checkSecurity(ps, "smtp.security", s.Security)
	switch s.Auth {
	case AuthPassword:
		if s.Username != "" && s.Password == "" {
			ps.add("smtp.password", "required with username")
		}
		if s.OAuth2.Used() {
			ps.add("smtp.oauth2", "only used with auth: oauth2")
		}
	case AuthOAuth2:
		required(ps, "smtp.username", s.Username)
		if s.Password != "" {
			ps.add("smtp.password", "not used with auth: oauth2; remove it")
		}
		validateOAuth2(c, ps, "smtp.oauth2", s.OAuth2)
	case AuthNone:
		if s.Username != "" || s.Password != "" || s.OAuth2.Used() {
			ps.add("smtp.auth", "none signs in with nothing: remove username, password and oauth2, or choose password or oauth2")
		}
	default:
		ps.add("smtp.auth", "must be password, oauth2 or none")
	}
	checkAddress(ps, "smtp.from", s.From)
	switch s.DeliveryReports {
	case "success", "failure", "none":
	default:
		ps.add("smtp.delivery_reports", "must be success, failure or none")
	}
	if d := s.DKIM; d.KeyFile != "" || d.Domain != "" || d.Selector != "" {
		required(ps, "smtp.dkim.key_file", d.KeyFile)
		required(ps, "smtp.dkim.domain", d.Domain)
		required(ps, "smtp.dkim.selector", d.Selector)
	}
}

// e164 is a phone number in E.164 form: "+", a country code not starting
// with 0, 8 to 15 digits in all.
var e164 = regexp.MustCompile(`^\+[1-9][0-9]{7,14}$`)

// alnum is what twilio-go accepts in credentials.
var alnum = regexp.MustCompile(`^[a-zA-Z0-9]+$`)

// validateTwilio checks the Twilio settings, if Twilio is used.
func validateTwilio(c *Config, ps *problems) {
	t := &c.Twilio
	if t.AccountSID == "" && len(t.Numbers) == 0 {
		return
	}
	if required(ps, "twilio.account_sid", t.AccountSID) && !strings.HasPrefix(t.AccountSID, "AC") {
		ps.add("twilio.account_sid", "must start with AC")
	}
	if required(ps, "twilio.auth_token", t.AuthToken) && !alnum.MatchString(t.AuthToken) {
		ps.add("twilio.auth_token", "must be letters and digits only, as Twilio's tokens are")
	}
	if c.HTTP.PublicURL == "" {
		// Twilio signs its webhooks over the URL it calls: without it no
		// signature can be checked, and every webhook would be refused.
		ps.add("http.public_url", "required when twilio is configured (webhook signatures are checked against it)")
	}
	checkHTTPURL(ps, "twilio.api_url", t.APIURL)
	checkQueueRef(c, ps, "twilio.default_queue", t.DefaultQueue, true)
	if t.SMSThreadWindow <= 0 {
		ps.add("twilio.sms_thread_window", "must be more than 0")
	}
	if t.SpoolMaxSize < 1*MB {
		ps.add("twilio.spool_max_size", "must be at least 1MB")
	}
	if t.ReconcileInterval != 0 && (t.ReconcileInterval < time.Minute || t.ReconcileInterval > 24*time.Hour) {
		ps.add("twilio.reconcile_interval", "must be 0 (off) or between 1m and 24h")
	}
	if t.ReconcileWindow < 10*time.Minute || t.ReconcileWindow > 30*24*time.Hour {
		ps.add("twilio.reconcile_window", "must be between 10m and 720h")
	}
	if t.ReconcileSettle < 10*time.Second || t.ReconcileSettle > time.Hour {
		ps.add("twilio.reconcile_settle", "must be between 10s and 1h")
	}
	numbers := map[string]bool{}
	for i, n := range t.Numbers {
		p := index("twilio.numbers", i)
		switch {
		case n.Number == "":
			ps.add(p+".number", "required")
		case !e164.MatchString(n.Number):
			ps.add(p+".number", `must be in E.164 form, e.g. "+15555550100"`)
		default:
			unique(ps, numbers, p+".number", n.Number)
		}
		checkQueueRef(c, ps, p+".queue", n.Queue, true)
		checkCalendarRef(c, ps, p+".business_hours", n.BusinessHours)
		if n.MaxRecordingLength < time.Second || n.MaxRecordingLength > 4*time.Hour {
			ps.add(p+".max_recording_length", "must be between 1s and 4h")
		}
	}
}

// validateFax checks the fax sender patterns and the way faxes are sent.
func validateFax(c *Config, ps *problems) {
	f := &c.Fax
	validateFaxOutbound(c, ps)
	for i, s := range f.EmailSenders {
		local, domain, ok := strings.Cut(s, "@")
		_, err := path.Match(s, "")
		if !ok || local == "" || domain == "" || strings.Contains(domain, "@") ||
			strings.IndexFunc(s, isSpace) >= 0 || err != nil {
			ps.add(index("fax.email_senders", i), "must be an address or a pattern such as *@fax.example.net")
		}
	}
}

// checkQueueRef reports name unless it names a configured queue. An empty
// name is a problem only when required.
func checkQueueRef(c *Config, ps *problems, path, name string, required bool) {
	if name == "" {
		if required {
			ps.add(path, "required")
		}
		return
	}
	if _, ok := c.Queue(name); !ok {
		ps.add(path, "unknown queue %q", name)
	}
}

// checkCalendarRef reports name unless it is empty or names a business
// hours calendar.
func checkCalendarRef(c *Config, ps *problems, path, name string) {
	if name == "" {
		return
	}
	if _, ok := c.BusinessHours[name]; !ok {
		ps.add(path, "unknown business_hours calendar %q", name)
	}
}
