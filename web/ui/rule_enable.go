package ui

import (
	"fmt"
	"net/http"
	"strconv"

	"frontdesk/fault"
	"frontdesk/routing"
)

// handleUIRuleEnabled switches a rule on or off (form field "enabled":
// true or false).
func (h *Handlers) handleUIRuleEnabled(w http.ResponseWriter, r *http.Request) {
	h.changeOneRule(w, r, func(rules []routing.Rule, i int) ([]routing.Rule, error) {
		on, err := strconv.ParseBool(r.PostForm.Get("enabled"))
		if err != nil {
			return nil, fmt.Errorf("%w: enabled %q must be true or false", fault.ErrInvalid, r.PostForm.Get("enabled"))
		}
		rules[i].Enabled = &on
		return rules, nil
	})
}
