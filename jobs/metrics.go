package jobs

import (
	"github.com/prometheus/client_golang/prometheus"

	"frontdesk/internal/promreg"
)

// metrics are a queue's Prometheus metrics.
type metrics struct {
	pending, running, dead prometheus.Gauge
	completed, failures    *prometheus.CounterVec
	queue                  string
}

func newMetrics(reg prometheus.Registerer, queue string) *metrics {
	const ns, sub = "frontdesk", "jobs"
	pending := promreg.Register(reg, prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Namespace: ns, Subsystem: sub, Name: "pending",
		Help: "Jobs queued, due now or later, as last counted by a worker.",
	}, []string{"queue"}))
	running := promreg.Register(reg, prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Namespace: ns, Subsystem: sub, Name: "running",
		Help: "Jobs claimed by a worker (in every instance), as last counted by a worker.",
	}, []string{"queue"}))
	dead := promreg.Register(reg, prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Namespace: ns, Subsystem: sub, Name: "dead",
		Help: "Jobs on the dead list, failed for good, as last counted by a worker.",
	}, []string{"queue"}))
	completed := promreg.Register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: ns, Subsystem: sub, Name: "completed_total",
		Help: "Jobs whose handler succeeded and that this instance marked done.",
	}, []string{"queue", "kind"}))
	failures := promreg.Register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: ns, Subsystem: sub, Name: "failures_total",
		Help: "Handler failures, retried or not.",
	}, []string{"queue", "kind"}))
	return &metrics{
		pending:   pending.WithLabelValues(queue),
		running:   running.WithLabelValues(queue),
		dead:      dead.WithLabelValues(queue),
		completed: completed,
		failures:  failures,
		queue:     queue,
	}
}
