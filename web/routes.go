package web

import "net/http"

// routes declares every route the server answers. A GET pattern also answers
// HEAD; a path matched with the wrong method gets 405 with an Allow header.
func (s *Server) routes() *http.ServeMux {
	mux := http.NewServeMux()

	// Operational endpoints (health.go, metrics.go).
	mux.HandleFunc("GET /healthz", s.handleHealthz)
	mux.HandleFunc("GET /readyz", s.handleReadyz)
	mux.Handle("GET /metrics", s.metricsHandler())

	// Routes of other packages: Twilio's webhooks (/twilio/…, package
	// intake/phone). The JSON API (/api/v1/…) and the web UI (/{$} and
	// below) are declared here as they are written.
	if s.mount != nil {
		s.mount(mux)
	}

	return mux
}
