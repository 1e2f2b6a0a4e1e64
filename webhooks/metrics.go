package webhooks

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"frontdesk/internal/promreg"
	"frontdesk/ticket"
)

// metrics are the deliverer's Prometheus metrics.
type metrics struct {
	deliveries *prometheus.CounterVec
	seconds    *prometheus.HistogramVec
}

func newMetrics(reg prometheus.Registerer) *metrics {
	return &metrics{
		deliveries: promreg.Register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "frontdesk", Subsystem: "webhook", Name: "deliveries_total",
			Help: "Webhook delivery attempts by this instance, by hook id and result (delivered, failed: tried again later, dead: given up).",
		}, []string{"hook", "result"})),
		seconds: promreg.Register(reg, prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: "frontdesk", Subsystem: "webhook", Name: "delivery_seconds",
			Help:    "How long webhook delivery attempts took, by hook id.",
			Buckets: []float64{.05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"hook"})),
	}
}

func (m *metrics) record(hook string, result ticket.HookResult, d time.Duration) {
	m.deliveries.WithLabelValues(hook, string(result)).Inc()
	m.seconds.WithLabelValues(hook).Observe(d.Seconds())
}
