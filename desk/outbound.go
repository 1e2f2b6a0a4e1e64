package desk

import (
	"context"
	"fmt"
	"net/mail"
	"strings"
	"sync"

	"frontdesk/fault"
	"frontdesk/ticket"
)

// maxReferences is how many Message-IDs a References header keeps: the
// conversation's first and its latest (RFC 5322 §3.6.4 allows trimming; mail
// servers refuse headers that grow without end).
const maxReferences = 20

// mailHead is what the outbound-mail builder needs to know of a ticket and the
// message being answered.
type mailHead struct {
	TicketID string
	Queue    string
	Mailbox  string
	Subject  string
	// Answering is the Message-ID of the mail answered and the References
	// it carried; empty when there is none (a phone ticket answered by mail).
	Answering  string
	References []string
	// Forward makes the subject "Fwd: SUBJECT [#ID]": a new conversation
	// with a third party, not an answer.
	Forward bool
}

// outboundMail is the one builder of every outbound mail — a reply, an
// acknowledgement, a forward, later an invitation: who it is from, its
// signed Message-ID, its subject with the ticket's [#ID] tag and its
// threading headers. The caller adds To, the text, the kind and its author.
// It fails (fault.ErrConflict, saying what to configure) when frontdesk has
// no address to send from.
func (d *Desk) outboundMail(ctx context.Context, h mailHead) (ticket.NewMessage, error) {
	from, err := d.sender(h.Queue, h.Mailbox)
	if err != nil {
		return ticket.NewMessage{}, err
	}
	msgID, err := d.signer.newMessageID(ctx, h.TicketID, from.Address)
	if err != nil {
		return ticket.NewMessage{}, err
	}
	nm := ticket.NewMessage{
		Direction: ticket.DirectionOut,
		Channel:   ticket.ChannelEmail,
		From:      displayAddress(from),
		Subject:   replySubject(h.Subject, h.TicketID),
		MessageID: msgID,
		Delivery:  ticket.DeliveryQueued,
	}
	if h.Forward {
		nm.Subject = forwardSubject(h.Subject, h.TicketID)
	}
	// RFC 5322 §3.6.4: In-Reply-To is the parent's Message-ID, References the
	// parent's References followed by it. Ids a customer's mailer wrote
	// malformed are left out: a mail server would refuse the header.
	if ticket.ValidMessageID(h.Answering) {
		nm.InReplyTo = h.Answering
		for _, ref := range h.References {
			if ticket.ValidMessageID(ref) && ref != h.Answering {
				nm.References = append(nm.References, ref)
			}
		}
		nm.References = append(nm.References, h.Answering)
		if n := len(nm.References); n > maxReferences {
			nm.References = append(nm.References[:1], nm.References[n-maxReferences+1:]...)
		}
	}
	return nm, nil
}

// sender is the address frontdesk writes from on a ticket: its queue's
// address, else the address of the mailbox it came in through, else
// smtp.from. With none of them, nothing can be sent, and the error says what
// to set.
func (d *Desk) sender(queue, mailbox string) (*mail.Address, error) {
	var candidates []string
	if q, ok := d.cfg.Queue(queue); ok {
		candidates = append(candidates, q.Address)
	}
	if mb, ok := d.cfg.Mailbox(mailbox); ok && mailbox != "" {
		candidates = append(candidates, mb.Address)
	}
	candidates = append(candidates, d.cfg.SMTP.From)
	for _, c := range candidates {
		if c == "" {
			continue
		}
		if a, err := mail.ParseAddress(c); err == nil {
			return a, nil
		}
	}
	return nil, fmt.Errorf("%w: frontdesk has no address to send mail from for queue %q: set queues[].address, mailboxes[].address or smtp.from in the configuration",
		fault.ErrConflict, queue)
}

// OwnAddress reports whether address is one of frontdesk's own (a mailbox's,
// a queue's or smtp.from): mail from it is never a customer's, answering it
// would loop, and it never counts as someone on a ticket.
func (d *Desk) OwnAddress(address string) bool { return d.ours(address) }

func (d *Desk) ours(address string) bool {
	address = strings.TrimSpace(address)
	if address == "" {
		return false
	}
	same := func(s string) bool {
		if s == "" {
			return false
		}
		a, err := mail.ParseAddress(s)
		return err == nil && strings.EqualFold(a.Address, address)
	}
	for _, m := range d.cfg.Mailboxes {
		if same(m.Address) || strings.EqualFold(m.Username, address) {
			return true
		}
	}
	for _, q := range d.cfg.Queues {
		if same(q.Address) {
			return true
		}
	}
	return same(d.cfg.SMTP.From)
}

// replySubject is "Re: SUBJECT [#ID]", without a second "Re:" or tag.
func replySubject(subject, id string) string { return prefixedSubject("Re:", subject, id) }

// forwardSubject is "Fwd: SUBJECT [#ID]", without a second "Fwd:" or tag.
func forwardSubject(subject, id string) string { return prefixedSubject("Fwd:", subject, id) }

// prefixedSubject puts prefix ("Re:", "Fwd:") before subject unless it is
// there already (in any case) and the ticket's tag [#ID] after it unless it
// is in it already.
func prefixedSubject(prefix, subject, id string) string {
	subject = strings.TrimSpace(subject)
	if len(subject) < len(prefix) || !strings.EqualFold(subject[:len(prefix)], prefix) {
		subject = strings.TrimSpace(prefix + " " + subject)
	}
	if tag := "[#" + id + "]"; !strings.Contains(subject, tag) {
		subject += " " + tag
	}
	return subject
}

// signer makes the signed Message-IDs of outbound mail with the deployment's
// key, read from the store on first use (Redis may be down at start).
type signer struct {
	store ticket.Store
	mu    sync.Mutex
	key   []byte
}

func (s *signer) messageIDSigner(ctx context.Context) (ticket.MessageIDSigner, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.key == nil {
		key, err := s.store.Secret(ctx)
		if err != nil {
			return ticket.MessageIDSigner{}, fmt.Errorf("load the Message-ID signing key: %w", err)
		}
		s.key = key
	}
	return ticket.MessageIDSigner{Key: s.key}, nil
}

// newMessageID is a fresh signed Message-ID for a mail on ticket id from
// address (its domain is the id's right-hand side).
func (s *signer) newMessageID(ctx context.Context, id, address string) (string, error) {
	sig, err := s.messageIDSigner(ctx)
	if err != nil {
		return "", err
	}
	host := "frontdesk.invalid"
	if at := strings.LastIndexByte(address, '@'); at >= 0 && at < len(address)-1 {
		host = address[at+1:]
	}
	return sig.New(id, host), nil
}

// TicketOfMessageID returns the ticket a signed Message-ID of frontdesk's own
// names, and whether it is one with a valid signature: a customer's reply
// threads by it even when the index lost the id.
func (d *Desk) TicketOfMessageID(ctx context.Context, messageID string) (string, bool, error) {
	sig, err := d.signer.messageIDSigner(ctx)
	if err != nil {
		return "", false, err
	}
	id, ok := sig.TicketOf(messageID)
	return id, ok, nil
}

// displayAddress writes an address for people and parsers alike: "Support
// <support@example.com>", the name quoted only when it needs to be
// ("Smith, John"), non-ASCII names left readable (RFC 6532) rather than
// encoded; outmail encodes them when the mail is written.
func displayAddress(a *mail.Address) string {
	if a.Name == "" {
		return a.Address
	}
	plain := !strings.ContainsAny(a.Name, `()<>[]:;@\,."`)
	if plain {
		return a.Name + " <" + a.Address + ">"
	}
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(a.Name) + `" <` + a.Address + ">"
}
