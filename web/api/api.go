// Package api serves frontdesk's JSON API under /api/v1: tickets, replies,
// queues, users and the routing rules, for callers with a bearer token
// (package auth). Its OpenAPI document, openapi.json, describes every route.
//
// Every route is declared in one table, Routes in routes.go, which package
// web mounts behind Guard; each handler lives in a file of its own named
// noun_verb.go (ticket_list.go, reply_create.go…). A handler reads its input,
// answers an error through httperr.Write and returns, or answers JSON
// (json.go). Every change to a ticket is a verb of the desk (package desk);
// what the API and the UI share beyond it is in package front.
package api

import (
	"log/slog"

	"frontdesk/web/front"
)

// Options configures the API's handlers.
type Options struct {
	// Front is what the handlers work on.
	Front *front.Front
	// Logger receives the errors of failed requests; nil discards them.
	Logger *slog.Logger
}

// Handlers are the JSON API's handlers and what they need.
type Handlers struct {
	*front.Front
	logger *slog.Logger
}

// New returns the API's handlers.
func New(opts Options) *Handlers {
	h := &Handlers{Front: opts.Front, logger: opts.Logger}
	if h.logger == nil {
		h.logger = slog.New(slog.DiscardHandler)
	}
	return h
}
