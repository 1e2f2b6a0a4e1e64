// Package api serves frontdesk's JSON API under /api/v1: tickets, replies,
// queues, users and the routing rules, for callers with a bearer token
// (package auth). Its OpenAPI document, openapi.json, describes every route.
//
// Every route is declared in one table, Routes in routes.go, which package
// web mounts behind Guard; each handler lives in a file of its own named
// noun_verb.go (ticket_list.go, reply_create.go…). A handler reads its input,
// answers an error through httperr.Write and returns, or answers JSON
// (json.go). What the UI does the same way (a reply, an assignee's check…)
// is in package desk.
package api

import (
	"log/slog"

	"frontdesk/web/desk"
)

// Options configures the API's handlers.
type Options struct {
	// Desk is what the handlers work on.
	Desk *desk.Desk
	// Logger receives the errors of failed requests; nil discards them.
	Logger *slog.Logger
}

// Handlers are the JSON API's handlers and what they need.
type Handlers struct {
	*desk.Desk
	logger *slog.Logger
}

// New returns the API's handlers.
func New(opts Options) *Handlers {
	h := &Handlers{Desk: opts.Desk, logger: opts.Logger}
	if h.logger == nil {
		h.logger = slog.New(slog.DiscardHandler)
	}
	return h
}
