package config

import (
	"testing"
	"time"
)

func TestFaxOutbound(t *testing.T) {
	c := mustParse(t, `
http: {public_url: "https://desk.example.com"}
fax:
  outbound: {api_url: "https://example.signalwire.com/", account_sid: 9a1b-22cd, auth_token: PTsecret, from: "+15555550100"}
`, nil)
	f := c.Fax.Outbound
	if !f.API() || f.Gateway() || !f.On() {
		t.Errorf("API %v Gateway %v On %v", f.API(), f.Gateway(), f.On())
	}
	if f.MediaTTL != time.Hour || f.CallbackKey() != "PTsecret" {
		t.Errorf("media_ttl %v, callback key %q: want the defaults", f.MediaTTL, f.CallbackKey())
	}
	if got, want := f.FaxesURL(), "https://example.signalwire.com/api/laml/2010-04-01/Accounts/9a1b-22cd/Faxes.json"; got != want {
		t.Errorf("FaxesURL %q, want %q", got, want)
	}
	f.APIURL = "http://127.0.0.1:8080/compat"
	if got, want := f.FaxesURL(), "http://127.0.0.1:8080/compat/2010-04-01/Accounts/9a1b-22cd/Faxes.json"; got != want {
		t.Errorf("FaxesURL with a path %q, want %q", got, want)
	}

	g := mustParse(t, `
smtp: {host: smtp.example.com}
fax: {outbound: {email_gateway: "{number}@fax.example.net"}}
`, nil).Fax.Outbound
	if g.API() || !g.Gateway() || g.GatewayAddress("+31201234567") != "31201234567@fax.example.net" {
		t.Errorf("gateway: API %v Gateway %v address %q", g.API(), g.Gateway(), g.GatewayAddress("+31201234567"))
	}
	if off := mustParse(t, "", nil).Fax.Outbound; off.On() {
		t.Error("fax sending is on without configuration")
	}
}

func TestFaxOutboundProblems(t *testing.T) {
	for _, tc := range []struct {
		name, yaml string
		want       []string
	}{
		{"both ways", `smtp: {host: s}
http: {public_url: "https://d.example.com"}
fax: {outbound: {api_url: "https://x.example.com", account_sid: a, auth_token: t, from: "+15555550100", email_gateway: "{number}@f.example.net"}}`,
			[]string{"fax.outbound.email_gateway: set either api_url, account_sid, auth_token and from (a Faxes API) or email_gateway (a mail-to-fax gateway), not both"}},
		{"api incomplete", `fax: {outbound: {from: "555-0100", account_sid: "AC 1", media_ttl: 30s}}`,
			[]string{"fax.outbound.media_ttl: must be between 1m and 168h", "fax.outbound.api_url: required",
				"fax.outbound.account_sid: must be letters, digits and dashes only", "fax.outbound.auth_token: required",
				`fax.outbound.from: must be in E.164 form, e.g. "+15555550100"`,
				"http.public_url: required when fax.outbound is set: the fax service fetches the PDF from it and reports delivery to it"}},
		{"api over http", `http: {public_url: "https://d.example.com"}
fax: {outbound: {api_url: "http://fax.example.com", account_sid: a, auth_token: "t t", from: "+15555550100"}}`,
			[]string{"fax.outbound.api_url: must be https:// (http:// only to a loopback address): the auth token goes with every request",
				"fax.outbound.auth_token: must not contain spaces"}},
		{"api url with a query", `http: {public_url: "https://d.example.com"}
fax: {outbound: {api_url: "https://fax.example.com/?x=1", account_sid: a, auth_token: t, from: "+15555550100"}}`,
			[]string{"fax.outbound.api_url: must not have a query or fragment"}},
		{"gateway without number or smtp", `fax: {outbound: {email_gateway: "fax@fax.example.net"}}`,
			[]string{`fax.outbound.email_gateway: must contain {number} once, e.g. "{number}@fax.example.net"`,
				"smtp.host: required when fax.outbound.email_gateway is set: faxes go out as mail"}},
		{"gateway not an address", `smtp: {host: s}
fax: {outbound: {email_gateway: "{number} at fax"}}`,
			[]string{`fax.outbound.email_gateway: must be an address with {number} in it, e.g. "{number}@fax.example.net"`}},
		{"unknown key", `fax: {outbound: {api_key: x}}`,
			[]string{"fax.outbound.api_key: unknown key"}},
	} {
		t.Run(tc.name, func(t *testing.T) { wantProblems(t, tc.yaml, tc.want) })
	}
	// Loopback may be plain http: a fake provider in tests.
	mustParse(t, `http: {public_url: "http://127.0.0.1:8025"}
fax: {outbound: {api_url: "http://127.0.0.1:9999", account_sid: a, auth_token: t, from: "+15555550100"}}`, nil)
}
