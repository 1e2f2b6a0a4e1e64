package ui

import (
	"frontdesk/mailauth"
	"frontdesk/web/auth"
)

// Routes is the web UI: every page and form target, who may use it and its
// handler, each in a file of its own named after it (ticket_show.go,
// reply_create.go…). Forms POST to the page they belong to, and answer with
// a redirect (303 See Other) so that reloading a page never sends a form
// twice. Package web registers each behind its access check, Guard.
func (h *Handlers) Routes() []auth.Route {
	return []auth.Route{
		// Signing in and out; the stylesheet and the script.
		{Method: "GET", Path: "/static/{file}", Public: true, Handler: h.handleStatic},
		{Method: "GET", Path: "/login", Public: true, Handler: h.handleLoginPage},
		{Method: "POST", Path: "/login", Public: true, Handler: h.handleLogin},
		{Method: "POST", Path: "/logout", Roles: auth.Staff, Handler: h.handleLogout},
		// A customer's answer to a closing reply's "Was this helpful?": the
		// link's signature is its key.
		{Method: "GET", Path: "/feedback/{id}", Public: true, Handler: h.handleFeedbackPage},
		{Method: "POST", Path: "/feedback/{id}", Public: true, Handler: h.handleFeedbackSave},

		// The pages every signed-in user works with: the queues, take next,
		// my tickets, the ticket list and a ticket with its forms. Each form
		// acts as the signed-in user and answers with a redirect and a
		// notice: back to the ticket, or to the queues when the ticket has
		// left the user's hands.
		{Method: "GET", Path: "/{$}", Roles: auth.Staff, Handler: h.handleQueuesPage},
		{Method: "GET", Path: "/queues/board", Roles: auth.Staff, Handler: h.handleQueueBoard},
		{Method: "POST", Path: "/take-next", Roles: auth.Staff, Handler: h.handleTakeNext},
		{Method: "POST", Path: "/queues/{queue}/next", Roles: auth.Staff, Handler: h.handleTakeNext},
		{Method: "GET", Path: "/mine", Roles: auth.Staff, Handler: h.handleMinePage},
		{Method: "GET", Path: "/tickets", Roles: auth.Staff, Handler: h.handleTicketsPage},
		{Method: "GET", Path: "/search", Roles: auth.Staff, Handler: h.handleSearchPage},
		{Method: "GET", Path: "/search/results", Roles: auth.Staff, Handler: h.handleSearchResults},
		{Method: "GET", Path: "/tickets/{id}", Roles: auth.Staff, Handler: h.handleTicketPage},
		{Method: "GET", Path: "/tickets/{id}/messages/{message}/body", Roles: auth.Staff, Handler: h.handleMessageBody},
		{Method: "GET", Path: "/tickets/{id}/attachments/{attachment}", Roles: auth.Staff, Handler: h.handleUIAttachment},
		{Method: "POST", Path: "/tickets/{id}/reply", Roles: auth.Staff, Handler: h.handleUIReply},
		{Method: "POST", Path: "/tickets/{id}/canned", Roles: auth.Staff, Handler: h.handleUICannedInsert},
		{Method: "POST", Path: "/tickets/{id}/forward", Roles: auth.Staff, Handler: h.handleUIForward},
		{Method: "POST", Path: "/tickets/{id}/presence", Roles: auth.Staff, Handler: h.handleUIPresence},
		{Method: "POST", Path: "/tickets/{id}/take", Roles: auth.Staff, Handler: h.handleUITake},
		{Method: "POST", Path: "/tickets/{id}/release", Roles: auth.Staff, Handler: h.handleUIRelease},
		{Method: "POST", Path: "/tickets/{id}/messages/{message}/send-again", Roles: auth.Staff, Handler: h.handleUISendAgain},
		{Method: "GET", Path: "/outbox", Roles: auth.Managers, Handler: h.handleUIOutbox},
		{Method: "POST", Path: "/outbox/{id}/{message}/dismiss", Roles: auth.Managers, Handler: h.handleUIOutboxDismiss},
		{Method: "POST", Path: "/outbox/downloads/retry", Roles: auth.Managers, Handler: h.handleUIDownloadRetry},
		{Method: "POST", Path: "/outbox/downloads/dismiss", Roles: auth.Managers, Handler: h.handleUIDownloadDismiss},
		{Method: "POST", Path: "/tickets/{id}/assign", Roles: auth.Staff, Handler: h.handleUIAssign},
		{Method: "POST", Path: "/tickets/{id}/status", Roles: auth.Staff, Handler: h.handleUIStatus},
		{Method: "POST", Path: "/tickets/{id}/note", Roles: auth.Staff, Handler: h.handleUINote},
		{Method: "POST", Path: "/tickets/{id}/change", Roles: auth.Staff, Handler: h.handleUIChange},
		{Method: "POST", Path: "/tickets/{id}/snooze", Roles: auth.Staff, Handler: h.handleUISnooze},
		{Method: "POST", Path: "/tickets/{id}/merge", Roles: auth.Staff, Handler: h.handleUIMerge},
		{Method: "POST", Path: "/tickets/{id}/callback", Roles: auth.Staff, Handler: h.handleUICallback},
		{Method: "POST", Path: "/tickets/{id}/callback/cancel", Roles: auth.Staff, Handler: h.handleUICallbackCancel},
		{Method: "POST", Path: "/me/away", Roles: auth.Staff, Handler: h.handleUIAway},
		{Method: "POST", Path: "/me/calendar", Roles: auth.Staff, Handler: h.handleUICalendarReset},

		// A customer: their page, and the forms of the customer panel that
		// ticket pages show too. Each form returns to the page it was on
		// (field back: a ticket's or the customer's), with a notice, or
		// with the reason it changed nothing.
		{Method: "GET", Path: "/customers/{id}", Roles: auth.Staff, Handler: h.handleCustomerPage},
		{Method: "POST", Path: "/customers/{id}/edit", Roles: auth.Staff, Handler: h.handleUICustomerEdit},
		{Method: "POST", Path: "/customers/{id}/link", Roles: auth.Staff, Handler: h.handleUICustomerLink},
		{Method: "POST", Path: "/customers/{id}/unlink", Roles: auth.Staff, Handler: h.handleUICustomerUnlink},

		// The managers' pages: the rule editor, users, queues and business
		// hours. Assistants get 403 on every one of them, pages and forms
		// alike (requireSession).
		//
		// The rule editor works on whole rule sets: every change — a rule
		// edited, added, moved, switched on or off, deleted — builds the next
		// rule set from the one in force and stores it through
		// RuleSets.Replace, which validates it whole. Each form carries the
		// version it was based on, and a change based on a version no longer
		// in force is refused with 409.
		{Method: "GET", Path: "/rules", Roles: auth.Managers, Handler: h.handleUIRules},
		{Method: "POST", Path: "/rules/test", Roles: auth.Managers, Handler: h.handleUIRulesTest},
		{Method: "GET", Path: "/rules/new", Roles: auth.Managers, Handler: h.handleUIRuleNew},
		{Method: "POST", Path: "/rules/new", Roles: auth.Managers, Handler: h.handleUIRuleSubmit},
		{Method: "GET", Path: "/rules/{index}/edit", Roles: auth.Managers, Handler: h.handleUIRuleEdit},
		{Method: "POST", Path: "/rules/{index}/edit", Roles: auth.Managers, Handler: h.handleUIRuleSubmit},
		{Method: "POST", Path: "/rules/{index}/move", Roles: auth.Managers, Handler: h.handleUIRuleMove},
		{Method: "POST", Path: "/rules/{index}/enabled", Roles: auth.Managers, Handler: h.handleUIRuleEnabled},
		{Method: "POST", Path: "/rules/{index}/delete", Roles: auth.Managers, Handler: h.handleUIRuleDelete},
		{Method: "GET", Path: "/rules/history", Roles: auth.Managers, Handler: h.handleUIRulesHistory},
		{Method: "POST", Path: "/rules/rollback", Roles: auth.Managers, Handler: h.handleUIRulesRollback},
		{Method: "GET", Path: "/reports", Roles: auth.Managers, Handler: h.handleUIReports},
		{Method: "GET", Path: "/reports/daily.csv", Roles: auth.Managers, Handler: h.handleUIReportsCSV},
		{Method: "GET", Path: "/users", Roles: auth.Managers, Handler: h.handleUIUsers},
		{Method: "POST", Path: "/users", Roles: auth.Managers, Handler: h.handleUIUserAdd},
		{Method: "POST", Path: "/users/{name}/password", Roles: auth.Managers, Handler: h.handleUIUserPassword},
		{Method: "POST", Path: "/users/{name}/role", Roles: auth.Managers, Handler: h.handleUIUserRole},
		{Method: "POST", Path: "/users/{name}/disabled", Roles: auth.Managers, Handler: h.handleUIUserDisabled},
		{Method: "GET", Path: "/settings", Roles: auth.Managers, Handler: h.handleUISettings},
		{Method: "GET", Path: "/webhooks", Roles: auth.Managers, Handler: h.handleUIWebhooks},
		{Method: "POST", Path: "/webhooks/{id}/retry", Roles: auth.Managers, Handler: h.handleUIWebhookRetry},

		// Canned replies, a list changed whole like the rules: each form
		// carries the version it was read as (409 when another is in force).
		{Method: "GET", Path: "/canned", Roles: auth.Managers, Handler: h.handleUICanned},
		{Method: "POST", Path: "/canned", Roles: auth.Managers, Handler: h.handleUICannedAdd},
		{Method: "POST", Path: "/canned/{index}/edit", Roles: auth.Managers, Handler: h.handleUICannedEdit},
		{Method: "POST", Path: "/canned/{index}/delete", Roles: auth.Managers, Handler: h.handleUICannedDelete},
		// Connecting a mailbox (or smtp) that signs in with OAuth2: the
		// form sends the manager to the provider, which sends them back to
		// the callback (package mailauth).
		{Method: "POST", Path: "/settings/mail-sign-in", Roles: auth.Managers, Handler: h.handleUIMailConnect},
		{Method: "GET", Path: mailauth.CallbackPath, Roles: auth.Managers, Handler: h.handleUIOAuth2Callback},
	}
}
