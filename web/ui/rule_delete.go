package ui

import (
	"net/http"
	"slices"

	"frontdesk/routing"
)

// handleUIRuleDelete deletes a rule.
func (h *Handlers) handleUIRuleDelete(w http.ResponseWriter, r *http.Request) {
	h.changeOneRule(w, r, func(rules []routing.Rule, i int) ([]routing.Rule, error) {
		return slices.Delete(rules, i, i+1), nil
	})
}
