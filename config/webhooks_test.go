package config

import (
	"testing"
)

func TestWebhooks(t *testing.T) {
	c := mustParse(t, `
webhooks:
  - url: https://hooks.example.com/frontdesk
    secret: ${HOOK_SECRET}
    events: [ticket.created, sla.breached]
  - {url: "http://127.0.0.1:9000/in", secret: 0123456789abcdef, events: [ticket.closed]}
`, map[string]string{"HOOK_SECRET": "s3cret-s3cret-s3cret"})
	if len(c.Webhooks) != 2 {
		t.Fatalf("webhooks: %+v", c.Webhooks)
	}
	w := c.Webhooks[0]
	if w.Secret != "s3cret-s3cret-s3cret" || !w.Wants("sla.breached") || w.Wants("ticket.closed") {
		t.Errorf("webhooks[0] = %+v", w)
	}
	if len(w.ID()) != 12 || w.ID() == c.Webhooks[1].ID() {
		t.Errorf("ids %q and %q: want 12 hex digits each, different", w.ID(), c.Webhooks[1].ID())
	}
}

func TestWebhookProblems(t *testing.T) {
	for _, tc := range []struct {
		name, yaml string
		want       []string
	}{
		{"nothing given", `webhooks: [{}]`,
			[]string{"webhooks[0].url: required", "webhooks[0].secret: required",
				"webhooks[0].events: required: one or more of ticket.created, ticket.assigned, ticket.replied, ticket.closed, ticket.reopened, sla.breached"}},
		{"plain http outside", `webhooks: [{url: "http://hooks.example.com/x", secret: 0123456789abcdef, events: [ticket.created]}]`,
			[]string{"webhooks[0].url: must be https:// (http:// only to a loopback address): the events carry customers' names and addresses"}},
		{"not a URL", `webhooks: [{url: "hooks.example.com", secret: 0123456789abcdef, events: [ticket.created]}]`,
			[]string{"webhooks[0].url: must be an absolute https:// URL"}},
		{"password in URL", `webhooks: [{url: "https://u:p@hooks.example.com/", secret: 0123456789abcdef, events: [ticket.created]}]`,
			[]string{"webhooks[0].url: must not carry a user name or password (the secret signs each delivery)"}},
		{"short secret, unknown event", `webhooks: [{url: "https://h.example.com/", secret: short, events: [ticket.created, ticket.deleted]}]`,
			[]string{"webhooks[0].secret: must be at least 16 characters (e.g. openssl rand -hex 32)",
				`webhooks[0].events[1]: unknown event "ticket.deleted": must be one of ticket.created, ticket.assigned, ticket.replied, ticket.closed, ticket.reopened, sla.breached`}},
		{"same URL twice", `webhooks:
  - {url: "https://h.example.com/", secret: 0123456789abcdef, events: [ticket.created]}
  - {url: "https://h.example.com/", secret: 0123456789abcdeg, events: [ticket.closed]}`,
			[]string{"webhooks[1].url: is webhooks[0]'s URL too: each URL may be listed once"}},
		{"unknown key", `webhooks: [{url: "https://h.example.com/", secret: 0123456789abcdef, events: [ticket.created], retries: 3}]`,
			[]string{"webhooks[0].retries: unknown key"}},
	} {
		t.Run(tc.name, func(t *testing.T) { wantProblems(t, tc.yaml, tc.want) })
	}
}
