// Package sms sends frontdesk's text replies through Twilio's Messages API
// with twilio-go, to twilio.api_url (Twilio's, or a local fake in tests).
package sms

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/twilio/twilio-go/client"
	openapi "github.com/twilio/twilio-go/rest/api/v2010"

	"frontdesk/config"
	"frontdesk/internal/twilioapi"
)

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

// Send sends body from one of our numbers to a customer and returns the
// message's SID. Errors are *PermanentError or temporary (retry); the send
// ends when ctx does.
func (s *Sender) Send(ctx context.Context, from, to, body string) (string, error) {
	return s.SendWithStatus(ctx, from, to, body, "")
}

// SendWithStatus is Send asking Twilio to report the text's fate to
// statusCallback (Status.CallbackURL); empty asks for nothing.
func (s *Sender) SendWithStatus(ctx context.Context, from, to, body, statusCallback string) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	params := &openapi.CreateMessageParams{}
	if statusCallback != "" {
		params.SetStatusCallback(statusCallback)
	}
	params.SetFrom(from)
	params.SetTo(to)
	params.SetBody(body)
	m, err := twilioapi.API(ctx, s.cfg).CreateMessage(params)
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
