package web

import (
	"net/http"
	"strings"

	"frontdesk/web/auth"
)

// apiRoutes is the JSON API: every route under /api/v1, who may call it and
// its handler. openapi.json documents exactly these (TestOpenAPIInSync).
func (s *Server) apiRoutes() []auth.Route {
	return []auth.Route{
		{Method: "GET", Path: "/api/v1/tickets", Roles: auth.Staff, Handler: s.handleTicketList},
		{Method: "GET", Path: "/api/v1/tickets/{id}", Roles: auth.Staff, Handler: s.handleTicketGet},
		{Method: "POST", Path: "/api/v1/tickets/{id}/replies", Roles: auth.Staff, Handler: s.handleReplyCreate},
		{Method: "POST", Path: "/api/v1/tickets/{id}/assign", Roles: auth.Staff, Handler: s.handleTicketAssign},
		{Method: "POST", Path: "/api/v1/tickets/{id}/release", Roles: auth.Staff, Handler: s.handleTicketRelease},
		{Method: "POST", Path: "/api/v1/tickets/{id}/status", Roles: auth.Staff, Handler: s.handleTicketStatus},
		{Method: "GET", Path: "/api/v1/tickets/{id}/attachments/{attachment_id}", Roles: auth.Staff, Handler: s.handleAttachmentGet},
		{Method: "GET", Path: "/api/v1/queues", Roles: auth.Staff, Handler: s.handleQueueList},
		{Method: "POST", Path: "/api/v1/queues/{queue}/next", Roles: auth.Staff, Handler: s.handleQueueNext},
		{Method: "POST", Path: "/api/v1/customers/{id}/link", Roles: auth.Staff, Handler: s.handleCustomerLink},
		{Method: "GET", Path: "/api/v1/me", Roles: auth.Staff, Handler: s.handleMeGet},
		{Method: "POST", Path: "/api/v1/me/availability", Roles: auth.Staff, Handler: s.handleMeAvailability},
		{Method: "GET", Path: "/api/v1/users", Roles: auth.Managers, Handler: s.handleUserList},
		{Method: "GET", Path: "/api/v1/rules", Roles: auth.Staff, Handler: s.handleRulesGet},
		{Method: "PUT", Path: "/api/v1/rules", Roles: auth.Managers, Handler: s.handleRulesPut},
		{Method: "POST", Path: "/api/v1/rules/test", Roles: auth.Managers, Handler: s.handleRulesTest},
		{Method: "GET", Path: "/api/v1/rules/history", Roles: auth.Managers, Handler: s.handleRulesHistory},
		{Method: "POST", Path: "/api/v1/rules/rollback", Roles: auth.Managers, Handler: s.handleRulesRollback},
		{Method: "POST", Path: "/api/v1/tickets/{id}/route", Roles: auth.Managers, Handler: s.handleTicketRoute},
		{Method: "GET", Path: "/api/v1/openapi.json", Public: true, Handler: s.handleOpenAPI},
	}
}

// apiHandler wraps a route's handler in its access check: public routes as
// they are, others behind a bearer token and the route's roles.
func (s *Server) apiHandler(rt auth.Route) http.Handler {
	if !strings.HasPrefix(rt.Path, "/api/v1/") {
		panic("web: API route outside /api/v1/: " + rt.Pattern())
	}
	rt.CheckAccess("API")
	if rt.Public {
		return rt.Handler
	}
	return auth.RequireToken(s.Accounts, s.logger, rt.Roles, rt.Handler)
}
