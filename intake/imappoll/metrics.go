package imappoll

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the poller's Prometheus metrics, one series per mailbox.
type metrics struct {
	imported   prometheus.Counter
	failures   prometheus.Counter
	lag        prometheus.Gauge
	reconnects prometheus.Counter
	idle       prometheus.Gauge
	lease      prometheus.Gauge
}

func newMetrics(reg prometheus.Registerer, mailbox string) *metrics {
	const ns, sub = "frontdesk", "imap"
	imported := register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: ns, Subsystem: sub, Name: "mails_imported_total",
		Help: "Mails handed to the handler successfully and marked on the server.",
	}, []string{"mailbox"}))
	failures := register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: ns, Subsystem: sub, Name: "import_failures_total",
		Help: "Handler failures, temporary ones (store unavailable) included.",
	}, []string{"mailbox"}))
	lag := register(reg, prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Namespace: ns, Subsystem: sub, Name: "import_lag_seconds",
		Help: "Age (by INTERNALDATE) of the oldest mail seen in the folder but not yet imported; 0 when none is waiting.",
	}, []string{"mailbox"}))
	reconnects := register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: ns, Subsystem: sub, Name: "reconnects_total",
		Help: "Connections to the IMAP server lost or failed and tried again.",
	}, []string{"mailbox"}))
	idle := register(reg, prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Namespace: ns, Subsystem: sub, Name: "idle",
		Help: "1 while the poller waits in IMAP IDLE, else 0.",
	}, []string{"mailbox"}))
	lease := register(reg, prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Namespace: ns, Subsystem: sub, Name: "lease_held",
		Help: "1 while this instance holds the mailbox's lease, else 0.",
	}, []string{"mailbox"}))
	return &metrics{
		imported:   imported.WithLabelValues(mailbox),
		failures:   failures.WithLabelValues(mailbox),
		lag:        lag.WithLabelValues(mailbox),
		reconnects: reconnects.WithLabelValues(mailbox),
		idle:       idle.WithLabelValues(mailbox),
		lease:      lease.WithLabelValues(mailbox),
	}
}

// register registers c with reg, or returns the collector registered before
// under the same name, so that every mailbox's Poller can share a Registerer.
// A nil reg registers nothing.
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
		panic("imappoll: register metrics: " + err.Error())
	}
	return c
}
