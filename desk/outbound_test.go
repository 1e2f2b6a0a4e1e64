package desk

import (
	"net/mail"
	"testing"
)

// What the builder writes as a sender reads back as the same name and
// address, and reads plainly where it can.
func TestDisplayAddressRoundTrips(t *testing.T) {
	for name, want := range map[string]string{
		"Support": "Support <x@example.com>", "Jörg Müller": "Jörg Müller <x@example.com>",
		"Smith, John": `"Smith, John" <x@example.com>`, `Say "hi"`: `"Say \"hi\"" <x@example.com>`,
		"A.B. Corp": `"A.B. Corp" <x@example.com>`, "": "x@example.com",
	} {
		s := displayAddress(&mail.Address{Name: name, Address: "x@example.com"})
		if s != want {
			t.Errorf("displayAddress(%q) = %s, want %s", name, s, want)
		}
		back, err := mail.ParseAddress(s)
		if err != nil || back.Name != name || back.Address != "x@example.com" {
			t.Errorf("%s reads back as %+v, %v", s, back, err)
		}
	}
}
