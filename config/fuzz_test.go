package config

import (
	"os"
	"testing"
)

// FuzzParse checks that Parse never panics or hangs, and that it returns
// either a Config or an *Error with problems.
func FuzzParse(f *testing.F) {
	example, err := os.ReadFile("../frontdesk.example.yaml")
	if err != nil {
		f.Fatal(err)
	}
	for _, seed := range []string{
		string(example),
		"",
		"redis: {url: redis://x:1}\n",
		"a: &a [*a]\n",
		"x-a: &a {<<: *a}\nlog: *a\n",
		"mailboxes: [{<<: [{name: a}, {host: h}]}]\n",
		"business_hours: {o: {days: fri-mon, hours: '00:00-24:00'}}\n",
	} {
		f.Add(seed)
	}
	vars := env(map[string]string{"SUPPORT_IMAP_PASSWORD": "a", "SMTP_PASSWORD": "b", "TWILIO_AUTH_TOKEN": "c"})
	f.Fuzz(func(t *testing.T, data string) {
		c, err := Parse([]byte(data), vars)
		switch e := err.(type) {
		case nil:
			if c == nil {
				t.Fatal("nil Config without error")
			}
		case *Error:
			if len(e.Problems) == 0 {
				t.Fatal("*Error without problems")
			}
		default:
			t.Fatalf("error of type %T: %v", err, err)
		}
	})
}
