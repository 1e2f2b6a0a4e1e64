package config

import "testing"

func TestExpandEnv(t *testing.T) {
	vars := env(map[string]string{"PW": "s3cret", "HOST": "redis.internal", "EMPTY": ""})
	tests := []struct {
		in, want, err string
	}{
		{"plain", "plain", ""},
		{"${PW}", "s3cret", ""},
		{"redis://:${PW}@${HOST}:6379", "redis://:s3cret@redis.internal:6379", ""},
		{"a${EMPTY}b", "ab", ""},
		{"$${PW}", "${PW}", ""},
		{"x$${PW}${PW}", "x${PW}s3cret", ""},
		{"$PW and $$ and $", "$PW and $$ and $", ""},
		{"${NOPE}", "", "environment variable NOPE is not set"},
		{"${NOPE:-redis://127.0.0.1:6379/0}", "redis://127.0.0.1:6379/0", ""},
		{"${EMPTY:-fallback}", "fallback", ""},
		{"${PW:-fallback}", "s3cret", ""},
		{"${NOPE:-}x", "x", ""},
		{"${1X:-a}", "", `invalid environment variable name "1X" in ${...}`},
		{"${A}${PW}${B}", "", "environment variables A, B are not set"},
		{"${PW", "", "unterminated ${ (write $${ for a literal ${)"},
		{"${}", "", `invalid environment variable name "" in ${...}`},
		{"${1X}", "", `invalid environment variable name "1X" in ${...}`},
	}
	for _, tt := range tests {
		got, err := expandEnv(tt.in, vars)
		errText := ""
		if err != nil {
			errText = err.Error()
		}
		if got != tt.want || errText != tt.err {
			t.Errorf("expandEnv(%q) = %q, %q; want %q, %q", tt.in, got, errText, tt.want, tt.err)
		}
	}
}

func TestEnvBeforeConversion(t *testing.T) {
	c := mustParse(t, `
redis: {url: "redis://:${PW}@${HOST}:6379/0"}
mailboxes: [{name: a, host: h, username: u, password: "$${literal}", port: "${PORT}", idle: "${IDLE}"}]
tickets: {claim_lease: "${LEASE}"}
`, map[string]string{"PW": "pw", "HOST": "h", "PORT": "1993", "IDLE": "false", "LEASE": "2h"})
	m := c.Mailboxes[0]
	if c.Redis.URL != "redis://:pw@h:6379/0" || m.Password != "${literal}" || m.Port != 1993 || m.Idle ||
		c.Tickets.ClaimLease.String() != "2h0m0s" {
		t.Errorf("got url %q, mailbox %+v, lease %v", c.Redis.URL, m, c.Tickets.ClaimLease)
	}
}

func TestParseNilGetenvUsesEnvironment(t *testing.T) {
	t.Setenv("FRONTDESK_TEST_PREFIX", "fd-test")
	c, err := Parse([]byte("redis: {prefix: '${FRONTDESK_TEST_PREFIX}'}\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Redis.Prefix != "fd-test" {
		t.Errorf("prefix = %q", c.Redis.Prefix)
	}
}
