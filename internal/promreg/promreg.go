// Package promreg registers frontdesk's Prometheus collectors so that several
// components of one kind (every mailbox's poller, every job queue) can share
// one Registerer: a collector registered before under the same name is reused.
package promreg

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
)

// Register registers c with reg and returns it, or returns the collector of
// the same description registered before. A nil reg registers nothing. Any
// other registration error is a programming error (two different metrics
// under one name) and panics at start-up.
func Register[C prometheus.Collector](reg prometheus.Registerer, c C) C {
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
		panic("register metrics: " + err.Error())
	}
	return c
}
