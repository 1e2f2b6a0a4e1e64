package ui

import (
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/mail"
	"regexp"
	"strconv"
	"strings"

	"frontdesk/internal/words"
	"frontdesk/ticket"
	"frontdesk/web/auth"
)

// replyForm is what the ticket page's forms hold: empty on a fresh page,
// what was sent when a reply or a forward was refused, so that nothing
// typed is lost.
type replyForm struct {
	Text, Cc, Bcc string
	// Held says the reply was refused because someone else holds the
	// ticket, or it changed hands: the form offers to send it anyway.
	Held bool
	// FilesLost says files were chosen for the refused reply; a browser
	// cannot keep them over a new page, so they must be chosen again.
	FilesLost bool
	// ForwardMessage, ForwardTo and ForwardText are a refused forward's.
	ForwardMessage, ForwardTo, ForwardText string
	// Invite is a refused reply's invitation, as typed (invite.go).
	Invite inviteForm
}

// answerView is the ticket page's part for answering: the reply form's
// state, the canned replies it offers and who holds and views the ticket.
type answerView struct {
	Form replyForm
	// Canned are the canned replies offered on the ticket, filled in for
	// it and the signed-in user.
	Canned []ticket.CannedReply
	// Presence is who holds the ticket and who else has it open.
	Presence presenceView
	// Mail says the reply goes by mail: it may have copies and files.
	Mail bool
	// Fax says the reply goes by fax: it is one PDF; FaxGateway that it
	// goes through a mail-to-fax gateway, which takes the words too.
	Fax, FaxGateway bool
	// MaxFiles is the most a reply's files may weigh, in words.
	MaxFiles string
}

// presenceView is who holds a ticket and who else has it open now, as the
// reply form shows it and refreshes it.
type presenceView struct {
	TicketID string
	// Assignee holds the ticket; Me is the signed-in user.
	Assignee, Me string
	// Seen is who held the ticket when the page was shown: the reply form
	// sends it, and Changed says someone else holds it now.
	Seen    string
	Changed bool
	// Others are the other users who have the ticket open.
	Others []string
}

// answerView records that the signed-in user has t open and returns the
// page's answering part, by the reply channel how ("mail", "SMS", "fax").
func (h *Handlers) answerView(r *http.Request, t *ticket.Ticket, how string, form replyForm) (answerView, error) {
	me := auth.Caller(r).Name
	p, err := h.Desk.Viewing(r.Context(), t.ID, me)
	if err != nil {
		return answerView{}, err
	}
	canned, err := h.Desk.CannedFor(r.Context(), t, me)
	if err != nil {
		return answerView{}, err
	}
	return answerView{
		Form: form, Canned: canned, Presence: newPresenceView(t.ID, me, p.Assignee, p),
		Mail: how == "mail", MaxFiles: words.Bytes(h.Desk.AttachmentMaxSize()),
		Fax: how == "fax", FaxGateway: h.Desk.Config().Fax.Outbound.Gateway(),
	}, nil
}

// newPresenceView is presence p of ticket id for user me, who saw seen
// holding it.
func newPresenceView(id, me, seen string, p ticket.Presence) presenceView {
	v := presenceView{TicketID: id, Assignee: p.Assignee, Me: me, Seen: seen,
		Changed: p.Assignee != seen && p.Assignee != me}
	for _, n := range p.Viewers {
		if n != me {
			v.Others = append(v.Others, n)
		}
	}
	return v
}

// formFiles reads the files of a multipart form's field; a file input left
// empty sends one part without a name or bytes, which is no file.
func formFiles(r *http.Request, field string) ([]ticket.NewAttachment, error) {
	if r.MultipartForm == nil {
		return nil, nil
	}
	var out []ticket.NewAttachment
	for _, fh := range r.MultipartForm.File[field] {
		if fh.Filename == "" && fh.Size == 0 {
			continue
		}
		data, err := readPart(fh)
		if err != nil {
			return nil, fmt.Errorf("read the file %s: %w", fh.Filename, err)
		}
		out = append(out, ticket.NewAttachment{Filename: fh.Filename, ContentType: fh.Header.Get("Content-Type"), Data: data})
	}
	return out, nil
}

func readPart(fh *multipart.FileHeader) ([]byte, error) {
	f, err := fh.Open()
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(f)
}

// splitAddresses splits what a person types into an address field: one or
// more addresses, bare or named, separated by commas or semicolons. What
// does not parse as a list is split at the commas, for the desk to name the
// entry that is wrong.
func splitAddresses(s string) []string {
	s = strings.TrimSpace(strings.ReplaceAll(s, ";", ","))
	if s == "" {
		return nil
	}
	if list, err := mail.ParseAddressList(s); err == nil {
		out := make([]string, 0, len(list))
		for _, a := range list {
			if a.Name == "" {
				out = append(out, a.Address)
			} else { // quoted as it is, UTF-8 and all (RFC 6532), not RFC 2047 encoded
				out = append(out, `"`+strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(a.Name)+`" <`+a.Address+`>`)
			}
		}
		return out
	}
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// fieldRefs are the desk's names for an entry of a list ("cc[1]"), which the
// page writes as people count ("Cc address 2").
var fieldRefs = regexp.MustCompile(`\b(to|cc|bcc|attachments)\[(\d+)\]`)

// fieldReason is reason(err) with the entries of lists written as people
// count them.
func fieldReason(err error) string {
	return fieldRefs.ReplaceAllStringFunc(reason(err), func(ref string) string {
		m := fieldRefs.FindStringSubmatch(ref)
		n, _ := strconv.Atoi(m[2])
		name := map[string]string{"to": "To address", "cc": "Cc address", "bcc": "Bcc address", "attachments": "file"}[m[1]]
		return fmt.Sprintf("%s %d", name, n+1)
	})
}
