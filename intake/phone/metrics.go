package phone

import (
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"frontdesk/internal/promreg"
	"frontdesk/spool"
)

// metrics are the webhooks' Prometheus metrics, labelled by route path.
type metrics struct {
	requests   *prometheus.CounterVec
	sigFailure *prometheus.CounterVec
	refused    *prometheus.CounterVec
	duration   *prometheus.HistogramVec

	reg           prometheus.Registerer
	spooledTotal  *prometheus.CounterVec
	replayedTotal prometheus.Counter
	asideTotal    prometheus.Counter
}

func newMetrics(reg prometheus.Registerer) *metrics {
	const ns, sub = "frontdesk", "twilio"
	return &metrics{
		requests: promreg.Register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: ns, Subsystem: sub, Name: "webhooks_total",
			Help: "Twilio webhook requests answered, by route path and HTTP status.",
		}, []string{"path", "code"})),
		sigFailure: promreg.Register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: ns, Subsystem: sub, Name: "signature_failures_total",
			Help: "Twilio webhook requests refused for a missing or wrong X-Twilio-Signature.",
		}, []string{"path"})),
		refused: promreg.Register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: ns, Subsystem: sub, Name: "webhooks_refused_total",
			Help: "Signed Twilio webhook requests refused (400) for their SIDs: missing_sid, malformed_sid or wrong_account.",
		}, []string{"path", "reason"})),
		duration: promreg.Register(reg, prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: ns, Subsystem: sub, Name: "webhook_duration_seconds",
			Help:    "Time to answer a Twilio webhook, the Sink's work included.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"path"})),
		reg: reg,
		spooledTotal: promreg.Register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: ns, Subsystem: sub, Name: "spooled_total",
			Help: "Twilio webhooks the store could not take, kept in the local spool and answered as done.",
		}, []string{"path"})),
		replayedTotal: promreg.Register(reg, prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: ns, Subsystem: sub, Name: "spool_replayed_total",
			Help: "Spooled Twilio webhooks replayed through the store and removed from the spool.",
		})),
		asideTotal: promreg.Register(reg, prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: ns, Subsystem: sub, Name: "spool_set_aside_total",
			Help: "Spooled Twilio webhooks that failed every replay and were set aside in the spool for a person.",
		})),
	}
}

// watchSpool exports what sp holds: its pending entries, those set aside,
// and its bytes.
func (m *metrics) watchSpool(sp *spool.Spool) {
	const ns, sub = "frontdesk", "twilio"
	promreg.Register(m.reg, prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Namespace: ns, Subsystem: sub, Name: "spool_entries",
		Help: "Twilio webhooks in the local spool waiting to be stored.",
	}, func() float64 { return float64(sp.Stats().Pending) }))
	promreg.Register(m.reg, prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Namespace: ns, Subsystem: sub, Name: "spool_aside_entries",
		Help: "Twilio webhooks set aside in the local spool after failing every replay.",
	}, func() float64 { return float64(sp.Stats().Aside) }))
	promreg.Register(m.reg, prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Namespace: ns, Subsystem: sub, Name: "spool_bytes",
		Help: "Bytes of the Twilio webhooks held in the local spool (twilio.spool_max_size is its limit).",
	}, func() float64 { return float64(sp.Stats().Size) }))
}

func (m *metrics) spooled(path string) { m.spooledTotal.WithLabelValues(path).Inc() }
func (m *metrics) replayed(n int)      { m.replayedTotal.Add(float64(n)) }
func (m *metrics) setAside()           { m.asideTotal.Inc() }

func (m *metrics) signatureFailure(path string) {
	m.sigFailure.WithLabelValues(path).Inc()
}

func (m *metrics) refusal(path, reason string) {
	m.refused.WithLabelValues(path, reason).Inc()
}

// routeMetrics are one route's series, resolved once.
type routeMetrics struct {
	path     string
	requests *prometheus.CounterVec
	duration prometheus.Observer
}

func (m *metrics) route(path string) routeMetrics {
	m.sigFailure.WithLabelValues(path) // export 0 before the first failure
	m.spooledTotal.WithLabelValues(path)
	for _, reason := range refusalReasons {
		m.refused.WithLabelValues(path, reason)
	}
	return routeMetrics{path: path, requests: m.requests, duration: m.duration.WithLabelValues(path)}
}

func (rm routeMetrics) observe(status int, d time.Duration) {
	rm.requests.WithLabelValues(rm.path, strconv.Itoa(status)).Inc()
	rm.duration.Observe(d.Seconds())
}
