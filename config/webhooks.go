package config

import (
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"strings"
)

// Webhook is one outgoing webhook: frontdesk POSTs the events it names, as
// JSON signed with Secret, to URL.
type Webhook struct {
	// URL receives the events: https://, or http:// only to a loopback
	// address (a receiver on the same machine). No user:password@, no
	// fragment.
	URL string `yaml:"url"`
	// Secret signs every delivery: X-Frontdesk-Signature is
	// "sha256=" + hex(HMAC-SHA256(Secret, body)). At least 16 characters.
	Secret string `yaml:"secret"`
	// Events are the event names the hook wants (WebhookEvents).
	Events []string `yaml:"events"`
}

// WebhookEvents are the events a webhook may ask for, in the order the
// documentation lists them.
var WebhookEvents = []string{
	"ticket.created", "ticket.assigned", "ticket.replied",
	"ticket.closed", "ticket.reopened", "sla.breached",
}

// ID is the hook's stable name in Redis, the API and the metrics: the first
// 12 hex digits of the SHA-256 of its URL. It stays the same while the URL
// does, whatever the hook's place in the list, so a reordered list keeps
// each hook's undelivered events and its delivery log.
func (w Webhook) ID() string {
	sum := sha256.Sum256([]byte(w.URL))
	return hex.EncodeToString(sum[:6])
}

// Wants reports whether the hook asked for event.
func (w Webhook) Wants(event string) bool {
	for _, e := range w.Events {
		if e == event {
			return true
		}
	}
	return false
}

// minWebhookSecret is the shortest webhooks[].secret accepted.
const minWebhookSecret = 16

// validateWebhooks checks webhooks: reachable URLs that are safe to send to,
// secrets, known events, and no URL twice.
func validateWebhooks(c *Config, ps *problems) {
	seen := map[string]int{}
	for i, w := range c.Webhooks {
		p := index("webhooks", i)
		if required(ps, p+".url", w.URL) {
			u, err := url.Parse(w.URL)
			switch {
			case err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http"):
				ps.add(p+".url", "must be an absolute https:// URL")
			case u.Scheme == "http" && !isLoopbackHost(u.Hostname()):
				ps.add(p+".url", "must be https:// (http:// only to a loopback address): the events carry customers' names and addresses")
			case u.User != nil:
				ps.add(p+".url", "must not carry a user name or password (the secret signs each delivery)")
			case u.Fragment != "":
				ps.add(p+".url", "must not have a fragment")
			}
			if j, dup := seen[w.URL]; dup {
				ps.add(p+".url", "is webhooks[%d]'s URL too: each URL may be listed once", j)
			}
			seen[w.URL] = i
		}
		if required(ps, p+".secret", w.Secret) {
			switch {
			case len(w.Secret) < minWebhookSecret:
				ps.add(p+".secret", "must be at least %d characters (e.g. openssl rand -hex 32)", minWebhookSecret)
			case strings.IndexFunc(w.Secret, isSpace) >= 0:
				ps.add(p+".secret", "must not contain spaces")
			}
		}
		if len(w.Events) == 0 {
			ps.add(p+".events", "required: one or more of %s", strings.Join(WebhookEvents, ", "))
		}
		for j, e := range w.Events {
			if !isWebhookEvent(e) {
				ps.add(index(p+".events", j), "unknown event %q: must be one of %s", e, strings.Join(WebhookEvents, ", "))
			}
		}
	}
}

func isWebhookEvent(e string) bool {
	for _, k := range WebhookEvents {
		if k == e {
			return true
		}
	}
	return false
}
