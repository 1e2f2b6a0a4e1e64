package desk

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"frontdesk/fault"
	"frontdesk/internal/terms"
	"frontdesk/ticket"
)

// Search limits: how many tickets one search answers (default and most),
// the longest query read, and the width of a snippet in bytes.
const (
	SearchLimit    = 20
	MaxSearchLimit = 50
	MaxSearchQuery = 200
	snippetWidth   = 160
)

// What a search found a ticket by.
const (
	FoundNumber   = "number"   // the query is its number (1042, #1042)
	FoundCustomer = "customer" // the query is its customer's address or number
	FoundWords    = "words"    // its subject, messages or transcripts hold every word
)

// SearchHit is a ticket a search found: the ticket (with its messages), what
// it was found by, and for words, where they are (subject, message, reply,
// note, transcript), a snippet of that text with the matches marked, and the
// matching words as the ticket writes them.
type SearchHit struct {
	Ticket  *ticket.Ticket
	Found   string
	Where   string
	Snippet []terms.Part
	Matched []string
}

// Search finds tickets, newest first, at most limit (1-MaxSearchLimit;
// SearchLimit when 0): the ticket whose number the query is ("1042",
// "#1042"), the tickets of the customer whose email address or phone number
// (in any common format, read in tickets.phone_region) it is, and the tickets
// whose subject, messages — inbound, outbound and internal notes — or
// voicemail transcripts hold every word of it, the last word also as the start
// of a longer one (someone is still typing). Words are folded: "Jörg" finds
// "jorg" and "JÖRG". An address or number that is nobody's is searched for as
// words.
func (d *Desk) Search(ctx context.Context, query string, limit int) ([]SearchHit, error) {
	switch {
	case limit == 0:
		limit = SearchLimit
	case limit < 0 || limit > MaxSearchLimit:
		return nil, fmt.Errorf("%w: limit: must be 1-%d", fault.ErrInvalid, MaxSearchLimit)
	}
	if !utf8.ValidString(query) {
		return nil, fmt.Errorf("%w: q: must be text", fault.ErrInvalid)
	}
	if len(query) > MaxSearchQuery {
		return nil, fmt.Errorf("%w: q: at most %d characters", fault.ErrInvalid, MaxSearchQuery)
	}
	q := strings.TrimSpace(query)
	if q == "" {
		return nil, nil
	}
	var hits []SearchHit
	seen := make(map[string]bool)
	add := func(h SearchHit) {
		if !seen[h.Ticket.ID] && len(hits) < limit {
			seen[h.Ticket.ID] = true
			hits = append(hits, h)
		}
	}

	if id, ok := ticketNumber(q); ok {
		t, err := d.store.Get(ctx, id)
		switch {
		case err == nil:
			add(SearchHit{Ticket: t, Found: FoundNumber})
		case !errors.Is(err, fault.ErrNotFound):
			return nil, fmt.Errorf("search %q: %w", q, err)
		}
	}
	if who, ok := d.identity(q); ok {
		c, err := d.store.FindCustomer(ctx, who)
		switch {
		case err == nil:
			p, err := d.store.CustomerProfile(ctx, c.ID, limit, "")
			if err != nil {
				return nil, fmt.Errorf("search %q: %w", q, err)
			}
			for i := range p.Tickets {
				add(SearchHit{Ticket: &p.Tickets[i], Found: FoundCustomer})
			}
			return hits, nil
		case !errors.Is(err, fault.ErrNotFound):
			return nil, fmt.Errorf("search %q: %w", q, err)
		}
	}

	words := terms.ParseQuery(query)
	ids, err := d.store.SearchTickets(ctx, words, limit)
	if err != nil {
		return nil, fmt.Errorf("search %q: %w", q, err)
	}
	for _, id := range ids {
		t, err := d.store.Get(ctx, id)
		if errors.Is(err, fault.ErrNotFound) {
			continue // deleted since
		}
		if err != nil {
			return nil, fmt.Errorf("search %q: %w", q, err)
		}
		h := SearchHit{Ticket: t, Found: FoundWords}
		h.Where, h.Snippet, h.Matched = snippetOf(t, words)
		add(h)
	}
	return hits, nil
}

// ticketNumber reads a query that is a ticket's number: "1042" or "#1042".
func ticketNumber(q string) (string, bool) {
	q = strings.TrimPrefix(q, "#")
	if q == "" || len(q) > 18 {
		return "", false
	}
	for _, r := range q {
		if r < '0' || r > '9' {
			return "", false
		}
	}
	return q, true
}

// identity reads a query that is an email address (returned lower-case) or
// a phone number (returned in E.164, as ParsePhone reads it).
func (d *Desk) identity(q string) (string, bool) {
	if strings.Contains(q, "@") && !strings.ContainsAny(q, " \t") {
		return strings.ToLower(strings.Trim(q, "<>")), true
	}
	if id, err := d.ParsePhone(q); err == nil {
		return id.Value, true
	}
	return "", false
}

// snippetOf finds where a ticket holds the words: its subject, else its
// messages from the newest back (a transcript before the text it shows).
func snippetOf(t *ticket.Ticket, q terms.Query) (where string, parts []terms.Part, matched []string) {
	if parts, matched = terms.Snippet(t.Subject, q, snippetWidth); parts != nil {
		return "subject", parts, matched
	}
	for i := len(t.Messages) - 1; i >= 0; i-- {
		m := t.Messages[i]
		if m.Transcript != "" {
			if parts, matched = terms.Snippet(m.Transcript, q, snippetWidth); parts != nil {
				return "transcript", parts, matched
			}
		}
		where := "message"
		switch m.Direction {
		case ticket.DirectionOut:
			where = "reply"
		case ticket.DirectionInternal:
			where = "note"
		}
		for _, text := range []string{m.Text, m.Subject, m.From} {
			if parts, matched = terms.Snippet(text, q, snippetWidth); parts != nil {
				return where, parts, matched
			}
		}
		for _, a := range m.Attachments {
			if parts, matched = terms.Snippet(a.Filename, q, snippetWidth); parts != nil {
				return "attachment", parts, matched
			}
		}
	}
	return "", nil, nil
}
