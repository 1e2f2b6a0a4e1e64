package desk

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"

	"frontdesk/fault"
	"frontdesk/internal/phone"
	"frontdesk/ticket"
)

// Sending faxes: a reply on a fax ticket goes to the sender's number by fax
// when frontdesk sends faxes (fax.outbound), and a reply with FaxTo faxes
// to any number. A fax is one PDF; the reply's words, if any, stay on the
// ticket beside it (through a mail-to-fax gateway they are the mail's
// body, which gateways commonly print on a cover page). It waits in the
// outbox like every outbound message (channel fax); package responders
// hands it to the fax service.

// FaxOn reports whether frontdesk sends faxes (fax.outbound is set up).
func (d *Desk) FaxOn() bool { return d.cfg.Fax.Outbound.On() }

// faxChannel says how a reply to the fax ticket t goes: by fax to the
// sender's number when frontdesk sends faxes, else by text to it; an error
// (fault.ErrConflict) says why it cannot go at all.
func (d *Desk) faxChannel(t *ticket.Ticket) (how, to string, err error) {
	// A fax's customer is its sender's number; a fax that came through a
	// mail-to-fax gateway has the gateway's address, which is nobody to
	// answer.
	if t.Customer.Phone == "" {
		return "", "", fmt.Errorf("%w: this fax came without the sender's number; call or write the sender yourself", fault.ErrConflict)
	}
	if d.FaxOn() {
		return "fax", t.Customer.Phone, nil
	}
	if d.cfg.Twilio.AccountSID == "" {
		return "", "", fmt.Errorf("%w: frontdesk cannot send faxes (fax.outbound is not set up), and without Twilio it cannot text %s either; call the sender yourself",
			fault.ErrConflict, t.Customer.Phone)
	}
	return "SMS", t.Customer.Phone, nil
}

// faxTo is the outbound fax a reply with fax_to sends from ticket t: to
// the number given, in any common format (read in tickets.phone_region).
func (d *Desk) faxTo(ctx context.Context, t *ticket.Ticket, number string) (ticket.NewMessage, error) {
	if !d.FaxOn() {
		return ticket.NewMessage{}, fmt.Errorf("%w: fax_to: frontdesk cannot send faxes: fax.outbound is not set up", fault.ErrConflict)
	}
	to, ok := phone.Parse(number, d.cfg.Tickets.PhoneRegion)
	if !ok || strings.ContainsFunc(number, func(r rune) bool { return r < ' ' }) {
		return ticket.NewMessage{}, fmt.Errorf("%w: fax_to: %q is not a phone number (write it as +15555550123 or as it is dialled in %s)",
			fault.ErrInvalid, number, d.cfg.Tickets.PhoneRegion)
	}
	if to == d.cfg.Fax.Outbound.From {
		return ticket.NewMessage{}, fmt.Errorf("%w: fax_to: %s is the number frontdesk faxes from", fault.ErrInvalid, to)
	}
	return d.faxReply(ctx, t, to)
}

// faxReply is the outbound fax to the E.164 number on t, without its text
// and file: from fax.outbound.from through a Faxes API; through a
// mail-to-fax gateway, a mail from the ticket's sender address with a
// signed Message-ID of its own, so that the gateway's reports thread to it.
func (d *Desk) faxReply(ctx context.Context, t *ticket.Ticket, number string) (ticket.NewMessage, error) {
	out := d.cfg.Fax.Outbound
	if !out.Gateway() {
		return ticket.NewMessage{Direction: ticket.DirectionOut, Channel: ticket.ChannelFax, Kind: ticket.KindNormal,
			From: out.From, To: []string{number}, Subject: replySubject(t.Subject, t.ID), Delivery: ticket.DeliveryQueued}, nil
	}
	nm, err := d.outboundMail(ctx, mailHead{TicketID: t.ID, Queue: t.Queue, Mailbox: t.Mailbox, Subject: t.Subject})
	if err != nil {
		return ticket.NewMessage{}, err
	}
	nm.Channel, nm.To = ticket.ChannelFax, []string{number}
	return nm, nil
}

// withFax checks what a fax reply carries — one PDF, no copies — and puts
// the file on nm.
func (d *Desk) withFax(nm *ticket.NewMessage, a Answer) error {
	to := strings.Join(nm.To, ", ")
	switch {
	case len(a.Cc)+len(a.Bcc) > 0:
		return fmt.Errorf("%w: cc, bcc: this reply goes to %s by fax, which has no copies", fault.ErrInvalid, to)
	case len(a.Attachments) == 0:
		return fmt.Errorf("%w: attachments: this reply goes to %s by fax, which is sent from a PDF: attach one", fault.ErrInvalid, to)
	case len(a.Attachments) > 1:
		return fmt.Errorf("%w: attachments: a fax is one PDF; put the %d files into one", fault.ErrInvalid, len(a.Attachments))
	}
	files, err := d.checkFiles(a.Attachments)
	if err != nil {
		return err
	}
	if f := files[0]; f.ContentType != "application/pdf" || !isPDF(f.Data) {
		return fmt.Errorf("%w: attachments[0] (%s): a fax is sent from a PDF, and this file is not one", fault.ErrInvalid, f.Filename)
	}
	nm.Attachments = files
	return nil
}

// isPDF reports whether data starts as a PDF does: "%PDF-" within its
// first kilobyte (ISO 32000-1 §7.5.2; readers allow bytes before it).
func isPDF(data []byte) bool {
	return bytes.Contains(data[:min(len(data), 1024)], []byte("%PDF-"))
}

// FaxDelivery records what the fax service reports of an outbound fax,
// message mid of ticket id: delivered, or failed with the reason in words.
// A report that changes nothing — about no outbound fax, the state it is in
// already, or anything after delivered — changes nothing, so that a
// report delivered twice records one event. It returns once the change
// would survive a crash of the store's host.
func (d *Desk) FaxDelivery(ctx context.Context, id, mid string, state ticket.Delivery, detail string) error {
	t, err := d.store.Get(ctx, id)
	if errors.Is(err, fault.ErrNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("record %s of fax %s on ticket %s: %w", state, mid, id, err)
	}
	for _, m := range t.Messages {
		if m.ID != mid {
			continue
		}
		if m.Direction != ticket.DirectionOut || m.Channel != ticket.ChannelFax ||
			m.Delivery == state || m.Delivery == ticket.DeliveryDelivered {
			return nil
		}
	}
	// A message moved by a merge is found where it is now (SetDelivery).
	if err := d.store.SetDelivery(ctx, id, mid, state, detail, "fax service"); err != nil {
		if errors.Is(err, fault.ErrNotFound) {
			return nil
		}
		return fmt.Errorf("record %s of fax %s on ticket %s: %w", state, mid, id, err)
	}
	return d.store.Durable(ctx)
}
