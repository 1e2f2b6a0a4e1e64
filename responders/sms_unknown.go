package responders

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"frontdesk/desk"
	"frontdesk/responders/sms"
	"frontdesk/ticket"
)

// SMSFinder tells whether Twilio has a text (sms.Sender has it): the check
// of a text left unknown.
type SMSFinder interface {
	FindSent(ctx context.Context, from, to, body string, after time.Time) ([]sms.Found, error)
}

// claimFound returns the first of the texts Twilio has that is, or now
// becomes, message mid of ticket id's (Store.ClaimSent): a text another
// message claimed already (an identical acknowledgement, a second "Thanks")
// says nothing of this one. nil when none is left.
func (r *Responder) claimFound(ctx context.Context, id, mid string, list []sms.Found) (*sms.Found, error) {
	for i := range list {
		ok, err := r.desk.Store().ClaimSent(ctx, "twilio", list[i].SID, id, mid)
		if err != nil {
			return nil, err
		}
		if ok {
			return &list[i], nil
		}
	}
	return nil, nil
}

// claimSent claims the SID Twilio gave a text just sent for it, so that no
// lookup for another identical text takes it; a claim that fails is only
// logged, the text having gone.
func (r *Responder) claimSent(ctx context.Context, o *desk.Outgoing, sid string) {
	if sid == "" {
		return
	}
	if _, err := r.desk.Store().ClaimSent(ctx, "twilio", sid, o.TicketID, o.MessageID); err != nil {
		r.logger.Warn("could not record which text Twilio took", slog.String("sid", sid), slog.Any("error", err))
	}
}

// UnknownCheckEvery is how often the texts left unknown are checked with
// Twilio.
const UnknownCheckEvery = time.Minute

// unknownChecked are the texts checked already by this process and not
// found: they stay unknown for a person, and Twilio is not asked again.
type unknownChecked struct {
	mu   sync.Mutex
	done map[string]bool
}

func (u *unknownChecked) seen(key string) bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.done[key]
}

func (u *unknownChecked) mark(key string) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.done == nil {
		u.done = map[string]bool{}
	}
	u.done[key] = true
}

// checkUnknownTexts runs CheckUnknownTexts at once and every
// UnknownCheckEvery until ctx ends, when r.SMS can look texts up.
func (r *Responder) checkUnknownTexts(ctx context.Context) {
	if _, ok := r.SMS.(SMSFinder); !ok {
		return
	}
	for {
		if _, err := r.CheckUnknownTexts(ctx); err != nil && ctx.Err() == nil {
			r.logger.Warn("texts left unknown could not be checked with Twilio", slog.Any("error", err))
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(UnknownCheckEvery):
		}
	}
}

// CheckUnknownTexts asks Twilio about every text on the dead list whose
// send was cut off (unknown): one Twilio has from our number to the
// customer's with the same words, created since the text was written,
// becomes what Twilio says of it (sent, delivered or failed) and leaves the
// list; one Twilio does not have stays unknown for a person to decide, and
// is not asked about again by this process. It returns how many it
// settled. Decided as the fax path does: never send again on a guess.
func (r *Responder) CheckUnknownTexts(ctx context.Context) (int, error) {
	finder, ok := r.SMS.(SMSFinder)
	if !ok {
		return 0, nil
	}
	var unknown []ticket.DeadSend
	for offset := 0; ; offset += 500 {
		page, err := r.desk.DeadSends(ctx, offset, 500)
		if err != nil {
			return 0, err
		}
		for _, s := range page.Sends {
			if s.Delivery == ticket.DeliveryUnknown && !r.unknownChecked.seen(s.TicketID+"-"+s.MessageID) {
				unknown = append(unknown, s)
			}
		}
		if len(page.Sends) < 500 {
			break
		}
	}
	settled := 0
	for _, s := range unknown {
		key := s.TicketID + "-" + s.MessageID
		m, err := r.outboundText(ctx, s)
		if err != nil {
			return settled, err
		}
		if m == nil {
			r.unknownChecked.mark(key)
			continue
		}
		list, err := finder.FindSent(ctx, m.From, m.To[0], m.Text, m.CreatedAt.Add(-clockSkew))
		if err != nil {
			return settled, fmt.Errorf("check text %s of ticket %s with Twilio: %w", s.MessageID, s.TicketID, err)
		}
		found, err := r.claimFound(ctx, s.TicketID, s.MessageID, list)
		if err != nil {
			return settled, fmt.Errorf("check text %s of ticket %s with Twilio: %w", s.MessageID, s.TicketID, err)
		}
		if found == nil {
			r.unknownChecked.mark(key)
			continue
		}
		state, detail := textFound(found)
		if err := r.desk.TextDelivery(ctx, s.TicketID, s.MessageID, state, detail); err != nil {
			return settled, err
		}
		r.unknownChecked.mark(key)
		settled++
	}
	return settled, nil
}

// outboundText returns the outbound text of dead send s, nil when it is not
// a text (or is gone).
func (r *Responder) outboundText(ctx context.Context, s ticket.DeadSend) (*ticket.Message, error) {
	t, err := r.desk.Store().Get(ctx, s.TicketID)
	if err != nil {
		return nil, fmt.Errorf("check text %s of ticket %s: %w", s.MessageID, s.TicketID, err)
	}
	for i := range t.Messages {
		m := &t.Messages[i]
		if m.ID == s.MessageID {
			if m.Direction != ticket.DirectionOut || m.Channel != ticket.ChannelSMS || len(m.To) == 0 || m.From == "" {
				return nil, nil
			}
			return m, nil
		}
	}
	return nil, nil
}

// textFound is the state and words of a text Twilio has on record.
func textFound(f *sms.Found) (ticket.Delivery, string) {
	switch f.Status {
	case "delivered":
		return ticket.DeliveryDelivered, "Twilio has it (" + f.SID + ") and delivered it"
	case "failed", "undelivered":
		return ticket.DeliveryFailed, "Twilio has it (" + f.SID + ") but could not deliver it"
	}
	return ticket.DeliverySent, "accepted by Twilio as " + f.SID + " (checked after the sending was cut off)"
}

// earlierText settles o when an earlier try of it reached Twilio although
// its answer was lost (a timeout, a 5xx after Twilio took it), as the fax
// path does: every try after the first asks Twilio first for the same words
// from our number to the customer's since o was queued. It reports whether
// it settled o; a try that cannot ask sends nothing and is retried.
func (r *Responder) earlierText(ctx context.Context, o *desk.Outgoing) (bool, error) {
	finder, ok := r.SMS.(SMSFinder)
	if !ok || o.Attempt <= 1 {
		return false, nil
	}
	m := &o.Message
	since := o.Queued.Add(-clockSkew)
	if o.Queued.IsZero() {
		since = m.CreatedAt.Add(-clockSkew)
	}
	list, err := finder.FindSent(ctx, m.From, m.To[0], m.Text, since)
	var found *sms.Found
	if err == nil {
		found, err = r.claimFound(ctx, o.TicketID, o.MessageID, list)
	}
	switch {
	case err != nil:
		return true, r.retry(ctx, o, "sms", "could not check whether an earlier try went out: "+err.Error(), err)
	case found == nil:
		return false, nil
	}
	r.results.WithLabelValues("sms", "sent").Inc()
	return true, r.desk.Sent(ctx, o, "accepted by Twilio as "+found.SID+" on an earlier try")
}
