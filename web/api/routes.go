package api

import (
	"net/http"
	"strings"

	"frontdesk/web/auth"
)

// Routes is the JSON API: every route under /api/v1, who may call it and its
// handler. openapi.json documents exactly these (TestOpenAPIInSync). Package
// web registers each behind its access check, Guard.
func (h *Handlers) Routes() []auth.Route {
	return []auth.Route{
		{Method: "GET", Path: "/api/v1/tickets", Roles: auth.Staff, Handler: h.handleTicketList},
		{Method: "GET", Path: "/api/v1/tickets/{id}", Roles: auth.Staff, Handler: h.handleTicketGet},
		{Method: "GET", Path: "/api/v1/search", Roles: auth.Staff, Handler: h.handleSearch},
		{Method: "PATCH", Path: "/api/v1/tickets/{id}", Roles: auth.Staff, Handler: h.handleTicketUpdate},
		{Method: "POST", Path: "/api/v1/tickets/{id}/replies", Roles: auth.Staff, Handler: h.handleReplyCreate},
		{Method: "POST", Path: "/api/v1/tickets/{id}/notes", Roles: auth.Staff, Handler: h.handleNoteCreate},
		{Method: "POST", Path: "/api/v1/tickets/{id}/forward", Roles: auth.Staff, Handler: h.handleForwardCreate},
		{Method: "POST", Path: "/api/v1/tickets/{id}/presence", Roles: auth.Staff, Handler: h.handleTicketPresence},
		{Method: "GET", Path: "/api/v1/canned", Roles: auth.Staff, Handler: h.handleCannedGet},
		{Method: "PUT", Path: "/api/v1/canned", Roles: auth.Managers, Handler: h.handleCannedPut},
		{Method: "POST", Path: "/api/v1/tickets/{id}/assign", Roles: auth.Staff, Handler: h.handleTicketAssign},
		{Method: "POST", Path: "/api/v1/tickets/{id}/release", Roles: auth.Staff, Handler: h.handleTicketRelease},
		{Method: "POST", Path: "/api/v1/tickets/{id}/status", Roles: auth.Staff, Handler: h.handleTicketStatus},
		{Method: "POST", Path: "/api/v1/tickets/{id}/snooze", Roles: auth.Staff, Handler: h.handleTicketSnooze},
		{Method: "POST", Path: "/api/v1/tickets/{id}/merge", Roles: auth.Staff, Handler: h.handleTicketMerge},
		{Method: "POST", Path: "/api/v1/tickets/{id}/callback", Roles: auth.Staff, Handler: h.handleCallbackPlan},
		{Method: "DELETE", Path: "/api/v1/tickets/{id}/callback", Roles: auth.Staff, Handler: h.handleCallbackCancel},
		{Method: "GET", Path: "/api/v1/tickets/{id}/attachments/{attachment_id}", Roles: auth.Staff, Handler: h.handleAttachmentGet},
		{Method: "GET", Path: "/api/v1/queues", Roles: auth.Staff, Handler: h.handleQueueList},
		{Method: "POST", Path: "/api/v1/queues/{queue}/next", Roles: auth.Staff, Handler: h.handleQueueNext},
		{Method: "GET", Path: "/api/v1/customers/{id}", Roles: auth.Staff, Handler: h.handleCustomerGet},
		{Method: "PATCH", Path: "/api/v1/customers/{id}", Roles: auth.Staff, Handler: h.handleCustomerUpdate},
		{Method: "POST", Path: "/api/v1/customers/{id}/link", Roles: auth.Staff, Handler: h.handleCustomerLink},
		{Method: "POST", Path: "/api/v1/customers/{id}/unlink", Roles: auth.Staff, Handler: h.handleCustomerUnlink},
		{Method: "POST", Path: "/api/v1/customers/{id}/forget", Roles: auth.Managers, Handler: h.handleCustomerForget},
		{Method: "GET", Path: "/api/v1/me", Roles: auth.Staff, Handler: h.handleMeGet},
		{Method: "POST", Path: "/api/v1/me/availability", Roles: auth.Staff, Handler: h.handleMeAvailability},
		{Method: "GET", Path: "/api/v1/me/snoozed", Roles: auth.Staff, Handler: h.handleMeSnoozed},
		{Method: "POST", Path: "/api/v1/me/calendar", Roles: auth.Staff, Handler: h.handleMeCalendarReset},
		{Method: "GET", Path: "/api/v1/me/mentions", Roles: auth.Staff, Handler: h.handleMeMentions},
		{Method: "GET", Path: "/api/v1/users", Roles: auth.Managers, Handler: h.handleUserList},
		{Method: "POST", Path: "/api/v1/users/{name}", Roles: auth.Managers, Handler: h.handleUserUpdate},
		{Method: "GET", Path: "/api/v1/reports/daily", Roles: auth.Managers, Handler: h.handleReportDaily},
		{Method: "GET", Path: "/api/v1/reports/assistants", Roles: auth.Managers, Handler: h.handleReportAssistants},
		{Method: "GET", Path: "/api/v1/rules", Roles: auth.Staff, Handler: h.handleRulesGet},
		{Method: "PUT", Path: "/api/v1/rules", Roles: auth.Managers, Handler: h.handleRulesPut},
		{Method: "POST", Path: "/api/v1/rules/test", Roles: auth.Managers, Handler: h.handleRulesTest},
		{Method: "GET", Path: "/api/v1/rules/history", Roles: auth.Managers, Handler: h.handleRulesHistory},
		{Method: "POST", Path: "/api/v1/rules/rollback", Roles: auth.Managers, Handler: h.handleRulesRollback},
		{Method: "POST", Path: "/api/v1/tickets/{id}/route", Roles: auth.Managers, Handler: h.handleTicketRoute},
		{Method: "GET", Path: "/api/v1/webhooks", Roles: auth.Managers, Handler: h.handleWebhookList},
		{Method: "GET", Path: "/api/v1/webhooks/{id}/deliveries", Roles: auth.Managers, Handler: h.handleWebhookDeliveries},
		{Method: "POST", Path: "/api/v1/webhooks/{id}/retry", Roles: auth.Managers, Handler: h.handleWebhookRetry},
		{Method: "POST", Path: "/api/v1/tickets/{id}/messages/{message_id}/send-again", Roles: auth.Staff, Handler: h.handleMessageSendAgain},
		{Method: "GET", Path: "/api/v1/jobs", Roles: auth.Managers, Handler: h.handleJobList},
		{Method: "POST", Path: "/api/v1/jobs/{id}/retry", Roles: auth.Managers, Handler: h.handleJobRetry},
		{Method: "POST", Path: "/api/v1/jobs/{id}/purge", Roles: auth.Managers, Handler: h.handleJobPurge},
		{Method: "GET", Path: "/api/v1/openapi.json", Public: true, Handler: h.handleOpenAPI},
		// The calendar feed checks its own token, in the address (calendar
		// apps send no headers of ours).
		{Method: "GET", Path: "/api/v1/calendar.ics", Public: true, Handler: h.handleCalendarFeed},
	}
}

// Guard wraps a route's handler in its access check: public routes as they
// are, others behind a bearer token and the route's roles. It panics, at
// start-up, for a route outside /api/v1/ or one that is neither public nor
// limited to roles.
func (h *Handlers) Guard(rt auth.Route) http.Handler {
	if !strings.HasPrefix(rt.Path, "/api/v1/") {
		panic("web: API route outside /api/v1/: " + rt.Pattern())
	}
	rt.CheckAccess("API")
	if rt.Public {
		return rt.Handler
	}
	return auth.RequireToken(h.Accounts, h.logger, rt.Roles, rt.Handler)
}
