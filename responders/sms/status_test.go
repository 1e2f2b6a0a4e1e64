package sms

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"frontdesk/intake/phone"
	"frontdesk/ticket"
)

type recorded struct {
	id, mid string
	state   ticket.Delivery
	detail  string
}

type fakeRecorder struct{ got []recorded }

func (f *fakeRecorder) TextDelivery(_ context.Context, id, mid string, state ticket.Delivery, detail string) error {
	f.got = append(f.got, recorded{id, mid, state, detail})
	return nil
}

// Twilio's signed status callbacks record delivered and failed on the text
// their URL names; an unsigned one, or one signed for another text, is
// refused; statuses on the way (queued, sent) record nothing.
func TestStatusCallbacks(t *testing.T) {
	rec := &fakeRecorder{}
	const token, public = "secret-token", "https://desk.example.com"
	s := NewStatus(rec, token, public+"/", nil)
	mux := http.NewServeMux()
	s.Register(mux)
	post := func(callback string, form url.Values, sig string) int {
		u, _ := url.Parse(callback)
		r := httptest.NewRequest("POST", u.RequestURI(), strings.NewReader(form.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if sig != "" {
			r.Header.Set("X-Twilio-Signature", sig)
		}
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, r)
		return w.Code
	}
	cb := s.CallbackURL("1042", "m3")
	if !strings.HasPrefix(cb, public+"/twilio/sms-status?") {
		t.Fatalf("callback URL %q", cb)
	}
	sent := url.Values{"MessageSid": {"SM1"}, "MessageStatus": {"sent"}}
	delivered := url.Values{"MessageSid": {"SM1"}, "MessageStatus": {"delivered"}}
	failed := url.Values{"MessageSid": {"SM2"}, "MessageStatus": {"undelivered"}, "ErrorCode": {"30003"}}
	for _, c := range []struct {
		url  string
		form url.Values
		sig  string
		want int
	}{
		{cb, delivered, "", http.StatusForbidden},
		{cb, delivered, phone.Sign("wrong", cb, delivered), http.StatusForbidden},
		{s.CallbackURL("1042", "m4"), delivered, phone.Sign(token, cb, delivered), http.StatusForbidden},
		{cb, sent, phone.Sign(token, cb, sent), http.StatusNoContent},
		{cb, delivered, phone.Sign(token, cb, delivered), http.StatusNoContent},
		{s.CallbackURL("7", "m2"), failed, phone.Sign(token, s.CallbackURL("7", "m2"), failed), http.StatusNoContent},
	} {
		if got := post(c.url, c.form, c.sig); got != c.want {
			t.Errorf("%s %v: %d, want %d", c.url, c.form, got, c.want)
		}
	}
	want := []recorded{
		{"1042", "m3", ticket.DeliveryDelivered, "the phone company delivered it; text SM1"},
		{"7", "m2", ticket.DeliveryFailed, "the phone company could not deliver it (error 30003); text SM2"},
	}
	if len(rec.got) != len(want) || rec.got[0] != want[0] || rec.got[1] != want[1] {
		t.Fatalf("recorded %+v, want %+v", rec.got, want)
	}
}
