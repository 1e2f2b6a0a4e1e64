package redisstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"frontdesk/fault"
	"frontdesk/ticket"
)

// inviteScripts are the invitation scripts, joined with the prelude like the
// others (kept apart from the scripts table, which other work extends).
var inviteScripts = struct{ save, answer *redis.Script }{
	save: preludeScript("invite_save"), answer: preludeScript("invite_answer"),
}

// maxUID bounds an invitation's UID, which is part of its key.
const maxUID = 255

func (s *Store) inviteKey(uid string) string { return s.base + "invite:" + uid }

func validUID(uid string) error {
	if uid == "" || len(uid) > maxUID || strings.ContainsFunc(uid, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		return fmt.Errorf("invitation UID %q: %w", uid, fault.ErrInvalid)
	}
	return nil
}

// SaveInvitation stores an invitation once per UID; see ticket.InviteStore.
func (s *Store) SaveInvitation(ctx context.Context, inv ticket.Invitation) (ticket.Invitation, error) {
	if err := validUID(inv.UID); err != nil {
		return ticket.Invitation{}, err
	}
	if err := validID(inv.TicketID); err != nil {
		return ticket.Invitation{}, err
	}
	if !inv.End.After(inv.Start) {
		return ticket.Invitation{}, fmt.Errorf("save invitation %s: it must end after it starts: %w", inv.UID, fault.ErrInvalid)
	}
	v, err := inviteScripts.save.Run(ctx, s.rdb, []string{s.inviteKey(inv.UID), s.key("invites")},
		s.base, inv.UID, inv.TicketID, inv.MessageID, ms(inv.Start), ms(inv.End), inv.Title, inv.Location,
		inv.Description, inv.Organizer, inv.Attendee, inv.Sequence, inv.By).StringSlice()
	if err != nil {
		return ticket.Invitation{}, wrap("save invitation "+inv.UID+" on ticket "+inv.TicketID, err)
	}
	return decodeInvitation(pairs(v)), nil
}

// Invitation returns the invitation with a UID; see ticket.InviteStore.
func (s *Store) Invitation(ctx context.Context, uid string) (ticket.Invitation, error) {
	if err := validUID(uid); err != nil {
		return ticket.Invitation{}, fmt.Errorf("%w: %w", fault.ErrNotFound, err)
	}
	m, err := s.rdb.HGetAll(ctx, s.inviteKey(uid)).Result()
	if err != nil {
		return ticket.Invitation{}, wrap("read invitation "+uid, err)
	}
	if len(m) == 0 {
		return ticket.Invitation{}, fmt.Errorf("invitation %s: %w", uid, fault.ErrNotFound)
	}
	inv := decodeInvitation(m)
	if tid, err := s.followTicket(ctx, inv.TicketID); err == nil {
		inv.TicketID = tid
	}
	return inv, nil
}

// followTicket is where ticket id is now: the ticket it was merged into,
// followed along a chain of merges.
func (s *Store) followTicket(ctx context.Context, id string) (string, error) {
	for range 20 {
		into, err := s.rdb.HGet(ctx, s.ticketKey(id), "merged_into").Result()
		if errors.Is(err, redis.Nil) || (err == nil && into == "") {
			return id, nil
		}
		if err != nil {
			return id, wrap("follow ticket "+id, err)
		}
		id = into
	}
	return id, nil
}

// AnswerInvitation records an answer; see ticket.InviteStore.
func (s *Store) AnswerInvitation(ctx context.Context, a ticket.InviteAnswer) (bool, error) {
	if err := validUID(a.UID); err != nil {
		return false, fmt.Errorf("%w: %w", fault.ErrNotFound, err)
	}
	switch a.State {
	case ticket.InviteAccepted, ticket.InviteDeclined, ticket.InviteTentative:
	default:
		return false, fmt.Errorf("answer invitation %s: state %q: %w", a.UID, a.State, fault.ErrInvalid)
	}
	if a.SourceKey == "" || a.By == "" {
		return false, fmt.Errorf("answer invitation %s: source key and by are required: %w", a.UID, fault.ErrInvalid)
	}
	stamp := "0"
	if !a.Stamp.IsZero() {
		stamp = ms(a.Stamp)
	}
	n, err := inviteScripts.answer.Run(ctx, s.rdb, []string{s.inviteKey(a.UID)},
		s.base, a.UID, a.SourceKey, string(a.State), stamp, a.By, a.Detail).Int()
	if err != nil {
		return false, wrap("answer invitation "+a.UID, err)
	}
	return n == 1, nil
}

// maxInvite is the longest an appointment may last; the feed's query looks
// back this far for ones that started before its window and still go on.
const maxInvite = 14 * 24 * time.Hour

// Invitations returns the invitations overlapping from-to; see
// ticket.InviteStore.
func (s *Store) Invitations(ctx context.Context, from, to time.Time, limit int) ([]ticket.Invitation, error) {
	if limit < 1 || limit > 500 {
		return nil, fmt.Errorf("invitations: limit %d must be 1-500: %w", limit, fault.ErrInvalid)
	}
	uids, err := s.rdb.ZRangeByScore(ctx, s.key("invites"), &redis.ZRangeBy{
		Min: ms(from.Add(-maxInvite)), Max: ms(to), Count: int64(limit) * 2,
	}).Result()
	if err != nil {
		return nil, wrap("invitations", err)
	}
	all, err := s.invitations(ctx, uids)
	if err != nil {
		return nil, err
	}
	out := make([]ticket.Invitation, 0, len(all))
	for _, inv := range all {
		if inv.End.After(from) && len(out) < limit {
			out = append(out, inv)
		}
	}
	return out, nil
}

// invitations reads the invitations with these UIDs in one round trip,
// leaving out those not found, each with the ticket it is on now.
func (s *Store) invitations(ctx context.Context, uids []string) ([]ticket.Invitation, error) {
	if len(uids) == 0 {
		return nil, nil
	}
	pipe := s.rdb.Pipeline()
	cmds := make([]*redis.MapStringStringCmd, len(uids))
	for i, uid := range uids {
		cmds[i] = pipe.HGetAll(ctx, s.inviteKey(uid))
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return nil, wrap("read invitations", err)
	}
	out := make([]ticket.Invitation, 0, len(uids))
	for _, c := range cmds {
		if m := c.Val(); len(m) > 0 {
			out = append(out, decodeInvitation(m))
		}
	}
	return out, nil
}

// withInvitations puts on t the invitations its messages carried (Meta
// "invite_uid"), in their order; a ticket without any costs nothing more.
func (s *Store) withInvitations(ctx context.Context, t *ticket.Ticket) error {
	var uids []string
	for _, m := range t.Messages {
		if uid := m.Meta["invite_uid"]; uid != "" && validUID(uid) == nil {
			uids = append(uids, uid)
		}
	}
	invs, err := s.invitations(ctx, uids)
	if err != nil {
		return fmt.Errorf("ticket %s: %w", t.ID, err)
	}
	for i := range invs {
		invs[i].TicketID = t.ID
	}
	t.Invitations = invs
	return nil
}

// pairs turns an HGETALL reply into a map.
func pairs(v []string) map[string]string {
	m := make(map[string]string, len(v)/2)
	for i := 0; i+1 < len(v); i += 2 {
		m[v[i]] = v[i+1]
	}
	return m
}

func decodeInvitation(m map[string]string) ticket.Invitation {
	seq, _ := strconv.Atoi(m["sequence"])
	inv := ticket.Invitation{
		UID: m["uid"], TicketID: m["ticket"], MessageID: m["message"],
		Title: m["title"], Location: m["location"], Description: m["description"],
		Start: parseMS(m["start"]), End: parseMS(m["end"]),
		Organizer: m["organizer"], Attendee: m["attendee"], Sequence: seq, By: m["by"],
		State: ticket.InviteState(m["state"]), CreatedAt: parseMS(m["created"]),
	}
	if at := parseMS(m["answered"]); !at.IsZero() {
		inv.AnsweredAt = &at
	}
	return inv
}

// invitationArg is the invitation an outbound reply carries, as the append
// script stores it with the reply (save_invitation, invite_lib.lua): JSON,
// or "" when it carries none.
func invitationArg(nm ticket.NewMessage, by string) (string, error) {
	inv := nm.Invitation
	if inv == nil {
		return "", nil
	}
	if nm.Direction != ticket.DirectionOut {
		return "", fmt.Errorf("append message %s: only an outbound reply carries an invitation: %w", nm.SourceKey, fault.ErrInvalid)
	}
	if err := validUID(inv.UID); err != nil {
		return "", err
	}
	if !inv.End.After(inv.Start) {
		return "", fmt.Errorf("append message %s: invitation %s must end after it starts: %w", nm.SourceKey, inv.UID, fault.ErrInvalid)
	}
	b, err := json.Marshal(map[string]string{
		"uid": inv.UID, "start": ms(inv.Start), "end": ms(inv.End), "title": inv.Title, "location": inv.Location,
		"description": inv.Description, "organizer": inv.Organizer, "attendee": inv.Attendee,
		"sequence": strconv.Itoa(inv.Sequence), "by": by,
	})
	return string(b), err
}
