package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"

	"frontdesk/fault"
	"frontdesk/web/auth"
	"frontdesk/web/httperr"
)

// rawBody reads a JSON request body whole, for the rule handlers whose
// parsing and validation belong to the routing package.
func rawBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	var raw json.RawMessage
	if err := decodeJSON(w, r, &raw); err != nil {
		return nil, err
	}
	return raw, nil
}

func (h *Handlers) rulesOrUnavailable(w http.ResponseWriter, r *http.Request) bool {
	if h.Rules == nil {
		httperr.WriteJSON(w, http.StatusNotFound, "routing rules are not configured on this server")
		return false
	}
	return true
}

// handleRulesGet answers the rule set in force.
func (h *Handlers) handleRulesGet(w http.ResponseWriter, r *http.Request) {
	if !h.rulesOrUnavailable(w, r) {
		return
	}
	rs, err := h.Rules.Current(r.Context())
	if err != nil {
		httperr.Write(w, r, h.logger, err)
		return
	}
	writeJSON(w, http.StatusOK, rs)
}

// handleRulesPut replaces the rule set atomically (managers only).
func (h *Handlers) handleRulesPut(w http.ResponseWriter, r *http.Request) {
	if !h.rulesOrUnavailable(w, r) {
		return
	}
	body, err := rawBody(w, r)
	if err != nil {
		httperr.Write(w, r, h.logger, err)
		return
	}
	n, err := h.Rules.Replace(r.Context(), body, auth.Caller(r).Name)
	if err != nil {
		httperr.Write(w, r, h.logger, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]int{"version": n})
}

// handleRulesTest shows what the rules do with a pasted mail or a ticket.
func (h *Handlers) handleRulesTest(w http.ResponseWriter, r *http.Request) {
	if !h.rulesOrUnavailable(w, r) {
		return
	}
	body, err := rawBody(w, r)
	if err != nil {
		httperr.Write(w, r, h.logger, err)
		return
	}
	res, err := h.Rules.Test(r.Context(), body)
	if err != nil {
		httperr.Write(w, r, h.logger, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

// handleRulesHistory lists the stored versions (managers only).
func (h *Handlers) handleRulesHistory(w http.ResponseWriter, r *http.Request) {
	if !h.rulesOrUnavailable(w, r) {
		return
	}
	limit := 50
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 500 {
			httperr.WriteJSON(w, http.StatusBadRequest, "limit must be 1-500")
			return
		}
		limit = n
	}
	versions, err := h.Rules.History(r.Context(), limit)
	if err != nil {
		httperr.Write(w, r, h.logger, err)
		return
	}
	writeJSON(w, http.StatusOK, versions)
}

// handleRulesRollback restores an old version as the next one (managers only).
func (h *Handlers) handleRulesRollback(w http.ResponseWriter, r *http.Request) {
	if !h.rulesOrUnavailable(w, r) {
		return
	}
	var req struct {
		Version int `json:"version"`
	}
	if err := decodeJSON(w, r, &req); err != nil {
		httperr.Write(w, r, h.logger, err)
		return
	}
	if req.Version < 1 {
		httperr.Write(w, r, h.logger, fmt.Errorf("%w: version must be 1 or more (a version from GET /api/v1/rules/history)", fault.ErrInvalid))
		return
	}
	n, err := h.Rules.Rollback(r.Context(), req.Version, auth.Caller(r).Name)
	if err != nil {
		httperr.Write(w, r, h.logger, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]int{"version": n})
}

// handleTicketRoute re-routes a ticket by the current rules (managers only)
// and answers what the rules decided.
func (h *Handlers) handleTicketRoute(w http.ResponseWriter, r *http.Request) {
	if !h.rulesOrUnavailable(w, r) {
		return
	}
	res, err := h.Rules.Reroute(r.Context(), r.PathValue("id"), auth.Caller(r).Name)
	if err != nil {
		httperr.Write(w, r, h.logger, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}
