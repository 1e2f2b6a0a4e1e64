package api

import (
	"strings"
	"testing"
	"time"
)

// A reply's invitation: stored pending on the ticket and shown in its JSON;
// a malformed one is 400 saying which field, and stores nothing.
func TestReplyWithInvite(t *testing.T) {
	e := newAPIEnv(t)
	id := e.mail(t, 553)
	start := time.Now().Add(50 * time.Hour).UTC().Truncate(time.Minute)
	for _, c := range []struct{ body, want string }{
		{`{"text":"x","invite":{"title":"Fitting","start":"tomorrow","end":"` + start.Format(time.RFC3339) + `"}}`, "invite.start"},
		{`{"text":"x","invite":{"title":"Fitting","start":"` + start.Format(time.RFC3339) + `","end":"` + start.Add(-time.Hour).Format(time.RFC3339) + `"}}`, "invite.end must be after invite.start"},
		{`{"text":"x","invite":{"title":"","start":"` + start.Format(time.RFC3339) + `","end":"` + start.Add(time.Hour).Format(time.RFC3339) + `"}}`, "invite.title is required"},
	} {
		e.do(t, req{method: "POST", target: "/api/v1/tickets/" + id + "/replies", token: annToken, body: c.body}).want(t, 400, c.want)
	}
	if tk := e.get(t, id); len(outbound(tk)) != 0 {
		t.Fatalf("a refused invitation stored a reply: %+v", outbound(tk))
	}
	e.do(t, req{method: "POST", target: "/api/v1/tickets/" + id + "/replies", token: annToken,
		body: `{"text":"Does this suit you?","invite":{"title":"Fitting","start":"` + start.Format(time.RFC3339) +
			`","end":"` + start.Add(time.Hour).Format(time.RFC3339) + `","location":"Shop","description":"Bring the frame"}}`}).want(t, 202, "invite_uid")
	tk := e.get(t, id)
	if len(tk.Invitations) != 1 || tk.Invitations[0].Title != "Fitting" || !tk.Invitations[0].Start.Equal(start) ||
		tk.Invitations[0].State != "pending" || !strings.HasPrefix(tk.Invitations[0].UID, "frontdesk-") {
		t.Fatalf("invitations %+v", tk.Invitations)
	}
}
