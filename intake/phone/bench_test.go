package phone

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// nopSink stores nothing, at once.
type nopSink struct{}

func (nopSink) Call(context.Context, Call) error                   { return nil }
func (nopSink) Recording(context.Context, Recording) error         { return nil }
func (nopSink) Transcription(context.Context, Transcription) error { return nil }
func (nopSink) CallStatus(context.Context, CallStatus) error       { return nil }
func (nopSink) SMS(context.Context, SMS) error                     { return nil }
func (nopSink) Fax(context.Context, Fax) error                     { return nil }

// BenchmarkVoiceWebhook sends signed /twilio/voice requests, as Twilio
// does, from several concurrent clients to a loopback server, and reports
// the throughput and the 99th percentile latency seen by the clients. The
// sink does nothing: this is the HTTP share of answering a call.
func BenchmarkVoiceWebhook(b *testing.B) {
	const clients = 8
	e := newEnv(b, nil)
	e.wh.sink = nopSink{}
	form := url.Values{
		"AccountSid": {testAccount}, "ApiVersion": {"2010-04-01"},
		"CallSid": {"CA0123456789abcdef0123456789abcdef"}, "CallStatus": {"ringing"}, "Direction": {"inbound"},
		"Called": {"+15555550100"}, "Caller": {"+31612345678"}, "From": {"+31612345678"}, "To": {"+15555550100"},
		"FromCountry": {"NL"}, "ToCountry": {"US"}, "CallToken": {strings.Repeat("t", 200)},
	}
	body := form.Encode()
	sig := Sign(testToken, e.srv.URL+pathVoice, form)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients}}
	defer client.CloseIdleConnections()

	send := func() (time.Duration, error) {
		req, err := http.NewRequest(http.MethodPost, e.srv.URL+pathVoice, strings.NewReader(body))
		if err != nil {
			return 0, err
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Twilio-Signature", sig)
		start := time.Now()
		resp, err := client.Do(req)
		if err != nil {
			return 0, err
		}
		_, err = io.Copy(io.Discard, resp.Body)
		if cerr := resp.Body.Close(); err == nil {
			err = cerr
		}
		if err == nil && resp.StatusCode != http.StatusOK {
			b.Errorf("status %d", resp.StatusCode)
		}
		return time.Since(start), err
	}

	lat := make([][]time.Duration, clients)
	var next sync.Mutex
	n := 0
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for c := range clients {
		wg.Go(func() {
			for {
				next.Lock()
				if n >= b.N {
					next.Unlock()
					return
				}
				n++
				next.Unlock()
				d, err := send()
				if err != nil {
					b.Error(err)
					return
				}
				lat[c] = append(lat[c], d)
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()

	all := slices.Concat(lat...)
	slices.Sort(all)
	if len(all) == 0 {
		return
	}
	p99 := all[min(len(all)-1, len(all)*99/100)]
	b.ReportMetric(float64(len(all))/elapsed.Seconds(), "req/s")
	b.ReportMetric(float64(p99.Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(all[len(all)/2].Microseconds())/1000, "p50-ms")
}
