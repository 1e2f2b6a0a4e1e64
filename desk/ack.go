package desk

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/mail"
	"strings"
	"text/template"
	"time"

	"github.com/redis/go-redis/v9"

	"frontdesk/config"
	"frontdesk/fault"
	"frontdesk/routing"
	"frontdesk/ticket"
)

// DefaultAckTemplate is the acknowledgement of a queue without ack_template.
// It repeats nothing the sender wrote: the sender's address may be forged, and
// an acknowledgement that echoed a stranger's subject or name would carry
// their words to whoever owns it.
const DefaultAckTemplate = `Hello,

thank you for your message. We have received it as ticket #{{.TicketID}}
and will answer {{with .ExpectedAnswer}}by {{.}}{{else}}as soon as we can{{end}}.

Please keep [#{{.TicketID}}] in the subject if you write again about it.
`

// AckData is what an acknowledgement template can use.
type AckData struct {
	TicketID, Queue string
	// ExpectedAnswer is the first-response due time in the queue's time zone,
	// or "" when the queue promises none.
	ExpectedAnswer string
	// CustomerName and Subject are always empty: an acknowledgement goes to
	// an address nobody has proven is the sender's, so it never repeats what
	// the sender wrote. They are kept so that older templates still run.
	CustomerName, Subject string
}

// ackBrake admits an acknowledgement of ticket ARGV[1]: at most ARGV[2] per
// address and ARGV[3] per domain within an hour; the same ticket again (a
// retry) is admitted. KEYS[1] is the address's set of tickets, KEYS[2] the
// domain's; both carry the domain's hash tag, one slot on a cluster.
var ackBrake = redis.NewScript(`
if redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 1 then return 1 end
if redis.call('SCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
if redis.call('SCARD', KEYS[2]) >= tonumber(ARGV[3]) then return -1 end
for _, k in ipairs(KEYS) do
  redis.call('SADD', k, ARGV[1])
  if redis.call('TTL', k) < 0 then redis.call('EXPIRE', k, 3600) end
end
return 1
`)

// acknowledge queues the acknowledgement of a ticket just stored from nt, if
// one is due: the queue's auto_ack or a rule's says so, nt is a person's own
// mail that may be answered automatically (eligible), and the brake admits
// it. Its source key is the ticket's, so a retry stores nothing new.
func (d *Desk) acknowledge(ctx context.Context, r ticket.Receipt, nt ticket.NewTicket, dec routing.Decision) error {
	q, _ := d.cfg.Queue(nt.Queue)
	on := q.AutoAck
	if dec.AutoAck != nil {
		on = *dec.AutoAck
	}
	if !on || d.rdb == nil || d.cfg.SMTP.Host == "" || !d.eligible(nt) {
		return nil
	}
	admitted, err := d.admitAck(ctx, r.TicketID, nt.Customer.Email)
	if err != nil || !admitted {
		return err
	}
	text := d.ackText(q, dec.AckTemplate, r.TicketID, nt.FirstResponseDue)
	nm, err := d.outboundMail(ctx, mailHead{TicketID: r.TicketID, Queue: nt.Queue, Mailbox: nt.Mailbox,
		Answering: nt.Message.MessageID, References: nt.Message.References})
	if err != nil {
		return err
	}
	nm.SourceKey = "ack:" + r.TicketID
	nm.Kind = ticket.KindAutoReply
	nm.Subject = "We have received your message [#" + r.TicketID + "]"
	nm.To = []string{nt.Customer.Email}
	nm.Text = text
	nm.Meta = map[string]string{"ack": "1"}
	nm.By = "frontdesk"
	if _, err := d.store.AppendMessage(ctx, r.TicketID, nm); err != nil {
		return err
	}
	d.notifyQueued()
	return nil
}

// ackKeys are the acknowledgement brake's keys for address: the set of its
// mailbox and that of its domain (in one hash slot, named by hashes), and the
// domain.
func (d *Desk) ackKeys(address string) (addrKey, domainKey, domain string) {
	addr, domain := brakeKey(address)
	prefix := d.cfg.Redis.Prefix + ":ack:{" + hashOf(domain) + "}:"
	return prefix + "addr:" + hashOf(addr), prefix + "domain", domain
}

// admitAck asks the brake whether ticket id may be acknowledged to address.
func (d *Desk) admitAck(ctx context.Context, id, address string) (bool, error) {
	addrKey, domainKey, domain := d.ackKeys(address)
	n, err := ackBrake.Run(ctx, d.rdb, []string{addrKey, domainKey},
		id, d.cfg.Acknowledgements.PerAddress, d.cfg.Acknowledgements.PerDomain).Int()
	if err != nil {
		return false, fault.Redis("acknowledgement brake", err)
	}
	switch n {
	case 1:
		d.acks.WithLabelValues("queued").Inc()
		return true, nil
	case 0:
		d.acks.WithLabelValues("held_per_address").Inc()
	default:
		d.acks.WithLabelValues("held_per_domain").Inc()
		d.logger.Warn("acknowledgements to one domain held back this hour", slog.String("domain", domain),
			slog.Int("limit", d.cfg.Acknowledgements.PerDomain))
	}
	return false, nil
}

// brakeKey folds an address to the mailbox it reaches, for counting: lower
// case, without a +tag (sub-addressing, RFC 5233, which Gmail, Outlook,
// Fastmail and most others deliver to the same mailbox), and at Gmail without
// the dots Gmail ignores. It returns the folded address and its domain.
func brakeKey(address string) (string, string) {
	address = strings.ToLower(strings.TrimSpace(address))
	at := strings.LastIndexByte(address, '@')
	if at < 0 {
		return address, ""
	}
	local, domain := address[:at], address[at+1:]
	if i := strings.IndexByte(local, '+'); i > 0 {
		local = local[:i]
	}
	if domain == "gmail.com" || domain == "googlemail.com" {
		local = strings.ReplaceAll(local, ".", "")
		domain = "gmail.com"
	}
	return local + "@" + domain, domain
}

func hashOf(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:8])
}

// eligible reports whether nt is a person's own mail that an automatic
// answer may go to (RFC 3834 §2: never answer automatic mail).
func (d *Desk) eligible(nt ticket.NewTicket) bool {
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
	return !d.ours(addr.Address)
}

// ackText renders the acknowledgement: the rule's template when the rule
// gave one, else the queue's, else DefaultAckTemplate. A template that fails
// (validated when rules and config are loaded, so this is a bug) falls back
// to the default: a customer gets an acknowledgement either way.
func (d *Desk) ackText(q config.Queue, ruleTemplate, id string, due time.Time) string {
	data := AckData{TicketID: id, Queue: q.Name}
	if !due.IsZero() {
		loc := time.UTC
		if cal, ok := d.cfg.Calendar(q.BusinessHours); ok && q.BusinessHours != "" {
			loc = cal.Location()
		}
		data.ExpectedAnswer = due.In(loc).Format("Monday 2 January 15:04 MST")
	}
	for _, src := range []string{ruleTemplate, q.AckTemplate, DefaultAckTemplate} {
		if src == "" {
			continue
		}
		text, err := render(src, data)
		if err == nil {
			return text
		}
		d.logger.Error("acknowledgement template failed; trying the next", slog.String("queue", q.Name), slog.Any("error", err))
	}
	return ""
}

func render(src string, data AckData) (string, error) {
	tmpl, err := template.New("ack").Parse(src)
	if err != nil {
		return "", fmt.Errorf("parse acknowledgement template: %w", err)
	}
	var b bytes.Buffer
	if err := tmpl.Execute(&b, data); err != nil {
		return "", fmt.Errorf("render acknowledgement template: %w", err)
	}
	return b.String(), nil
}
