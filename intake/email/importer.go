// Package email turns the mails that the IMAP pollers fetch into tickets: it
// parses each one (package mailparse), decides whether it continues a ticket
// (threading) or opens a new one, and stores it through the ticket store under
// a source key derived from the mail itself, so that a mail imported twice —
// after a crash, a UIDVALIDITY change, by two instances — is stored once.
package email

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"regexp"
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"frontdesk/config"
	"frontdesk/desk"
	"frontdesk/fault"
	"frontdesk/intake/imappoll"
	"frontdesk/intake/mailparse"
	"frontdesk/internal/promreg"
	"frontdesk/ticket"
)

// maxAttempts is how often a mail may fail before it is stored as-is with a
// warning: one bad mail never blocks a mailbox.
const maxAttempts = 3

// Importer stores mails as tickets. It is the imappoll.Handler of every
// mailbox. It is safe for concurrent use.
type Importer struct {
	desk   *desk.Desk
	store  ticket.Store // the desk's, for threading's reads
	cfg    *config.Config
	logger *slog.Logger
	parse  mailparse.Options

	results *prometheus.CounterVec
}

// Options configure an Importer. A nil *Options is equivalent to a zero one.
type Options struct {
	Logger     *slog.Logger
	Registerer prometheus.Registerer
}

// NewImporter returns an Importer filing mail at d, with the mailboxes of
// d's configuration.
func NewImporter(d *desk.Desk, opts *Options) *Importer {
	if opts == nil {
		opts = &Options{}
	}
	cfg := d.Config()
	im := &Importer{
		desk: d, store: d.Store(), cfg: cfg, logger: opts.Logger,
		parse: mailparse.Options{FaxSenders: cfg.Fax.EmailSenders},
		results: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "frontdesk_mail_stored_total",
			Help: "Mails stored by email intake, by mailbox and result: created (new ticket), appended (to a ticket), duplicate (already stored), raw (stored as-is after failures), invitation_answer (an answer to an invitation, recorded on its ticket).",
		}, []string{"mailbox", "result"}),
	}
	if im.logger == nil {
		im.logger = slog.Default()
	}
	// Registered once per registry however many importers (IMAP's and
	// push intake's) share it.
	im.results = promreg.Register(opts.Registerer, im.results)
	return im
}

// Handle stores one mail. nil means the mail is stored (now or before) and the
// poller may mark it; an error means it is not, and the poller retries.
func (im *Importer) Handle(ctx context.Context, m imappoll.Mail) error {
	mb, ok := im.cfg.Mailbox(m.Mailbox)
	if !ok {
		return fmt.Errorf("import mail %d of mailbox %s: mailbox not configured", m.UID, m.Mailbox)
	}
	parsed, err := im.parseMail(m)
	if err == nil {
		err = im.store1(ctx, mb, m, parsed)
	}
	if err == nil || fault.IsUnavailable(err) || errors.Is(err, context.Canceled) {
		return err
	}
	if m.Attempt < maxAttempts {
		im.logger.Warn("mail not imported; will retry", slog.String("mailbox", mb.Name),
			slog.Uint64("uid", uint64(m.UID)), slog.Int("attempt", m.Attempt), slog.Any("error", err))
		return err
	}
	return im.storeAsIs(ctx, mb, m, parsed, err)
}

// parsed is what Prepare makes of a mail: the parse, or why it failed.
type parsed struct {
	mail *mailparse.Mail
	err  error
}

// Prepare parses a mail ahead of Handle; the pollers run it for several mails
// at once (imappoll.Options.Prepare), while Handle stores them one by one.
func (im *Importer) Prepare(m imappoll.Mail) any {
	p, err := im.parseMail(m)
	return parsed{mail: p, err: err}
}

// Threading reads what Prepare made of a mail: its Message-ID and the ones it
// answers (In-Reply-To, References, a bounce's original), for
// imappoll.Options.Threading.
func (im *Importer) Threading(prepared any) (string, []string) {
	pr, ok := prepared.(parsed)
	if !ok || pr.mail == nil {
		return "", nil
	}
	refs := append(threadRefs(pr.mail), pr.mail.BounceOf...)
	return pr.mail.MessageID, refs
}

func (im *Importer) parseMail(m imappoll.Mail) (*mailparse.Mail, error) {
	if pr, ok := m.Prepared.(parsed); ok {
		return pr.mail, pr.err
	}
	if m.Oversized {
		return mailparse.ParseHeader(m.Header, m.Size, &im.parse)
	}
	return mailparse.Parse(m.Raw, &im.parse)
}

// store1 stores a parsed mail: onto the ticket it continues, or as a new one.
func (im *Importer) store1(ctx context.Context, mb config.Mailbox, m imappoll.Mail, p *mailparse.Mail) error {
	nm := im.newMessage(mb, m, p)
	if done, err := im.answerInvitation(ctx, nm, p); done || err != nil {
		if done {
			im.count(mb.Name, ticket.Receipt{Created: true}, "invitation_answer")
		}
		return err
	}
	ticketID, how, err := im.thread(ctx, p)
	if err != nil {
		return err
	}
	if ticketID != "" {
		r, err := im.desk.Continue(ctx, ticketID, nm)
		if err != nil {
			return fmt.Errorf("import mail %s (%s): %w", nm.SourceKey, how, err)
		}
		im.count(sourceName(mb), r, "appended")
		if p.Kind == mailparse.KindBounce {
			return im.markBounced(ctx, mb, p)
		}
		return nil
	}
	nt := im.newTicket(mb, p, nm)
	r, err := im.desk.Receive(ctx, nt)
	if err != nil {
		return fmt.Errorf("import mail %s as a new ticket: %w", nm.SourceKey, err)
	}
	im.count(sourceName(mb), r, "created")
	if r.Created {
		im.logger.Info("ticket created from mail", slog.String("mailbox", mb.Name), slog.String("ticket", r.TicketID),
			slog.String("kind", p.Kind), slog.String("message_id", p.MessageID))
	}
	return nil
}

func (im *Importer) count(mailbox string, r ticket.Receipt, result string) {
	if !r.Created {
		result = "duplicate"
	}
	im.results.WithLabelValues(mailbox, result).Inc()
}

// markBounced records what a delivery report says of the outbound message
// it names: failed for a bounce, delivered for a success report (RFC 3464
// Action delivered, relayed or expanded: what NOTIFY=SUCCESS asks for), also
// for a message whose send was cut off and is unknown. A delay report
// changes nothing: the server still tries. Run on every attempt, also when
// the report itself was stored before: it is idempotent.
func (im *Importer) markBounced(ctx context.Context, mb config.Mailbox, p *mailparse.Mail) error {
	reason := p.BounceReason
	switch p.BounceOutcome {
	case mailparse.DeliveryDelayed:
		return nil
	case mailparse.DeliveryDelivered:
		if reason == "" {
			reason = "the recipient's server reported it delivered"
		} else {
			reason = "reported delivered: " + reason
		}
		return im.desk.DeliveryReport(ctx, p.BounceOf, ticket.DeliveryDelivered, reason, "intake:"+mb.Name)
	}
	if reason == "" {
		reason = "bounced: " + p.Subject
	}
	return im.desk.DeliveryReport(ctx, p.BounceOf, ticket.DeliveryFailed, reason, "intake:"+mb.Name)
}

func (im *Importer) newMessage(mb config.Mailbox, m imappoll.Mail, p *mailparse.Mail) ticket.NewMessage {
	kind := ticket.Kind(p.Kind)
	channel := ticket.ChannelEmail
	if p.Fax {
		channel, kind = ticket.ChannelFax, ticket.KindFax
	}
	nm := ticket.NewMessage{
		SourceKey: sourceKey(sourceName(mb), m, p), Direction: ticket.DirectionIn, Channel: channel, Kind: kind,
		From: formatAddress(p.From), To: formatAddresses(p.To), Cc: formatAddresses(p.Cc),
		Subject: p.Subject, Text: p.Text, HTML: p.HTML,
		MessageID: p.MessageID, InReplyTo: p.InReplyTo, References: p.References,
		Warnings: p.Warnings, By: "intake:" + sourceName(mb), At: m.Received,
	}
	if !m.Oversized {
		nm.Raw = m.Raw
	}
	for _, a := range p.Attachments {
		nm.Attachments = append(nm.Attachments, ticket.NewAttachment{
			Filename: a.Filename, ContentType: a.ContentType, Inline: a.Inline, ContentID: a.ContentID, Data: a.Data,
		})
	}
	return nm
}

func (im *Importer) newTicket(mb config.Mailbox, p *mailparse.Mail, nm ticket.NewMessage) ticket.NewTicket {
	subject := strings.TrimSpace(p.Subject)
	if subject == "" {
		subject = "(no subject)"
	}
	nt := ticket.NewTicket{
		Channel: nm.Channel, Queue: mb.Queue, Mailbox: mb.Name, Subject: subject,
		Customer: ticket.Customer{Name: p.From.Name, Email: strings.ToLower(p.From.Address)},
		Tags:     []string{},
		Message:  nm,
	}
	if p.Fax {
		// The gateway's address is not the customer: every fax through it
		// would be one customer's. The sender is their number, when the
		// gateway says it; a reply goes there.
		nt.Customer = ticket.Customer{Phone: faxSenderNumber(p)}
	}
	// Automatic and list mail is marked; the desk gives it no first-response
	// deadline and never acknowledges it.
	switch {
	case p.Kind == mailparse.KindBounce:
		nt.Tags = append(nt.Tags, "bounce")
		nt.Priority = ticket.PriorityLow
	case p.Kind == mailparse.KindAutoReply:
		nt.Tags = append(nt.Tags, "auto-reply")
		nt.Priority = ticket.PriorityLow
	case p.List:
		nt.Tags = append(nt.Tags, "list")
	}
	return nt
}

// storeRaw stores a mail that failed maxAttempts times as it is: a ticket with
// the original attached and the failure as a warning, so the mailbox moves on.
func (im *Importer) storeRaw(ctx context.Context, mb config.Mailbox, m imappoll.Mail, cause error) error {
	raw := rawOf(m)
	subject := fmt.Sprintf("Mail %d of %s could not be imported", m.UID, mb.Name)
	warning := fmt.Sprintf("import failed %d times: %v", m.Attempt, cause)
	if m.UID == 0 { // delivered by a mail server (push.go): no UID, one attempt
		subject = "A mail to " + sourceName(mb) + " could not be imported"
		warning = fmt.Sprintf("import failed: %v", cause)
	}
	from := ""
	if msg, err := mail.ReadMessage(bytes.NewReader(raw)); err == nil {
		if s := msg.Header.Get("Subject"); s != "" {
			subject = s
		}
		if a, err := mail.ParseAddress(msg.Header.Get("From")); err == nil {
			from = strings.ToLower(a.Address)
		}
	}
	nt := ticket.NewTicket{
		Channel: ticket.ChannelEmail, Queue: mb.Queue, Mailbox: mb.Name, Subject: subject,
		Customer: ticket.Customer{Email: from},
		Message: ticket.NewMessage{
			SourceKey: rawSourceKey(sourceName(mb), m),
			From:      from, Subject: subject,
			Text:     "frontdesk could not import this mail normally; the original message is attached.",
			Warnings: []string{warning},
			Raw:      raw, By: "intake:" + sourceName(mb), At: m.Received,
		},
	}
	r, err := im.desk.Receive(ctx, nt)
	if err != nil {
		return fmt.Errorf("store mail %d of %s as-is after %d failures: %w", m.UID, mb.Name, m.Attempt, err)
	}
	im.count(sourceName(mb), r, "raw")
	im.logger.Warn("mail stored as-is after repeated failures", slog.String("mailbox", mb.Name),
		slog.Uint64("uid", uint64(m.UID)), slog.String("ticket", r.TicketID), slog.Any("error", cause))
	return nil
}

// rawOf is what is kept of a mail stored as it is: the message, or the
// header of an oversized one.
func rawOf(m imappoll.Mail) []byte {
	if m.Oversized {
		return m.Header
	}
	return m.Raw
}

// rawSourceKey names a mail stored as it is after repeated failures.
func rawSourceKey(mailbox string, m imappoll.Mail) string {
	sum := sha256.Sum256(rawOf(m))
	return "mail:" + mailbox + ":raw:" + hex.EncodeToString(sum[:16])
}

// sourceKey names a mail for idempotency: the mailbox, its Message-ID and a
// hash of its body. A redelivered or re-fetched mail has the same key; two
// different mails that reuse a Message-ID (some senders do) do not, because
// their bodies differ. Without a Message-ID the whole message is hashed.
func sourceKey(mailbox string, m imappoll.Mail, p *mailparse.Mail) string {
	if m.Oversized {
		sum := sha256.Sum256(m.Header)
		return fmt.Sprintf("mail:%s:oversized:%s:%d", mailbox, hex.EncodeToString(sum[:16]), m.Size)
	}
	body := m.Raw
	if i := indexBody(body); i >= 0 {
		body = body[i:]
	}
	sum := sha256.Sum256(body)
	bodyHash := hex.EncodeToString(sum[:12])
	id := strings.TrimSpace(p.MessageID)
	switch {
	case id == "":
		all := sha256.Sum256(m.Raw)
		return "mail:" + mailbox + ":sha256:" + hex.EncodeToString(all[:16])
	case len(id) > 200:
		h := sha256.Sum256([]byte(id))
		id = "sha256:" + hex.EncodeToString(h[:16])
	}
	return "mail:" + mailbox + ":" + id + ":" + bodyHash
}

// indexBody returns where a message's body starts, after the blank line that
// ends its header, or -1.
func indexBody(raw []byte) int {
	for _, sep := range []string{"\r\n\r\n", "\n\n"} {
		if i := bytes.Index(raw, []byte(sep)); i >= 0 {
			return i + len(sep)
		}
	}
	return -1
}

// formatAddress writes an address for people to read: "Ann Lee <ann@example.org>".
func formatAddress(a mailparse.Address) string {
	switch {
	case a.Address == "":
		return a.Name
	case a.Name == "" || a.Name == a.Address:
		return a.Address
	}
	return a.Name + " <" + a.Address + ">"
}

func formatAddresses(list []mailparse.Address) []string {
	out := make([]string, 0, len(list))
	for _, a := range list {
		out = append(out, formatAddress(a))
	}
	return out
}

// faxNumberRE finds an international phone number, "+31 20 123 4567" or
// "0031-20-1234567", as mail-to-fax gateways write the sender's number in
// the From name or the subject ("Fax from +31 20 123 4567").
var faxNumberRE = regexp.MustCompile(`(?:\+|\b00)[1-9]\d{0,3}(?:[ .-]?\(\d{1,4}\))?(?:[ .-]?\d{2,})+`)

// faxSenderNumber is the fax sender's number in E.164 form, read from the
// gateway mail's From name or subject, or "" when neither names one in
// international form (a local number's country is not guessed).
func faxSenderNumber(p *mailparse.Mail) string {
	for _, s := range []string{p.From.Name, p.Subject} {
		m := faxNumberRE.FindString(s)
		if m == "" {
			continue
		}
		digits := strings.Map(func(r rune) rune {
			if r >= '0' && r <= '9' {
				return r
			}
			return -1
		}, m)
		digits = strings.TrimPrefix(digits, "00")
		if len(digits) >= 7 && len(digits) <= 15 {
			return "+" + digits
		}
	}
	return ""
}
