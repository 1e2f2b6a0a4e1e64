package browser

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestManagerDisablesAndPromotesAUser: a manager disables an assistant on
// the users page. The page asks first, and a dismissed question changes
// nothing; confirmed, the assistant's open session ends at once and they
// cannot sign in; enabled again, they can. A new role shows in the
// assistant's own browser at once. The manager's own row offers neither.
func TestManagerDisablesAndPromotesAUser(t *testing.T) {
	d := newDesk(t, deskOptions{})
	d.addUser(t, "manager", "max", "max-manages-2026")
	d.addUser(t, "assistant", "sam", "sam-first-day-2026")

	b := newBrowser(t, d.url, browserOptions{})
	b.login("max", "max-manages-2026")
	sam := b.newSession(browserOptions{})
	sam.login("sam", "sam-first-day-2026")

	if st := b.open("/users"); st != 200 {
		t.Fatalf("users page: %d", st)
	}
	if b.exists("#user-disable-max") || b.exists("#user-role-max") {
		t.Errorf("the users page offers the manager to disable or demote himself")
	}

	// Dismissed, the question changes nothing.
	b.do("click Disable and dismiss the question", chromedp.Click(chromedp.CSS("#user-disable-sam button")))
	waitFor(t, "the question", func() bool { return len(b.openedDialogs()) > 0 })
	if got := b.openedDialogs(); len(got) != 1 || !strings.HasPrefix(got[0], "confirm: Disable sam?") {
		t.Errorf("dialogs = %q, want one confirm asking to disable sam", got)
	}
	if st := sam.open("/mine"); st != 200 || sam.path() != "/mine" {
		t.Fatalf("sam after a dismissed Disable: %d at %s", st, sam.path())
	}

	// Confirmed (the tab dismisses dialogs; here the answer is yes).
	b.do("answer yes on this page", chromedp.Evaluate[chromedp.Void](`window.confirm = () => true`))
	b.submit("disable sam", chromedp.Click(chromedp.CSS("#user-disable-sam button")))
	if n := b.text("p.notice"); !strings.Contains(n, "sam disabled") {
		t.Errorf("notice after disabling: %q", n)
	}
	if !b.exists(`tr[data-user="sam"][data-disabled="true"] .badge.disabled`) || !b.exists("#user-enable-sam") {
		t.Errorf("the users page does not show sam disabled:\n%s", b.text("#users-list"))
	}
	sam.open("/mine")
	if p := sam.path(); !strings.HasPrefix(p, "/login") {
		t.Errorf("sam's open session after disabling shows %s, want the login page", p)
	}
	sam.do("fill in the login form",
		chromedp.SendKeys(chromedp.ID("login-name"), "sam"),
		chromedp.SendKeys(chromedp.ID("login-password"), "sam-first-day-2026"),
	)
	ctx, cancel := context.WithTimeout(sam.ctx, stepTimeout)
	resp, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.ID("login-submit")))
	cancel()
	if err != nil || resp == nil || resp.Status != 403 || !strings.Contains(sam.text("main"), "This account is disabled") {
		t.Errorf("disabled sam signs in: %v, %v\n%s", status(resp), err, sam.text("main"))
	}

	// Enabled again, and made a manager.
	b.do("answer yes on this page", chromedp.Evaluate[chromedp.Void](`window.confirm = () => true`))
	b.submit("enable sam", chromedp.Click(chromedp.CSS("#user-enable-sam button")))
	sam.login("sam", "sam-first-day-2026")
	if sam.exists(`header.top nav a[href="/rules"]`) {
		t.Fatalf("assistant sam is offered the rules")
	}
	b.do("choose manager for sam", chromedp.SetValue(chromedp.CSS("#user-role-sam select"), "manager"))
	b.submit("make sam a manager", chromedp.Click(chromedp.CSS("#user-role-sam button")))
	if n := b.text("p.notice"); n != "sam is now a manager" {
		t.Errorf("notice after the new role: %q", n)
	}
	if st := sam.open("/rules"); st != 200 {
		t.Errorf("sam, made a manager, opening /rules: %d", st)
	}
	b.checkNoScriptProblems()
	sam.checkNoScriptProblems()
}
