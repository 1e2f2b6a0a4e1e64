package email

import (
	"context"
	"strings"
	"testing"

	"frontdesk/ticket"
)

// dsnReport is a delivery report (RFC 3464) about the mail whose envelope
// id (ENVID, frontdesk's Message-ID) is envID, with one recipient's action.
func dsnReport(envID, action, status string) string {
	return msg(`
From: Mail Delivery System <MAILER-DAEMON@mx.example.org>
To: support@example.com
Subject: Delivery Status Notification (`+action+`)
Message-ID: <dsn-`+action+`@mx.example.org>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="B"`, `--B
Content-Type: text/plain

Your message was `+action+`.

--B
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.org
Original-Envelope-Id: `+envID+`

Final-Recipient: rfc822; ann@example.org
Action: `+action+`
Status: `+status+`

--B--`)
}

// A success report asked for with NOTIFY=SUCCESS marks the message
// delivered, found by its envelope id alone; a delay report changes
// nothing.
func TestDeliveryReportMarksDelivered(t *testing.T) {
	im, s := newImporter(t)
	ctx := context.Background()
	deliver(t, im, msg("From: ann@example.org\nSubject: Help\nMessage-ID: <q1@example.org>", "Question"))
	id := allTickets(t, s)[0].ID
	r, err := s.AppendMessage(ctx, id, ticket.NewMessage{SourceKey: "out-1", Direction: ticket.DirectionOut,
		Text: "Answer", MessageID: "<fd.out2@desk.example.com>", Delivery: ticket.DeliverySent})
	if err != nil {
		t.Fatal(err)
	}
	deliver(t, im, dsnReport("fd.out2@desk.example.com", "delayed", "4.4.1"))
	if out := allTickets(t, s)[0].Messages[1]; out.Delivery != ticket.DeliverySent {
		t.Fatalf("after a delay report the message is %s, want still sent", out.Delivery)
	}
	deliver(t, im, dsnReport("fd.out2@desk.example.com", "delivered", "2.0.0"))
	ts := allTickets(t, s)
	if len(ts) != 1 {
		t.Fatalf("%d tickets, want the reports on the first", len(ts))
	}
	out := ts[0].Messages[1]
	if out.ID != r.MessageID || out.Delivery != ticket.DeliveryDelivered || !strings.Contains(out.DeliveryDetail, "delivered: 2.0.0") {
		t.Fatalf("outbound message after a success report = %+v", out)
	}
}
