package config

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// mbox is a valid mailbox, for tests to add keys to.
const mbox = "{name: a, host: h, username: u, password: p"

func TestProblems(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		env  map[string]string
		want []string
	}{
		{"syntax error", "redis:\n  url: [x\n", nil,
			[]string{"yaml: line 1: did not find expected ',' or ']'"}},
		{"two documents", "log: {level: info}\n---\nlog: {level: info}\n", nil,
			[]string{"the file holds more than one YAML document"}},
		{"root is a list", "- a\n", nil,
			[]string{`the configuration must be a mapping of keys to values, not a list`}},
		{"unknown top-level key", "redis: {url: redis://x:1}\nfoo: 1\n", nil,
			[]string{"foo: unknown key"}},
		{"unknown nested key", "redis: {urll: redis://x:1}\n", nil,
			[]string{"redis.urll: unknown key"}},
		{"unknown key in a list", "mailboxes:\n  - " + mbox + "}\n  - " + mbox + ", hots: x}\n", nil,
			[]string{"mailboxes[1].hots: unknown key", "mailboxes[1].name: duplicate \"a\""}},
		{"duplicate key", "log:\n  level: info\n  level: debug\n", nil,
			[]string{"log.level: key is given more than once"}},
		{"security", "mailboxes:\n  - " + mbox + "}\n  - {name: b, host: h, username: u, password: p, security: ssl}\n", nil,
			[]string{"mailboxes[1].security: must be tls, starttls or none"}},
		{"port range", "mailboxes: [" + mbox + ", port: 0}]\n", nil,
			[]string{"mailboxes[0].port: must be 1-65535"}},
		{"port not a number", "mailboxes: [" + mbox + ", port: abc}]\n", nil,
			[]string{`mailboxes[0].port: invalid integer "abc"`}},
		{"list for a mapping", "redis: [a, b]\n", nil,
			[]string{"redis: must be a mapping, not a list"}},
		{"mapping for a list", "mailboxes: {name: a}\n", nil,
			[]string{"mailboxes: must be a list, not a mapping"}},
		{"list for a string", "http: {listen: [a]}\n", nil,
			[]string{"http.listen: must be a string, not a list"}},
		{"scalar for a list", "fax: {email_senders: \"*@x.org\"}\n", nil,
			[]string{`fax.email_senders: must be a list, not "*@x.org"`}},
		{"yes is not a bool", "mailboxes: [" + mbox + ", idle: yes}]\n", nil,
			[]string{"mailboxes[0].idle: must be true or false"}},
		{"bad duration", "queues: [{name: s, first_response: 4x}]\n", nil,
			[]string{`queues[0].first_response: invalid duration "4x"`}},
		{"duration without unit", "tickets: {claim_lease: 60}\n", nil,
			[]string{`tickets.claim_lease: invalid duration "60"`}},
		{"bad size", "tickets: {attachment_max_size: 12XB}\n", nil,
			[]string{`tickets.attachment_max_size: invalid size "12XB"`}},
		{"unset env var", "mailboxes: [{name: a, host: h, username: u, password: '${SUPPORT_IMAP_PASSWORD}'}]\n", nil,
			[]string{"mailboxes[0].password: environment variable SUPPORT_IMAP_PASSWORD is not set"}},
		{"two unset env vars", "redis: {url: 'redis://:${PW}@${HOST}:6379'}\n", nil,
			[]string{"redis.url: environment variables PW, HOST are not set"}},
		{"unterminated env var", "redis: {url: 'redis://${HOST'}\n", nil,
			[]string{"redis.url: unterminated ${ (write $${ for a literal ${)"}},
		{"reports", "reports: {timezone: Mars/Base, morning_summary: '7.30'}\n", nil,
			[]string{`reports.timezone: unknown time zone "Mars/Base" (an IANA name such as Europe/Amsterdam)`,
				`reports.morning_summary: must be a time of day, HH:MM (in reports.timezone)`}},
		{"summary without managers", "reports: {morning_summary: '07:30'}\n", nil,
			[]string{`reports.morning_summary: needs notify.managers: the addresses the summary goes to`}},
		{"time zone", "business_hours:\n  office: {timezone: Mars/Base}\n", nil,
			[]string{`business_hours.office.timezone: unknown time zone "Mars/Base"`}},
		{"calendar fields", "business_hours:\n  b: {days: mon-frx, hours: '17:00-09:00', holidays: [2026-12-25, 25-12-2026]}\n  a: {hours: '9-17'}\n", nil,
			[]string{
				`business_hours.a.hours: invalid hours "9-17": want HH:MM-HH:MM, e.g. 09:00-17:00`,
				`business_hours.b.days: invalid days "mon-frx": want e.g. mon-fri, mon,wed,fri or daily`,
				`business_hours.b.hours: invalid hours "17:00-09:00": the end must come after the start`,
				`business_hours.b.holidays[1]: invalid date "25-12-2026": want YYYY-MM-DD`,
			}},
		{"redis url and addrs", "redis: {url: redis://x:1, addrs: [a:1]}\n", nil,
			[]string{"redis.addrs: set either url or addrs, not both"}},
		{"redis details", "redis: {url: http://x, prefix: 'a b', master_name: m, db: -1}\n", nil,
			[]string{
				"redis.url: must be a redis:// or rediss:// URL",
				"redis.master_name: needs addrs, the Sentinel addresses",
				"redis.db: must not be negative",
				`redis.prefix: must not contain "{", "}" or white space`,
			}},
		{"redis addrs", "redis: {addrs: ['a:1', 'b', ':2'], prefix: ''}\n", nil,
			[]string{"redis.addrs[1]: must be host:port", "redis.addrs[2]: must be host:port", "redis.prefix: required"}},
		{"http", "http: {listen: localhost, public_url: 'https://desk.example.com/?a=b'}\n", nil,
			[]string{"http.listen: must be host:port, e.g. 127.0.0.1:8025", "http.public_url: must not have a query or fragment"}},
		{"http limits", "http: {listen: '127.0.0.1:8025', max_connections: 0, metrics_listen: '127.0.0.1:8025', metrics_token: short}\n", nil,
			[]string{
				"http.max_connections: must be at least 1",
				"http.metrics_listen: must differ from http.listen",
				"http.metrics_token: must be at least 16 characters (e.g. openssl rand -hex 32)",
			}},
		{"http metrics", "http: {metrics_listen: '9025', metrics_token: 'a token with spaces in it'}\n", nil,
			[]string{
				"http.metrics_listen: must be host:port, e.g. 127.0.0.1:9025",
				"http.metrics_token: must be printable ASCII without spaces",
			}},
		{"imap in plain text beyond loopback", "mailboxes:\n  - {name: a, host: imap.example.com, security: none, username: u, password: p}\n" +
			"  - {name: b, host: 10.0.0.5, security: none, allow_insecure: false, username: u, password: p}\n" +
			"  - {name: c, host: 127.0.0.1, security: none, username: u, password: p}\n", nil,
			[]string{
				"mailboxes[0].security: none would send the password in plain text to imap.example.com; use tls or starttls (or set allow_insecure: true for a network you trust)",
				"mailboxes[1].security: none would send the password in plain text to 10.0.0.5; use tls or starttls (or set allow_insecure: true for a network you trust)",
			}},
		{"relative public url", "http: {public_url: desk.example.com}\n", nil,
			[]string{"http.public_url: must be an absolute http:// or https:// URL"}},
		{"trusted proxies", "http: {trusted_proxies: [10.0.0.0/8, 192.0.2.1, '2001:db8::/32', 10.0.0.0/33, proxy.example.com, 'fe80::1%eth0']}\n", nil,
			[]string{`http.trusted_proxies[3]: invalid "10.0.0.0/33": must be an IP address or a CIDR prefix, e.g. 10.0.0.0/8`,
				`http.trusted_proxies[4]: invalid "proxy.example.com": must be an IP address or a CIDR prefix, e.g. 10.0.0.0/8`,
				`http.trusted_proxies[5]: invalid "fe80::1%eth0": must be an IP address or a CIDR prefix, e.g. 10.0.0.0/8`}},
		{"log", "log: {level: verbose, format: xml}\n", nil,
			[]string{"log.level: must be debug, info, warn or error", "log.format: must be text or json"}},
		{"tickets", "tickets: {claim_lease: 30s, attachment_max_size: 1GB, phone_region: XX}\n", nil,
			[]string{"tickets.claim_lease: must be between 1m and 24h", "tickets.attachment_max_size: must be more than 0 and at most 512MB",
				"tickets.phone_region: must be a country code such as US or NL"}},
		{"mailbox everything", "mailboxes:\n  - {port: 70000, security: ssl, after_import: delete, poll_interval: 500ms, address: 'not an address', queue: nope, folder: '', reconcile_days: -1}\n", nil,
			[]string{
				"mailboxes[0].name: required",
				"mailboxes[0].host: required",
				"mailboxes[0].port: must be 1-65535",
				"mailboxes[0].security: must be tls, starttls or none",
				"mailboxes[0].username: required",
				"mailboxes[0].password: required",
				"mailboxes[0].folder: required",
				"mailboxes[0].after_import: must be seen or move:FOLDER",
				"mailboxes[0].poll_interval: must be at least 1s",
				`mailboxes[0].address: invalid address "not an address"`,
				`mailboxes[0].queue: unknown queue "nope"`,
				"mailboxes[0].reconcile_days: must be 0 (off) to 366",
			}},
		{"after_import move without folder", "mailboxes: [" + mbox + ", after_import: 'move:'}]\n", nil,
			[]string{"mailboxes[0].after_import: must be seen or move:FOLDER"}},
		{"duplicate mailbox names", "mailboxes:\n  - " + mbox + "}\n  - {name: b, host: h, username: u, password: p}\n  - {name: a, host: h, username: u, password: p}\n", nil,
			[]string{`mailboxes[2].name: duplicate "a"`}},
		{"smtp", "smtp: {host: h, port: 0, security: ssl, username: u, from: 'x'}\n", nil,
			[]string{"smtp.port: must be 1-65535", "smtp.security: must be tls, starttls or none",
				"smtp.password: required with username", `smtp.from: invalid address "x"`}},
		{"smtp without host", "smtp: {username: u, password: p}\n", nil,
			[]string{"smtp.host: required when smtp is configured"}},
		{"dkim needs all three", "smtp: {host: smtp.example.com, dkim: {key_file: k.pem}}\n", nil,
			[]string{"smtp.dkim.domain: required", "smtp.dkim.selector: required"}},
		{"twilio numbers need credentials", "twilio: {numbers: [{number: '+15555550100'}]}\n", nil,
			[]string{"twilio.account_sid: required", "twilio.auth_token: required",
				"http.public_url: required when twilio is configured (webhook signatures are checked against it)"}},
		{"twilio", "twilio:\n  account_sid: XY1\n  auth_token: t\n  api_url: ftp://x\n  numbers:\n    - {number: '5555550100', queue: nope, business_hours: nope, max_recording_length: 5h}\n    - {number: '+15555550100'}\n    - {number: '+15555550100'}\n", nil,
			[]string{
				"twilio.account_sid: must start with AC",
				"http.public_url: required when twilio is configured (webhook signatures are checked against it)",
				"twilio.api_url: must be an absolute http:// or https:// URL",
				`twilio.numbers[0].number: must be in E.164 form, e.g. "+15555550100"`,
				`twilio.numbers[0].queue: unknown queue "nope"`,
				`twilio.numbers[0].business_hours: unknown business_hours calendar "nope"`,
				"twilio.numbers[0].max_recording_length: must be between 1s and 4h",
				`twilio.numbers[2].number: duplicate "+15555550100"`,
			}},
		{"twilio spool and reconciliation", "http: {public_url: 'https://d.example.com'}\ntwilio: {account_sid: AC1, auth_token: t, spool_max_size: 1KB, reconcile_interval: 10s, reconcile_window: 2000h, reconcile_settle: 2s}\n", nil,
			[]string{
				"twilio.spool_max_size: must be at least 1MB",
				"twilio.reconcile_interval: must be 0 (off) or between 1m and 24h",
				"twilio.reconcile_window: must be between 10m and 720h",
				"twilio.reconcile_settle: must be between 10s and 1h",
			}},
		{"fax", "fax: {email_senders: ['*@fax.example.net', 'fax.example.net', '@x.org', 'a@', '[@x']}\n", nil,
			[]string{
				"fax.email_senders[1]: must be an address or a pattern such as *@fax.example.net",
				"fax.email_senders[2]: must be an address or a pattern such as *@fax.example.net",
				"fax.email_senders[3]: must be an address or a pattern such as *@fax.example.net",
				"fax.email_senders[4]: must be an address or a pattern such as *@fax.example.net",
			}},
		{"queues", "queues:\n  - {name: Support}\n  - {name: ''}\n  - {name: s, address: x, first_response: -1h, business_hours: office, ack_template: '{{.Foo'}\n  - {name: s}\n", nil,
			[]string{
				`queues[0].name: must be lowercase letters, digits, "_" and "-", starting with a letter or digit`,
				"queues[1].name: required",
				`queues[2].address: invalid address "x"`,
				"queues[2].first_response: must not be negative",
				`queues[2].business_hours: unknown business_hours calendar "office"`,
				"queues[2].ack_template: invalid template: 1: unclosed action",
				`queues[3].name: duplicate "s"`,
			}},
		{"teams", "teams:\n  - {name: t, members: [ann, '', ann], max_open_per_member: -1}\n  - {members: [bob]}\n  - {name: t}\n", nil,
			[]string{
				"teams[0].members[1]: must not be empty",
				`teams[0].members[2]: duplicate "ann"`,
				"teams[0].max_open_per_member: must not be negative",
				"teams[1].name: required",
				`teams[2].name: duplicate "t"`,
			}},
		{"several at once", "redis: {urll: x}\nlog: {level: loud}\nmailboxes: [" + mbox + ", port: x, security: ssl}]\nqueues: [{name: s, first_response: 4x}]\n", nil,
			[]string{
				"redis.urll: unknown key",
				`mailboxes[0].port: invalid integer "x"`,
				`queues[0].first_response: invalid duration "4x"`,
				"log.level: must be debug, info, warn or error",
				"mailboxes[0].security: must be tls, starttls or none",
			}},
		{"decode problem hides checks below it", "mailboxes: [a]\n", nil,
			[]string{`mailboxes[0]: must be a mapping, not "a"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.yaml), env(tt.env))
			var cerr *Error
			if !errors.As(err, &cerr) {
				t.Fatalf("Parse error = %v, want *Error", err)
			}
			got := make([]string, len(cerr.Problems))
			for i, p := range cerr.Problems {
				got[i] = p.String()
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
			if err.Error() != strings.Join(got, "\n") {
				t.Errorf("Error() = %q", err.Error())
			}
		})
	}
}

func TestProblemString(t *testing.T) {
	if got := (Problem{Path: "a.b", Message: "bad"}).String(); got != "a.b: bad" {
		t.Errorf("String = %q", got)
	}
	if got := (Problem{Message: "yaml: line 1: bad"}).String(); got != "yaml: line 1: bad" {
		t.Errorf("String = %q", got)
	}
	err := &Error{Problems: []Problem{{"a", "x"}, {"b", "y"}}}
	if err.Error() != "a: x\nb: y" {
		t.Errorf("Error = %q", err.Error())
	}
}

func TestAliasProblems(t *testing.T) {
	tests := []struct{ yaml, want string }{
		{"x-a: &a {<<: *a}\nlog: *a\n", "log: alias *a refers to the value it is in"},
		{"queues: &q [{<<: *q}]\n", "queues[0]: alias *q refers to the value it is in"},
	}
	for _, tt := range tests {
		_, err := Parse([]byte(tt.yaml), nil)
		if err == nil || err.Error() != tt.want {
			t.Errorf("Parse(%q) = %v, want %q", tt.yaml, err, tt.want)
		}
	}
}

func TestAliasBomb(t *testing.T) {
	// Each level merges the one below ten times: 10^8 keys in all.
	doc := "x-0: &m0 {level: info}\n"
	for i := 1; i < 9; i++ {
		refs := strings.TrimSuffix(strings.Repeat(fmt.Sprintf("*m%d, ", i-1), 10), ", ")
		doc += fmt.Sprintf("x-%d: &m%d {<<: [%s]}\n", i, i, refs)
	}
	doc += "log: *m8\n"
	_, err := Parse([]byte(doc), nil)
	if err == nil || err.Error() != "the configuration is too large once its aliases are expanded" {
		t.Errorf("Parse(alias bomb) = %v", err)
	}
}
