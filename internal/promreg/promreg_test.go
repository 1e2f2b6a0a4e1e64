package promreg

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

func TestRegisterReusesTheFirst(t *testing.T) {
	reg := prometheus.NewRegistry()
	opts := prometheus.CounterOpts{Name: "frontdesk_test_total", Help: "test"}
	first := Register(reg, prometheus.NewCounter(opts))
	second := Register(reg, prometheus.NewCounter(opts))
	if first != second {
		t.Fatal("the second registration did not return the first collector")
	}
	if c := Register(nil, prometheus.NewCounter(opts)); c == nil {
		t.Fatal("nil registerer")
	}
	defer func() {
		if recover() == nil {
			t.Fatal("a clashing metric did not panic")
		}
	}()
	Register(reg, prometheus.NewGauge(prometheus.GaugeOpts{Name: "frontdesk_test_total", Help: "other"}))
}
