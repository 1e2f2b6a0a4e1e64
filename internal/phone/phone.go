// Package phone reads the phone numbers people write — "+1 (555) 555-0123",
// "0555 5550123", "00 31 20 555 0123" — as E.164 ("+15555550123"), the one
// form frontdesk stores, matches and searches numbers in, and writes them back
// the way people of a country read them. It stands on libphonenumber's Go
// port, which knows every country's numbering plan.
package phone

import (
	"strings"

	"github.com/nyaruka/phonenumbers"
)

// DefaultRegion is the country assumed for numbers written without a country
// code when nothing better is known.
const DefaultRegion = "US"

// maxInput bounds what Parse reads: no phone number is longer, and
// libphonenumber's work grows with its input.
const maxInput = 64

// Parse reads a number as people write it and returns it in E.164 form. A
// number without a country code ("0555 5550123", "(555) 555-0123") is read as
// region's (an ISO 3166 code such as "NL"). It reports false for anything
// that is not a possible phone number: letters, too few or too many digits.
func Parse(s, region string) (string, bool) {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > maxInput || strings.ContainsAny(s, "@") {
		return "", false
	}
	digits := 0
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case strings.ContainsRune("+-.() /", r):
		default:
			return "", false
		}
	}
	if digits < 6 {
		return "", false
	}
	n, err := phonenumbers.Parse(s, strings.ToUpper(region))
	// A number that only dials locally ("555-0100" without its area code)
	// names no one line: refused, like any impossible one.
	if err != nil || phonenumbers.IsPossibleNumberWithReason(n) != phonenumbers.IS_POSSIBLE {
		return "", false
	}
	e164 := phonenumbers.Format(n, phonenumbers.E164)
	// A few odd inputs ("0000000" in Finland) format to an E.164 that reads
	// back as another number; such a number cannot be stored and matched.
	if back, err := phonenumbers.Parse(e164, ""); err != nil || phonenumbers.Format(back, phonenumbers.E164) != e164 {
		return "", false
	}
	return e164, true
}

// Region returns the ISO 3166 country of an E.164 number ("+31…" is "NL"),
// or "" when the number is not one.
func Region(e164 string) string {
	n, err := phonenumbers.Parse(e164, "")
	if err != nil {
		return ""
	}
	if r := phonenumbers.GetRegionCodeForNumber(n); r != "" && r != "ZZ" {
		return r
	}
	// A number no country has handed out yet (+1 555…) still has a
	// country code, whose main country it is read as.
	if r := phonenumbers.GetRegionCodeForCountryCode(int(n.GetCountryCode())); r != "ZZ" {
		return r
	}
	return ""
}

// ValidRegion reports whether region is a country libphonenumber knows.
func ValidRegion(region string) bool {
	return phonenumbers.GetCountryCodeForRegion(strings.ToUpper(region)) != 0
}

// Display writes an E.164 number as people of region read it: nationally
// ("(555) 555-0123", "020 555 0123") when it is that country's, else
// internationally ("+31 20 555 0123"). Anything else is returned as it is.
func Display(e164, region string) string {
	n, err := phonenumbers.Parse(e164, "")
	if err != nil {
		return e164
	}
	if int(n.GetCountryCode()) == phonenumbers.GetCountryCodeForRegion(strings.ToUpper(region)) {
		return phonenumbers.Format(n, phonenumbers.NATIONAL)
	}
	return phonenumbers.Format(n, phonenumbers.INTERNATIONAL)
}
