package desk

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"frontdesk/fault"
	"frontdesk/internal/words"
	"frontdesk/ticket"
)

// Forwarding is a message of a ticket sent on to a third party (a carrier,
// a colleague elsewhere) with the assistant's words above it.
type Forwarding struct {
	// To are the third party's addresses, bare or named.
	To []string
	// Text is written above the forwarded message; it may be empty.
	Text string
	// MessageID names the message on the ticket ("m2").
	MessageID string
	// By and Key are as in Answer: who forwards it, and what makes a retry
	// one forward.
	By, Key string
}

// Forward sends message f.MessageID of ticket id, with its files, to a third
// party by mail, and returns the stored forward: an outbound message of kind
// forward (Meta "forwarded" names the message), queued in the outbox like a
// reply, from the ticket's address, with a signed Message-ID and the subject
// "Fwd: SUBJECT [#ID]", so that the third party's answer threads back onto
// the ticket (and is never taken for the customer's: the store remembers the
// forward's recipients). It changes neither the ticket's status nor its SLA
// clock, and nobody needs to hold the ticket to forward from it. The same
// f.Key stores one forward.
//
// Files over the size cap, not kept, or of a type mail servers refuse are
// left out and named in the text; what is attached may weigh at most
// AttachmentMaxSize together (fault.ErrTooLarge). A note is not forwarded,
// nor anything without an outgoing mail server (fault.ErrConflict).
func (d *Desk) Forward(ctx context.Context, id string, f Forwarding) (ticket.Message, error) {
	if err := (Answer{By: f.By, Key: f.Key}).checkWriter(); err != nil {
		return ticket.Message{}, err
	}
	if strings.TrimSpace(f.MessageID) == "" {
		return ticket.Message{}, fmt.Errorf("%w: message_id: which message to forward is required", fault.ErrInvalid)
	}
	if len(f.To) == 0 {
		return ticket.Message{}, fmt.Errorf("%w: to: whom to forward it to is required", fault.ErrInvalid)
	}
	t, err := d.store.Get(ctx, id)
	if err != nil {
		return ticket.Message{}, err
	}
	src := Answer{By: f.By, Key: f.Key}.sourceKey("forward", t.ID)
	if f.Key != "" {
		rc, err := d.store.FindSource(ctx, src)
		switch {
		case err == nil && rc.TicketID == t.ID:
			return d.message(ctx, t.ID, rc.MessageID)
		case err != nil && !errors.Is(err, fault.ErrNotFound):
			return ticket.Message{}, fmt.Errorf("forward from ticket %s: %w", id, err)
		}
	}
	var m *ticket.Message
	for i := range t.Messages {
		if t.Messages[i].ID == f.MessageID {
			m = &t.Messages[i]
		}
	}
	switch {
	case m == nil:
		return ticket.Message{}, fmt.Errorf("%w: message_id: ticket %s has no message %q", fault.ErrInvalid, t.ID, f.MessageID)
	case m.Direction == ticket.DirectionInternal:
		return ticket.Message{}, fmt.Errorf("%w: message_id: %s is a note, which stays inside the desk", fault.ErrInvalid, m.ID)
	case d.cfg.SMTP.Host == "":
		return ticket.Message{}, fmt.Errorf("%w: frontdesk has no outgoing mail server (smtp.host)", fault.ErrConflict)
	}
	lists, err := d.recipients(nil, namedList{"to", f.To})
	if err != nil {
		return ticket.Message{}, err
	}
	files, left, err := d.forwardedFiles(ctx, t.ID, m)
	if err != nil {
		return ticket.Message{}, err
	}
	subject := m.Subject
	if strings.TrimSpace(subject) == "" {
		subject = t.Subject
	}
	nm, err := d.outboundMail(ctx, mailHead{TicketID: t.ID, Queue: t.Queue, Mailbox: t.Mailbox, Subject: subject, Forward: true})
	if err != nil {
		return ticket.Message{}, fmt.Errorf("forward from ticket %s: %w", t.ID, err)
	}
	nm.SourceKey = src
	nm.To = lists[0]
	nm.Kind = ticket.KindForward
	nm.Meta = map[string]string{"forwarded": m.ID}
	nm.Text = forwardText(f.Text, m, left)
	nm.Attachments = files
	nm.By, nm.Author = f.By, f.By
	rc, err := d.store.AppendMessage(ctx, t.ID, nm)
	if err != nil {
		return ticket.Message{}, err
	}
	d.notifyQueued()
	if err := d.store.Durable(ctx); err != nil {
		return ticket.Message{}, fmt.Errorf("forward from ticket %s: %w", t.ID, err)
	}
	return d.message(ctx, t.ID, rc.MessageID)
}

// forwardedFiles reads the files of m that a forward carries, and says in
// words which it leaves out and why.
func (d *Desk) forwardedFiles(ctx context.Context, id string, m *ticket.Message) ([]ticket.NewAttachment, []string, error) {
	var files []ticket.NewAttachment
	var left []string
	var total int64
	for _, a := range m.Attachments {
		name := cleanFilename(a.Filename, len(files)+len(left))
		if a.Omitted {
			left = append(left, name+" (not kept: over the size limit)")
			continue
		}
		_, data, err := d.store.Attachment(ctx, id, a.ID)
		if errors.Is(err, fault.ErrNotFound) || errors.Is(err, fault.ErrTooLarge) {
			left = append(left, name+" (not kept)")
			continue
		}
		if err != nil {
			return nil, nil, fmt.Errorf("forward from ticket %s: read %s: %w", id, name, err)
		}
		ctype, err := contentType(a.ContentType, name)
		if err != nil {
			ctype = "application/octet-stream"
		}
		if why := refusedFile(name, ctype, data); why != "" {
			left = append(left, name+" ("+why+")")
			continue
		}
		total += int64(len(data))
		if total > d.AttachmentMaxSize() {
			return nil, nil, fmt.Errorf("%w: the message's files come to more than %s, the most a mail may carry; download them and send fewer",
				fault.ErrTooLarge, words.Bytes(d.AttachmentMaxSize()))
		}
		files = append(files, ticket.NewAttachment{Filename: name, ContentType: ctype, Inline: a.Inline, ContentID: a.ContentID, Data: data})
	}
	return files, left, nil
}

// forwardText is a forward's text: the assistant's words, then the
// forwarded message's header and text as mail programs quote them, then
// the files left out.
func forwardText(note string, m *ticket.Message, left []string) string {
	var b strings.Builder
	if w := strings.TrimRight(note, " \t\r\n"); w != "" {
		b.WriteString(w)
		b.WriteString("\n\n")
	}
	b.WriteString("---------- Forwarded message ----------\n")
	if m.From != "" {
		fmt.Fprintf(&b, "From: %s\n", m.From)
	}
	fmt.Fprintf(&b, "Date: %s\n", m.CreatedAt.UTC().Format("Mon, 2 Jan 2006 15:04 MST"))
	if m.Subject != "" {
		fmt.Fprintf(&b, "Subject: %s\n", m.Subject)
	}
	if len(m.To) > 0 {
		fmt.Fprintf(&b, "To: %s\n", strings.Join(m.To, ", "))
	}
	if len(m.Cc) > 0 {
		fmt.Fprintf(&b, "Cc: %s\n", strings.Join(m.Cc, ", "))
	}
	b.WriteString("\n")
	text := m.Text
	if m.Kind == ticket.KindVoicemail {
		text = "Voicemail (the recording is attached). Transcript: " + strings.TrimSpace(m.Text)
		if strings.TrimSpace(m.Text) == "" {
			text = "Voicemail (the recording is attached), not transcribed."
		}
	}
	b.WriteString(strings.TrimRight(text, " \t\r\n"))
	b.WriteString("\n")
	if len(left) > 0 {
		b.WriteString("\nNot attached: " + strings.Join(left, "; ") + "\n")
	}
	return b.String()
}
