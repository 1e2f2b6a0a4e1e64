package config

import (
	"testing"
	"time"
)

func TestLMTP(t *testing.T) {
	c := mustParse(t, `
queues: [{name: support, address: support@example.com}]
lmtp: {listen: "127.0.0.1:2424"}
`, nil)
	l := c.LMTP
	if !l.On() || l.Protocol != "lmtp" || l.MaxMessageSize != 25*MB || l.MaxConnections != 100 ||
		l.MaxRecipients != 100 || l.Timeout != 5*time.Minute || l.TLSCert != "" || l.RequireTLS {
		t.Errorf("defaults: %+v", l)
	}
	c = mustParse(t, `
queues: [{name: support, address: support@example.com}]
lmtp: {listen: ":2525", protocol: SMTP, max_message_size: 10MiB, max_connections: 5, max_recipients: 3, timeout: 30s,
       tls_cert: cert.pem, tls_key: key.pem, require_tls: true}
`, nil)
	if l := c.LMTP; l.Protocol != "smtp" || l.MaxMessageSize != 10*MiB || l.MaxConnections != 5 || l.MaxRecipients != 3 ||
		l.Timeout != 30*time.Second || l.TLSCert != "cert.pem" || !l.RequireTLS {
		t.Errorf("set: %+v", l)
	}
	if off := mustParse(t, "", nil).LMTP; off.On() {
		t.Error("push intake is on without configuration")
	}
}

func TestLMTPProblems(t *testing.T) {
	for _, tc := range []struct {
		name, yaml string
		want       []string
	}{
		{"bad values", `queues: [{name: support, address: support@example.com}]
lmtp: {listen: "2424", protocol: imap, max_message_size: 1GB, max_connections: 0, max_recipients: 20000, timeout: 1s}`,
			[]string{"lmtp.listen: must be host:port, e.g. 127.0.0.1:2424", "lmtp.protocol: must be lmtp or smtp",
				"lmtp.max_message_size: must be more than 0 and at most 512MB", "lmtp.max_connections: must be 1-100000",
				"lmtp.max_recipients: must be 1-10000", "lmtp.timeout: must be between 10s and 1h"}},
		{"half a certificate", `queues: [{name: support, address: support@example.com}]
lmtp: {listen: "127.0.0.1:2424", tls_cert: c.pem}`,
			[]string{"lmtp.tls_key: required with tls_cert"}},
		{"require tls without one", `queues: [{name: support, address: support@example.com}]
lmtp: {listen: "127.0.0.1:2424", require_tls: true}`,
			[]string{"lmtp.require_tls: needs tls_cert and tls_key"}},
		{"nobody to deliver to", `lmtp: {listen: "127.0.0.1:2424"}`,
			[]string{"lmtp.listen: no mailboxes[].address or queues[].address to deliver to: every recipient would be refused"}},
		{"unknown key", `lmtp: {port: 24}`, []string{"lmtp.port: unknown key"}},
	} {
		t.Run(tc.name, func(t *testing.T) { wantProblems(t, tc.yaml, tc.want) })
	}
}
