package email

import (
	"context"
	"fmt"

	"frontdesk/desk"
	"frontdesk/intake/mailparse"
	"frontdesk/ticket"
)

// answerInvitation hands the desk a mail that answers one of its invitations
// (an iTIP REPLY or COUNTER, mailparse.Mail.Invitation) and reports whether
// the desk recorded it: then the mail is done — an event on its ticket, or a
// counter-proposal as the customer's message — never a new ticket. An
// answer the desk does not know (another UID, another attendee) is stored
// as any mail is, on its thread.
func (im *Importer) answerInvitation(ctx context.Context, nm ticket.NewMessage, p *mailparse.Mail) (bool, error) {
	if p.Invitation == nil {
		return false, nil
	}
	done, err := im.desk.AnswerInvitation(ctx, desk.InviteReply{Answer: p.Invitation, From: p.From.Address, Message: nm})
	if err != nil {
		return false, fmt.Errorf("import mail %s (an answer to invitation %s): %w", nm.SourceKey, p.Invitation.UID, err)
	}
	return done, nil
}
