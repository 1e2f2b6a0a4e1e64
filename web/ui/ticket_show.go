package ui

import (
	"crypto/rand"
	"fmt"
	"net/http"
	"strings"

	"frontdesk/fault"
	"frontdesk/intake/mailparse"
	"frontdesk/ticket"
	"frontdesk/web/auth"
)

// ticketView is what a ticket's page shows.
type ticketView struct {
	T        *ticket.Ticket
	Messages []messageView
	// Mine says the ticket is the caller's: they reply, release or close it.
	Mine bool
	// Others are the people the ticket can be handed to: everyone but its
	// assignee.
	Others []auth.Principal
	// ReplyKey makes the reply form's submission idempotent: sending the
	// same form twice stores one reply; NoteKey does the same for a note.
	ReplyKey, NoteKey string
	// Mentionable are the users a note may mention: everyone but the caller.
	Mentionable []string
	// ReplyTo is where a reply goes and ReplyBy how ("mail", "SMS", "fax"); when
	// there is no way to reply, ReplyProblem says why.
	ReplyTo, ReplyBy, ReplyProblem string
	// Customer is the customer panel; nil when the ticket has no customer
	// record.
	Customer *customerPanel
	// Answer is the reply form's state, the canned replies it offers and
	// who holds and views the ticket (answer_view.go).
	Answer answerView
}

// messageView is one message of the conversation with its parts sorted for
// showing: a voicemail's recordings play in place, images and PDFs open in
// the browser, the rest download.
type messageView struct {
	ticket.Message
	Audio []ticket.Attachment
	Files []ticket.Attachment
	// RemoteImages says the mail's HTML, as its frame shows it, has remote
	// images held back: the page offers to show them.
	RemoteImages bool
	// CanForward says the message may be forwarded: frontdesk sends mail,
	// and it is not a note.
	CanForward bool
}

// handleTicketPage shows a ticket: its conversation in order (mail bodies in
// sandboxed frames, voicemail with a player and the transcript, SMS, fax
// pages), its events and the delivery state of replies, and the forms to
// reply, take, release, hand over and close it.
func (h *Handlers) handleTicketPage(w http.ResponseWriter, r *http.Request) {
	h.showTicket(w, r, http.StatusOK, replyForm{}, "")
}

// showTicket renders the ticket page with status, the reply form as form
// says (kept after a refused reply) and problem above it.
func (h *Handlers) showTicket(w http.ResponseWriter, r *http.Request, status int, form replyForm, problem string) {
	t, err := h.Tickets.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		h.uiError(w, r, err)
		return
	}
	users, err := h.Accounts.List(r.Context())
	if err != nil {
		h.uiError(w, r, err)
		return
	}
	me := auth.Caller(r).Name
	p := ticketView{T: t, Mine: t.Assignee == me, ReplyKey: rand.Text(), NoteKey: rand.Text()}
	if p.Customer, err = h.ticketPanel(r, t); err != nil {
		h.uiError(w, r, err)
		return
	}
	if t.MergedInto != "" {
		p.ReplyProblem = fmt.Sprintf("This ticket was merged into #%s: answer there.", t.MergedInto)
	} else if how, to, err := h.Desk.ReplyChannel(t); err != nil {
		p.ReplyProblem = fault.Reason(err)
	} else {
		p.ReplyTo, p.ReplyBy = to, how
		if how == "fax" {
			p.ReplyTo = h.Desk.ShowPhone(to)
		}
	}
	for _, u := range users {
		if u.Name != t.Assignee {
			p.Others = append(p.Others, u)
		}
		if u.Name != me && !u.Disabled {
			p.Mentionable = append(p.Mentionable, u.Name)
		}
	}
	mailOut := h.Desk.Config().SMTP.Host != ""
	for _, m := range t.Messages {
		canForward := mailOut && m.Direction != ticket.DirectionInternal
		m.Meta = withoutInviteMeta(m.Meta)
		v := messageView{Message: m, RemoteImages: hasRemoteImages(m.HTML), CanForward: canForward}
		for _, a := range m.Attachments {
			if a.Omitted || (a.Inline && a.ContentID != "" && m.HTML != "" && strings.HasPrefix(a.ContentType, "image/")) {
				if a.Omitted {
					v.Files = append(v.Files, a)
				}
				continue // shown inside the mail's HTML
			}
			if strings.HasPrefix(a.ContentType, "audio/") {
				v.Audio = append(v.Audio, a)
			} else {
				v.Files = append(v.Files, a)
			}
		}
		p.Messages = append(p.Messages, v)
	}
	if p.Answer, err = h.answerView(r, t, p.ReplyBy, form); err != nil {
		h.uiError(w, r, err)
		return
	}
	title := fmt.Sprintf("#%s %s", t.ID, t.Subject)
	h.render(w, r, status, "ticket", &pageData{Title: title, Nav: "tickets", Problem: problem, Data: p})
}

// hasRemoteImages reports whether a mail's HTML keeps remote images back
// when its frame shows it. It asks the sanitizer the frame's body goes
// through (handleMessageBody), not the stored HTML, which an older policy
// may have cleaned differently.
func hasRemoteImages(html string) bool {
	if !strings.Contains(strings.ToLower(html), "<img") {
		return false
	}
	return remoteSrc.MatchString(mailparse.Sanitize(html))
}
