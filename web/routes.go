package web

import "net/http"

// routes declares every route the server answers. A GET pattern also answers
// HEAD; a path matched with the wrong method gets 405 with an Allow header.
func (s *Server) routes() *http.ServeMux {
	mux := http.NewServeMux()

	// Operational endpoints (health.go, metrics.go).
	mux.HandleFunc("GET /healthz", s.handleHealthz)
	mux.HandleFunc("GET /readyz", s.handleReadyz)
	if !s.separateMetrics {
		mux.Handle("GET /metrics", s.metricsHandler())
	}

	// The JSON API (/api/v1/…): one table, api.Handlers.Routes in package
	// api, each route behind its access check, registered only when the
	// server has a ticket store and accounts.
	if s.api != nil {
		for _, rt := range s.api.Routes() {
			mux.Handle(rt.Pattern(), s.api.Guard(rt))
		}
	}

	// The web UI: one table, ui.Handlers.Routes in package ui, each route
	// behind its access check, registered when the server can also sign
	// people in.
	if s.ui != nil {
		for _, rt := range s.ui.Routes() {
			mux.Handle(rt.Pattern(), s.ui.Guard(rt))
		}
	}

	// Routes of other packages: Twilio's webhooks (/twilio/…, package
	// intake/phone).
	if s.mount != nil {
		s.mount(mux)
	}

	return mux
}

// metricsRoutes is what ServeMetrics answers: /metrics alone.
func (s *Server) metricsRoutes() *http.ServeMux {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", s.metricsHandler())
	return mux
}
