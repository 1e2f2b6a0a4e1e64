package ui

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"frontdesk/intake/mailparse"
	"frontdesk/ticket"
)

// htmlMail stores a mail ticket whose HTML tries everything a hostile sender
// might: scripts, handlers, javascript: links, CSS, remote and inline images.
func (e *uiEnv) htmlMail(t *testing.T, subject string) string {
	t.Helper()
	rc, err := e.store.Create(context.Background(), ticket.NewTicket{
		Channel: ticket.ChannelEmail, Queue: "support", Subject: subject,
		Customer: ticket.Customer{Name: "Eve", Email: "eve@example.org"},
		Message: ticket.NewMessage{
			SourceKey: "test:html:" + subject, From: "Eve <eve@example.org>", To: []string{"support@example.com"},
			Subject: subject, Text: "plain version",
			HTML: `<p onclick="alert(1)">Hello</p><script>alert(2)</script><a href="javascript:alert(3)">x</a>` +
				`<img src="https://tracker.example/pixel.gif" alt="pixel"><img src="cid:logo@x"><div style="background:url(https://tracker.example/bg)">bg</div>`,
			Attachments: []ticket.NewAttachment{{Filename: "logo.png", ContentType: "image/png", Inline: true, ContentID: "logo@x", Data: []byte("PNG")}},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return rc.TicketID
}

// voicemail stores a voicemail ticket with its recording and transcript.
func (e *uiEnv) voicemail(t *testing.T) string {
	t.Helper()
	rc, err := e.store.Create(context.Background(), ticket.NewTicket{
		Channel: ticket.ChannelVoice, Queue: "support", Subject: "Voicemail from +15555550123",
		Priority: ticket.PriorityHigh,
		Customer: ticket.Customer{Phone: "+15555550123"},
		Message: ticket.NewMessage{
			SourceKey: "test:vm:1", Kind: ticket.KindVoicemail, Channel: ticket.ChannelVoice,
			From: "+15555550123", To: []string{"+15555550100"}, Text: "Please call me back about my order.",
			Meta:        map[string]string{"duration": "14"},
			Attachments: []ticket.NewAttachment{{Filename: "recording.mp3", ContentType: "audio/mpeg", Data: []byte("0123456789ID3-AUDIO")}},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return rc.TicketID
}

func TestUIQueuesAndTakeNext(t *testing.T) {
	e := newUIEnv(t)
	mailID := e.mail(t, 1)
	time.Sleep(2 * time.Millisecond)
	vmID := e.voicemail(t) // high priority: taken first though newer
	smsID := e.sms(t)
	ann := e.login(t, "ann")

	res, body := ann.get(t, "/")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET /: %d", res.StatusCode)
	}
	for _, want := range []string{`data-queue="support"`, `data-queue="billing"`, `data-refresh="/queues/board"`, "#" + vmID, "#" + mailID, "✉ mail</span> 1", "☎ voice</span> 1", "💬 SMS</span> 1"} {
		if !strings.Contains(body, want) {
			t.Errorf("queue page lacks %q", want)
		}
	}
	if i, j := strings.Index(body, "#"+vmID), strings.Index(body, "#"+mailID); i > j {
		t.Errorf("the urgent voicemail is not listed before the older mail")
	}
	res, frag := ann.get(t, "/queues/board")
	if res.StatusCode != http.StatusOK || strings.Contains(frag, "<html") || !strings.Contains(frag, `id="queue-table"`) {
		t.Errorf("board fragment: %d\n%s", res.StatusCode, frag)
	}

	// Take next: the most urgent ticket of any queue, then the rest.
	var taken []string
	for range 3 {
		res, _ := ann.post(t, "/take-next", nil)
		loc := res.Header.Get("Location")
		if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/tickets/") {
			t.Fatalf("take next: %d to %q", res.StatusCode, loc)
		}
		taken = append(taken, strings.SplitN(strings.TrimPrefix(loc, "/tickets/"), "?", 2)[0])
	}
	if want := []string{vmID, mailID, smsID}; strings.Join(taken, ",") != strings.Join(want, ",") {
		t.Errorf("taken %v, want %v (priority, then age across queues)", taken, want)
	}
	if tk := e.get(t, vmID); tk.Assignee != "ann" || tk.Status != ticket.StatusOpen || tk.LeaseExpires == nil {
		t.Errorf("taken ticket = %+v", tk)
	}
	res, _ = ann.post(t, "/take-next", nil)
	wantRedirect(t, "take next from empty queues", res, "", "/", "Nobody is waiting. Well done.")
	res, _ = ann.post(t, "/queues/nope/next", nil)
	if res.StatusCode != http.StatusNotFound {
		t.Errorf("take next from an unknown queue: %d", res.StatusCode)
	}

	// My tickets lists all three as open.
	_, body = ann.get(t, "/mine")
	for _, id := range taken {
		if !strings.Contains(body, `href="/tickets/`+id+`"`) {
			t.Errorf("my tickets lack #%s", id)
		}
	}
	// All tickets filters.
	_, body = ann.get(t, "/tickets?channel=sms")
	if !strings.Contains(body, "#"+smsID) || strings.Contains(body, "#"+mailID+"<") {
		t.Errorf("tickets?channel=sms:\n%s", body)
	}
	res, _ = ann.get(t, "/tickets?status=bogus")
	if res.StatusCode != http.StatusBadRequest {
		t.Errorf("tickets?status=bogus: %d, want 400", res.StatusCode)
	}
}

func TestUITicketWork(t *testing.T) {
	e := newUIEnv(t)
	id := e.mail(t, 7)
	ann := e.login(t, "ann")

	res, body := ann.get(t, "/tickets/"+id)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET ticket: %d", res.StatusCode)
	}
	for _, want := range []string{"Order 7 arrived broken", "The box was crushed.", `id="take"`, "Reply to <strong>ann@example.org</strong> by mail", "photo.jpg"} {
		if !strings.Contains(body, want) {
			t.Errorf("ticket page lacks %q", want)
		}
	}
	// The photo shows in place; the HTML attachment is only a link.
	if !regexp.MustCompile(`<img class="thumb" src="/tickets/` + id + `/attachments/a[0-9a-f]+" alt="photo.jpg"`).MatchString(body) {
		t.Error("the photo is not shown in place")
	}
	if strings.Contains(body, `alt="../évil`) {
		t.Error("the HTML attachment is shown as a picture")
	}
	res, _ = ann.post(t, "/tickets/"+id+"/take", nil)
	if res.StatusCode != http.StatusSeeOther || e.get(t, id).Assignee != "ann" {
		t.Fatalf("take: %d, assignee %q", res.StatusCode, e.get(t, id).Assignee)
	}

	// Reply, with the same form sent twice: one message.
	_, body = ann.get(t, "/tickets/"+id)
	key := regexp.MustCompile(`name="reply_key" value="([^"]+)"`).FindStringSubmatch(body)
	if key == nil {
		t.Fatal("no reply_key on the page")
	}
	form := url.Values{"text": {"We are sending a new one."}, "reply_key": {key[1]}}
	for range 2 {
		res, _ = ann.post(t, "/tickets/"+id+"/reply", form)
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("reply: %d", res.StatusCode)
		}
	}
	tk := e.get(t, id)
	var out []ticket.Message
	for _, m := range tk.Messages {
		if m.Direction == ticket.DirectionOut {
			out = append(out, m)
		}
	}
	if len(out) != 1 || out[0].Text != "We are sending a new one." || out[0].Delivery != ticket.DeliveryQueued || tk.Status != ticket.StatusPending {
		t.Fatalf("after the reply sent twice: %d outbound %+v, status %s", len(out), out, tk.Status)
	}
	_, body = ann.get(t, "/tickets/"+id)
	if !strings.Contains(body, "We are sending a new one.") || !strings.Contains(body, `data-delivery="queued"`) {
		t.Errorf("the reply or its delivery state is not on the page")
	}
	res, _ = ann.post(t, "/tickets/"+id+"/reply", url.Values{"text": {"  "}, "reply_key": {key[1]}})
	if res.StatusCode != http.StatusBadRequest {
		t.Errorf("empty reply: %d, want 400", res.StatusCode)
	}

	// Hand over, release, close, reopen.
	res, _ = ann.post(t, "/tickets/"+id+"/assign", url.Values{"assignee": {"max"}})
	if res.StatusCode != http.StatusSeeOther || e.get(t, id).Assignee != "max" {
		t.Errorf("hand over to max: %d, assignee %q", res.StatusCode, e.get(t, id).Assignee)
	}
	res, _ = ann.post(t, "/tickets/"+id+"/assign", url.Values{"assignee": {"nobody"}})
	if res.StatusCode != http.StatusBadRequest {
		t.Errorf("hand over to an unknown user: %d, want 400", res.StatusCode)
	}
	res, _ = ann.post(t, "/tickets/"+id+"/release", nil)
	if tk := e.get(t, id); res.StatusCode != http.StatusSeeOther || tk.Status != ticket.StatusNew || tk.Assignee != "" {
		t.Errorf("release: %d, %s %q", res.StatusCode, tk.Status, tk.Assignee)
	}
	res, _ = ann.post(t, "/tickets/"+id+"/status", url.Values{"status": {"closed"}})
	if res.StatusCode != http.StatusSeeOther || e.get(t, id).Status != ticket.StatusClosed {
		t.Errorf("close: %d, %s", res.StatusCode, e.get(t, id).Status)
	}
	_, body = ann.get(t, "/tickets/"+id)
	if !strings.Contains(body, `id="reopen"`) || strings.Contains(body, `id="close"`) {
		t.Errorf("a closed ticket offers no reopen, or still offers close")
	}
	res, _ = ann.post(t, "/tickets/"+id+"/status", url.Values{"status": {"done"}})
	if res.StatusCode != http.StatusBadRequest {
		t.Errorf("bad status: %d, want 400", res.StatusCode)
	}
	res, _ = ann.get(t, "/tickets/99999")
	if res.StatusCode != http.StatusNotFound {
		t.Errorf("unknown ticket: %d, want 404", res.StatusCode)
	}
}

func TestUIVoicemailTicket(t *testing.T) {
	e := newUIEnv(t)
	id := e.voicemail(t)
	ann := e.login(t, "ann")
	_, body := ann.get(t, "/tickets/"+id)
	audio := regexp.MustCompile(`<audio controls preload="metadata" src="(/tickets/` + id + `/attachments/[^"]+)"`).FindStringSubmatch(body)
	if audio == nil {
		t.Fatalf("no audio player on the voicemail page:\n%s", body)
	}
	if !strings.Contains(body, "Please call me back about my order.") || !strings.Contains(body, "by SMS") {
		t.Errorf("voicemail page lacks the transcript or the SMS reply box")
	}
	// The recording plays with seeking: ranges are served.
	req, _ := http.NewRequest("GET", e.srv.URL+audio[1], nil)
	req.Header.Set("Range", "bytes=10-")
	res, err := ann.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusPartialContent || res.Header.Get("Content-Type") != "audio/mpeg" || !strings.HasPrefix(res.Header.Get("Content-Disposition"), "inline") {
		t.Errorf("recording: %d %q %q", res.StatusCode, res.Header.Get("Content-Type"), res.Header.Get("Content-Disposition"))
	}
}

func TestUIMailHTMLIsContained(t *testing.T) {
	e := newUIEnv(t)
	id := e.htmlMail(t, `<script>alert("subject")</script>`)
	ann := e.login(t, "ann")

	_, page := ann.get(t, "/tickets/"+id)
	if strings.Contains(page, `<script>alert("subject")`) || !strings.Contains(page, "&lt;script&gt;") {
		t.Errorf("the subject is not escaped on the ticket page")
	}
	if strings.Contains(page, "onclick") || strings.Contains(page, "tracker.example") && !strings.Contains(page, "Show remote images") {
		t.Errorf("mail HTML leaked into the page itself")
	}
	if !strings.Contains(page, `sandbox="allow-same-origin allow-popups allow-popups-to-escape-sandbox"`) {
		t.Errorf("the mail frame is not sandboxed")
	}
	// The stored HTML was never sanitized (as an older policy may have left
	// it), so it has no data-remote-src: the page still offers the remote
	// images that the frame holds back.
	if !strings.Contains(page, `class="show-images"`) {
		t.Errorf("the ticket page does not offer to show the mail's remote images")
	}

	res, body := ann.get(t, "/tickets/"+id+"/messages/m1/body")
	csp := res.Header.Get("Content-Security-Policy")
	if res.StatusCode != http.StatusOK || !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "sandbox") ||
		strings.Contains(csp, "script-src") || strings.Contains(csp, "http:") {
		t.Fatalf("body: %d, CSP %q", res.StatusCode, csp)
	}
	for _, bad := range []string{"<script", "onclick", "javascript:", ` src="https://tracker.example`, "url(https"} {
		if strings.Contains(body, bad) {
			t.Errorf("mail body contains %q:\n%s", bad, body)
		}
	}
	if !strings.Contains(body, `data-remote-src="https://tracker.example/pixel.gif"`) {
		t.Errorf("the remote image is not kept for later:\n%s", body)
	}
	if !regexp.MustCompile(`src="/tickets/` + id + `/attachments/a[0-9a-f]+"`).MatchString(body) {
		t.Errorf("the cid: image does not point at its part:\n%s", body)
	}

	// Asked for: remote images load, and the policy allows them.
	res, body = ann.get(t, "/tickets/"+id+"/messages/m1/body?images=remote")
	if !strings.Contains(body, `src="https://tracker.example/pixel.gif"`) || !strings.Contains(res.Header.Get("Content-Security-Policy"), "img-src 'self' data: https: http:") {
		t.Errorf("remote images when asked: CSP %q\n%s", res.Header.Get("Content-Security-Policy"), body)
	}

	// A hostile attachment downloads, never renders.
	tk := e.get(t, e.mail(t, 9))
	for _, a := range tk.Messages[0].Attachments {
		res, _ := ann.get(t, "/tickets/"+tk.ID+"/attachments/"+a.ID)
		ct, cd := res.Header.Get("Content-Type"), res.Header.Get("Content-Disposition")
		switch a.ContentType {
		case "application/octet-stream": // over the size cap: not kept
			if res.StatusCode != http.StatusNotFound {
				t.Errorf("%s (not kept): %d, want 404", a.Filename, res.StatusCode)
			}
		case "text/html":
			if ct != "application/octet-stream" || !strings.HasPrefix(cd, "attachment;") || !strings.Contains(res.Header.Get("Content-Security-Policy"), "sandbox") {
				t.Errorf("%s: %q %q", a.Filename, ct, cd)
			}
		case "image/jpeg":
			if ct != "image/jpeg" || !strings.HasPrefix(cd, "inline;") {
				t.Errorf("%s: %q %q", a.Filename, ct, cd)
			}
		}
	}
}

func TestUIAway(t *testing.T) {
	e := newUIEnv(t)
	ann := e.login(t, "ann")
	_, body := ann.get(t, "/mine")
	if !strings.Contains(body, `name="back" value="/mine"`) || !strings.Contains(body, "Available – set away") {
		t.Fatalf("no away toggle coming back to /mine:\n%s", body)
	}
	res, _ := ann.post(t, "/me/away", url.Values{"away": {"1"}, "back": {"/mine"}})
	if loc := res.Header.Get("Location"); res.StatusCode != http.StatusSeeOther || loc != "/mine" {
		t.Fatalf("away: %d to %q", res.StatusCode, loc)
	}
	if !e.user("ann").Away {
		t.Fatal("ann is not away")
	}
	_, body = ann.get(t, "/")
	if !strings.Contains(body, "Away – set available") {
		t.Error("the header does not say ann is away")
	}
	res, _ = ann.post(t, "/me/away", url.Values{"away": {"0"}, "back": {"https://evil.example/"}})
	if loc := res.Header.Get("Location"); loc != "/" || e.user("ann").Away {
		t.Errorf("back: to %q, away %v", loc, e.user("ann").Away)
	}
}

// HTML as email intake stores it — sanitized once already — still offers
// its remote images: sanitizing it again for the frame keeps their mark.
func TestUIRemoteImagesOfStoredHTML(t *testing.T) {
	e := newUIEnv(t)
	stored := mailparse.Sanitize(`<p>Our logo: <img src="https://cdn.example/logo.png" alt="logo"></p>`)
	rc, err := e.store.Create(context.Background(), ticket.NewTicket{
		Channel: ticket.ChannelEmail, Queue: "support", Subject: "Logo",
		Customer: ticket.Customer{Email: "eve@example.org"},
		Message:  ticket.NewMessage{SourceKey: "test:stored-html", From: "eve@example.org", Text: "Our logo", HTML: stored},
	})
	if err != nil {
		t.Fatal(err)
	}
	ann := e.login(t, "ann")
	_, page := ann.get(t, "/tickets/"+rc.TicketID)
	if !strings.Contains(page, `class="show-images"`) {
		t.Fatalf("the page does not offer the stored mail's remote images")
	}
	_, body := ann.get(t, "/tickets/"+rc.TicketID+"/messages/m1/body?images=remote")
	if !strings.Contains(body, `src="https://cdn.example/logo.png"`) {
		t.Fatalf("asked for, the remote image does not load:\n%s", body)
	}
}

// The ticket page says what happened in people's words: who wrote a reply,
// how long the first one took (not a deadline once answered, nor on a closed
// ticket that never was), the timeline without internal ids, and why a
// ticket cannot be answered.
func TestUITicketSaysWhatHappened(t *testing.T) {
	e := newUIEnv(t)
	id := e.mail(t, 3)
	ann := e.login(t, "ann")
	_, body := ann.get(t, "/tickets/"+id)
	key := regexp.MustCompile(`name="reply_key" value="([^"]+)"`).FindStringSubmatch(body)
	if res, _ := ann.post(t, "/tickets/"+id+"/reply", url.Values{"text": {"On its way."}, "reply_key": {key[1]}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("reply: %d", res.StatusCode)
	}
	_, body = ann.get(t, "/tickets/"+id)
	for _, want := range []string{`<span class="muted author">by ann</span>`, `id="first-response">after `, "reply to ann@example.org"} {
		if !strings.Contains(body, want) {
			t.Errorf("the answered ticket's page lacks %q", want)
		}
	}
	events := body[strings.Index(body, `id="events"`):]
	if m := regexp.MustCompile(`\bm\d+\b|\d+h\d+m\d+s`).FindString(events); m != "" {
		t.Errorf("the timeline shows %q", m)
	}

	closed := e.mail(t, 4)
	if res, _ := ann.post(t, "/tickets/"+closed+"/status", url.Values{"status": {"closed"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatal(res.StatusCode)
	}
	if _, body := ann.get(t, "/tickets/"+closed); strings.Contains(body, "First reply due") {
		t.Error("a closed ticket shows a first-reply deadline")
	}

	fax, err := e.store.Create(context.Background(), ticket.NewTicket{
		Channel: ticket.ChannelFax, Queue: "support", Subject: "Fax received",
		Message: ticket.NewMessage{SourceKey: "test:fax", Channel: ticket.ChannelFax, Kind: ticket.KindFax, From: "fax@fax.example.net", Text: "1 page"},
	})
	if err != nil {
		t.Fatal(err)
	}
	_, body = ann.get(t, "/tickets/"+fax.TicketID)
	if !strings.Contains(body, `id="reply-problem"`) || !strings.Contains(body, "without the sender&#39;s number") || strings.Contains(body, `id="reply-form"`) {
		t.Errorf("a fax without the sender's number offers a reply, or does not say why not")
	}
}
