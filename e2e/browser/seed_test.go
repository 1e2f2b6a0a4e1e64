package browser

import (
	"context"
	"testing"
	"time"

	"frontdesk/ticket"
)

// The customers of the seeded tickets.
const (
	mailCustomer = "ann.lee@example.org"
	caller       = "+15555550123"
)

// create stores a ticket straight into the desk's Redis, as intake would.
func (d *desk) create(t *testing.T, nt ticket.NewTicket) ticket.Receipt {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	rc, err := d.store.Create(ctx, nt)
	if err != nil {
		t.Fatalf("seed ticket %q: %v", nt.Subject, err)
	}
	return rc
}

// seedMail stores a customer's mail in queue support, with a plain text
// and an HTML body, and returns its ticket's id.
func (d *desk) seedMail(t *testing.T, subject, text string) string {
	t.Helper()
	return d.create(t, ticket.NewTicket{
		Channel: ticket.ChannelEmail, Queue: "support", Subject: subject,
		Customer: ticket.Customer{Name: "Ann Lee", Email: mailCustomer},
		Message: ticket.NewMessage{
			SourceKey: "browser:mail:" + subject, Channel: ticket.ChannelEmail,
			From: "Ann Lee <" + mailCustomer + ">", To: []string{"support@example.com"},
			Subject: subject, Text: text, HTML: "<p>" + text + "</p>", MessageID: "<order553@example.org>",
		},
	}).TicketID
}

// seedVoicemail stores a voicemail left on the desk's number, as phone
// intake files it: a voice ticket in queue phone with the recording (a WAV
// of seconds) and, once transcribed, its transcript. It returns the
// ticket's id.
func (d *desk) seedVoicemail(t *testing.T, seconds float64, transcript string) string {
	t.Helper()
	rc := d.create(t, ticket.NewTicket{
		Channel: ticket.ChannelVoice, Queue: "phone", Subject: "Voicemail from " + caller,
		Customer: ticket.Customer{Phone: caller},
		Message: ticket.NewMessage{
			SourceKey: "twilio:recording:REbrowser", Channel: ticket.ChannelVoice, Kind: ticket.KindVoicemail,
			From: caller, To: []string{deskNumber}, By: "intake:twilio",
			Meta: map[string]string{"call_sid": "CAbrowser", "recording_sid": "REbrowser", "caller": caller, "called": deskNumber},
			Attachments: []ticket.NewAttachment{{
				Filename: "voicemail-REbrowser.wav", ContentType: "audio/wav", Data: wavTone(seconds),
			}},
		},
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := d.store.SetTranscript(ctx, rc.TicketID, rc.MessageID, transcript, "intake:twilio"); err != nil {
		t.Fatalf("seed the voicemail's transcript: %v", err)
	}
	return rc.TicketID
}
