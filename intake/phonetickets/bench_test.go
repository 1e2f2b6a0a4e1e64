package phonetickets

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"frontdesk/config"
	"frontdesk/desk"
	"frontdesk/intake/phone"
	"frontdesk/jobs"
	"frontdesk/ticket/redisstore"
)

// BenchmarkSignedVoiceWebhook measures the incoming-call webhook as Twilio
// meets it: signed requests over loopback, the signature checked, the call
// stored durably in Redis (FRONTDESK_TEST_REDIS_URL, else miniredis), TwiML
// answered, from 8 concurrent clients.
//
//	FRONTDESK_TEST_REDIS_URL=redis://127.0.0.1:6379/9 go test -run '^$' -bench SignedVoiceWebhook -benchtime 20000x ./intake/phonetickets
//
// Target: at least 3,000 requests/s with p99 under 10 ms.
func BenchmarkSignedVoiceWebhook(b *testing.B) {
	var rdb redis.UniversalClient
	prefix := fmt.Sprintf("fdbench-%d", time.Now().UnixNano())
	if u := os.Getenv("FRONTDESK_TEST_REDIS_URL"); u != "" {
		opts, err := redis.ParseURL(u)
		if err != nil {
			b.Fatal(err)
		}
		rdb = redis.NewClient(opts)
		b.Cleanup(func() { rdb.Close() })
		b.Cleanup(func() { // runs first: cleanups are last-in first-out
			ctx := b.Context()
			iter := rdb.Scan(ctx, 0, prefix+":*", 1000).Iterator()
			for iter.Next(ctx) {
				rdb.Del(ctx, iter.Val())
			}
		})
	} else {
		rdb = redis.NewClient(&redis.Options{Addr: miniredis.RunT(b).Addr()})
		b.Cleanup(func() { rdb.Close() })
	}
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	defer srv.Close()
	cfg, err := config.Parse([]byte(fmt.Sprintf(`
redis: {url: "redis://127.0.0.1:6379/0", prefix: %s}
http: {public_url: %q}
twilio: {account_sid: %s, auth_token: %s, numbers: [{number: %q, transcribe: true}]}
`, prefix, srv.URL, accountSID, authToken, ourNumber)), func(string) (string, bool) { return "", false })
	if err != nil {
		b.Fatal(err)
	}
	quiet := slog.New(slog.DiscardHandler)
	store := redisstore.New(rdb, &redisstore.Options{Prefix: prefix})
	in := New(desk.New(store, cfg, nil), rdb, jobs.New("media", &jobs.Options{Redis: rdb, Prefix: prefix, Logger: quiet}), &Options{Logger: quiet})
	phone.New(in, &phone.Options{Twilio: cfg.Twilio, PublicURL: srv.URL, Logger: quiet}).Register(mux)

	const clients = 8
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients}}
	var next atomic.Int64
	latencies := make([][]time.Duration, clients)
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for c := range clients {
		wg.Go(func() {
			for {
				i := next.Add(1)
				if i > int64(b.N) {
					return
				}
				form := url.Values{"AccountSid": {accountSID}, "CallSid": {sid("CA", int(i))},
					"From": {caller}, "To": {ourNumber}, "CallStatus": {"ringing"}}
				req, _ := http.NewRequest(http.MethodPost, srv.URL+"/twilio/voice", strings.NewReader(form.Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				req.Header.Set("X-Twilio-Signature", phone.Sign(authToken, srv.URL+"/twilio/voice", form))
				t0 := time.Now()
				resp, err := client.Do(req)
				if err != nil {
					b.Error(err)
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					b.Errorf("status %d", resp.StatusCode)
					return
				}
				latencies[c] = append(latencies[c], time.Since(t0))
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	all := slices.Concat(latencies...)
	slices.Sort(all)
	if len(all) == 0 {
		return
	}
	b.ReportMetric(float64(len(all))/elapsed.Seconds(), "req/s")
	b.ReportMetric(float64(all[len(all)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(all[len(all)*99/100].Microseconds())/1000, "p99-ms")
}
