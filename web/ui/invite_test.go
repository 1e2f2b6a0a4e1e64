package ui

import (
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// A refused invitation says why in the user's words and keeps what was
// typed, the section open; a good one is sent and listed on the ticket.
func TestUIReplyWithInvite(t *testing.T) {
	e := newUIEnv(t)
	id := e.mail(t, 1)
	ann := e.login(t, "ann")
	_, page := ann.get(t, "/tickets/"+id)
	if !strings.Contains(page, `id="reply-invite"`) || strings.Contains(page, `id="reply-invite" open`) {
		t.Fatal("the reply form lacks the folded invitation section")
	}
	day := time.Now().In(time.UTC).AddDate(0, 0, 5).Format("2006-01-02")
	form := url.Values{"text": {"Does this suit you?"}, "reply_key": {replyKey(t, page)}, "tz": {"Europe/Amsterdam"},
		"invite_title": {"Fitting"}, "invite_start": {day + "T10:00"}, "invite_end": {day + "T09:00"}, "invite_location": {"Shop"}}
	res, body := ann.postMultipart(t, "/tickets/"+id+"/reply", form)
	if res.StatusCode != http.StatusBadRequest {
		t.Fatalf("end before start: %d", res.StatusCode)
	}
	for _, want := range []string{"Not sent: ", "the appointment's end must be after the appointment's start", `id="reply-invite" open`,
		`value="Fitting"`, `value="` + day + `T09:00"`} {
		if !strings.Contains(html.UnescapeString(body), want) {
			t.Errorf("the refused form lacks %q", want)
		}
	}
	if strings.Contains(body, "invite.") {
		t.Error("the refusal names the API's fields")
	}
	form.Set("invite_end", day+"T11:00")
	if res, _ := ann.postMultipart(t, "/tickets/"+id+"/reply", form); res.StatusCode != http.StatusOK && res.StatusCode != http.StatusSeeOther {
		t.Fatalf("a good invitation: %d", res.StatusCode)
	}
	tk := e.get(t, id)
	ams, _ := time.LoadLocation("Europe/Amsterdam")
	want, _ := time.ParseInLocation("2006-01-02T15:04", day+"T10:00", ams)
	if len(tk.Invitations) != 1 || !tk.Invitations[0].Start.Equal(want) || tk.Invitations[0].Location != "Shop" {
		t.Fatalf("invitations %+v", tk.Invitations)
	}
	_, page = ann.get(t, "/tickets/"+id)
	if !strings.Contains(page, `id="invitations"`) || !strings.Contains(page, "waiting for an answer") || strings.Contains(page, "invite_uid") {
		t.Error("the ticket does not show its appointment as waiting, or shows its internal fields")
	}
}
