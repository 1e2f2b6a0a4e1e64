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
	cfg config.Twilio
}

// New returns a Sender for the account of cfg, calling cfg.APIURL.
func New(cfg config.Twilio) *Sender { return &Sender{cfg: cfg} }

// api is twilio-go's Messages API whose requests end when ctx does:
// twilio-go takes no context, so its HTTP client's transport carries it.
func (s *Sender) api(ctx context.Context) *openapi.ApiService {
	hc := &http.Client{Timeout: 30 * time.Second, Transport: ctxTransport{ctx: ctx, next: http.DefaultTransport}}
	base := &client.Client{Credentials: client.NewCredentials(s.cfg.AccountSID, s.cfg.AuthToken), HTTPClient: hc}
	base.SetAccountSid(s.cfg.AccountSID)
	rc := twilio.NewRestClientWithParams(twilio.ClientParams{
		Username: s.cfg.AccountSID, Password: s.cfg.AuthToken, AccountSid: s.cfg.AccountSID,
		Client: &rebased{BaseClient: base, to: strings.TrimSuffix(s.cfg.APIURL, "/")},
	})
	return rc.Api
}

// ctxTransport sends every request with its context.
type ctxTransport struct {
	ctx  context.Context
	next http.RoundTripper
}

func (t ctxTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	return t.next.RoundTrip(r.WithContext(t.ctx))
}

// Send sends body from one of our numbers to a customer and returns the
// message's SID. Errors are *PermanentError or temporary (retry); the send
// ends when ctx does.
func (s *Sender) Send(ctx context.Context, from, to, body string) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	params := &openapi.CreateMessageParams{}
	params.SetFrom(from)
	params.SetTo(to)
	params.SetBody(body)
	m, err := s.api(ctx).CreateMessage(params)
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
