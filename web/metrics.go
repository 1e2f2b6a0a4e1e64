package web

import (
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"frontdesk/web/auth"
)

// metricsHandler serves the gatherer's metrics in the Prometheus exposition
// format. A collector that fails is logged and left out; the rest are served.
// With a metrics token, a request without "Authorization: Bearer TOKEN" gets
// 401 (Prometheus sends it with authorization: {credentials: TOKEN}).
func (s *Server) metricsHandler() http.Handler {
	h := promhttp.HandlerFor(s.gatherer, promhttp.HandlerOpts{
		ErrorLog:      slog.NewLogLogger(s.logger.Handler(), slog.LevelError),
		ErrorHandling: promhttp.ContinueOnError,
	})
	if s.metricsToken == "" {
		return h
	}
	// Compared as hashes, in constant time: neither the token nor its
	// length shows in how long a refusal takes.
	want := sha256.Sum256([]byte(s.metricsToken))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token, ok := auth.BearerToken(r)
		got := sha256.Sum256([]byte(token))
		if !ok || subtle.ConstantTimeCompare(got[:], want[:]) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="frontdesk metrics"`)
			writeText(w, http.StatusUnauthorized, "unauthorized\n")
			return
		}
		h.ServeHTTP(w, r)
	})
}

// unmatchedRoute is the route label of requests no route matched (404, 405),
// so that arbitrary paths cannot grow the number of time series.
const unmatchedRoute = "unmatched"

// httpMetrics are the server's own request metrics, labelled by the matched
// route pattern (e.g. "GET /api/v1/tickets/{id}"), never by the raw path.
type httpMetrics struct {
	requests *prometheus.CounterVec   // frontdesk_http_requests_total{route,code}
	duration *prometheus.HistogramVec // frontdesk_http_request_duration_seconds{route}
}

func newHTTPMetrics(reg prometheus.Registerer) *httpMetrics {
	m := &httpMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "frontdesk_http_requests_total",
			Help: "HTTP requests answered, by matched route and status code.",
		}, []string{"route", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "frontdesk_http_request_duration_seconds",
			Help:    "Time taken to answer HTTP requests, by matched route.",
			Buckets: prometheus.DefBuckets,
		}, []string{"route"}),
	}
	if reg != nil {
		m.requests = register(reg, m.requests)
		m.duration = register(reg, m.duration)
	}
	return m
}

// register registers c on reg, or returns the identical collector already
// registered there (say, by an earlier Server in the same process).
func register[C prometheus.Collector](reg prometheus.Registerer, c C) C {
	err := reg.Register(c)
	if err == nil {
		return c
	}
	var are prometheus.AlreadyRegisteredError
	if errors.As(err, &are) {
		if existing, ok := are.ExistingCollector.(C); ok {
			return existing
		}
	}
	panic("web: register HTTP metrics: " + err.Error())
}

func (m *httpMetrics) observe(route string, code int, took time.Duration) {
	m.requests.WithLabelValues(route, strconv.Itoa(code)).Inc()
	m.duration.WithLabelValues(route).Observe(took.Seconds())
}
