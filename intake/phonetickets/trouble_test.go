package phonetickets

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"frontdesk/jobs"
	"frontdesk/ticket"
)

// A download that keeps failing leaves a warning on its ticket in the
// user's words, and another when it gives up.
func TestDownloadTroubleWarnsOnTheTicket(t *testing.T) {
	d := newDesk(t)
	ctx := context.Background()
	rc, err := d.store.Create(ctx, ticket.NewTicket{Channel: ticket.ChannelVoice, Queue: "phone", Subject: "Voicemail",
		Customer: ticket.Customer{Phone: "+15555550123"},
		Message:  ticket.NewMessage{SourceKey: "twilio:vm:1", Kind: ticket.KindVoicemail, From: "+15555550123", Text: "(recording)"}})
	if err != nil {
		t.Fatal(err)
	}
	payload, _ := json.Marshal(mediaJob{TicketID: rc.TicketID, MessageID: rc.MessageID, Source: "rec:1", URL: "https://api.twilio.com/RE1",
		ContentType: "audio/mpeg"})
	j := jobs.Job{ID: "rec:1", Kind: kindMedia, Payload: payload}
	d.intake.Struggling(ctx, j, errors.New("download https://api.twilio.com/RE1: 403 Forbidden"))
	d.intake.Dead(ctx, j, errors.New("download https://api.twilio.com/RE1: 403 Forbidden"))
	tk, err := d.store.Get(ctx, rc.TicketID)
	if err != nil {
		t.Fatal(err)
	}
	var warnings []string
	for _, e := range tk.Events {
		if e.Type == "warning" {
			warnings = append(warnings, e.Detail)
		}
	}
	if len(warnings) != 2 || !strings.HasPrefix(warnings[0], "The recording of m1 could not be downloaded: ") ||
		!strings.Contains(warnings[0], "403 Forbidden") || !strings.Contains(warnings[0], "keeps trying for a day") ||
		!strings.Contains(warnings[1], "gave up") || !strings.Contains(warnings[1], "Undelivered page") {
		t.Fatalf("warnings = %q", warnings)
	}
}
