package redisstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"frontdesk/fault"
	"frontdesk/ticket"
)

// Get returns a ticket with its messages, events and customer, read in one
// script so that it is a consistent snapshot.
func (s *Store) Get(ctx context.Context, id string) (*ticket.Ticket, error) {
	if err := validID(id); err != nil {
		return nil, err
	}
	v, err := s.scripts.get.Run(ctx, s.rdb, []string{s.ticketKey(id)}, s.base).Slice()
	if errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("get ticket %s: %w", id, fault.ErrNotFound)
	}
	if err != nil {
		return nil, wrap("get ticket "+id, err)
	}
	t, err := decodeFullTicket(v)
	if err != nil {
		return nil, err
	}
	if err := s.withInvitations(ctx, t); err != nil {
		return nil, err
	}
	return t, nil
}

// decodeFullTicket decodes the reply of the prelude's read_ticket.
func decodeFullTicket(v []any) (*ticket.Ticket, error) {
	if len(v) != 7 {
		return nil, fmt.Errorf("decode ticket: unexpected reply of %d parts", len(v))
	}
	t := decodeTicket(v[0], v[3])
	if err := decodeArray(v[1], &t.Messages); err != nil {
		return nil, fmt.Errorf("decode ticket %s: messages: %w", t.ID, err)
	}
	if err := decodeArray(v[2], &t.Events); err != nil {
		return nil, fmt.Errorf("decode ticket %s: events: %w", t.ID, err)
	}
	contactOf(t)
	eachPair(v[4], func(mid, raw string) {
		var d struct {
			Delivery ticket.Delivery `json:"delivery"`
			Detail   string          `json:"detail"`
		}
		if m := messageOf(t, mid); m != nil && json.Unmarshal([]byte(raw), &d) == nil {
			m.Delivery, m.DeliveryDetail = d.Delivery, d.Detail
		}
	})
	eachPair(v[5], func(mid, text string) {
		if m := messageOf(t, mid); m != nil {
			m.Transcript = text
			if m.Text == "" {
				m.Text = text
			}
		}
	})
	for _, late := range strs(v[6]) {
		mid, raw, _ := strings.Cut(late, " ")
		var a ticket.Attachment
		if m := messageOf(t, mid); m != nil && json.Unmarshal([]byte(raw), &a) == nil {
			m.Attachments = append(m.Attachments, a)
		}
	}
	// A ticket that others were merged into holds their messages after its
	// own: shown in the order they were written.
	merged := false
	eachPair(v[0], func(k, _ string) { merged = merged || k == "merged" })
	if merged {
		slices.SortStableFunc(t.Messages, func(a, b ticket.Message) int { return a.CreatedAt.Compare(b.CreatedAt) })
	}
	return t, nil
}

// decodeArray decodes a JSON array a script joined from a list into dst,
// leaving dst an empty, not nil, slice when the list was empty.
func decodeArray[T any](v any, dst *[]T) error {
	raw, _ := v.(string)
	if err := json.Unmarshal([]byte(raw), dst); err != nil {
		return err
	}
	if *dst == nil {
		*dst = []T{}
	}
	return nil
}

// messageOf returns the message with id mid ("m2") of t, or nil.
func messageOf(t *ticket.Ticket, mid string) *ticket.Message {
	n, err := strconv.Atoi(strings.TrimPrefix(mid, "m"))
	if err != nil || n < 1 || n > len(t.Messages) || !strings.HasPrefix(mid, "m") {
		return nil
	}
	return &t.Messages[n-1]
}

// listScanBudget bounds how many tickets one List call examines, so that a
// selective filter over a large store answers quickly with a partial page and a
// cursor to go on from.
const listScanBudget = 2000

// List returns tickets newest first. A page may hold fewer than Limit tickets
// when the filter is selective; NextCursor is empty only on the last page.
func (s *Store) List(ctx context.Context, f ticket.ListFilter) (ticket.Page, error) {
	limit := f.Limit
	if limit == 0 {
		limit = 50
	}
	if limit < 0 || limit > 200 {
		return ticket.Page{}, fmt.Errorf("list tickets: limit %d must be 1-200: %w", f.Limit, fault.ErrInvalid)
	}
	if f.Cursor != "" {
		if err := validID(f.Cursor); err != nil {
			return ticket.Page{}, fmt.Errorf("list tickets: cursor: %w", err)
		}
	}
	v, err := s.scripts.list.Run(ctx, s.rdb, []string{s.key("tickets")}, s.base, f.Cursor,
		limit, listScanBudget, f.Queue, string(f.Status), string(f.Channel), f.Assignee).Slice()
	if err != nil {
		return ticket.Page{}, wrap("list tickets", err)
	}
	page := ticket.Page{Tickets: []ticket.Ticket{}}
	if len(v) > 0 {
		page.NextCursor, _ = v[0].(string)
	}
	for i := 1; i+1 < len(v); i += 2 {
		page.Tickets = append(page.Tickets, *decodeTicket(v[i], v[i+1]))
	}
	return page, nil
}

// FindSource returns the receipt of a stored source key.
func (s *Store) FindSource(ctx context.Context, sourceKey string) (ticket.Receipt, error) {
	ref, err := s.rdb.HGet(ctx, s.key("sources"), sourceKey).Result()
	if errors.Is(err, redis.Nil) {
		return ticket.Receipt{}, fmt.Errorf("find source %s: %w", sourceKey, fault.ErrNotFound)
	}
	if err != nil {
		return ticket.Receipt{}, wrap("find source "+sourceKey, err)
	}
	tid, mid, _ := strings.Cut(ref, " ")
	return ticket.Receipt{TicketID: tid, MessageID: mid}, nil
}

// FindByMessageID returns the ticket holding one of the Message-IDs.
func (s *Store) FindByMessageID(ctx context.Context, messageIDs ...string) (string, error) {
	id, _, err := s.FindMessage(ctx, messageIDs...)
	return id, err
}

// FindMessage returns the ticket and message holding one of the Message-IDs,
// trying them in order.
func (s *Store) FindMessage(ctx context.Context, messageIDs ...string) (string, string, error) {
	ids := make([]string, 0, len(messageIDs))
	for _, m := range messageIDs {
		if m = normalizeMessageID(m); m != "" {
			ids = append(ids, m)
		}
	}
	if len(ids) == 0 {
		return "", "", fmt.Errorf("find ticket by message id: %w", fault.ErrNotFound)
	}
	v, err := s.rdb.HMGet(ctx, s.key("msgid"), ids...).Result()
	if err != nil {
		return "", "", wrap("find ticket by message id", err)
	}
	for _, x := range v {
		if ref, ok := x.(string); ok && ref != "" {
			tid, mid, _ := strings.Cut(ref, " ")
			return tid, mid, nil
		}
	}
	return "", "", fmt.Errorf("find ticket by message id %s: %w", strings.Join(ids, " "), fault.ErrNotFound)
}

// KnownMessageIDs reports for each Message-ID whether the threading index
// holds it. An empty id is never known.
func (s *Store) KnownMessageIDs(ctx context.Context, messageIDs ...string) ([]bool, error) {
	known := make([]bool, len(messageIDs))
	var ids []string
	var at []int
	for i, m := range messageIDs {
		if m = normalizeMessageID(m); m != "" {
			ids, at = append(ids, m), append(at, i)
		}
	}
	if len(ids) == 0 {
		return known, nil
	}
	v, err := s.rdb.HMGet(ctx, s.key("msgid"), ids...).Result()
	if err != nil {
		return nil, wrap("look up message ids", err)
	}
	for j, x := range v {
		ref, ok := x.(string)
		known[at[j]] = ok && ref != ""
	}
	return known, nil
}

// Attachment returns an attachment's metadata and bytes. An attachment must
// belong to the ticket named, so ids cannot be used across tickets.
func (s *Store) Attachment(ctx context.Context, ticketID, attachmentID string) (ticket.Attachment, []byte, error) {
	if err := validID(ticketID); err != nil {
		return ticket.Attachment{}, nil, err
	}
	what := fmt.Sprintf("attachment %s of ticket %s", attachmentID, ticketID)
	raw, err := s.rdb.HGet(ctx, s.ticketKey(ticketID)+":attachments", attachmentID).Result()
	if errors.Is(err, redis.Nil) {
		return ticket.Attachment{}, nil, fmt.Errorf("%s: %w", what, fault.ErrNotFound)
	}
	if err != nil {
		return ticket.Attachment{}, nil, wrap(what, err)
	}
	var a ticket.Attachment
	if err := json.Unmarshal([]byte(raw), &a); err != nil {
		return ticket.Attachment{}, nil, fmt.Errorf("%s: decode: %w", what, err)
	}
	if a.Omitted {
		return a, nil, fmt.Errorf("%s: not kept, larger than the size cap: %w", what, fault.ErrTooLarge)
	}
	data, err := s.rdb.Get(ctx, s.blobKey(attachmentID)).Bytes()
	if errors.Is(err, redis.Nil) {
		return a, nil, fmt.Errorf("%s: bytes missing: %w", what, fault.ErrNotFound)
	}
	if err != nil {
		return a, nil, wrap(what, err)
	}
	return a, data, nil
}

// decodeTicket builds a ticket, without messages and events, from its hash and
// its customer's hash.
func decodeTicket(fields, customer any) *ticket.Ticket {
	t := &ticket.Ticket{Tags: []string{}, Messages: []ticket.Message{}, Events: []ticket.Event{}}
	var customerName, wakeKind, wakeBy string
	var wakeAt time.Time
	var cb ticket.Callback
	eachPair(fields, func(k, v string) {
		switch k {
		case "id":
			t.ID = v
		case "channel":
			t.Channel = ticket.Channel(v)
		case "status":
			t.Status = ticket.Status(v)
		case "queue":
			t.Queue = v
		case "assignee":
			t.Assignee = v
		case "priority":
			t.Priority = ticket.Priority(v)
		case "subject":
			t.Subject = v
		case "created":
			t.CreatedAt = parseMS(v)
		case "updated":
			t.UpdatedAt = parseMS(v)
		case "tags":
			_ = json.Unmarshal([]byte(v), &t.Tags)
		case "frd":
			if due := parseMS(v); !due.IsZero() {
				t.FirstResponseDue = &due
			}
		case "lease":
			if lease := parseMS(v); !lease.IsZero() {
				t.LeaseExpires = &lease
			}
		case "first_response":
			if at := parseMS(v); !at.IsZero() {
				t.FirstResponseAt = &at
			}
		case "mailbox":
			t.Mailbox = v
		case "customer":
			t.Customer.ID = v
		case "customer_name":
			customerName = v
		case "merged_into":
			t.MergedInto = v
		case "wake_at":
			wakeAt = parseMS(v)
		case "wake_kind":
			wakeKind = v
		case "wake_by":
			wakeBy = v
		case "cb_at":
			cb.At = parseMS(v)
		case "cb_note":
			cb.Note = v
		case "cb_by":
			cb.By = v
		}
	})
	if t.Tags == nil {
		t.Tags = []string{}
	}
	if wakeKind == "snooze" && !wakeAt.IsZero() {
		t.SnoozedUntil, t.SnoozedBy = &wakeAt, wakeBy
	}
	if !cb.At.IsZero() {
		cb.Due = wakeKind != "callback"
		t.Callback, t.CallbackAt = &cb, &cb.At
	}
	eachPair(customer, func(k, v string) { setCustomerField(&t.Customer, k, v) })
	finishCustomer(&t.Customer)
	if t.Customer.Name == "" {
		t.Customer.Name = customerName
	}
	return t
}

// eachPair calls fn with each field and value of a flat HGETALL reply from a
// script, without building a map.
func eachPair(v any, fn func(k, v string)) {
	list, _ := v.([]any)
	for i := 0; i+1 < len(list); i += 2 {
		k, _ := list[i].(string)
		val, _ := list[i+1].(string)
		fn(k, val)
	}
}

// strs turns a script's array reply into strings; integers become decimal.
func strs(v any) []string {
	list, _ := v.([]any)
	out := make([]string, 0, len(list))
	for _, x := range list {
		switch x := x.(type) {
		case string:
			out = append(out, x)
		case int64:
			out = append(out, strconv.FormatInt(x, 10))
		}
	}
	return out
}
