package browser

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// stepTimeout bounds one browser step: a navigation, a click, a query.
const stepTimeout = 20 * time.Second

// chromiumPath finds the browser: $FRONTDESK_TEST_CHROMIUM, else Debian's
// /usr/bin/chromium, else chromium or google-chrome on PATH. Without one the
// test is skipped, or fails when CI=true.
func chromiumPath(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("FRONTDESK_TEST_CHROMIUM"); p != "" {
		return p
	}
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium"
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	skipOrFail(t, "no Chromium found (apt-get install chromium, or set FRONTDESK_TEST_CHROMIUM): the browser tests need one")
	return ""
}

// browser is one headless Chromium with one tab, signed in as nobody yet. It
// keeps every JavaScript dialog that opens (and dismisses it) and every
// console message, so that tests can say no script ran.
type browser struct {
	t    *testing.T
	ctx  context.Context // the tab's
	base string          // the desk's URL

	mu       sync.Mutex
	dialogs  []string
	messages []chromedp.ConsoleMessage
}

// browserOptions are what tests vary in a browser.
type browserOptions struct {
	// timezone, when set, overrides the system's for the tab (an IANA name).
	timezone string
	// phone shows the pages as a phone does: 390 by 844 CSS pixels, a touch
	// screen.
	phone bool
}

// newBrowser starts Chromium for t, headless and without its sandbox (the
// tests run as root in a container), and closes it when t ends.
func newBrowser(t *testing.T, base string, o browserOptions) *browser {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.WindowSize(1280, 1000),
		chromedp.Flag("lang", "en-US"),
		chromedp.Env("LANG=en_US.UTF-8", "TZ=UTC"),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		cancelTab()
		cancelAlloc()
	})
	// The first Do starts the browser; its context must not have a
	// timeout, which would end the browser with it.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return watch(ctx, t, base, o)
}

// newSession returns a tab of the same browser in a browser context of its
// own (no cookies shared, as in a private window): another person at
// another desk.
func (b *browser) newSession(o browserOptions) *browser {
	b.t.Helper()
	ctx, cancel := chromedp.NewContext(b.ctx, chromedp.WithNewBrowserContext())
	b.t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil {
		b.t.Fatalf("open a tab in a new browser context: %v", err)
	}
	return watch(ctx, b.t, b.base, o)
}

// watch returns the browser of tab ctx, keeping the JavaScript dialogs that
// open in it (dismissed, so that the page goes on) and its console, and
// with its timezone overridden when o says so.
func watch(ctx context.Context, t *testing.T, base string, o browserOptions) *browser {
	t.Helper()
	b := &browser{t: t, ctx: ctx, base: base}
	dialogs := chromedp.Events(ctx, page.JavascriptDialogOpening)
	go func() {
		for ev, err := range dialogs {
			if err != nil {
				return
			}
			b.mu.Lock()
			b.dialogs = append(b.dialogs, string(ev.Type)+": "+ev.Message)
			b.mu.Unlock()
			_, _ = chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false})
		}
	}()
	console := chromedp.Console(ctx)
	go func() {
		for m, err := range console {
			if err != nil {
				return
			}
			b.mu.Lock()
			b.messages = append(b.messages, m)
			b.mu.Unlock()
		}
	}()
	if o.phone {
		if _, err := chromedp.Call(ctx, emulation.SetDeviceMetricsOverride, emulation.SetDeviceMetricsOverrideParams{
			Width: 390, Height: 844, DeviceScaleFactor: 3, Mobile: true,
		}); err != nil {
			t.Fatalf("show the pages at a phone's width: %v", err)
		}
	}
	if o.timezone != "" {
		if _, err := chromedp.Call(ctx, emulation.SetTimezoneOverride, emulation.SetTimezoneOverrideParams{TimezoneID: o.timezone}); err != nil {
			t.Fatalf("set the browser's timezone to %s: %v", o.timezone, err)
		}
	}
	return b
}

// openedDialogs returns the JavaScript dialogs that opened so far, as
// "TYPE: MESSAGE".
func (b *browser) openedDialogs() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.dialogs...)
}

// scriptProblems returns the console's uncaught exceptions and Content
// Security Policy violations so far: on the UI's own pages there must be
// none, or a part of the page does not work.
func (b *browser) scriptProblems() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []string
	for _, m := range b.messages {
		if m.IsException() || strings.Contains(m.Text, "Content Security Policy") {
			out = append(out, fmt.Sprintf("%s (%s:%d)", m.Text, m.URL, m.Line+1))
		}
	}
	return out
}

// checkNoScriptProblems fails the test if the console shows an exception or
// a CSP violation.
func (b *browser) checkNoScriptProblems() {
	b.t.Helper()
	if p := b.scriptProblems(); len(p) > 0 {
		b.t.Errorf("the console shows script errors or CSP violations:\n%s", strings.Join(p, "\n"))
	}
}

// do runs actions in the tab, failing the test on an error.
func (b *browser) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
}

// press types keys as a keyboard does: for each key a raw key down, the
// character, a key up. (chromedp's KeyEvent sends "keyDown", which Chromium
// takes as key down and key press in one, so a page that cancels the key
// down, as a shortcut does, still gets the character typed.)
func press(keys string, opts ...chromedp.KeyOption) chromedp.Action[chromedp.Void] {
	raw := func(p *input.DispatchKeyEventParams) {
		if p.Type == input.DispatchKeyEventTypeKeyDown {
			p.Type = input.DispatchKeyEventTypeRawKeyDown
		}
	}
	return chromedp.KeyEvent(keys, append(opts, raw)...)
}

// open navigates to path on the desk and returns the HTTP status of the
// page.
func (b *browser) open(path string) int64 {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	resp, err := chromedp.Run(ctx, chromedp.NavigateResponse(b.base+path))
	if err != nil {
		b.t.Fatalf("open %s: %v", path, err)
	}
	return resp.Status
}

// submit runs actions that send a form (a click, a keyboard shortcut) and
// waits for the page it leads to, which must answer 200.
func (b *browser) submit(what string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, actions...)
	if err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
	if resp == nil || resp.Status != 200 {
		b.t.Fatalf("%s: the page it led to answered %v, want 200\n%s", what, status(resp), b.text("main"))
	}
}

func status(r *network.Response) any {
	if r == nil {
		return "nothing"
	}
	return r.Status
}

// eval evaluates a JavaScript expression in the tab's page and returns its
// value.
func eval[T any](b *browser, js string) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		b.t.Fatalf("evaluate %s: %v", js, err)
	}
	return v
}

// text returns the text of the first element matching a CSS selector, ""
// when there is none.
func (b *browser) text(sel string) string {
	b.t.Helper()
	return strings.TrimSpace(eval[string](b, fmt.Sprintf(`(document.querySelector(%q) || {}).textContent || ""`, sel)))
}

// exists reports whether an element matches a CSS selector.
func (b *browser) exists(sel string) bool {
	b.t.Helper()
	return eval[bool](b, fmt.Sprintf(`document.querySelector(%q) !== null`, sel))
}

// path returns the path and query of the page the tab shows.
func (b *browser) path() string {
	b.t.Helper()
	return eval[string](b, `location.pathname + location.search`)
}

// waitJS polls a JavaScript expression until it is true, failing the test
// after 20 s. An expression that fails (the page is changing) counts as
// false.
func (b *browser) waitJS(what, js string) {
	b.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](js))
		cancel()
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("%s: not within 20s (last: %v, %v)", what, ok, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// reloadUntil reloads path until a JavaScript expression is true on it,
// failing the test after 20 s.
func (b *browser) reloadUntil(what, path, js string) {
	b.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		if st := b.open(path); st != 200 {
			b.t.Fatalf("%s: %s answered %d", what, path, st)
		}
		if eval[bool](b, js) {
			return
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("%s: not within 20s\n%s", what, b.text("main"))
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// login signs in through the login form and waits for the queue page.
func (b *browser) login(name, password string) {
	b.t.Helper()
	if st := b.open("/login"); st != 200 {
		b.t.Fatalf("login page: %d", st)
	}
	b.do("fill in the login form",
		chromedp.SendKeys(chromedp.ID("login-name"), name),
		chromedp.SendKeys(chromedp.ID("login-password"), password),
	)
	b.submit("sign in as "+name, chromedp.Click(chromedp.ID("login-submit")))
	if p := b.path(); p != "/" {
		b.t.Fatalf("after signing in as %s the browser shows %s, want the queues at /\n%s", name, p, b.text("main"))
	}
	if who := b.text("header.top .who"); !strings.HasPrefix(who, name) {
		b.t.Fatalf("the header names %q, want %s", who, name)
	}
}

// screenshot saves the whole page as NAME.png in $FRONTDESK_SCREENSHOTS,
// when it is set.
func (b *browser) screenshot(name string) {
	b.t.Helper()
	dir := os.Getenv("FRONTDESK_SCREENSHOTS")
	if dir == "" {
		return
	}
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.t.Fatal(err)
	}
	file := filepath.Join(dir, name+".png")
	if err := os.WriteFile(file, png, 0o644); err != nil {
		b.t.Fatal(err)
	}
	b.t.Logf("screenshot: %s", file)
}

// fitsWidth reports whether the page fits the tab's width: nothing makes it
// scroll sideways (what a phone's user would have to do to read it).
func (b *browser) fitsWidth() bool {
	b.t.Helper()
	return eval[bool](b, `document.documentElement.scrollWidth <= window.innerWidth + 1`)
}
