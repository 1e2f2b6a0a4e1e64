package ui

import (
	"fmt"
	"net/http"

	"frontdesk/fault"
	"frontdesk/routing"
)

// handleUIRuleMove moves a rule one place up or down (form field "dir").
func (h *Handlers) handleUIRuleMove(w http.ResponseWriter, r *http.Request) {
	h.changeOneRule(w, r, func(rules []routing.Rule, i int) ([]routing.Rule, error) {
		var j int
		switch dir := r.PostForm.Get("dir"); dir {
		case "up":
			j = i - 1
		case "down":
			j = i + 1
		default:
			return nil, fmt.Errorf("%w: dir %q must be up or down", fault.ErrInvalid, dir)
		}
		if j < 0 || j >= len(rules) {
			return nil, fmt.Errorf("%w: rule %q cannot move further", fault.ErrInvalid, rules[i].Name)
		}
		rules[i], rules[j] = rules[j], rules[i]
		return rules, nil
	})
}
