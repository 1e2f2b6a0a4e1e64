package front

import (
	"net/http"
	"net/url"
)

// CalendarURL is the address of the calendar feed with token: under
// http.public_url, or the address the request came to when none is set.
func CalendarURL(publicURL string, r *http.Request, token string) string {
	base := publicURL
	if base == "" {
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		base = scheme + "://" + r.Host
	}
	return base + "/api/v1/calendar.ics?" + url.Values{"token": {token}}.Encode()
}
