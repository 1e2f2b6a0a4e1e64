package phonetickets

import (
	"strings"
	"testing"
)

func TestTroubleInWords(t *testing.T) {
	for _, c := range []struct{ err, want string }{
		{"download twilio:recording:RE1: refused by the media download policy: URL http://x is neither https nor twilio.api_url's origin", "not one frontdesk may fetch"},
		{"download https://api.twilio.com/x.wav: 403 Forbidden", "refused the download"},
		{"download https://api.twilio.com/x.wav: 401 Unauthorized", "refused the download"},
		{"download https://api.twilio.com/x.wav: 404 Not Found", "no longer has the file"},
		{"download https://api.twilio.com/x.wav: 503 Service Unavailable", "could not be reached"},
		{"get https://api.twilio.com/x.wav: dial tcp: i/o timeout", "could not be reached"},
		{"something odd", "The download failed."},
	} {
		if got := TroubleInWords(c.err); !strings.Contains(got, c.want) {
			t.Errorf("TroubleInWords(%q) = %q, want %q in it", c.err, got, c.want)
		}
	}
}
