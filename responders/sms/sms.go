// Package sms sends frontdesk's text replies through Twilio's Messages API
// with twilio-go, to twilio.api_url (Twilio's, or a local fake in tests).
package sms

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/twilio/twilio-go"
	"github.com/twilio/twilio-go/client"
	openapi "github.com/twilio/twilio-go/rest/api/v2010"

	"frontdesk/config"
)

// twilioAPI is the base URL twilio-go's Messages API is built on.
const twilioAPI = "https://api.twilio.com"

// PermanentError is a refusal that trying again will not change (an invalid
// number, a number that opted out): Twilio's 4xx answers but 429.
type PermanentError struct {
	Status, Code int
	Message      string
}

func (e *PermanentError) Error() string {
	return fmt.Sprintf("twilio: %d (code %d): %s", e.Status, e.Code, e.Message)
}

// Sender sends SMS.
type Sender struct {
	api *openapi.ApiService
}

// New returns a Sender for the account of cfg, calling cfg.APIURL.
func New(cfg config.Twilio) *Sender {
	base := &client.Client{Credentials: client.NewCredentials(cfg.AccountSID, cfg.AuthToken),
		HTTPClient: &http.Client{Timeout: 30 * time.Second}}
	base.SetAccountSid(cfg.AccountSID)
	rc := twilio.NewRestClientWithParams(twilio.ClientParams{
		Username: cfg.AccountSID, Password: cfg.AuthToken, AccountSid: cfg.AccountSID,
		Client: &rebased{BaseClient: base, to: strings.TrimSuffix(cfg.APIURL, "/")},
	})
	return &Sender{api: rc.Api}
}

// Send sends body from one of our numbers to a customer and returns the
// message's SID. Errors are *PermanentError or temporary (retry).
func (s *Sender) Send(ctx context.Context, from, to, body string) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	params := &openapi.CreateMessageParams{}
	params.SetFrom(from)
	params.SetTo(to)
	params.SetBody(body)
	m, err := s.api.CreateMessage(params)
	var te *client.TwilioRestError
	switch {
	case err == nil:
		if m.Sid == nil {
			return "", nil
		}
		return *m.Sid, nil
	case errors.As(err, &te) && te.Status >= 400 && te.Status < 500 && te.Status != http.StatusTooManyRequests:
		return "", &PermanentError{Status: te.Status, Code: te.Code, Message: te.Message}
	default:
		return "", fmt.Errorf("send SMS to %s: %w", to, err)
	}
}

// rebased sends twilio-go's requests to another base URL than Twilio's own
// (twilio.api_url), keeping everything else.
type rebased struct {
	client.BaseClient
	to string
}

func (r *rebased) SendRequest(method, rawURL string, data url.Values, headers map[string]interface{}, body ...byte) (*http.Response, error) {
	if r.to != "" && r.to != twilioAPI {
		rawURL = r.to + strings.TrimPrefix(rawURL, twilioAPI)
	}
	return r.BaseClient.SendRequest(method, rawURL, data, headers, body...)
}
