// Package fax sends frontdesk's faxes through a Twilio-compatible Faxes API
// — SignalWire's Compatibility (LaML) API, whose shape Twilio's retired
// Programmable Fax had: POST {api_url}/2010-04-01/Accounts/{sid}/Faxes.json
// with To, From, MediaUrl and StatusCallback (api.go).
//
// The service fetches the fax's PDF itself, from a link frontdesk signs
// (media.go): GET /fax/media/{ticket}/{attachment}?exp=…&sig=…, that file
// only, until the link expires, without a session. It reports what became
// of the fax to POST /fax/status (status.go), signed as Twilio signs its
// webhooks; frontdesk records the fax delivered, or failed with the
// service's reason in words.
//
// Package responders drives the sending from the outbox, and looks an
// earlier try up (List) before it sends again, so that a fax whose answer
// was lost is not sent twice.
package fax

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/twilio/twilio-go/client"

	"frontdesk/config"
	"frontdesk/desk"
)

// Service is the fax service as frontdesk uses it: its API, the links it
// fetches PDFs from and the status callbacks it sends. Its methods are safe
// for concurrent use.
type Service struct {
	cfg       config.FaxOutbound
	publicURL string
	desk      *desk.Desk
	hc        *http.Client
	logger    *slog.Logger
	validator client.RequestValidator
	now       func() time.Time

	mu  sync.Mutex
	key []byte // the deployment's secret, read on first use (Store.Secret)
}

// Options configures a Service. A nil *Options is a zero Options.
type Options struct {
	// HTTPClient calls the API; default: one whose requests end after 30 s.
	HTTPClient *http.Client
	// Logger defaults to slog.Default().
	Logger *slog.Logger
	// Now defaults to time.Now; it decides when media links expire.
	Now func() time.Time
}

// New returns the fax service of cfg (fax.outbound, a Faxes API) for desk
// d, reachable by the service at publicURL (http.public_url).
func New(d *desk.Desk, cfg config.FaxOutbound, publicURL string, opts *Options) *Service {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.HTTPClient == nil {
		o.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Service{cfg: cfg, publicURL: publicURL, desk: d, hc: o.HTTPClient, logger: o.Logger,
		validator: client.NewRequestValidator(cfg.CallbackKey()), now: o.Now}
}

// From is the number faxes are sent from.
func (s *Service) From() string { return s.cfg.From }

// Register adds the routes the fax service calls to mux: the PDFs it
// fetches and the status callbacks it sends.
func (s *Service) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET "+mediaPath+"{ticket}/{attachment}", s.serveMedia)
	mux.HandleFunc("POST "+statusPath, s.serveStatus)
}

// secret returns the deployment's signing key.
func (s *Service) secret(ctx context.Context) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.key == nil {
		key, err := s.desk.Store().Secret(ctx)
		if err != nil {
			return nil, fmt.Errorf("load the signing key: %w", err)
		}
		s.key = key
	}
	return s.key, nil
}
