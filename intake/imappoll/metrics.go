package imappoll

import (
	"github.com/prometheus/client_golang/prometheus"

	"frontdesk/internal/promreg"
)

// metrics are the poller's Prometheus metrics, one series per mailbox.
type metrics struct {
	imported   prometheus.Counter
	failures   prometheus.Counter
	lag        prometheus.Gauge
	reconnects prometheus.Counter
	idle       prometheus.Gauge
	lease      prometheus.Gauge
	// reconciled counts reconciliation's findings by result: imported
	// (missing from the store, and imported), already_stored, failed.
	reconciled *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer, mailbox string) *metrics {
	const ns, sub = "frontdesk", "imap"
	imported := promreg.Register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: ns, Subsystem: sub, Name: "mails_imported_total",
		Help: "Mails handed to the handler successfully and marked on the server.",
	}, []string{"mailbox"}))
	failures := promreg.Register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: ns, Subsystem: sub, Name: "import_failures_total",
		Help: "Handler failures, temporary ones (store unavailable) included.",
	}, []string{"mailbox"}))
	lag := promreg.Register(reg, prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Namespace: ns, Subsystem: sub, Name: "import_lag_seconds",
		Help: "Age (by INTERNALDATE) of the oldest mail seen in the folder but not yet imported; 0 when none is waiting.",
	}, []string{"mailbox"}))
	reconnects := promreg.Register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: ns, Subsystem: sub, Name: "reconnects_total",
		Help: "Connections to the IMAP server lost or failed and tried again.",
	}, []string{"mailbox"}))
	idle := promreg.Register(reg, prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Namespace: ns, Subsystem: sub, Name: "idle",
		Help: "1 while the poller waits in IMAP IDLE, else 0.",
	}, []string{"mailbox"}))
	lease := promreg.Register(reg, prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Namespace: ns, Subsystem: sub, Name: "lease_held",
		Help: "1 while this instance holds the mailbox's lease, else 0.",
	}, []string{"mailbox"}))
	reconciled := promreg.Register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: ns, Subsystem: sub, Name: "reconciled_total",
		Help: "Mails reconciliation checked, by result: imported (the store lacked it), already_stored, failed.",
	}, []string{"mailbox", "result"}))
	return &metrics{
		imported:   imported.WithLabelValues(mailbox),
		failures:   failures.WithLabelValues(mailbox),
		lag:        lag.WithLabelValues(mailbox),
		reconnects: reconnects.WithLabelValues(mailbox),
		idle:       idle.WithLabelValues(mailbox),
		lease:      lease.WithLabelValues(mailbox),
		reconciled: reconciled.MustCurryWith(prometheus.Labels{"mailbox": mailbox}),
	}
}
