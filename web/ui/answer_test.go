package ui

import (
	"bytes"
	"html"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"frontdesk/ticket"
)

// uiFile is a file a multipart form sends.
type uiFile struct{ field, name, ctype, data string }

// postMultipart sends a multipart form with the session's token, as a reply
// form with files does.
func (u *uiUser) postMultipart(t *testing.T, path string, form url.Values, files ...uiFile) (*http.Response, string) {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	form.Set("csrf", u.csrf)
	for k, vs := range form {
		for _, v := range vs {
			_ = w.WriteField(k, v)
		}
	}
	for _, f := range files {
		h := make(map[string][]string)
		h["Content-Disposition"] = []string{`form-data; name="` + f.field + `"; filename="` + f.name + `"`}
		h["Content-Type"] = []string{f.ctype}
		p, err := w.CreatePart(h)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.WriteString(p, f.data)
	}
	_ = w.Close()
	res, err := u.client.Post(u.env.srv.URL+path, w.FormDataContentType(), &b)
	if err != nil {
		t.Fatalf("POST %s: %v", path, err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res, string(body)
}

// replyKey returns the reply form's key on a ticket page.
func replyKey(t *testing.T, page string) string {
	t.Helper()
	m := regexp.MustCompile(`name="reply_key" value="([^"]+)"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no reply_key on the page:\n%s", page)
	}
	return m[1]
}

// A reply with files and copies, sent as the browser sends the form
// (multipart); an empty file input sends no file.
func TestUIReplyWithFilesAndCopies(t *testing.T) {
	e := newUIEnv(t)
	id := e.mail(t, 1)
	ann := e.login(t, "ann")
	_, page := ann.get(t, "/tickets/"+id)
	for _, want := range []string{`enctype="multipart/form-data"`, `<summary>Cc/Bcc</summary>`, `type="file" name="files" id="reply-files" multiple`, `name="seen" value=""`} {
		if !strings.Contains(page, want) {
			t.Errorf("the reply form lacks %s", want)
		}
	}
	res, body := ann.postMultipart(t, "/tickets/"+id+"/reply",
		url.Values{"text": {"The label is attached."}, "reply_key": {replyKey(t, page)}, "seen": {""},
			"cc": {"Carl Berg <carl@example.org>; dora@example.org"}, "bcc": {"boss@example.org"}},
		uiFile{"files", "label.pdf", "application/pdf", "%PDF-1.4 label"}, uiFile{"files", "", "application/octet-stream", ""})
	wantRedirect(t, "reply with files", res, body, "/tickets/"+id,
		"Reply queued to ann@example.org, Carl Berg <carl@example.org>, dora@example.org, boss@example.org.")
	out := outboundOf(e.get(t, id))
	if len(out) != 1 {
		t.Fatalf("%d replies", len(out))
	}
	m := out[0]
	if !slices.Equal(m.Cc, []string{"Carl Berg <carl@example.org>", "dora@example.org"}) || !slices.Equal(m.Bcc, []string{"boss@example.org"}) ||
		len(m.Attachments) != 1 || m.Attachments[0].Filename != "label.pdf" || m.Attachments[0].ContentType != "application/pdf" {
		t.Fatalf("reply = %+v", m)
	}
	// The page shows the reply's file like a customer's, and its copies.
	_, page = ann.get(t, "/tickets/"+id)
	if !strings.Contains(page, `/tickets/`+id+`/attachments/`+m.Attachments[0].ID) || !strings.Contains(page, "boss@example.org") {
		t.Errorf("the ticket page does not show the reply's file or its bcc")
	}
}

// A refused reply shows the page again with the reason and what was typed;
// files must be chosen again.
func TestUIReplyRefusedKeepsTheForm(t *testing.T) {
	e := newUIEnv(t)
	id := e.mail(t, 1)
	ann := e.login(t, "ann")
	_, page := ann.get(t, "/tickets/"+id)
	res, body := ann.postMultipart(t, "/tickets/"+id+"/reply",
		url.Values{"text": {"Here it is."}, "reply_key": {replyKey(t, page)}, "cc": {"carl@example.org, not-an-address"}},
		uiFile{"files", "run.exe", "application/octet-stream", "MZ"})
	if res.StatusCode != http.StatusBadRequest {
		t.Fatalf("reply with a program: %d, want 400", res.StatusCode)
	}
	for _, want := range []string{"Not sent: ", "Cc address 2", "Here it is.</textarea>", `value="carl@example.org, not-an-address"`, "Choose your files again."} {
		if !strings.Contains(html.UnescapeString(body), html.UnescapeString(want)) {
			t.Errorf("the refused form lacks %q", want)
		}
	}
	res, body = ann.postMultipart(t, "/tickets/"+id+"/reply", url.Values{"text": {"x"}, "reply_key": {replyKey(t, page)}},
		uiFile{"files", "run.exe", "application/octet-stream", "MZ"})
	if res.StatusCode != http.StatusBadRequest || !strings.Contains(body, "file 1 (run.exe): .exe files are programs") {
		t.Errorf("reply with a program: %d\n%s", res.StatusCode, body)
	}
	if n := len(outboundOf(e.get(t, id))); n != 0 {
		t.Errorf("%d replies stored by refused forms", n)
	}
}

// Someone else's reply to ann's ticket is refused, saying who holds it,
// with "Send anyway"; sent anyway, it goes. A form from a page that showed
// nobody holding the ticket is refused once someone took it since.
func TestUIReplyCollision(t *testing.T) {
	e := newUIEnv(t)
	id := e.mail(t, 1)
	ann, max := e.login(t, "ann"), e.login(t, "max")
	_, maxPage := max.get(t, "/tickets/"+id)
	if !strings.Contains(maxPage, "Nobody holds this ticket; replying takes it.") {
		t.Errorf("the page does not say nobody holds the ticket")
	}
	if res, _ := ann.post(t, "/tickets/"+id+"/take", nil); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("take: %d", res.StatusCode)
	}
	form := url.Values{"text": {"I will answer."}, "reply_key": {replyKey(t, maxPage)}, "seen": {""}}
	res, body := max.postMultipart(t, "/tickets/"+id+"/reply", form)
	if res.StatusCode != http.StatusConflict {
		t.Fatalf("max's reply to ann's ticket: %d, want 409", res.StatusCode)
	}
	for _, want := range []string{"Not sent: ticket " + id + " changed hands since you opened it: it is held by ann", `id="reply-force"`, "I will answer.</textarea>", `name="seen" value="ann"`} {
		if !strings.Contains(body, want) {
			t.Errorf("the 409 page lacks %q", want)
		}
	}
	form.Set("seen", "ann")
	form.Set("force", "1")
	res, body = max.postMultipart(t, "/tickets/"+id+"/reply", form)
	wantRedirect(t, "send anyway", res, body, "/tickets/"+id, "Reply queued to ann@example.org.")
	if tk := e.get(t, id); tk.Assignee != "ann" || len(outboundOf(tk)) != 1 {
		t.Errorf("after send anyway: held by %q, %d replies", tk.Assignee, len(outboundOf(tk)))
	}
}

// The presence line: who holds the ticket, who else has it open, and a
// warning when it changed hands since the page was shown.
func TestUIPresence(t *testing.T) {
	e := newUIEnv(t)
	id := e.mail(t, 1)
	ann, max := e.login(t, "ann"), e.login(t, "max")
	ann.get(t, "/tickets/"+id)
	_, page := max.get(t, "/tickets/"+id)
	if !strings.Contains(page, `<span class="also-viewing">ann is also viewing it.</span>`) {
		t.Errorf("max's page does not say ann has it open")
	}
	res, frag := ann.post(t, "/tickets/"+id+"/presence", url.Values{"seen": {""}})
	if res.StatusCode != 200 || !strings.Contains(frag, "max is also viewing it.") || strings.Contains(frag, "changed hands") || strings.Contains(frag, "<html") {
		t.Errorf("ann's presence: %d\n%s", res.StatusCode, frag)
	}
	if res, _ := max.post(t, "/tickets/"+id+"/take", nil); res.StatusCode != http.StatusSeeOther {
		t.Fatal("take")
	}
	_, frag = ann.post(t, "/tickets/"+id+"/presence", url.Values{"seen": {""}})
	if !strings.Contains(frag, `Held by <strong class="holder">max</strong>`) || !strings.Contains(frag, "changed hands since you opened it: max holds it now") {
		t.Errorf("ann's presence after max took it:\n%s", frag)
	}
	_, frag = max.post(t, "/tickets/"+id+"/presence", url.Values{"seen": {""}})
	if !strings.Contains(frag, "You hold this ticket.") || strings.Contains(frag, "changed hands") {
		t.Errorf("max's own presence:\n%s", frag)
	}
}

// Forward from the page: a message's form sends it; a refused one comes back
// with the reason and what was typed, open.
func TestUIForward(t *testing.T) {
	e := newUIEnv(t)
	id := e.mail(t, 1)
	ann := e.login(t, "ann")
	_, page := ann.get(t, "/tickets/"+id)
	if !strings.Contains(page, `id="forward-m1"`) {
		t.Fatal("the message has no forward form")
	}
	key := regexp.MustCompile(`name="forward_key" value="([^"]+)"`).FindStringSubmatch(page)[1]
	res, body := ann.post(t, "/tickets/"+id+"/forward", url.Values{"message_id": {"m1"}, "forward_key": {key}, "to": {"nobody"}, "text": {"Please look."}})
	if res.StatusCode != http.StatusBadRequest || !strings.Contains(body, "Not forwarded: To address 1") ||
		!strings.Contains(body, `<details class="forward" open>`) || !strings.Contains(body, "Please look.</textarea>") {
		t.Errorf("a bad forward: %d\n%s", res.StatusCode, body)
	}
	res, body = ann.post(t, "/tickets/"+id+"/forward", url.Values{"message_id": {"m1"}, "forward_key": {key}, "to": {"Claims <claims@carrier.example>"}, "text": {"Please look."}})
	wantRedirect(t, "forward", res, body, "/tickets/"+id, "Message forwarded to Claims <claims@carrier.example>.")
	out := outboundOf(e.get(t, id))
	if len(out) != 1 || out[0].Kind != ticket.KindForward || out[0].Author != "ann" {
		t.Fatalf("after the forward: %+v", out)
	}
}

// Managers keep the canned replies on a page of their own; assistants pick
// them in the reply form, filled in, and without the script insert one with
// the list's button.
func TestUICanned(t *testing.T) {
	e := newUIEnv(t)
	id := e.mail(t, 1)
	ann, max := e.login(t, "ann"), e.login(t, "max")
	if res, _ := ann.get(t, "/canned"); res.StatusCode != http.StatusForbidden {
		t.Errorf("an assistant gets the canned replies page: %d", res.StatusCode)
	}
	res, body := max.post(t, "/canned", url.Values{"version": {"0"}, "name": {"Thanks"}, "queue": {""}, "text": {"Hi {{.Customer}}"}})
	if res.StatusCode != http.StatusBadRequest || !strings.Contains(html.UnescapeString(body), "Nothing was saved: canned reply 1 \"Thanks\": text: {{.Customer}} is not allowed") ||
		!strings.Contains(html.UnescapeString(body), "Hi {{.Customer}}</textarea>") {
		t.Fatalf("a bad template: %d\n%s", res.StatusCode, body)
	}
	res, body = max.post(t, "/canned", url.Values{"version": {"0"}, "name": {"Thanks"}, "queue": {""}, "text": {"Thanks, {{.CustomerName}}! — {{.Assistant}}"}})
	wantRedirect(t, "add", res, body, "/canned", "Canned reply “Thanks” added.")
	res, body = max.post(t, "/canned", url.Values{"version": {"0"}, "name": {"Late"}, "text": {"x"}})
	if res.StatusCode != http.StatusConflict || !strings.Contains(body, "changed while you were working") {
		t.Errorf("an add based on an old version: %d", res.StatusCode)
	}
	res, body = max.post(t, "/canned", url.Values{"version": {"1"}, "name": {"Refund"}, "queue": {"billing"}, "text": {"Refunded."}})
	wantRedirect(t, "add", res, body, "/canned", "Canned reply “Refund” added.")
	res, body = max.post(t, "/canned/1/edit", url.Values{"version": {"2"}, "name": {"Refund"}, "queue": {"billing"}, "text": {"Refunded today."}})
	wantRedirect(t, "edit", res, body, "/canned", "Canned reply “Refund” saved.")
	_, page := max.get(t, "/canned")
	if !strings.Contains(page, "Refunded today.</textarea>") || !strings.Contains(page, `data-version="3"`) {
		t.Errorf("the canned page after the edit:\n%s", page)
	}

	// The support ticket offers the global reply only, filled in for ann.
	_, page = ann.get(t, "/tickets/"+id)
	if !strings.Contains(page, `<option value="Thanks" data-text="Thanks, Ann Lee! — ann">Thanks</option>`) || strings.Contains(page, "Refund") {
		t.Errorf("the reply form's canned replies:\n%s", page)
	}
	res, body = ann.post(t, "/tickets/"+id+"/canned", url.Values{"canned": {"Thanks"}, "text": {"Hello,"}, "reply_key": {replyKey(t, page)}})
	if res.StatusCode != 200 || !strings.Contains(body, "Hello,\n\nThanks, Ann Lee! — ann</textarea>") {
		t.Errorf("insert without the script: %d", res.StatusCode)
	}
	// Sent with an empty text and a canned reply chosen, the canned reply goes.
	res, body = ann.postMultipart(t, "/tickets/"+id+"/reply", url.Values{"canned": {"Thanks"}, "text": {""}, "reply_key": {replyKey(t, page)}})
	wantRedirect(t, "canned reply", res, body, "/tickets/"+id, "Reply queued to ann@example.org.")
	if out := outboundOf(e.get(t, id)); len(out) != 1 || out[0].Text != "Thanks, Ann Lee! — ann" {
		t.Errorf("the canned reply sent: %+v", out)
	}
	res, body = max.post(t, "/canned/0/delete", url.Values{"version": {"3"}})
	wantRedirect(t, "delete", res, body, "/canned", "Canned reply deleted.")
}

func outboundOf(tk *ticket.Ticket) []ticket.Message {
	var out []ticket.Message
	for _, m := range tk.Messages {
		if m.Direction == ticket.DirectionOut {
			out = append(out, m)
		}
	}
	return out
}
