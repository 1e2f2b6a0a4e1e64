package browser

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// managerRules is the rule set the desk starts with (rules_file): version 1.
const managerRules = `rules:
  - name: VIP customers
    conditions:
      - {field: from_domain, op: in, value: [vip.example]}
    actions:
      - {type: set_queue, value: vip}
      - {type: set_priority, value: high}
  - name: Invoices to billing
    match: any
    conditions:
      - {field: subject, op: contains, value: invoice}
    actions:
      - {type: set_queue, value: billing}
      - {type: add_tags, value: [invoice]}
`

// refundMail is the mail the manager pastes into the test boxes.
const refundMail = "From: Carl Customer <carl@example.net>\n" +
	"To: support@example.com\n" +
	"Subject: Refund for order 553\n" +
	"Message-ID: <refund553@example.net>\n" +
	"\n" +
	"Please refund the broken lamp.\n"

// TestManagerChangesAndTestsARule: a manager opens the rules, edits a rule
// through its form (a condition's value and the target queue), tries the
// draft on a mail before saving, saves it as version 2, and runs a pasted
// mail through the rules in force: the result names the edited rule and
// shows the trace. An assistant gets 403 on the rules.
func TestManagerChangesAndTestsARule(t *testing.T) {
	d := newDesk(t, deskOptions{rules: managerRules})
	d.addUser(t, "manager", "max", "max-manages-2026")
	d.addUser(t, "assistant", "sam", "sam-first-day-2026")

	b := newBrowser(t, d.url, browserOptions{})
	b.login("max", "max-manages-2026")
	if !b.exists(`header.top nav a[href="/rules"]`) {
		t.Errorf("a manager's navigation has no Rules")
	}
	// serve loads rules_file as version 1 shortly after it starts.
	b.reloadUntil("the rules from rules_file", "/rules",
		`document.getElementById("rules-version").dataset.version === "1" && document.querySelectorAll("#rules-list tr.rule").length === 2`)
	if s := b.text(`tr.rule[data-rule-name="Invoices to billing"]`); !strings.Contains(s, `subject contains "invoice"`) || !strings.Contains(s, "queue → billing") {
		t.Errorf("rule 1 on the rules page: %q", s)
	}

	// Edit rule 1: look for "refund" instead of "invoice", send to vip.
	b.submit("open the rule's form", chromedp.Click(chromedp.CSS(`tr.rule[data-rule-name="Invoices to billing"] a.rule-edit`)))
	if p := b.path(); p != "/rules/1/edit" {
		t.Fatalf("Edit led to %s, want /rules/1/edit", p)
	}
	for sel, want := range map[string]string{"#rule-name": "Invoices to billing", "#cond-0-field": "subject", "#cond-0-op": "contains",
		"#cond-0-value": "invoice", "#act-0-type": "set_queue", "#act-0-value": "billing", "#rule-match": "any"} {
		if v := eval[string](b, fmt.Sprintf(`document.querySelector(%q).value`, sel)); v != want {
			t.Errorf("the form's %s is %q, want %q", sel, v, want)
		}
	}
	b.do("change the condition and the queue",
		chromedp.Clear(chromedp.ID("cond-0-value")),
		chromedp.SendKeys(chromedp.ID("cond-0-value"), "refund"),
		chromedp.Clear(chromedp.ID("act-0-value")),
		chromedp.SendKeys(chromedp.ID("act-0-value"), "vip"),
		chromedp.SetValue(chromedp.ID("rule-test-eml"), refundMail),
	)
	b.screenshot("rule-editor")

	// Try the draft first: nothing is saved.
	b.submit("test the draft", chromedp.Click(chromedp.ID("rule-test-run")))
	if s := b.text("#rule-test-result h2"); !strings.Contains(s, "draft") {
		t.Errorf("the draft's test result is headed %q", s)
	}
	if s := b.text("#test-matched-rule"); !strings.Contains(s, "Invoices to billing") {
		t.Errorf("the draft's test matched %q, want the edited rule", s)
	}
	if s := b.text(`#test-decision [data-decision="queue"]`); s != "vip" {
		t.Errorf("the draft would send the mail to %q, want vip", s)
	}
	if v := eval[string](b, `document.getElementById("cond-0-value").value + " " + document.getElementById("act-0-value").value`); v != "refund vip" {
		t.Errorf("after the draft's test the form holds %q, want the edits kept", v)
	}

	// Save: version 2.
	b.submit("save the rule", chromedp.Click(chromedp.ID("rule-save")))
	if p := b.path(); !strings.HasPrefix(p, "/rules") || strings.Contains(p, "edit") {
		t.Fatalf("Save led to %s, want the rules page", p)
	}
	if v := eval[string](b, `document.getElementById("rules-version").dataset.version`); v != "2" {
		t.Errorf("rules version after saving: %q, want 2", v)
	}
	if s := b.text(".notice"); !strings.Contains(s, "version 2") {
		t.Errorf("notice after saving: %q", s)
	}
	if s := b.text(`tr.rule[data-rule-name="Invoices to billing"]`); !strings.Contains(s, `subject contains "refund"`) || !strings.Contains(s, "queue → vip") {
		t.Errorf("the edited rule on the rules page: %q", s)
	}

	// Test the rules in force with a pasted mail.
	b.do("paste a mail into the test box", chromedp.SetValue(chromedp.ID("rule-test-eml"), refundMail))
	b.submit("run the test", chromedp.Click(chromedp.ID("rule-test-run")))
	if s := b.text("#rule-test-result h2"); !strings.Contains(s, "version 2") {
		t.Errorf("the test result is headed %q, want the rules in force, version 2", s)
	}
	if s := b.text("#test-matched-rule"); !strings.Contains(s, "First rule matched: Invoices to billing") {
		t.Errorf("matched rule: %q", s)
	}
	for decision, want := range map[string]string{"queue": "vip", "tags": "invoice", "priority": "normal"} {
		if s := b.text(`#test-decision [data-decision="` + decision + `"]`); s != want {
			t.Errorf("decision %s: %q, want %q", decision, s, want)
		}
	}
	if m := eval[string](b, `[...document.querySelectorAll("#trace > li")].map(li => li.dataset.traceRule + "=" + li.dataset.matched).join(", ")`); m != "VIP customers=false, Invoices to billing=true" {
		t.Errorf("the trace: %s", m)
	}
	if s := b.text(`#trace li[data-trace-rule="Invoices to billing"] tbody tr.matched`); !strings.Contains(s, "subject") ||
		!strings.Contains(s, `"refund"`) || !strings.Contains(s, "Refund for order 553") || !strings.Contains(s, "holds") {
		t.Errorf("the edited rule's condition in the trace: %q", s)
	}
	if s := b.text(`#trace li[data-trace-rule="VIP customers"] tbody tr.unmatched`); !strings.Contains(s, "from_domain") || !strings.Contains(s, "example.net") {
		t.Errorf("the VIP rule's condition in the trace: %q", s)
	}
	b.screenshot("rules-test")

	// The history names who changed what.
	if st := b.open("/rules/history"); st != 200 {
		t.Fatalf("rules history: %d", st)
	}
	if s := b.text(`#history-list tr[data-version="2"]`); !strings.Contains(s, "max") || !strings.Contains(s, "in force") {
		t.Errorf("version 2 in the history: %q", s)
	}
	b.checkNoScriptProblems()

	// An assistant, in a browser of their own, may not see the rules.
	a := b.newSession(browserOptions{})
	a.login("sam", "sam-first-day-2026")
	if a.exists(`header.top nav a[href="/rules"]`) {
		t.Errorf("an assistant's navigation offers Rules")
	}
	if st := a.open("/rules"); st != 403 {
		t.Errorf("an assistant opening /rules got %d, want 403", st)
	}
	if st := a.open("/rules/1/edit"); st != 403 {
		t.Errorf("an assistant opening /rules/1/edit got %d, want 403", st)
	}
	a.checkNoScriptProblems()
}
