package desk

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"frontdesk/fault"
	"frontdesk/ticket"
)

// Change is what a person may change on a ticket by hand; a nil field stays
// as it is.
type Change struct {
	Queue    *string
	Priority *ticket.Priority
	// Tags is the whole new list.
	Tags *[]string
}

// Tag limits: a tag is a short label, and a ticket has a handful.
const (
	maxTags   = 30
	maxTagLen = 40
)

// Change moves a ticket to another queue, priority or tag list, as a person
// decides (PATCH /tickets/{id}), with a "changed" event saying what changed
// in words. An unknown queue or priority, or a tag that is empty, too long or
// holds a comma, is fault.ErrInvalid and changes nothing. The ticket keeps
// its first-response due time.
func (d *Desk) Change(ctx context.Context, id string, c Change, by string) (*ticket.Ticket, error) {
	t, err := d.store.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	m := ticket.Move{Queue: t.Queue, Priority: t.Priority, Tags: t.Tags, By: by, Event: "changed"}
	var said []string
	if c.Queue != nil && *c.Queue != t.Queue {
		if !slices.Contains(d.Queues(), *c.Queue) {
			return nil, fmt.Errorf("%w: there is no queue %q", fault.ErrInvalid, *c.Queue)
		}
		m.Queue = *c.Queue
		said = append(said, "queue "+t.Queue+" → "+m.Queue)
	}
	if c.Priority != nil && *c.Priority != t.Priority {
		switch *c.Priority {
		case ticket.PriorityLow, ticket.PriorityNormal, ticket.PriorityHigh, ticket.PriorityUrgent:
		default:
			return nil, fmt.Errorf("%w: priority %q must be low, normal, high or urgent", fault.ErrInvalid, *c.Priority)
		}
		m.Priority = *c.Priority
		said = append(said, "priority "+string(t.Priority)+" → "+string(m.Priority))
	}
	if c.Tags != nil {
		tags, err := cleanTags(*c.Tags)
		if err != nil {
			return nil, err
		}
		var added, removed []string
		for _, tag := range tags {
			if !slices.Contains(t.Tags, tag) {
				added = append(added, "+"+tag)
			}
		}
		for _, tag := range t.Tags {
			if !slices.Contains(tags, tag) {
				removed = append(removed, "−"+tag)
			}
		}
		if len(added)+len(removed) > 0 {
			m.Tags = tags
			said = append(said, "tags "+strings.Join(append(added, removed...), " "))
		}
	}
	if len(said) == 0 {
		return t, nil
	}
	m.Detail = strings.Join(said, "; ")
	if err := d.store.Reroute(ctx, id, m); err != nil {
		return nil, err
	}
	return d.store.Get(ctx, id)
}

// cleanTags trims, lower-cases and de-duplicates a tag list, refusing a tag
// that is empty, too long or holds a comma (lists are written with commas).
func cleanTags(tags []string) ([]string, error) {
	if len(tags) > maxTags {
		return nil, fmt.Errorf("%w: at most %d tags", fault.ErrInvalid, maxTags)
	}
	out := make([]string, 0, len(tags))
	for _, tag := range tags {
		tag = strings.ToLower(strings.TrimSpace(tag))
		switch {
		case tag == "":
			return nil, fmt.Errorf("%w: a tag is empty", fault.ErrInvalid)
		case len(tag) > maxTagLen:
			return nil, fmt.Errorf("%w: tag %q is longer than %d characters", fault.ErrInvalid, tag, maxTagLen)
		case strings.ContainsAny(tag, ",\r\n"):
			return nil, fmt.Errorf("%w: tag %q holds a comma or a line break", fault.ErrInvalid, tag)
		}
		if !slices.Contains(out, tag) {
			out = append(out, tag)
		}
	}
	return out, nil
}
