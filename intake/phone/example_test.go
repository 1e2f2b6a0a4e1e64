package phone_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"

	"frontdesk/config"
	"frontdesk/intake/phone"
)

// printSink prints the texts it receives and ignores everything else.
type printSink struct{ phone.Sink }

func (printSink) SMS(_ context.Context, m phone.SMS) error {
	fmt.Printf("SMS %s from %s for queue %s: %q\n", m.MessageSID, m.From, m.Number.Queue, m.Body)
	return nil
}

// Example plays Twilio: it posts a signed text message to the webhooks.
func Example() {
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	defer srv.Close()

	const token = "auth-token"
	wh := phone.New(printSink{}, &phone.Options{
		Twilio: config.Twilio{
			AccountSID: "AC0123456789abcdef0123456789abcdef",
			AuthToken:  token,
			Numbers:    []config.Number{{Number: "+15555550100", Queue: "phone"}},
		},
		PublicURL: srv.URL, // http.public_url: what Twilio signs
	})
	wh.Register(mux)

	form := url.Values{
		"AccountSid": {"AC0123456789abcdef0123456789abcdef"},
		"MessageSid": {"SM9a8b7c6d5e4f30211203f4e5d6c7b8a9"},
		"From":       {"+31612345678"}, "To": {"+15555550100"}, "Body": {"Hello?"},
	}
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/twilio/sms", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Twilio-Signature", phone.Sign(token, srv.URL+"/twilio/sms", form))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	fmt.Println(resp.Status)
	// Output:
	// SMS SM9a8b7c6d5e4f30211203f4e5d6c7b8a9 from +31612345678 for queue phone: "Hello?"
	// 200 OK
}
