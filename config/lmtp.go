package config

import (
	"strings"
	"time"
)

// LMTP is push intake: a mail server (Postfix's lmtp: transport, Dovecot's
// LMTP proxy, any MTA over SMTP) delivers mail straight to frontdesk instead
// of frontdesk polling a mailbox. Without a Listen address it is off.
type LMTP struct {
	// Listen is the host:port to accept deliveries on, e.g.
	// 127.0.0.1:2424. Empty: no push intake.
	Listen string `yaml:"listen"`
	// Protocol is lmtp (RFC 2033: one answer per recipient) or smtp.
	// Default: lmtp.
	Protocol string `yaml:"protocol"`
	// MaxMessageSize is the largest message accepted; a larger one is
	// refused with 552. At most 512MB. Default: 25MB.
	MaxMessageSize ByteSize `yaml:"max_message_size"`
	// MaxConnections caps the connections open at once; a further one is
	// answered 421 and closed (the mail server tries again). Default: 100.
	MaxConnections int `yaml:"max_connections"`
	// MaxRecipients caps the recipients of one transaction; further ones
	// are answered 452 and the mail server sends them in another.
	// Default: 100 (RFC 5321 §4.5.3.1.8).
	MaxRecipients int `yaml:"max_recipients"`
	// Timeout bounds a silent client: a command, or a whole message's
	// data, must arrive within it. 10s to 1h. Default: 5m.
	Timeout time.Duration `yaml:"timeout"`
	// TLSCert and TLSKey are PEM files of a certificate and its key: with
	// them STARTTLS is offered. Both or neither. Relative paths are taken
	// from the configuration file's folder.
	TLSCert string `yaml:"tls_cert"`
	TLSKey  string `yaml:"tls_key"`
	// RequireTLS refuses mail over a connection that has not started TLS
	// (451 4.7.0: the mail server keeps it), for a mail server reaching frontdesk across a network.
	// Needs tls_cert. Default: false.
	RequireTLS bool `yaml:"require_tls"`
}

// Defaults of the lmtp keys.
const (
	DefaultLMTPProtocol       = "lmtp"
	DefaultLMTPMaxConnections = 100
	DefaultLMTPMaxRecipients  = 100
	DefaultLMTPTimeout        = 5 * time.Minute
)

// On reports whether push intake is configured.
func (l LMTP) On() bool { return l.Listen != "" }

// lmtpDefaults fills in lmtp's defaults.
func lmtpDefaults(d defaulter, l *LMTP) {
	d.str("lmtp.protocol", &l.Protocol, DefaultLMTPProtocol)
	l.Protocol = strings.ToLower(l.Protocol)
	d.size("lmtp.max_message_size", &l.MaxMessageSize, defaultAttachmentSize)
	d.int("lmtp.max_connections", &l.MaxConnections, DefaultLMTPMaxConnections)
	d.int("lmtp.max_recipients", &l.MaxRecipients, DefaultLMTPMaxRecipients)
	d.duration("lmtp.timeout", &l.Timeout, DefaultLMTPTimeout)
}

// validateLMTP checks lmtp, and that someone can receive what it accepts.
func validateLMTP(c *Config, ps *problems) {
	l := &c.LMTP
	const p = "lmtp."
	if l.Listen != "" && !isHostPort(l.Listen, true) {
		ps.add(p+"listen", "must be host:port, e.g. 127.0.0.1:2424")
	}
	oneOf(ps, p+"protocol", l.Protocol, "lmtp", "smtp")
	if s := l.MaxMessageSize; s <= 0 || s > 512*MB {
		ps.add(p+"max_message_size", "must be more than 0 and at most 512MB")
	}
	if n := l.MaxConnections; n < 1 || n > 100000 {
		ps.add(p+"max_connections", "must be 1-100000")
	}
	if n := l.MaxRecipients; n < 1 || n > 10000 {
		ps.add(p+"max_recipients", "must be 1-10000")
	}
	if l.Timeout < 10*time.Second || l.Timeout > time.Hour {
		ps.add(p+"timeout", "must be between 10s and 1h")
	}
	switch {
	case l.TLSCert != "" && l.TLSKey == "":
		ps.add(p+"tls_key", "required with tls_cert")
	case l.TLSKey != "" && l.TLSCert == "":
		ps.add(p+"tls_cert", "required with tls_key")
	}
	if l.RequireTLS && l.TLSCert == "" {
		ps.add(p+"require_tls", "needs tls_cert and tls_key")
	}
	if !l.On() {
		return
	}
	if !c.servesAnAddress() {
		ps.add(p+"listen", "no mailboxes[].address or queues[].address to deliver to: every recipient would be refused")
	}
}

// servesAnAddress reports whether a mailbox or queue has an address.
func (c *Config) servesAnAddress() bool {
	for _, m := range c.Mailboxes {
		if m.Address != "" {
			return true
		}
	}
	for _, q := range c.Queues {
		if q.Address != "" {
			return true
		}
	}
	return false
}
