package ui

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"frontdesk/routing"
	"frontdesk/routing/rulestore"
)

// historyPage is the history page's data: the versions newest first and,
// when one is asked for, its rules.
type historyPage struct {
	Versions []rulestore.Version
	Current  int // the version in force: the newest
	View     *rulestore.Version
	ViewJSON string // View's rules, pretty-printed
}

// historyKeep is how many versions the history page lists (the rule store
// keeps 100).
const historyKeep = 100

// handleUIRulesHistory lists the stored versions of the rules; with
// ?version=N it also shows that version's rules as JSON.
func (h *Handlers) handleUIRulesHistory(w http.ResponseWriter, r *http.Request) {
	if !h.rulesConfigured(w, r) {
		return
	}
	h.showHistory(w, r, http.StatusOK, r.URL.Query().Get("version"), "")
}

// showHistory renders the history page, viewing version view ("" for
// none).
func (h *Handlers) showHistory(w http.ResponseWriter, r *http.Request, status int, view, problem string) {
	versions, err := h.Rules.History(r.Context(), historyKeep)
	if err != nil {
		h.uiError(w, r, fmt.Errorf("read the rules' history: %w", err))
		return
	}
	page := &historyPage{Versions: versions}
	slices.SortFunc(page.Versions, func(a, b rulestore.Version) int { return b.Number - a.Number })
	if len(page.Versions) > 0 {
		page.Current = page.Versions[0].Number
	}
	if view != "" {
		i := slices.IndexFunc(page.Versions, func(e rulestore.Version) bool { return fmt.Sprint(e.Number) == view })
		if i < 0 {
			h.renderError(w, r, http.StatusNotFound, fmt.Sprintf("Version %s of the rules is not kept.", view))
			return
		}
		page.View = &page.Versions[i]
		page.ViewJSON = prettyRules(page.View.Rules, page.View.Number)
	}
	h.render(w, r, status, "rules_history", &pageData{Title: "Rules history", Nav: "rules", Problem: problem, Data: page})
}

// prettyRules indents a stored version's rules for reading, with the
// version's number in it. The page escapes it; the JSON's own escapes of <,
// > and & are undone so that a rule named "Billing & invoices" reads so.
func prettyRules(raw json.RawMessage, version int) string {
	var rs routing.RuleSet
	if err := json.Unmarshal(raw, &rs); err == nil {
		rs.Version = version
		if b, err := json.MarshalIndent(rs, "", "  "); err == nil {
			return unescapeHTMLSafe(string(b))
		}
	}
	var buf bytes.Buffer
	if err := json.Indent(&buf, raw, "", "  "); err != nil {
		return string(raw)
	}
	return unescapeHTMLSafe(buf.String())
}

// unescapeHTMLSafe undoes encoding/json's \u003c, \u003e and \u0026
// escapes in JSON text, leaving every other escape (and an escaped
// backslash followed by "u003c") as it is.
func unescapeHTMLSafe(js string) string {
	var b strings.Builder
	for i := 0; i < len(js); i++ {
		if js[i] != '\\' || i+1 >= len(js) {
			b.WriteByte(js[i])
			continue
		}
		if js[i+1] == 'u' && i+6 <= len(js) {
			switch js[i+2 : i+6] {
			case "003c":
				b.WriteByte('<')
				i += 5
				continue
			case "003e":
				b.WriteByte('>')
				i += 5
				continue
			case "0026":
				b.WriteByte('&')
				i += 5
				continue
			}
		}
		b.WriteString(js[i : i+2])
		i++
	}
	return b.String()
}
