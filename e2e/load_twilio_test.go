package e2e

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"frontdesk/intake/phone"
	"frontdesk/internal/testtwilio"
)

// The Twilio side of a load run: the account, our number, and the public
// URL the instances declare (http.public_url) and Twilio signs against.
const (
	loadAccountSID = "AC0123456789abcdef0123456789abcdef"
	loadAuthToken  = "loadAuthToken0123456789abcdef"
	loadNumber     = "+15555550100"
	loadPublicURL  = "https://desk.load.example.com"
)

// smsPerCaller is how many texts each caller sends: they thread onto one
// ticket (twilio.sms_thread_window), whichever arrives first.
const smsPerCaller = 2

// smsSID is the MessageSid of webhook j.
func smsSID(j int) string { return fmt.Sprintf("SM%032x", j+1) }

// smsCaller is the number webhook j comes from.
func smsCaller(j int) string { return fmt.Sprintf("+1415%07d", 2000000+j/smsPerCaller) }

// smsParams are the form parameters of webhook j, as Twilio posts an
// incoming SMS.
func smsParams(j int) url.Values {
	from := smsCaller(j)
	return url.Values{
		"ToCountry": {"US"}, "ToState": {"CA"}, "SmsMessageSid": {smsSID(j)}, "NumMedia": {"0"},
		"ToCity": {"SAN FRANCISCO"}, "FromZip": {"94105"}, "SmsSid": {smsSID(j)}, "FromState": {"CA"},
		"SmsStatus": {"received"}, "FromCity": {"SAN FRANCISCO"},
		"Body":        {fmt.Sprintf("Text %d from %s: where is my order?", j%smsPerCaller+1, from)},
		"FromCountry": {"US"}, "To": {loadNumber}, "ToZip": {"94105"}, "NumSegments": {"1"},
		"MessageSid": {smsSID(j)}, "AccountSid": {loadAccountSID}, "From": {from}, "ApiVersion": {"2010-04-01"},
	}
}

// hookFeed plays Twilio with its real retry policy: it posts the run's SMS
// webhooks, signed, to a running instance (as a load balancer would), and
// each one twice (a duplicate delivery, as Twilio sometimes makes, each with
// its own idempotency token). Like Twilio by default, a delivery is tried
// again once when the connection could not be made, and never else: an
// answer of 5xx, or none within 15 s, or a connection broken after the
// request went out, is the end of it. So a webhook answered 503 is a text
// lost; one cut off is excused only when the instance it went to was killed
// while it waited, and then must be stored only if answered 2xx later.
type hookFeed struct {
	fleet *loadFleet
	// twilio, when set, lists each text as Twilio has it, from its first
	// delivery on.
	twilio *testtwilio.Server
	listed sync.Map // webhook j → true once listed
	// cut: the way in (a load balancer, the network) is down: every
	// connection is refused, whichever instance is up.
	cut    atomic.Bool
	client *http.Client
	n      int
	slots  chan struct{} // bounds the requests in flight

	mu          sync.Mutex
	latencies   []time.Duration // of the requests answered 2xx
	attempts    int
	unavailable int // answered 5xx
	refused     int // connection not made (tried once more)
	noAnswer    int // connection made, no answer (instance killed, or too slow)
	hooks       []hookOutcome
	errs        []string
}

// hookOutcome is what the deliveries of one webhook heard.
type hookOutcome struct {
	ok     int // answered 2xx: Twilio was told it is done
	failed int // answered 5xx, or cut off by no death: lost to Twilio
	// unreachable: no connection, twice (every instance down): Twilio
	// gives up, and only the reconciliation with its API files the text.
	unreachable int
	excused     int // cut off by the death of the instance it went to
	deliveries  int
}

func newHookFeed(fleet *loadFleet, n int) *hookFeed {
	return &hookFeed{
		fleet: fleet,
		n:     n,
		// Twilio waits 5 s for a connection and 15 s for the answer.
		client: &http.Client{Timeout: 15 * time.Second, Transport: &http.Transport{
			MaxIdleConnsPerHost: 32,
			DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
		}},
		slots: make(chan struct{}, 48),
		hooks: make([]hookOutcome, n),
	}
}

// run posts webhook j at begin + spread×j/n and again up to 3 s after its
// first delivery ended, and returns when every delivery ended or ctx ends.
func (h *hookFeed) run(ctx context.Context, begin time.Time, spread time.Duration) {
	var wg sync.WaitGroup
	for j := range h.n {
		if !sleepUntil(ctx, begin.Add(spread*time.Duration(j)/time.Duration(h.n))) {
			break
		}
		wg.Go(func() {
			for k := range 2 {
				if k == 1 && !sleepUntil(ctx, time.Now().Add(rand.N(3*time.Second))) {
					return
				}
				h.deliver(ctx, j)
			}
		})
	}
	wg.Wait()
}

// deliver makes one delivery of webhook j under Twilio's policy: one more
// try when the connection could not be made, none else. A 4xx answer is a
// failure of the run.
func (h *hookFeed) deliver(ctx context.Context, j int) {
	params := smsParams(j)
	body := params.Encode()
	// phone.Sign is checked against twilio-go's RequestValidator in intake/phone.
	sig := phone.Sign(loadAuthToken, loadPublicURL+"/twilio/sms", params)
	token := fmt.Sprintf("%s-%d", smsSID(j), time.Now().UnixNano()) // Twilio's token is one per delivery, kept across its retry
	if _, done := h.listed.LoadOrStore(j, true); !done && h.twilio != nil {
		h.twilio.AddMessage(smsSID(j), params.Get("From"), params.Get("To"), "inbound", params.Get("Body"), 0, time.Now())
	}
	for try := 1; try <= 2; try++ {
		url, inst := h.fleet.pick()
		if h.cut.Load() {
			url = "http://127.0.0.1:9" // the discard port: nothing listens
		}
		began := time.Now()
		status, took, err := h.post(ctx, url+"/twilio/sms", body, sig, token)
		if ctx.Err() != nil {
			return
		}
		ended := time.Now()
		h.mu.Lock()
		h.attempts++
		o := &h.hooks[j]
		var opErr *net.OpError
		switch {
		case err != nil && errors.As(err, &opErr) && opErr.Op == "dial":
			h.refused++
			if try == 1 {
				h.mu.Unlock()
				continue // Twilio's one retry, on a connection failure only
			}
			o.unreachable++ // judged by whether the reconciliation filed it
		case err != nil:
			h.noAnswer++
			if h.fleet.killedDuring(inst, began, ended) {
				o.excused++ // the instance died within the transaction
			} else {
				o.failed++
				h.errs = append(h.errs, fmt.Sprintf("webhook %d (%s): no answer, and its instance was not killed: %v", j, smsSID(j), err))
			}
		case status >= 200 && status < 300:
			h.latencies = append(h.latencies, took)
			o.ok++
		case status >= 500:
			h.unavailable++
			o.failed++
			h.errs = append(h.errs, fmt.Sprintf("webhook %d (%s): answered %d, which Twilio does not retry: lost", j, smsSID(j), status))
		default:
			o.failed++
			h.errs = append(h.errs, fmt.Sprintf("webhook %d (%s): answered %d", j, smsSID(j), status))
		}
		o.deliveries++
		h.mu.Unlock()
		return
	}
}

// mustBeStored reports whether webhook j's text must end up stored: it was
// answered 2xx, or it never reached an instance and the reconciliation with
// Twilio's API must file it (the intake check fails either if it is not).
func (h *hookFeed) mustBeStored(j int) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	o := h.hooks[j]
	return o.ok > 0 || (o.unreachable > 0 && o.failed == 0)
}

// post sends one signed webhook and returns the status and how long the
// answer took.
func (h *hookFeed) post(ctx context.Context, u, body, sig, token string) (int, time.Duration, error) {
	select {
	case h.slots <- struct{}{}:
	case <-ctx.Done():
		return 0, 0, ctx.Err()
	}
	defer func() { <-h.slots }()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, strings.NewReader(body))
	if err != nil {
		return 0, 0, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Twilio-Signature", sig)
	req.Header.Set("I-Twilio-Idempotency-Token", token)
	req.Header.Set("User-Agent", "TwilioProxy/1.1")
	start := time.Now()
	resp, err := h.client.Do(req)
	if err != nil {
		return 0, 0, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	return resp.StatusCode, time.Since(start), nil
}

// summary returns the feed's figures once it is done.
func (h *hookFeed) summary() (lat []time.Duration, attempts, unavailable, refused, noAnswer int, hooks []hookOutcome, errs []string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.latencies), h.attempts, h.unavailable, h.refused, h.noAnswer, slices.Clone(h.hooks), slices.Clone(h.errs)
}
