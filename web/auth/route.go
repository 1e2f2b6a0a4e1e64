package auth

import "net/http"

// Roles, as package accounts names them.
const (
	RoleAssistant = "assistant"
	RoleManager   = "manager"
)

// Staff is every role: what an assistant may do, a manager may too;
// Managers is what only a manager may do.
var (
	Staff    = []string{RoleAssistant, RoleManager}
	Managers = []string{RoleManager}
)

// Route is one route of the JSON API or the web UI.
type Route struct {
	Method string
	Path   string // a net/http pattern path: /api/v1/tickets/{id}
	// Roles may use the route (with a bearer token, or signed in). A route
	// without roles must be marked public; one that is neither panics at
	// start-up.
	Roles   []string
	Public  bool // answered to anyone
	Handler http.HandlerFunc
}

// Pattern is the route's net/http pattern: "GET /api/v1/tickets/{id}".
func (rt Route) Pattern() string { return rt.Method + " " + rt.Path }

// CheckAccess panics, at start-up, for a route that is neither public nor
// limited to roles; kind names the route's table in the message.
func (rt Route) CheckAccess(kind string) {
	if !rt.Public && len(rt.Roles) == 0 {
		panic("web: " + kind + " route " + rt.Pattern() + " has no roles and is not public")
	}
}
