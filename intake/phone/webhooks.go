package phone

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/twilio/twilio-go/client"

	"frontdesk/config"
	"frontdesk/fault"
	"frontdesk/spool"
)

// Limits and defaults.
const (
	// MaxBodySize is the largest request body read: 64 KiB. Twilio's are
	// a few KB (an SMS of 1,600 characters with ten media URLs stays far
	// below). The HTTP server (package web, Limits.Webhooks) refuses a
	// larger one before it gets here.
	MaxBodySize = 64 << 10
	// RetryAfter is the Retry-After, in seconds, of a 503 answer.
	RetryAfter = 5
	// DefaultSinkTimeout is Options.SinkTimeout's default: well inside the
	// 15 seconds Twilio waits for a webhook's answer.
	DefaultSinkTimeout = 10 * time.Second
)

// Options configures Webhooks. A nil *Options is equivalent to a zero
// Options, which refuses every request: without an auth token no signature
// can be checked.
type Options struct {
	// Twilio holds the account's auth token, our numbers and the default
	// queue.
	Twilio config.Twilio
	// Calendars are the business hours calendars by name, for the numbers'
	// business_hours.
	Calendars map[string]config.Calendar
	// PublicURL is http.public_url without a trailing slash: the base of
	// the URLs Twilio requests and signs, and of the callback URLs in the
	// TwiML answered.
	PublicURL string
	// Logger defaults to slog.Default().
	Logger *slog.Logger
	// Registerer receives the metrics; nil registers none.
	Registerer prometheus.Registerer
	// Now defaults to time.Now.
	Now func() time.Time
	// SinkTimeout bounds each Sink call; a Sink that takes longer is
	// answered 503. Default: DefaultSinkTimeout.
	SinkTimeout time.Duration
	// Durable, when set, waits after the Sink has stored an event until the
	// store would keep it through a crash of its host; only then is Twilio
	// answered 2xx. An error answers 503 (Twilio delivers it again), or,
	// with a Spool, spools the webhook.
	Durable func(ctx context.Context) error
	// Spool, when set, keeps the webhooks the store cannot take now
	// (fault.IsUnavailable from the Sink or Durable, or a Sink slower than
	// SinkTimeout), fsynced on the local disk, and Twilio hears 2xx: it does
	// not retry a 503 by default, so a webhook answered 503 would be lost.
	// RunSpool replays them through the Sink when the store is back. While
	// the spool holds webhooks, new ones join them behind, so that they
	// reach the Sink in the order they came. A full spool answers 503.
	Spool *spool.Spool
}

// Webhooks answers Twilio's webhooks. Its methods are safe for concurrent
// use.
type Webhooks struct {
	sink        Sink
	opts        Options
	validator   client.RequestValidator
	numbers     map[string]config.Number
	log         *slog.Logger
	m           *metrics
	sigLog      *limiter // signature failures, refusals and unavailable sinks, per path
	unknownLog  *limiter // unknown numbers, per number
	voiceRecord voiceURLs
	byPath      map[string]route
	drain       drainState
}

// route is one webhook: its path and how it reads a request whose signature
// checked out.
type route struct {
	path string
	// read checks the form's SIDs (a *refusal when they fail) and reads it
	// into the event it carries.
	read func(form url.Values, c Common) (event, error)
}

// event is a signed webhook whose SIDs checked out: what it hands the Sink,
// and what Twilio hears once it is stored.
type event struct {
	// store hands the event to the Sink; nil for a webhook that stores
	// nothing.
	store  func(ctx context.Context, s Sink) error
	answer answer
}

// answer is a successful response: a status and an optional TwiML body.
type answer struct {
	status int
	twiml  []byte
}

// New returns the webhooks that hand events to sink.
func New(sink Sink, opts *Options) *Webhooks {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.SinkTimeout <= 0 {
		o.SinkTimeout = DefaultSinkTimeout
	}
	w := &Webhooks{
		sink:       sink,
		opts:       o,
		validator:  client.NewRequestValidator(o.Twilio.AuthToken),
		numbers:    make(map[string]config.Number, len(o.Twilio.Numbers)),
		log:        o.Logger,
		m:          newMetrics(o.Registerer),
		sigLog:     newLimiter(time.Minute),
		unknownLog: newLimiter(time.Hour),
		voiceRecord: voiceURLs{
			action:        o.PublicURL + pathAfterRecord,
			recording:     o.PublicURL + pathRecording,
			transcription: o.PublicURL + pathTranscription,
		},
	}
	for _, n := range o.Twilio.Numbers {
		w.numbers[n.Number] = n
	}
	w.byPath = make(map[string]route)
	for _, rt := range w.routes() {
		w.byPath[rt.path] = rt
	}
	if o.Spool != nil {
		w.m.watchSpool(o.Spool)
	}
	return w
}

// The webhook paths.
const (
	pathVoice         = "/twilio/voice"
	pathAfterRecord   = "/twilio/voice/after-record"
	pathRecording     = "/twilio/voice/recording"
	pathTranscription = "/twilio/voice/transcription"
	pathStatus        = "/twilio/voice/status"
	pathSMS           = "/twilio/sms"
	pathFax           = "/twilio/fax"
)

func (w *Webhooks) routes() []route {
	return []route{
		{pathVoice, w.voice},
		{pathAfterRecord, w.afterRecord},
		{pathRecording, w.recording},
		{pathTranscription, w.transcription},
		{pathStatus, w.callStatus},
		{pathSMS, w.sms},
		{pathFax, w.fax},
	}
}

// Register adds the webhooks to mux, as "POST /twilio/voice" and so on; the
// mux answers other methods with 405.
func (w *Webhooks) Register(mux *http.ServeMux) {
	for _, rt := range w.routes() {
		mux.Handle("POST "+rt.path, w.handler(rt))
	}
}

// handler wraps a route with what every webhook does: read the body, check
// the signature, resolve the number, answer, count and time.
func (w *Webhooks) handler(rt route) http.Handler {
	m := w.m.route(rt.path)
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		start := time.Now()
		status := w.serve(rw, r, rt)
		m.observe(status, time.Since(start))
	})
}

// serve answers r and returns the status it answered with.
func (w *Webhooks) serve(rw http.ResponseWriter, r *http.Request, rt route) int {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != "application/x-www-form-urlencoded" {
			return plain(rw, http.StatusUnsupportedMediaType, "want application/x-www-form-urlencoded")
		}
	}
	body, err := io.ReadAll(http.MaxBytesReader(rw, r.Body, MaxBodySize))
	if err != nil {
		if tooBig := (*http.MaxBytesError)(nil); errors.As(err, &tooBig) {
			return plain(rw, http.StatusRequestEntityTooLarge, "request body too large")
		}
		return plain(rw, http.StatusBadRequest, "cannot read request body")
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return plain(rw, http.StatusBadRequest, "malformed form body")
	}
	if !w.signed(r, form) {
		w.m.signatureFailure(rt.path)
		w.sigLog.do(rt.path, w.opts.Now(), func(suppressed int) {
			w.log.LogAttrs(r.Context(), slog.LevelWarn, "twilio webhook: signature missing or wrong",
				slog.String("path", r.URL.Path),
				slog.String("remote", r.RemoteAddr),
				slog.Bool("header_present", r.Header.Get("X-Twilio-Signature") != ""),
				slog.String("url_checked", w.signedURL(r)),
				slog.Int("suppressed", suppressed))
		})
		return plain(rw, http.StatusForbidden, "forbidden")
	}

	c := w.common(form, r.Header.Get("I-Twilio-Idempotency-Token"), w.opts.Now())
	ev, err := rt.read(form, c)
	if err == nil && ev.store != nil {
		err = w.keep(r.Context(), rt.path, body, c, ev)
	}
	var refused *refusal
	switch {
	case err == nil:
	case errors.As(err, &refused):
		w.m.refusal(rt.path, refused.reason)
		w.sigLog.do("refused "+rt.path, w.opts.Now(), func(suppressed int) {
			w.log.LogAttrs(r.Context(), slog.LevelWarn, "twilio webhook: signed, but refused for its SIDs",
				slog.String("path", r.URL.Path),
				slog.String("remote", r.RemoteAddr),
				slog.String("reason", refused.reason),
				slog.String("detail", refused.msg),
				slog.Int("suppressed", suppressed))
		})
		return plain(rw, http.StatusBadRequest, refused.msg)
	case r.Context().Err() != nil:
		// Twilio gave up waiting or the connection broke: nobody reads
		// the answer, and Twilio will deliver the event again.
		return plain(rw, http.StatusServiceUnavailable, "service unavailable")
	case fault.IsUnavailable(err):
		w.sigLog.do("unavailable "+rt.path, w.opts.Now(), func(suppressed int) {
			w.log.LogAttrs(r.Context(), slog.LevelWarn, "twilio webhook: store unavailable, answered 503",
				slog.String("path", r.URL.Path),
				slog.Int("suppressed", suppressed),
				slog.Any("error", err))
		})
		rw.Header().Set("Retry-After", strconv.Itoa(RetryAfter))
		return plain(rw, http.StatusServiceUnavailable, "service unavailable")
	default:
		w.log.LogAttrs(r.Context(), slog.LevelError, "twilio webhook failed",
			slog.String("path", r.URL.Path),
			slog.Any("error", err))
		return plain(rw, http.StatusInternalServerError, "internal server error")
	}
	a := ev.answer
	if a.twiml != nil {
		h := rw.Header()
		h.Set("Content-Type", "text/xml; charset=utf-8")
		h.Set("Content-Length", strconv.Itoa(len(a.twiml)))
		rw.WriteHeader(a.status)
		_, _ = rw.Write(a.twiml) // Twilio may have hung up; nothing to do about it
		return a.status
	}
	rw.WriteHeader(a.status)
	return a.status
}

// common returns the fields every event carries: from the form, the
// I-Twilio-Idempotency-Token header, and when the request came.
func (w *Webhooks) common(form url.Values, idempotencyToken string, now time.Time) Common {
	to := form.Get("To")
	n, known := w.number(to, now)
	return Common{
		AccountSID:       form.Get("AccountSid"),
		From:             form.Get("From"),
		To:               to,
		IdempotencyToken: idempotencyToken,
		Number:           n,
		KnownNumber:      known,
		Received:         now,
	}
}

// number resolves our number from Twilio's To. An unknown number is logged
// at most once an hour.
func (w *Webhooks) number(to string, now time.Time) (config.Number, bool) {
	if n, ok := w.numbers[to]; ok {
		if n.Queue == "" {
			n.Queue = w.opts.Twilio.DefaultQueue
		}
		return n, true
	}
	if to != "" {
		w.unknownLog.do(to, now, func(suppressed int) {
			w.log.LogAttrs(context.Background(), slog.LevelWarn,
				"twilio webhook for a number not in twilio.numbers; using the default queue",
				slog.String("number", to),
				slog.String("queue", w.opts.Twilio.DefaultQueue),
				slog.Int("suppressed", suppressed))
		})
	}
	return config.Number{Number: to, Queue: w.opts.Twilio.DefaultQueue}, false
}

// plain answers with a short text body and returns status.
func plain(rw http.ResponseWriter, status int, msg string) int {
	h := rw.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	rw.WriteHeader(status)
	_, _ = io.WriteString(rw, msg+"\n")
	return status
}
