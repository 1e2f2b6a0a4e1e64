package web

import (
	"context"
	"net/http"
	"net/http/httptest"
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

// With a token, /metrics answers only a request that carries it.
func TestMetricsToken(t *testing.T) {
	const token = "0123456789abcdef-metrics"
	h := New(Options{Gatherer: prometheus.NewRegistry(), MetricsToken: token}).Handler()
	tests := []struct {
		authorization string
		status        int
	}{
		{"", 401},
		{"Bearer wrong-token-0123456789", 401},
		{"Bearer " + token + "x", 401},
		{"Basic " + token, 401},
		{token, 401},
		{"Bearer " + token, 200},
		{"bearer " + token, 200},
	}
	for _, tt := range tests {
		req := httptest.NewRequest("GET", "/metrics", nil)
		if tt.authorization != "" {
			req.Header.Set("Authorization", tt.authorization)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != tt.status {
			t.Errorf("GET /metrics with Authorization %q: %d, want %d", tt.authorization, rec.Code, tt.status)
		}
		if tt.status == 401 && !strings.HasPrefix(rec.Header().Get("WWW-Authenticate"), "Bearer ") {
			t.Errorf("401 without a Bearer challenge: %q", rec.Header().Get("WWW-Authenticate"))
		}
	}
	// The token guards /metrics only.
	if res, _ := do(t, h, "GET", "/healthz"); res.StatusCode != 200 {
		t.Errorf("GET /healthz with a metrics token: %d", res.StatusCode)
	}
}

// With SeparateMetrics, /metrics is served on its own listener and nowhere
// else, and that listener serves nothing else.
func TestSeparateMetrics(t *testing.T) {
	reg := prometheus.NewRegistry()
	s := New(Options{Gatherer: reg, Registerer: reg, SeparateMetrics: true})
	if res, _ := do(t, s.Handler(), "GET", "/metrics"); res.StatusCode != 404 {
		t.Errorf("GET /metrics on the main handler: %d, want 404", res.StatusCode)
	}
	if res, _ := do(t, s.Handler(), "GET", "/healthz"); res.StatusCode != 200 {
		t.Errorf("GET /healthz on the main handler: %d, want 200", res.StatusCode)
	}

	ln := listen(t)
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- s.ServeMetrics(ctx, ln) }()
	base := "http://" + ln.Addr().String()
	for path, want := range map[string]int{"/metrics": 200, "/healthz": 404, "/api/v1/tickets": 404} {
		res, err := http.Get(base + path)
		if err != nil {
			t.Fatalf("GET %s on the metrics listener: %v", path, err)
		}
		_ = res.Body.Close()
		if res.StatusCode != want {
			t.Errorf("GET %s on the metrics listener: %d, want %d", path, res.StatusCode, want)
		}
	}
	cancel()
	if err := <-served; err != nil {
		t.Errorf("ServeMetrics = %v, want nil after shutdown", err)
	}

	if err := New(Options{}).ServeMetrics(context.Background(), listen(t)); err == nil {
		t.Error("ServeMetrics without SeparateMetrics: nil error")
	}
}
