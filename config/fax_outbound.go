package config

import (
	"net/mail"
	"net/url"
	"regexp"
	"strings"
	"time"
)

// FaxOutbound configures sending faxes (a reply with a PDF on a fax ticket,
// or a reply with fax_to): through a Twilio-compatible Faxes API — APIURL,
// AccountSID, AuthToken and From, as SignalWire's Compatibility (LaML) API
// takes them — or through a mail-to-fax gateway, EmailGateway; not both.
// With none of them set, frontdesk sends no faxes.
type FaxOutbound struct {
	// APIURL is the base of the Faxes API: faxes are created at
	// APIURL/2010-04-01/Accounts/AccountSID/Faxes.json. A URL without a
	// path, such as https://example.signalwire.com, is taken as SignalWire's
	// space and gets its Compatibility API's path, /api/laml (FaxesURL).
	// https://, or http:// to a loopback address (a local fake in tests).
	APIURL     string `yaml:"api_url"`
	AccountSID string `yaml:"account_sid"`
	AuthToken  string `yaml:"auth_token"`
	// From is the number faxes are sent from, in E.164 form.
	From string `yaml:"from"`
	// SigningKey is the key the provider signs its status callbacks with
	// (X-Twilio-Signature, or X-SignalWire-Signature): SignalWire's
	// project "Signing Key". Default: AuthToken, as Twilio signs.
	SigningKey string `yaml:"signing_key"`
	// MediaTTL is how long the signed link to a fax's PDF, which the
	// provider fetches, stays valid from the moment the fax is handed over.
	// 1m to 168h. Default: 1h.
	MediaTTL time.Duration `yaml:"media_ttl"`
	// EmailGateway is a mail-to-fax gateway's address with "{number}" where
	// the number goes, in E.164 digits without the "+":
	// "{number}@fax.example.net" sends a fax to +15555550123 as a mail to
	// 15555550123@fax.example.net, with the PDF attached, through smtp.
	EmailGateway string `yaml:"email_gateway"`
}

// DefaultFaxMediaTTL is fax.outbound.media_ttl's default.
const DefaultFaxMediaTTL = time.Hour

// API reports whether faxes go through a Faxes API.
func (f FaxOutbound) API() bool {
	return f.APIURL != "" || f.AccountSID != "" || f.AuthToken != "" || f.From != "" || f.SigningKey != ""
}

// Gateway reports whether faxes go through a mail-to-fax gateway.
func (f FaxOutbound) Gateway() bool { return f.EmailGateway != "" }

// On reports whether frontdesk sends faxes at all.
func (f FaxOutbound) On() bool { return f.API() || f.Gateway() }

// GatewayAddress is the gateway's address for a fax to the E.164 number.
func (f FaxOutbound) GatewayAddress(e164 string) string {
	return strings.Replace(f.EmailGateway, "{number}", strings.TrimPrefix(e164, "+"), 1)
}

// CallbackKey is the key status callbacks are signed with.
func (f FaxOutbound) CallbackKey() string {
	if f.SigningKey != "" {
		return f.SigningKey
	}
	return f.AuthToken
}

// FaxesURL is the URL faxes are created at (POST) and listed at (GET).
func (f FaxOutbound) FaxesURL() string {
	base := strings.TrimSuffix(f.APIURL, "/")
	if u, err := url.Parse(base); err == nil && (u.Path == "" || u.Path == "/") {
		base += "/api/laml" // SignalWire's space: its Compatibility API
	}
	return base + "/2010-04-01/Accounts/" + url.PathEscape(f.AccountSID) + "/Faxes.json"
}

// faxOutboundDefaults fills in fax.outbound's defaults.
func faxOutboundDefaults(d defaulter, f *FaxOutbound) {
	d.duration("fax.outbound.media_ttl", &f.MediaTTL, DefaultFaxMediaTTL)
	f.APIURL = strings.TrimSuffix(f.APIURL, "/")
}

// sidChars is what an account SID may hold: Twilio's "AC…" and
// SignalWire's project UUIDs alike; it goes into the API's path.
var sidChars = regexp.MustCompile(`^[A-Za-z0-9-]+$`)

// validateFaxOutbound checks fax.outbound: one way of sending, complete.
func validateFaxOutbound(c *Config, ps *problems) {
	f := &c.Fax.Outbound
	const p = "fax.outbound."
	if f.MediaTTL < time.Minute || f.MediaTTL > 168*time.Hour {
		ps.add(p+"media_ttl", "must be between 1m and 168h")
	}
	switch {
	case f.API() && f.Gateway():
		ps.add(p+"email_gateway", "set either api_url, account_sid, auth_token and from (a Faxes API) or email_gateway (a mail-to-fax gateway), not both")
		return
	case f.Gateway():
		validateFaxGateway(c, ps)
		return
	case !f.API():
		return
	}
	if required(ps, p+"api_url", f.APIURL) {
		u, err := url.Parse(f.APIURL)
		switch {
		case err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http"):
			ps.add(p+"api_url", "must be an absolute https:// URL")
		case u.Scheme == "http" && !isLoopbackHost(u.Hostname()):
			ps.add(p+"api_url", "must be https:// (http:// only to a loopback address): the auth token goes with every request")
		case u.RawQuery != "" || u.ForceQuery || u.Fragment != "":
			ps.add(p+"api_url", "must not have a query or fragment")
		}
	}
	if required(ps, p+"account_sid", f.AccountSID) && !sidChars.MatchString(f.AccountSID) {
		ps.add(p+"account_sid", "must be letters, digits and dashes only")
	}
	if required(ps, p+"auth_token", f.AuthToken) && strings.IndexFunc(f.AuthToken, isSpace) >= 0 {
		ps.add(p+"auth_token", "must not contain spaces")
	}
	if strings.IndexFunc(f.SigningKey, isSpace) >= 0 {
		ps.add(p+"signing_key", "must not contain spaces")
	}
	if required(ps, p+"from", f.From) && !e164.MatchString(f.From) {
		ps.add(p+"from", `must be in E.164 form, e.g. "+15555550100"`)
	}
	if c.HTTP.PublicURL == "" {
		ps.add("http.public_url", "required when fax.outbound is set: the fax service fetches the PDF from it and reports delivery to it")
	}
}

// validateFaxGateway checks a mail-to-fax gateway's address pattern, and
// that mail can be sent.
func validateFaxGateway(c *Config, ps *problems) {
	f := &c.Fax.Outbound
	const p = "fax.outbound.email_gateway"
	if strings.Count(f.EmailGateway, "{number}") != 1 {
		ps.add(p, `must contain {number} once, e.g. "{number}@fax.example.net"`)
	} else {
		addr := f.GatewayAddress("+15555550123")
		a, err := mail.ParseAddress(addr)
		at := strings.LastIndexByte(addr, '@')
		if err != nil || a.Address != addr || a.Name != "" || at < 0 || !strings.Contains(addr[at:], ".") {
			ps.add(p, `must be an address with {number} in it, e.g. "{number}@fax.example.net"`)
		}
	}
	if c.SMTP.Host == "" {
		ps.add("smtp.host", "required when fax.outbound.email_gateway is set: faxes go out as mail")
	}
}
