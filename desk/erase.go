package desk

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"frontdesk/fault"
	"frontdesk/internal/promreg"
	"frontdesk/ticket"
)

// eraser is what erasure needs of the store beyond ticket.Store
// (redisstore.Store has it).
type eraser interface {
	EraseTicket(ctx context.Context, id string, e ticket.Erasure) (bool, error)
	DrainErased(ctx context.Context) error
	MentionUsers(ctx context.Context) ([]string, error)
	CustomerTicketIDs(ctx context.Context, cid string) ([]string, error)
	ForgetCustomer(ctx context.Context, cid string, also ...ticket.Identity) (emails, phones []string, err error)
	EraseClosedBefore(ctx context.Context, before time.Time, limit int, users []string) (int, bool, error)
	SweepErasedEntries(ctx context.Context, count int) (int, bool, error)
	TakeRetentionLease(ctx context.Context, instance string, ttl time.Duration) (bool, error)
}

// ErasedDetail is the detail of the erased event a customer's erasure leaves
// on each of their tickets: what happened, nothing about whom.
const ErasedDetail = "the customer's messages, attachments and details were erased at their request (right to erasure)"

// Forgotten is what ForgetCustomer erased.
type Forgotten struct {
	// CustomerID is the erased customer's former id.
	CustomerID string
	// Tickets are the ids of the tickets whose content was erased; each is
	// left as a closed shell with an erased event.
	Tickets []string
	// Emails and Phones are how many addresses and numbers the customer had.
	Emails, Phones int
}

func (d *Desk) eraser() (eraser, error) {
	e, ok := d.store.(eraser)
	if !ok {
		return nil, fmt.Errorf("this ticket store cannot erase tickets: %w", fault.ErrInvalid)
	}
	return e, nil
}

// erasedCounter counts erased tickets, by why (retention, forget).
func erasedCounter(reg prometheus.Registerer) *prometheus.CounterVec {
	return promreg.Register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "frontdesk_tickets_erased_total",
		Help: "Tickets erased: reason retention (closed and older than tickets.retention; nothing left) or forget (a customer's right to erasure; a shell left).",
	}, []string{"reason"}))
}

// ForgetCustomer erases the customer known by who (an email address, or a
// phone number in any common form) everywhere, for their right to erasure
// (GDPR art. 17): the content of all their tickets (messages, attachments,
// original mails, transcripts, recordings, the subject, the timeline's
// details), each left as a closed shell with an erased event by by; their
// record, history, addresses and numbers with their index entries; the
// acknowledgement brake's entries for their addresses. Mail that answers one
// of the erased messages makes a new ticket. fault.ErrNotFound when nobody is
// known by who (which is also the case once forgotten). It is idempotent
// and can be run again after a crash: it goes on where it stopped.
func (d *Desk) ForgetCustomer(ctx context.Context, who, by string) (Forgotten, error) {
	id, err := d.ParseIdentity(who)
	if err != nil {
		return Forgotten{}, err
	}
	c, err := d.store.FindCustomer(ctx, id.Value)
	if err != nil {
		return Forgotten{}, fmt.Errorf("find the customer to forget: %w", err)
	}
	return d.forget(ctx, c.ID, by, id)
}

// ForgetCustomerByID is ForgetCustomer for the customer with id cid.
func (d *Desk) ForgetCustomerByID(ctx context.Context, cid, by string) (Forgotten, error) {
	if _, err := d.store.Customer(ctx, cid); err != nil {
		return Forgotten{}, fmt.Errorf("find the customer to forget: %w", err)
	}
	return d.forget(ctx, cid, by)
}

func (d *Desk) forget(ctx context.Context, cid, by string, also ...ticket.Identity) (Forgotten, error) {
	if by == "" {
		return Forgotten{}, fmt.Errorf("%w: who erases the customer is required", fault.ErrInvalid)
	}
	e, err := d.eraser()
	if err != nil {
		return Forgotten{}, err
	}
	ids, err := e.CustomerTicketIDs(ctx, cid)
	if err != nil {
		return Forgotten{}, err
	}
	users, err := e.MentionUsers(ctx)
	if err != nil {
		return Forgotten{}, err
	}
	f := Forgotten{CustomerID: cid}
	for _, id := range ids {
		ok, err := e.EraseTicket(ctx, id, ticket.Erasure{Mode: ticket.EraseRedact, By: by, Detail: ErasedDetail, Users: users})
		if err != nil {
			return f, fmt.Errorf("erase ticket %s of customer %s: %w", id, cid, err)
		}
		f.Tickets = append(f.Tickets, id)
		if ok {
			d.erased.WithLabelValues("forget").Inc()
		}
	}
	emails, phones, err := e.ForgetCustomer(ctx, cid, also...)
	if err != nil {
		return f, err
	}
	f.Emails, f.Phones = len(emails), len(phones)
	if err := d.forgetAcks(ctx, emails); err != nil {
		return f, err
	}
	d.logger.Info("customer erased", slog.String("customer", cid), slog.Int("tickets", len(f.Tickets)), slog.String("by", by))
	return f, nil
}

// forgetAcks deletes the acknowledgement brake's sets of the addresses
// (their names hold a hash of the address; their members, ticket numbers).
func (d *Desk) forgetAcks(ctx context.Context, emails []string) error {
	if d.rdb == nil {
		return nil
	}
	for _, a := range emails {
		key, _, _ := d.ackKeys(a)
		if err := d.rdb.Del(ctx, key).Err(); err != nil {
			return fault.Redis("erase the acknowledgement brake's entry of a forgotten address", err)
		}
	}
	return nil
}

// Retention sweep bounds: a round looks at up to retentionBatches batches
// of retentionBatchSize tickets, and at up to indexSteps steps of the
// index sweep of indexStep entries each.
const (
	retentionBatchSize = 100
	retentionBatches   = 200
	indexStep          = 1000
	indexSteps         = 100
)

// SweepRetention runs one round of tickets.retention for instance: when the
// round's lease (every, across all instances) is its own, it erases closed
// tickets last changed longer than the retention ago, in bounded batches,
// then drops index entries left naming erased tickets. It returns how many
// tickets it erased. A round cut short (a crash, the batch limit) is
// continued by the next: every step is idempotent.
func (d *Desk) SweepRetention(ctx context.Context, instance string, every time.Duration) (int, error) {
	keep := d.cfg.Tickets.Retention.Duration()
	if keep <= 0 {
		return 0, nil
	}
	e, err := d.eraser()
	if err != nil {
		return 0, err
	}
	ok, err := e.TakeRetentionLease(ctx, instance, every*9/10)
	if err != nil || !ok {
		return 0, err
	}
	if err := e.DrainErased(ctx); err != nil {
		return 0, err
	}
	users, err := e.MentionUsers(ctx)
	if err != nil {
		return 0, err
	}
	before := d.now().Add(-keep)
	total := 0
	for range retentionBatches {
		n, done, err := e.EraseClosedBefore(ctx, before, retentionBatchSize, users)
		total += n
		d.erased.WithLabelValues("retention").Add(float64(n))
		if err != nil {
			return total, fmt.Errorf("retention sweep: %w", err)
		}
		if done || ctx.Err() != nil {
			break
		}
	}
	for range indexSteps {
		_, done, err := e.SweepErasedEntries(ctx, indexStep)
		if err != nil {
			return total, fmt.Errorf("retention sweep of the indexes: %w", err)
		}
		if done || ctx.Err() != nil {
			break
		}
	}
	if total > 0 {
		d.logger.Info("closed tickets past tickets.retention erased", slog.Int("tickets", total),
			slog.String("before", before.UTC().Format(time.RFC3339)))
	}
	return total, nil
}
