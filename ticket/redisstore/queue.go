package redisstore

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"frontdesk/fault"
	"frontdesk/internal/terms"
	"frontdesk/ticket"
)

// ClaimNext gives the next waiting ticket of the queues — the most urgent
// head of any of them: priority, then age — to an assistant under a lease, in
// one script. Leases that ran out anywhere are returned to their queues first.
func (s *Store) ClaimNext(ctx context.Context, queues []string, assistant string, lease time.Duration) (*ticket.Ticket, error) {
	if len(queues) == 0 || assistant == "" || lease <= 0 {
		return nil, fmt.Errorf("claim next: queues, assistant and a positive lease are required: %w", fault.ErrInvalid)
	}
	keys := make([]string, 0, len(queues))
	for _, q := range queues {
		if q == "" {
			return nil, fmt.Errorf("claim next: empty queue name: %w", fault.ErrInvalid)
		}
		keys = append(keys, s.key("queue", q))
	}
	what := "claim next in queue " + strings.Join(queues, ", ")
	now := s.now()
	v, err := s.scripts.claim.Run(ctx, s.rdb, keys, s.base, assistant, ms(now), rfc(now), ms(now.Add(lease))).Slice()
	if errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("%s: nobody is waiting: %w", what, fault.ErrNotFound)
	}
	if err != nil {
		return nil, wrap(what, err)
	}
	t, err := decodeFullTicket(v)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return t, nil
}

// RenewLease extends the lease of a ticket that assistant holds.
func (s *Store) RenewLease(ctx context.Context, id, assistant string, lease time.Duration) error {
	if lease <= 0 {
		return fmt.Errorf("renew lease: lease must be positive: %w", fault.ErrInvalid)
	}
	return s.change(ctx, id, "renew", assistant, ms(s.now().Add(lease)))
}

// Release puts a ticket back in its queue, unassigned.
func (s *Store) Release(ctx context.Context, id, by string) error {
	return s.change(ctx, id, "release", by, "")
}

// Assign gives a ticket to assignee for good, with no lease.
func (s *Store) Assign(ctx context.Context, id, assignee, by string) error {
	if assignee == "" {
		return fmt.Errorf("assign ticket %s: assignee is required: %w", id, fault.ErrInvalid)
	}
	return s.change(ctx, id, "assign", by, assignee)
}

// SetStatus changes a ticket's status. Setting it to new puts it back in its
// queue unassigned; closing it ends any lease and its SLA clock.
func (s *Store) SetStatus(ctx context.Context, id string, status ticket.Status, by string) error {
	switch status {
	case ticket.StatusNew, ticket.StatusOpen, ticket.StatusPending, ticket.StatusClosed:
	default:
		return fmt.Errorf("set status of ticket %s: status %q must be new, open, pending or closed: %w", id, status, fault.ErrInvalid)
	}
	return s.change(ctx, id, "status", by, string(status))
}

func (s *Store) change(ctx context.Context, id, action, by, arg string) error {
	if err := validID(id); err != nil {
		return err
	}
	now := s.now()
	err := s.scripts.change.Run(ctx, s.rdb, []string{s.ticketKey(id)},
		s.base, id, action, by, ms(now), rfc(now), arg).Err()
	return wrap(action+" ticket "+id, err)
}

// ExpireLeases returns every ticket whose lease ran out to its queue, in rounds
// of a bounded size so that no script blocks Redis for long.
func (s *Store) ExpireLeases(ctx context.Context) (int, error) {
	total := 0
	for {
		now := s.now()
		n, err := s.scripts.expire.Run(ctx, s.rdb, []string{s.key("leases")}, s.base, ms(now), rfc(now), 200).Int()
		if err != nil {
			return total, wrap("expire leases", err)
		}
		total += n
		if n < 200 {
			return total, nil
		}
	}
}

// QueueStats reports a queue's waiting and open counts, how long its oldest
// waiting ticket has waited, and how many first responses are overdue.
func (s *Store) QueueStats(ctx context.Context, queue string) (ticket.QueueStats, error) {
	now := s.now()
	v, err := s.scripts.stats.Run(ctx, s.rdb, []string{s.key("queue", queue)}, s.base, ms(now)).Slice()
	if err != nil {
		return ticket.QueueStats{}, wrap("stats of queue "+queue, err)
	}
	f := strs(v)
	if len(f) != 4 {
		return ticket.QueueStats{}, fmt.Errorf("stats of queue %s: unexpected reply %v", queue, v)
	}
	st := ticket.QueueStats{Name: queue}
	st.Waiting, _ = strconv.Atoi(f[0])
	st.Open, _ = strconv.Atoi(f[1])
	st.SLABreached, _ = strconv.Atoi(f[3])
	if oldest, _ := strconv.ParseInt(f[2], 10, 64); oldest > 0 {
		st.OldestWaitingSeconds = now.Sub(time.UnixMilli(oldest)).Seconds()
	}
	return st, nil
}

// Waiting returns the first limit (1-200) tickets waiting in a queue, in the
// order claims take them: highest priority first, then oldest. They come
// without messages and events, like List's.
func (s *Store) Waiting(ctx context.Context, queue string, limit int) ([]ticket.Ticket, error) {
	if limit < 1 || limit > 200 {
		return nil, fmt.Errorf("waiting tickets of queue %s: limit %d must be 1-200: %w", queue, limit, fault.ErrInvalid)
	}
	v, err := s.scripts.waiting.Run(ctx, s.rdb, []string{s.key("queue", queue)}, s.base, limit, "").Slice()
	if err != nil {
		return nil, wrap("waiting tickets of queue "+queue, err)
	}
	out := make([]ticket.Ticket, 0, len(v)/2)
	for i := 0; i+1 < len(v); i += 2 {
		out = append(out, *decodeTicket(v[i], v[i+1]))
	}
	return out, nil
}

// WaitingChannels counts the first limit (1-1000) tickets waiting in a queue,
// in claim order, by channel. It reads one field per ticket, so a board can
// count hundreds without fetching them.
func (s *Store) WaitingChannels(ctx context.Context, queue string, limit int) (map[ticket.Channel]int, error) {
	if limit < 1 || limit > 1000 {
		return nil, fmt.Errorf("count waiting tickets of queue %s by channel: limit %d must be 1-1000: %w", queue, limit, fault.ErrInvalid)
	}
	v, err := s.scripts.channels.Run(ctx, s.rdb, []string{s.key("queue", queue)}, s.base, limit).Slice()
	if err != nil {
		return nil, wrap("count waiting tickets of queue "+queue+" by channel", err)
	}
	counts := make(map[ticket.Channel]int, len(v)/2)
	for i := 0; i+1 < len(v); i += 2 {
		ch, _ := v[i].(string)
		n, _ := v[i+1].(int64)
		counts[ticket.Channel(ch)] = int(n)
	}
	return counts, nil
}

// AddEvent appends an event to a ticket's timeline; a zero At means now.
func (s *Store) AddEvent(ctx context.Context, id string, e ticket.Event) error {
	if err := validID(id); err != nil {
		return err
	}
	if e.Type == "" {
		return fmt.Errorf("add event to ticket %s: type is required: %w", id, fault.ErrInvalid)
	}
	now := s.now()
	at := e.At
	if at.IsZero() {
		at = now
	}
	err := s.scripts.event.Run(ctx, s.rdb, []string{s.ticketKey(id)},
		s.base, id, ms(now), rfc(at), e.Type, e.By, e.Detail).Err()
	return wrap("add event to ticket "+id, err)
}

// SetDelivery records what the world says of an outbound message: failed
// (a bounce), delivered (a delivery report), sent, or queued to send it again.
func (s *Store) SetDelivery(ctx context.Context, ticketID, messageID string, d ticket.Delivery, detail, by string) error {
	if err := validID(ticketID); err != nil {
		return err
	}
	switch d {
	case ticket.DeliveryQueued, ticket.DeliverySent, ticket.DeliveryDelivered, ticket.DeliveryFailed:
	default:
		return fmt.Errorf("set delivery of %s on ticket %s: state %q: %w", messageID, ticketID, d, fault.ErrInvalid)
	}
	err := s.scripts.delivery.Run(ctx, s.rdb, []string{s.ticketKey(ticketID)},
		s.base, ticketID, messageID, string(d), detail, by).Err()
	return wrap(fmt.Sprintf("set delivery of %s on ticket %s", messageID, ticketID), err)
}

// TakeOutbound gives the outbound message due first to a delivery worker
// under a lease, by Redis's clock.
func (s *Store) TakeOutbound(ctx context.Context, lease time.Duration) (ticket.Outbound, error) {
	if lease < time.Millisecond {
		return ticket.Outbound{}, fmt.Errorf("take outbound message: lease must be positive: %w", fault.ErrInvalid)
	}
	hold := rand.Text()
	v, err := s.scripts.outboxTake.Run(ctx, s.rdb, []string{s.key("outbox")}, s.base, lease.Milliseconds(), hold).StringSlice()
	// "again": the script cleared its budget of dead entries before finding
	// one due; each call clears more, so this ends.
	for err == nil && len(v) == 1 && v[0] == "again" {
		v, err = s.scripts.outboxTake.Run(ctx, s.rdb, []string{s.key("outbox")}, s.base, lease.Milliseconds(), hold).StringSlice()
	}
	if errors.Is(err, redis.Nil) {
		return ticket.Outbound{}, fmt.Errorf("take outbound message: none due: %w", fault.ErrNotFound)
	}
	if err != nil {
		return ticket.Outbound{}, wrap("take outbound message", err)
	}
	if len(v) != 5 {
		return ticket.Outbound{}, fmt.Errorf("take outbound message: unexpected reply %q", v)
	}
	attempt, _ := strconv.Atoi(v[2])
	return ticket.Outbound{TicketID: v[0], MessageID: v[1], Attempt: attempt, Queued: parseMS(v[3]), Hold: v[4]}, nil
}

// RenewOutbound extends the lease of an outbound message the worker holds.
func (s *Store) RenewOutbound(ctx context.Context, o ticket.Outbound, lease time.Duration) error {
	if err := validID(o.TicketID); err != nil {
		return err
	}
	if lease < time.Millisecond {
		return fmt.Errorf("renew the lease on %s of ticket %s: lease must be positive: %w", o.MessageID, o.TicketID, fault.ErrInvalid)
	}
	err := s.scripts.outboxRenew.Run(ctx, s.rdb, []string{s.ticketKey(o.TicketID)},
		s.base, o.TicketID, o.MessageID, o.Hold, lease.Milliseconds()).Err()
	return wrap(fmt.Sprintf("renew the lease on %s of ticket %s", o.MessageID, o.TicketID), err)
}

// SettleOutbound moves a taken outbound message on (see ticket.Store).
func (s *Store) SettleOutbound(ctx context.Context, o ticket.Outbound, st ticket.Settlement) error {
	if err := validID(o.TicketID); err != nil {
		return err
	}
	switch st.Delivery {
	case ticket.DeliverySending, ticket.DeliverySent, ticket.DeliveryFailed, ticket.DeliveryUnknown, ticket.DeliveryQueued:
	default:
		return fmt.Errorf("settle %s of ticket %s: state %q: %w", o.MessageID, o.TicketID, st.Delivery, fault.ErrInvalid)
	}
	err := s.scripts.outboxSettle.Run(ctx, s.rdb, []string{s.ticketKey(o.TicketID)},
		s.base, o.TicketID, o.MessageID, o.Hold, string(st.Delivery), st.Detail, max(st.RetryIn, 0).Milliseconds(), st.By).Err()
	return wrap(fmt.Sprintf("record %s of %s on ticket %s", st.Delivery, o.MessageID, o.TicketID), err)
}

// Secret returns the deployment's signing key, making it on first use. Every
// instance gets the same key: the first to ask writes it, SET NX.
func (s *Store) Secret(ctx context.Context) ([]byte, error) {
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("make signing key: %w", err)
	}
	if err := s.rdb.SetNX(ctx, s.key("secret"), key, 0).Err(); err != nil {
		return nil, wrap("store signing key", err)
	}
	got, err := s.rdb.Get(ctx, s.key("secret")).Bytes()
	if err != nil {
		return nil, wrap("read signing key", err)
	}
	return got, nil
}

// SetTranscript puts a voicemail's transcript on its message.
func (s *Store) SetTranscript(ctx context.Context, ticketID, messageID, text, by string) error {
	if err := validID(ticketID); err != nil {
		return err
	}
	now := s.now()
	err := s.scripts.transcript.Run(ctx, s.rdb, []string{s.ticketKey(ticketID)},
		s.base, ticketID, messageID, text, ms(now), rfc(now), by, termsJSON(terms.Of(text))).Err()
	return wrap(fmt.Sprintf("set transcript of %s on ticket %s", messageID, ticketID), err)
}

// OpenCount is how many tickets assignee has that are open or pending.
func (s *Store) OpenCount(ctx context.Context, assignee string) (int, error) {
	n, err := s.rdb.SCard(ctx, s.key("assignee", assignee, "open")).Result()
	if err != nil {
		return 0, wrap("count open tickets of "+assignee, err)
	}
	return int(n), nil
}

// MarkBreaches marks overdue first responses in the given queues, in rounds of
// at most 200 per queue.
func (s *Store) MarkBreaches(ctx context.Context, queues []string) ([]string, error) {
	if len(queues) == 0 {
		return nil, nil
	}
	var all []string
	for {
		now := s.now()
		args := []any{s.base, ms(now), rfc(now), 200}
		for _, q := range queues {
			args = append(args, q)
		}
		ids, err := s.scripts.breach.Run(ctx, s.rdb, []string{s.key("tickets")}, args...).StringSlice()
		if err != nil {
			return all, wrap("mark first-response breaches", err)
		}
		all = append(all, ids...)
		if len(ids) < 200 {
			return all, nil
		}
	}
}

// Reroute moves a ticket to another queue and priority with a new tag list,
// recorded as an event of the move's type.
func (s *Store) Reroute(ctx context.Context, id string, m ticket.Move) error {
	if err := validID(id); err != nil {
		return err
	}
	if m.Queue == "" {
		return fmt.Errorf("move ticket %s: queue is required: %w", id, fault.ErrInvalid)
	}
	if m.Priority == "" {
		m.Priority = ticket.PriorityNormal
	}
	if m.Event == "" {
		m.Event = "routed"
	}
	tj, _ := json.Marshal(nonNil(m.Tags))
	now := s.now()
	err := s.scripts.reroute.Run(ctx, s.rdb, []string{s.ticketKey(id)},
		s.base, id, m.Queue, string(m.Priority), string(tj), ms(now), rfc(now), m.By, m.Detail, m.Event).Err()
	return wrap("move ticket "+id, err)
}
