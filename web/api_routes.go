package web

import (
	"net/http"
	"strings"
)

// Roles, as package accounts names them.
const (
	roleAssistant = "assistant"
	roleManager   = "manager"
)

// staff is every role: what an assistant may do, a manager may too;
// managers is what only a manager may do.
var (
	staff    = []string{roleAssistant, roleManager}
	managers = []string{roleManager}
)

// route is one route of the JSON API or the web UI.
type route struct {
	method string
	path   string // a net/http pattern path: /api/v1/tickets/{id}
	// roles may use the route (with a bearer token, or signed in). A route
	// without roles must be marked public; one that is neither panics at
	// start-up.
	roles   []string
	public  bool // answered to anyone
	handler http.HandlerFunc
}

func (rt route) pattern() string { return rt.method + " " + rt.path }

// checkAccess panics, at start-up, for a route that is neither public nor
// limited to roles.
func (rt route) checkAccess(kind string) {
	if !rt.public && len(rt.roles) == 0 {
		panic("web: " + kind + " route " + rt.pattern() + " has no roles and is not public")
	}
}

// apiRoutes is the JSON API: every route under /api/v1, who may call it and
// its handler. openapi.json documents exactly these (TestOpenAPIInSync).
func (s *Server) apiRoutes() []route {
	return []route{
		{method: "GET", path: "/api/v1/tickets", roles: staff, handler: s.handleTicketList},
		{method: "GET", path: "/api/v1/tickets/{id}", roles: staff, handler: s.handleTicketGet},
		{method: "POST", path: "/api/v1/tickets/{id}/replies", roles: staff, handler: s.handleReplyCreate},
		{method: "POST", path: "/api/v1/tickets/{id}/assign", roles: staff, handler: s.handleTicketAssign},
		{method: "POST", path: "/api/v1/tickets/{id}/release", roles: staff, handler: s.handleTicketRelease},
		{method: "POST", path: "/api/v1/tickets/{id}/status", roles: staff, handler: s.handleTicketStatus},
		{method: "GET", path: "/api/v1/tickets/{id}/attachments/{attachment_id}", roles: staff, handler: s.handleAttachmentGet},
		{method: "GET", path: "/api/v1/queues", roles: staff, handler: s.handleQueueList},
		{method: "POST", path: "/api/v1/queues/{queue}/next", roles: staff, handler: s.handleQueueNext},
		{method: "POST", path: "/api/v1/customers/{id}/link", roles: staff, handler: s.handleCustomerLink},
		{method: "GET", path: "/api/v1/me", roles: staff, handler: s.handleMeGet},
		{method: "POST", path: "/api/v1/me/availability", roles: staff, handler: s.handleMeAvailability},
		{method: "GET", path: "/api/v1/users", roles: managers, handler: s.handleUserList},
		{method: "GET", path: "/api/v1/rules", roles: staff, handler: s.handleRulesGet},
		{method: "PUT", path: "/api/v1/rules", roles: managers, handler: s.handleRulesPut},
		{method: "POST", path: "/api/v1/rules/test", roles: managers, handler: s.handleRulesTest},
		{method: "GET", path: "/api/v1/rules/history", roles: managers, handler: s.handleRulesHistory},
		{method: "POST", path: "/api/v1/rules/rollback", roles: managers, handler: s.handleRulesRollback},
		{method: "POST", path: "/api/v1/tickets/{id}/route", roles: managers, handler: s.handleTicketRoute},
		{method: "GET", path: "/api/v1/openapi.json", public: true, handler: s.handleOpenAPI},
	}
}

// apiHandler wraps a route's handler in its access check: public routes as
// they are, others behind a bearer token and the route's roles.
func (s *Server) apiHandler(rt route) http.Handler {
	if !strings.HasPrefix(rt.path, "/api/v1/") {
		panic("web: API route outside /api/v1/: " + rt.pattern())
	}
	rt.checkAccess("API")
	if rt.public {
		return rt.handler
	}
	return s.authenticate(rt.roles, rt.handler)
}
