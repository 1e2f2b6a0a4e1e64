package e2e

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"frontdesk/intake/phone"
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

// hookFeed plays Twilio: it posts the run's SMS webhooks, signed, each one
// twice (as Twilio does when it retries), to any instance, and retries
// every delivery that gets a 5xx or no answer (the instance was killed, or
// Redis is down) until it is answered 200.
type hookFeed struct {
	urls   []string
	client *http.Client
	n      int
	slots  chan struct{} // bounds the requests in flight

	mu          sync.Mutex
	latencies   []time.Duration // of the requests answered 2xx
	attempts    int
	unavailable int // answered 503
	noAnswer    int // connection refused or broken
	deliveries  []int
	errs        []string
}

func newHookFeed(urls []string, n int) *hookFeed {
	return &hookFeed{
		urls:       urls,
		n:          n,
		client:     &http.Client{Timeout: 15 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 32}},
		slots:      make(chan struct{}, 48),
		deliveries: make([]int, n),
	}
}

// run posts webhook j at begin + spread×j/n and again up to 3 s after it
// was first answered, and returns when every webhook is answered twice or
// ctx ends.
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
				if !h.deliver(ctx, j) {
					return
				}
			}
		})
	}
	wg.Wait()
}

// deliver posts webhook j until it is answered 200, and reports whether it
// was. A 4xx answer is a failure of the run: recorded, not retried.
func (h *hookFeed) deliver(ctx context.Context, j int) bool {
	params := smsParams(j)
	body := params.Encode()
	// phone.Sign is checked against twilio-go's RequestValidator in intake/phone.
	sig := phone.Sign(loadAuthToken, loadPublicURL+"/twilio/sms", params)
	token := fmt.Sprintf("%s-%d", smsSID(j), time.Now().UnixNano()) // Twilio's token is one per delivery, kept across its retries
	for try := 1; ; try++ {
		status, took, err := h.post(ctx, h.urls[rand.IntN(len(h.urls))]+"/twilio/sms", body, sig, token)
		h.mu.Lock()
		h.attempts++
		switch {
		case err != nil:
			h.noAnswer++
		case status == http.StatusOK:
			h.latencies = append(h.latencies, took)
			h.deliveries[j]++
		case status == http.StatusServiceUnavailable:
			h.unavailable++
		case status < 500:
			h.errs = append(h.errs, fmt.Sprintf("webhook %d (%s): answered %d", j, smsSID(j), status))
		}
		h.mu.Unlock()
		if err == nil && status < 500 {
			return status == http.StatusOK
		}
		// Twilio retries a failed webhook after a while; a second is
		// enough here, with some jitter.
		if !sleepUntil(ctx, time.Now().Add(time.Second+rand.N(500*time.Millisecond))) {
			return false
		}
	}
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
func (h *hookFeed) summary() (lat []time.Duration, attempts, unavailable, noAnswer int, undelivered []string, errs []string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for j, n := range h.deliveries {
		if n < 2 {
			undelivered = append(undelivered, smsSID(j)+" delivered "+strconv.Itoa(n)+" times")
		}
	}
	return slices.Clone(h.latencies), h.attempts, h.unavailable, h.noAnswer, undelivered, slices.Clone(h.errs)
}
