package browser

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/http"
	"net/mail"
	"net/url"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestCustomerAnswersWasThisHelpful: with feedback enabled, an assistant
// answers a mail with "Send and close"; the mail the customer gets ends
// with "Was this helpful?" and a 👍 and a 👎 link. The customer, on their
// phone and not signed in, follows 👎: the page asks to confirm and
// records nothing yet; they add a comment and send it, and are thanked.
// Within the day they follow 👍, find their comment kept, and change their
// answer. The assistant sees both answers, with the comment, among the
// ticket's events; the manager's daily report counts one helpful and no
// unhelpful answer. A link whose signature was tampered with is refused in
// the customer's words, and so is a form sent with one.
func TestCustomerAnswersWasThisHelpful(t *testing.T) {
	d := newDesk(t, deskOptions{extraConfig: "feedback:\n  enabled: true\n"})
	d.addUser(t, "assistant", "sam", "sam-first-day-2026")
	d.addUser(t, "manager", "max", "max-manages-2026")
	maxToken := d.userToken(t, "max")
	id := d.seedMail(t, "Lamp of order 553 broken", "The lamp of order 553 arrived broken.")

	// The assistant answers and closes.
	b := newBrowser(t, d.url, browserOptions{})
	b.login("sam", "sam-first-day-2026")
	if st := b.open("/tickets/" + id); st != 200 {
		t.Fatalf("ticket page: %d", st)
	}
	reply := "We are sorry! A new lamp is on its way to you today."
	b.do("type the reply", chromedp.SendKeys(chromedp.ID("reply-text"), reply))
	b.submit("send and close", chromedp.Click(chromedp.ID("reply-send-close")))
	if s := b.text("#ticket-status"); s != "closed" {
		t.Errorf("status after Send and close: %q, want closed", s)
	}

	// The customer's mail: the reply, then the two signed links.
	waitFor(t, "the reply at the SMTP sink", func() bool { return len(d.sink.Received()) > 0 })
	got := d.sink.Received()
	if len(got) != 1 {
		t.Fatalf("the SMTP sink got %d mails, want 1", len(got))
	}
	text := plainText(t, got[0].Data)
	if !strings.Contains(text, reply) || !strings.Contains(text, "Was this helpful?") {
		t.Fatalf("the reply mail's text lacks the reply or the question:\n%s", text)
	}
	bad := feedbackLink(t, d, text, "👎 No: ")
	good := feedbackLink(t, d, text, "👍 Yes: ")
	if !strings.HasPrefix(bad, "/feedback/"+id+"?") || !strings.HasPrefix(good, "/feedback/"+id+"?") {
		t.Fatalf("the links lead to %s and %s, want /feedback/%s", bad, good, id)
	}

	// 👎 on the customer's phone, not signed in: a question, nothing
	// recorded.
	cust := b.newSession(browserOptions{phone: true})
	if st := cust.open(bad); st != 200 {
		t.Fatalf("the 👎 link answered %d\n%s", st, cust.text("main"))
	}
	if cust.exists("header.top") {
		t.Error("the customer's page shows the desk's navigation")
	}
	if s := cust.text("#feedback h1"); s != "Was this helpful?" {
		t.Errorf("the page asks %q", s)
	}
	if !eval[bool](cust, `document.querySelector('input[name="answer"][value="bad"]').checked`) {
		t.Error("the 👎 link's page does not have 👎 chosen")
	}
	if !cust.fitsWidth() {
		t.Error("the feedback page scrolls sideways on a phone")
	}
	cust.screenshot("feedback-ask-phone")
	if ev := feedbackEvents(t, d, maxToken, id); len(ev) != 0 {
		t.Fatalf("opening the link recorded %v; it must only ask", ev)
	}
	if g, n := dailyFeedback(t, d, maxToken); g != 0 || n != 0 {
		t.Fatalf("opening the link counted %d good, %d bad in the report", g, n)
	}

	comment := "The first lamp was packed without any padding."
	cust.do("write a comment", chromedp.SendKeys(chromedp.ID("feedback-comment"), comment))
	cust.submit("send the answer", chromedp.Click(chromedp.ID("feedback-send")))
	if s := cust.text("#feedback h1"); s != "Thank you" {
		t.Errorf("after sending the page says %q, want Thank you", s)
	}
	if s := cust.text("#feedback-done"); !strings.Contains(s, "did not help") {
		t.Errorf("the thank-you reads %q", s)
	}
	if !cust.fitsWidth() {
		t.Error("the thank-you page scrolls sideways on a phone")
	}
	cust.screenshot("feedback-thanks-phone")
	if ev := feedbackEvents(t, d, maxToken, id); len(ev) != 1 || ev[0] != (apiEvent{Type: "feedback_bad", By: "customer", Detail: comment}) {
		t.Fatalf("feedback events after 👎: %+v", ev)
	}

	// Within the day: 👍 instead.
	if st := cust.open(good); st != 200 {
		t.Fatalf("the 👍 link answered %d\n%s", st, cust.text("main"))
	}
	if !eval[bool](cust, `document.querySelector('input[name="answer"][value="good"]').checked`) {
		t.Error("the 👍 link's page does not have 👍 chosen")
	}
	if s := cust.text("#feedback-earlier"); !strings.Contains(s, "You told us it did not help") || !strings.Contains(s, "until") {
		t.Errorf("the page does not say what was answered before: %q", s)
	}
	if v := eval[string](cust, `document.getElementById("feedback-comment").value`); v != comment {
		t.Errorf("the form holds the comment %q, want the one given, %q", v, comment)
	}
	cust.submit("change the answer", chromedp.Click(chromedp.ID("feedback-send")))
	if s := cust.text("#feedback-done"); !strings.Contains(s, "it helped") {
		t.Errorf("after changing, the thank-you reads %q", s)
	}
	ev := feedbackEvents(t, d, maxToken, id)
	if len(ev) != 2 || ev[1] != (apiEvent{Type: "feedback_good", By: "customer", Detail: comment}) {
		t.Fatalf("feedback events after changing to 👍: %+v", ev)
	}
	cust.checkNoScriptProblems()

	// The assistant's view of the ticket, on a laptop.
	if st := b.open("/tickets/" + id); st != 200 {
		t.Fatalf("ticket page: %d", st)
	}
	events := b.text("#events")
	if !strings.Contains(events, comment) || !strings.Contains(events, "by customer") {
		t.Errorf("the ticket's events do not show the customer's answer with its comment:\n%s", events)
	}
	for _, raw := range []string{"feedback_good", "feedback_bad", "feedback good", "feedback bad"} {
		if strings.Contains(events, raw) {
			t.Errorf("the events name the answer as %q, not in words", raw)
		}
	}
	if !strings.Contains(events, "not helpful") || strings.Count(events, "helpful") != 2 {
		t.Errorf("the events should show the answer not helpful, then helpful:\n%s", events)
	}
	if !b.fitsWidth() {
		t.Error("the ticket page scrolls sideways on a laptop")
	}
	b.screenshot("feedback-ticket-laptop")
	b.checkNoScriptProblems()

	// The manager's report: the changed answer counts once, as helpful.
	if g, n := dailyFeedback(t, d, maxToken); g != 1 || n != 0 {
		t.Errorf("the daily report counts %d good, %d bad; want 1, 0", g, n)
	}
	mgr := b.newSession(browserOptions{})
	mgr.login("max", "max-manages-2026")
	if st := mgr.open("/reports"); st != 200 {
		t.Fatalf("reports page: %d", st)
	}
	if s := mgr.text("#total-feedback"); s != "1 / 0" {
		t.Errorf("the reports page shows helpful / not %q, want 1 / 0", s)
	}

	// A tampered link: refused, in words, and not as the desk's error page.
	u, err := url.Parse(bad)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	sig := q.Get("s")
	q.Set("s", strings.Repeat("0", len(sig)))
	tampered := u.Path + "?" + q.Encode()
	if st := cust.open(tampered); st != 403 {
		t.Errorf("a tampered link answered %d, want 403", st)
	}
	if s := cust.text("#feedback-refused"); !strings.Contains(s, "This link is not valid") {
		t.Errorf("a tampered link's page reads %q", cust.text("main"))
	}
	if cust.exists("#feedback-form") || cust.exists(`main a[href="/"]`) || strings.Contains(cust.text("h1"), "Forbidden") {
		t.Errorf("a tampered link's page offers the form, the desk's queues or a bare status: %q", cust.text("main"))
	}
	if !cust.fitsWidth() {
		t.Error("the refusal scrolls sideways on a phone")
	}
	cust.screenshot("feedback-refused-phone")
	// The form sent with a tampered signature records nothing either.
	resp, err := http.PostForm(d.url+"/feedback/"+id, url.Values{"s": {q.Get("s")}, "answer": {"bad"}, "comment": {"forged"}})
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != 403 {
		t.Errorf("a forged answer: %d, want 403", resp.StatusCode)
	}
	if ev := feedbackEvents(t, d, maxToken, id); len(ev) != 2 {
		t.Errorf("a forged answer was recorded: %+v", ev)
	}
	if g, n := dailyFeedback(t, d, maxToken); g != 1 || n != 0 {
		t.Errorf("after a forged answer the report counts %d good, %d bad", g, n)
	}
	cust.checkNoScriptProblems()
}

// userToken issues an API token for user name, as an operator does with
// `frontdesk users token` (the token alone on the last line).
func (d *desk) userToken(t *testing.T, name string) string {
	t.Helper()
	out, err := exec.Command(binary, "users", "token", "-config", d.config, name).Output()
	if err != nil {
		t.Fatalf("frontdesk users token %s: %v\n%s", name, err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}

// apiGet decodes the JSON answer of GET path on the desk's API into v.
func (d *desk) apiGet(t *testing.T, token, path string, v any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, d.url+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s", path, resp.StatusCode, body)
	}
	if err := json.Unmarshal(body, v); err != nil {
		t.Fatalf("GET %s: %v\n%s", path, err, body)
	}
}

// apiEvent is an event of a ticket as the API shows it.
type apiEvent struct {
	Type   string `json:"type"`
	By     string `json:"by"`
	Detail string `json:"detail"`
}

// feedbackEvents returns the feedback events of ticket id, through the API.
func feedbackEvents(t *testing.T, d *desk, token, id string) []apiEvent {
	t.Helper()
	var tk struct {
		Events []apiEvent `json:"events"`
	}
	d.apiGet(t, token, "/api/v1/tickets/"+id, &tk)
	var out []apiEvent
	for _, e := range tk.Events {
		if strings.HasPrefix(e.Type, "feedback") {
			out = append(out, e)
		}
	}
	return out
}

// dailyFeedback sums the answers the daily report counts over its default
// span (the last seven days).
func dailyFeedback(t *testing.T, d *desk, token string) (good, bad int) {
	t.Helper()
	var rows []struct {
		Good int `json:"feedback_good"`
		Bad  int `json:"feedback_bad"`
	}
	d.apiGet(t, token, "/api/v1/reports/daily", &rows)
	for _, r := range rows {
		good += r.Good
		bad += r.Bad
	}
	return good, bad
}

// feedbackLink finds the link after label in a reply's text and returns
// its path and query, failing unless it is under the desk's public URL.
func feedbackLink(t *testing.T, d *desk, text, label string) string {
	t.Helper()
	m := regexp.MustCompile(regexp.QuoteMeta(label) + `(\S+)`).FindStringSubmatch(text)
	if m == nil {
		t.Fatalf("no %q link in the reply:\n%s", label, text)
	}
	if !strings.HasPrefix(m[1], d.url+"/") {
		t.Fatalf("the %q link %s is not under the desk's public URL %s", label, m[1], d.url)
	}
	return strings.TrimPrefix(m[1], d.url)
}

// plainText returns the text/plain body of a mail as its reader sees it:
// the first text/plain part, its transfer encoding undone and its charset
// checked to be UTF-8 (or ASCII).
func plainText(t *testing.T, raw []byte) string {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("read the mail: %v", err)
	}
	text, ok, err := textPart(msg.Header.Get("Content-Type"), msg.Header.Get("Content-Transfer-Encoding"), msg.Body)
	if err != nil || !ok {
		t.Fatalf("the mail's text/plain part: found %v, %v\n%s", ok, err, raw)
	}
	return text
}

func textPart(ctype, cte string, body io.Reader) (string, bool, error) {
	if ctype == "" {
		ctype = "text/plain; charset=us-ascii"
	}
	mt, params, err := mime.ParseMediaType(ctype)
	if err != nil {
		return "", false, err
	}
	if strings.HasPrefix(mt, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextRawPart() // the transfer encoding is undone below
			if err == io.EOF {
				return "", false, nil
			}
			if err != nil {
				return "", false, err
			}
			text, ok, err := textPart(p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p)
			if err != nil || ok {
				return text, ok, err
			}
		}
	}
	if mt != "text/plain" {
		return "", false, nil
	}
	if cs := strings.ToLower(params["charset"]); cs != "" && cs != "utf-8" && cs != "us-ascii" {
		return "", false, fmt.Errorf("charset %q, want UTF-8", cs)
	}
	switch strings.ToLower(strings.TrimSpace(cte)) {
	case "quoted-printable":
		body = quotedprintable.NewReader(body)
	case "base64":
		body = base64.NewDecoder(base64.StdEncoding, body) // it skips the line breaks
	}
	b, err := io.ReadAll(body)
	return strings.ReplaceAll(string(b), "\r\n", "\n"), err == nil, err
}
