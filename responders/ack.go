package responders

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/mail"
	"strings"
	"text/template"
	"time"

	"github.com/redis/go-redis/v9"

	"frontdesk/config"
	"frontdesk/fault"
	"frontdesk/ticket"
)

// DefaultAckTemplate is the acknowledgement of a queue without ack_template.
const DefaultAckTemplate = `Hello{{with .CustomerName}} {{.}}{{end}},

thank you for your message "{{.Subject}}". We have received it as ticket
#{{.TicketID}} and will answer {{with .ExpectedAnswer}}by {{.}}{{else}}as soon as we can{{end}}.

Please keep [#{{.TicketID}}] in the subject if you write again about it.
`

// AckData is what an acknowledgement template can use.
type AckData struct {
	TicketID, CustomerName, Subject, Queue string
	// ExpectedAnswer is the first-response due time in the queue's time zone,
	// or "" when the queue promises none.
	ExpectedAnswer string
}

// Acknowledger queues an acknowledgement for a new ticket from a customer's
// mail — never for an auto-reply, a bounce, list mail, a noreply or
// mailer-daemon sender or one of frontdesk's own addresses (RFC 3834 §2), and
// at most MaxPerHour per sender.
type Acknowledger struct {
	store  ticket.Store
	rdb    redis.UniversalClient
	prefix string
	cfg    *config.Config
	// MaxPerHour is the brake: acknowledgements per sender per hour (3).
	MaxPerHour int
}

// NewAcknowledger returns an Acknowledger storing into store.
func NewAcknowledger(store ticket.Store, rdb redis.UniversalClient, cfg *config.Config) *Acknowledger {
	return &Acknowledger{store: store, rdb: rdb, prefix: cfg.Redis.Prefix, cfg: cfg, MaxPerHour: 3}
}

// brake admits an acknowledgement of ticket id to sender: at most max per
// sender per hour, and the same ticket is admitted again (a retry).
var brake = redis.NewScript(`
if redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 1 then return 1 end
if redis.call('SCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('SADD', KEYS[1], ARGV[1])
if redis.call('TTL', KEYS[1]) < 0 then redis.call('EXPIRE', KEYS[1], 3600) end
return 1
`)

// Acknowledge queues the acknowledgement of a ticket just stored from nt, if
// one is due. enabled is routing's word (nil: the queue's auto_ack). It is
// idempotent: the acknowledgement's source key is the ticket's, so a retry
// stores nothing new.
func (a *Acknowledger) Acknowledge(ctx context.Context, r ticket.Receipt, nt ticket.NewTicket, enabled *bool) error {
	q, _ := a.cfg.Queue(nt.Queue)
	on := q.AutoAck
	if enabled != nil {
		on = *enabled
	}
	if !on || !a.eligible(nt) {
		return nil
	}
	sender := strings.ToLower(nt.Customer.Email)
	sum := sha256.Sum256([]byte(sender))
	ok, err := brake.Run(ctx, a.rdb, []string{a.prefix + ":ack:{" + hex.EncodeToString(sum[:8]) + "}"}, r.TicketID, a.MaxPerHour).Int()
	if err != nil {
		return fault.Redis("acknowledgement brake", err)
	}
	if ok == 0 {
		return nil // enough acknowledgements to this sender this hour
	}
	text, err := a.render(q, r, nt)
	if err != nil {
		return err
	}
	key, err := a.store.Secret(ctx)
	if err != nil {
		return err
	}
	from := q.Address
	if from == "" {
		from = a.cfg.SMTP.From
	}
	host := "frontdesk.invalid"
	if addr, err := mail.ParseAddress(from); err == nil {
		host = addr.Address[strings.LastIndexByte(addr.Address, '@')+1:]
	}
	subject := "Re: " + strings.TrimPrefix(nt.Subject, "Re: ") + " [#" + r.TicketID + "]"
	_, err = a.store.AppendMessage(ctx, r.TicketID, ticket.NewMessage{
		SourceKey: "ack:" + r.TicketID, Direction: ticket.DirectionOut, Channel: ticket.ChannelEmail,
		Kind: ticket.KindAutoReply, From: from, To: []string{nt.Customer.Email}, Subject: subject, Text: text,
		MessageID: ticket.MessageIDSigner{Key: key}.New(r.TicketID, host),
		InReplyTo: nt.Message.MessageID, References: []string{nt.Message.MessageID},
		Meta: map[string]string{"ack": "1"}, Delivery: ticket.DeliveryQueued, By: "frontdesk",
	})
	return err
}

// eligible reports whether nt is a customer's own mail that an automatic
// answer may go to (RFC 3834 §2: never answer automatic mail).
func (a *Acknowledger) eligible(nt ticket.NewTicket) bool {
	if nt.Channel != ticket.ChannelEmail || nt.Closed || nt.Message.MessageID == "" {
		return false
	}
	if k := nt.Message.Kind; k != "" && k != ticket.KindNormal {
		return false // auto_reply, bounce
	}
	for _, t := range nt.Tags {
		if t == "list" || t == "spam" || t == "bounce" || t == "auto-reply" {
			return false
		}
	}
	addr, err := mail.ParseAddress(nt.Customer.Email)
	if err != nil {
		return false
	}
	local := strings.ToLower(addr.Address[:strings.LastIndexByte(addr.Address, '@')])
	for _, bad := range []string{"noreply", "no-reply", "no_reply", "donotreply", "do-not-reply", "mailer-daemon", "postmaster", "bounce"} {
		if strings.Contains(local, bad) {
			return false
		}
	}
	return !a.ours(addr.Address)
}

// ours reports whether address is one of frontdesk's own (a mailbox's, a
// queue's or smtp.from): answering it would loop.
func (a *Acknowledger) ours(address string) bool {
	check := func(s string) bool {
		if s == "" {
			return false
		}
		ad, err := mail.ParseAddress(s)
		return err == nil && strings.EqualFold(ad.Address, address)
	}
	for _, m := range a.cfg.Mailboxes {
		if check(m.Address) || strings.EqualFold(m.Username, address) {
			return true
		}
	}
	for _, q := range a.cfg.Queues {
		if check(q.Address) {
			return true
		}
	}
	return check(a.cfg.SMTP.From)
}

func (a *Acknowledger) render(q config.Queue, r ticket.Receipt, nt ticket.NewTicket) (string, error) {
	src := q.AckTemplate
	if src == "" {
		src = DefaultAckTemplate
	}
	tmpl, err := template.New("ack").Parse(src)
	if err != nil {
		return "", fmt.Errorf("queues %s ack_template: %w", q.Name, err)
	}
	data := AckData{TicketID: r.TicketID, CustomerName: nt.Customer.Name, Subject: nt.Subject, Queue: nt.Queue}
	if !nt.FirstResponseDue.IsZero() {
		loc := time.UTC
		if cal, ok := a.cfg.Calendar(q.BusinessHours); ok && q.BusinessHours != "" {
			loc = cal.Location()
		}
		data.ExpectedAnswer = nt.FirstResponseDue.In(loc).Format("Monday 2 January 15:04 MST")
	}
	var b bytes.Buffer
	if err := tmpl.Execute(&b, data); err != nil {
		return "", fmt.Errorf("queues %s ack_template: %w", q.Name, err)
	}
	return b.String(), nil
}
