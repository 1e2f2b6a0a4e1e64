package web

import (
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

func TestMetricsCountRequests(t *testing.T) {
	reg := prometheus.NewRegistry()
	h := New(Options{Gatherer: reg, Registerer: reg}).Handler()

	do(t, h, "GET", "/healthz")
	do(t, h, "GET", "/healthz")
	do(t, h, "GET", "/no/such/path")

	res, body := do(t, h, "GET", "/metrics")
	if res.StatusCode != 200 {
		t.Fatalf("GET /metrics = %d", res.StatusCode)
	}
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Errorf("Content-Type = %q, want the text exposition format", ct)
	}
	for _, want := range []string{
		`frontdesk_http_requests_total{code="200",route="GET /healthz"} 2`,
		`frontdesk_http_requests_total{code="404",route="unmatched"} 1`,
		`frontdesk_http_request_duration_seconds_count{route="GET /healthz"} 2`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q:\n%s", want, body)
		}
	}
	// The /metrics request itself is counted once it has been answered; a
	// second registration on reg shares the registered counters.
	if got := testutil.ToFloat64(newHTTPMetrics(reg).requests.WithLabelValues("GET /metrics", "200")); got != 1 {
		t.Errorf("requests{route=\"GET /metrics\"} = %v, want 1", got)
	}
}

func TestMetricsWithoutRegisterer(t *testing.T) {
	reg := prometheus.NewRegistry()
	h := New(Options{Gatherer: reg}).Handler()
	do(t, h, "GET", "/healthz")
	_, body := do(t, h, "GET", "/metrics")
	if strings.Contains(body, "frontdesk_http_requests_total") {
		t.Errorf("request metrics exposed though no Registerer was given:\n%s", body)
	}
}

func TestMetricsSharedRegistry(t *testing.T) {
	reg := prometheus.NewRegistry()
	a := New(Options{Registerer: reg}) // must not panic on the second registration
	b := New(Options{Registerer: reg})
	do(t, a.Handler(), "GET", "/healthz")
	do(t, b.Handler(), "GET", "/healthz")
	if got := testutil.ToFloat64(a.metrics.requests.WithLabelValues("GET /healthz", "200")); got != 2 {
		t.Errorf("shared counter = %v, want 2", got)
	}
}
