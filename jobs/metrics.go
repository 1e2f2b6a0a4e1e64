package jobs

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are a queue's Prometheus metrics.
type metrics struct {
	pending, running, dead prometheus.Gauge
	completed, failures    *prometheus.CounterVec
	queue                  string
}

func newMetrics(reg prometheus.Registerer, queue string) *metrics {
	const ns, sub = "frontdesk", "jobs"
	pending := register(reg, prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Namespace: ns, Subsystem: sub, Name: "pending",
		Help: "Jobs queued, due now or later, as last counted by a worker.",
	}, []string{"queue"}))
	running := register(reg, prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Namespace: ns, Subsystem: sub, Name: "running",
		Help: "Jobs claimed by a worker (in every instance), as last counted by a worker.",
	}, []string{"queue"}))
	dead := register(reg, prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Namespace: ns, Subsystem: sub, Name: "dead",
		Help: "Jobs on the dead list, failed for good, as last counted by a worker.",
	}, []string{"queue"}))
	completed := register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: ns, Subsystem: sub, Name: "completed_total",
		Help: "Jobs whose handler succeeded and that this instance marked done.",
	}, []string{"queue", "kind"}))
	failures := register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
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

// register registers c with reg, or returns the collector registered before
// under the same name, so that every queue can share a Registerer. A nil reg
// registers nothing.
func register[C prometheus.Collector](reg prometheus.Registerer, c C) C {
	if reg == nil {
		return c
	}
	if err := reg.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			if existing, ok := are.ExistingCollector.(C); ok {
				return existing
			}
		}
		panic("jobs: register metrics: " + err.Error())
	}
	return c
}
