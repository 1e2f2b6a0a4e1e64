// Package twilioapi builds twilio-go's REST API client for the account of
// the configuration, sending to twilio.api_url (Twilio's, or a local fake
// in tests) and ending each request when a context does.
package twilioapi

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/twilio/twilio-go"
	"github.com/twilio/twilio-go/client"
	openapi "github.com/twilio/twilio-go/rest/api/v2010"

	"frontdesk/config"
)

// twilioAPI is the base URL twilio-go builds its requests on.
const twilioAPI = "https://api.twilio.com"

// API returns twilio-go's API (2010-04-01) for cfg's account, whose
// requests go to cfg.APIURL and end when ctx does: twilio-go takes no
// context, so its HTTP client's transport carries it. Each request has 30
// seconds.
func API(ctx context.Context, cfg config.Twilio) *openapi.ApiService {
	hc := &http.Client{Timeout: 30 * time.Second, Transport: ctxTransport{ctx: ctx, next: http.DefaultTransport}}
	base := &client.Client{Credentials: client.NewCredentials(cfg.AccountSID, cfg.AuthToken), HTTPClient: hc}
	base.SetAccountSid(cfg.AccountSID)
	rc := twilio.NewRestClientWithParams(twilio.ClientParams{
		Username: cfg.AccountSID, Password: cfg.AuthToken, AccountSid: cfg.AccountSID,
		Client: &rebased{BaseClient: base, to: strings.TrimSuffix(cfg.APIURL, "/")},
	})
	return rc.Api
}

// URL is the absolute URL of a path Twilio's API answers with (a resource's
// uri, "/2010-04-01/…"), at cfg.APIURL.
func URL(cfg config.Twilio, path string) string {
	base := strings.TrimSuffix(cfg.APIURL, "/")
	if base == "" {
		base = twilioAPI
	}
	return base + path
}

// ctxTransport sends every request with its context.
type ctxTransport struct {
	ctx  context.Context
	next http.RoundTripper
}

func (t ctxTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	return t.next.RoundTrip(r.WithContext(t.ctx))
}

// rebased sends twilio-go's requests to another base URL than Twilio's own
// (twilio.api_url), keeping everything else; next-page URLs, which
// twilio-go builds on Twilio's base too, included.
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
