package responders

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"frontdesk/desk"
	"frontdesk/fault"
	"frontdesk/responders/fax"
	"frontdesk/ticket"
)

// clockSkew is how far the fax service's clock may be behind the store's
// when an earlier try is looked up by its creation time.
const clockSkew = 10 * time.Minute

// sendFax faxes a message's PDF to its number: through the Faxes API, or
// through the mail-to-fax gateway as a mail.
//
// Never twice: the service may have created a fax whose answer never came
// (a timeout, a 5xx after it took the request), which is retried like any
// temporary failure. So every try after the first asks the service first
// for faxes from our number to that one since the message was queued; one
// found — whose media link, when the service shows ours, is this file's —
// is taken as this fax, and nothing is sent again. A try that cannot ask
// sends nothing and is retried. A worker that stopped in the middle of
// handing a fax over leaves it unknown, never sent again by itself; if the
// service had it, its status callback settles it.
func (r *Responder) sendFax(ctx context.Context, o *desk.Outgoing) error {
	m := &o.Message
	if r.FaxGateway != "" {
		return r.sendFaxMail(ctx, o)
	}
	if r.Fax == nil {
		return r.desk.Failed(ctx, o, "frontdesk cannot send faxes: fax.outbound is not set up")
	}
	if len(m.To) == 0 || len(m.Attachments) != 1 {
		return r.desk.Failed(ctx, o, "a fax needs one number and one PDF")
	}
	to, from, att := m.To[0], r.Fax.From(), m.Attachments[0].ID
	if o.Attempt > 1 {
		earlier, err := r.earlierFax(ctx, o, to, from, att)
		switch {
		case err != nil && isPermanent(err):
			r.results.WithLabelValues("fax", "failed").Inc()
			return r.desk.Failed(ctx, o, "could not check whether an earlier try went out: "+err.Error())
		case err != nil:
			return r.retry(ctx, o, "fax", "could not check whether an earlier try went out: "+err.Error(), err)
		case earlier != nil:
			r.results.WithLabelValues("fax", "sent").Inc()
			return r.desk.Sent(ctx, o, "accepted by the fax service as "+earlier.SID+" on an earlier try")
		}
	}
	link, err := r.Fax.MediaURL(ctx, o.TicketID, att)
	if err != nil {
		return r.retry(ctx, o, "fax", err.Error(), err)
	}
	return r.hand(ctx, o, "fax", "the fax service", func(sending func() error) (string, error) {
		if err := sending(); err != nil {
			return "", err
		}
		f, err := r.Fax.Create(ctx, fax.Request{To: to, From: from, MediaURL: link, StatusCallback: r.Fax.CallbackURL(o.TicketID, o.MessageID)})
		return "accepted by the fax service as " + f.SID, err
	})
}

// earlierFax is the fax an earlier try of o created, if the service has
// one: from our number to to since o was queued, and, when its media link
// is frontdesk's, for the same file.
func (r *Responder) earlierFax(ctx context.Context, o *desk.Outgoing, to, from, att string) (*fax.Fax, error) {
	since := o.Queued.Add(-clockSkew)
	if o.Queued.IsZero() {
		since = time.Now().Add(-desk.GiveUpAfter)
	}
	list, err := r.Fax.List(ctx, to, from, since)
	if err != nil {
		return nil, err
	}
	for _, f := range list {
		if f.Status == "canceled" {
			continue
		}
		if i := strings.Index(f.MediaURL, "/fax/media/"); i >= 0 && !strings.Contains(f.MediaURL[i:], "/"+o.TicketID+"/"+att+"?") {
			continue // one of ours, for another file
		}
		return &f, nil
	}
	return nil, nil
}

// sendFaxMail sends a fax as a mail to the gateway's address for its
// number, with its PDF attached and its words as the body.
func (r *Responder) sendFaxMail(ctx context.Context, o *desk.Outgoing) error {
	if r.Mail == nil {
		return r.desk.Failed(ctx, o, "frontdesk has no outgoing mail server (smtp.host) for the fax gateway")
	}
	if len(o.Message.To) == 0 {
		return r.desk.Failed(ctx, o, "the fax has no number")
	}
	files, err := r.files(ctx, o)
	if fault.IsUnavailable(err) {
		return r.retry(ctx, o, "fax", err.Error(), err)
	}
	if err != nil {
		return r.desk.Failed(ctx, o, err.Error())
	}
	m := o.Message
	gateway := strings.Replace(r.FaxGateway, "{number}", strings.TrimPrefix(m.To[0], "+"), 1)
	m.To, m.Cc, m.Bcc = []string{gateway}, nil, nil
	raw, from, rcpt, err := r.render(&m, files)
	if err != nil {
		return r.desk.Failed(ctx, o, err.Error())
	}
	return r.hand(ctx, o, "fax", "SMTP "+r.SMTPHost+" for the fax gateway", func(sending func() error) (string, error) {
		return fmt.Sprintf("accepted by %s for the fax gateway (%s)", r.SMTPHost, gateway), r.Mail.SendWith(ctx, from, rcpt, raw, sending)
	})
}

// retry puts o back for a later try after a failure before anything was
// sent, and returns err.
func (r *Responder) retry(ctx context.Context, o *desk.Outgoing, channel, reason string, err error) error {
	r.results.WithLabelValues(channel, "retried").Inc()
	if _, rerr := r.desk.Retry(ctx, o, reason); rerr != nil && !errors.Is(rerr, fault.ErrConflict) {
		return rerr
	}
	return err
}

// isFax reports whether m goes by fax.
func isFax(m *ticket.Message) bool { return m.Channel == ticket.ChannelFax }
