package fax

import (
	"net/url"
	"testing"

	"frontdesk/ticket"
)

func TestStatusWords(t *testing.T) {
	for _, tc := range []struct {
		form   url.Values
		state  ticket.Delivery
		detail string
		final  bool
	}{
		{url.Values{"FaxStatus": {"delivered"}, "To": {"+31201234567"}, "NumPages": {"3"}, "FaxSid": {"FX1"}},
			ticket.DeliveryDelivered, "the fax machine at +31201234567 took it: 3 pages; fax FX1", true},
		{url.Values{"FaxStatus": {"delivered"}}, ticket.DeliveryDelivered, "the fax machine took it", true},
		{url.Values{"FaxStatus": {"busy"}, "FaxSid": {"FX2"}}, ticket.DeliveryFailed, "the line was busy; fax FX2", true},
		{url.Values{"FaxStatus": {"failed"}, "ErrorCode": {"15002"}, "ErrorMessage": {"Fax transmission\nfailed"}},
			ticket.DeliveryFailed, "the fax service could not deliver it: Fax transmission failed (error 15002)", true},
		{url.Values{"FaxStatus": {"failed"}, "ErrorCode": {"15002"}}, ticket.DeliveryFailed, "the fax service could not deliver it: error 15002", true},
		{url.Values{"Status": {"canceled"}}, ticket.DeliveryFailed, "it was canceled at the fax service", true},
		{url.Values{"FaxStatus": {"no-answer"}}, ticket.DeliveryFailed, "no fax machine answered", true},
		{url.Values{"FaxStatus": {"sending"}}, "", "", false},
		{url.Values{"FaxStatus": {"queued"}}, "", "", false},
		{url.Values{}, "", "", false},
	} {
		state, detail, final := statusWords(tc.form)
		if state != tc.state || detail != tc.detail || final != tc.final {
			t.Errorf("%v: %q %q %v, want %q %q %v", tc.form, state, detail, final, tc.state, tc.detail, tc.final)
		}
	}
}

func TestRefusal(t *testing.T) {
	for _, tc := range []struct {
		body string
		code int
		msg  string
	}{
		{`{"code": 21211, "message": "Invalid 'To' Phone Number", "status": 400}`, 21211, "Invalid 'To' Phone Number"},
		{`{"errors": [{"code": "21604", "message": "To is required"}]}`, 21604, "To is required"},
		{"<html>\n  Bad   Request\n</html>", 0, "<html> Bad Request </html>"},
	} {
		if code, msg := refusal([]byte(tc.body)); code != tc.code || msg != tc.msg {
			t.Errorf("refusal(%q) = %d %q, want %d %q", tc.body, code, msg, tc.code, tc.msg)
		}
	}
}
