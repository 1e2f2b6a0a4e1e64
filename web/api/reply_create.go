package api

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"

	"frontdesk/desk"
	"frontdesk/fault"
	"frontdesk/ticket"
	"frontdesk/web/auth"
	"frontdesk/web/httperr"
)

type replyRequest struct {
	Text        string   `json:"text"`
	Close       bool     `json:"close"`
	Cc          []string `json:"cc"`
	Bcc         []string `json:"bcc"`
	Attachments []fileIn `json:"attachments"`
	Canned      string   `json:"canned"`
	Force       bool     `json:"force"`
	// AssigneeSeen is who held the ticket when the client showed it ("" for
	// nobody); absent, it is not compared.
	AssigneeSeen *string `json:"assignee_seen"`
	// FaxTo faxes the reply's PDF to this number instead.
	FaxTo string `json:"fax_to"`
	// Invite makes the reply an invitation to an appointment (invite.go).
	Invite *inviteIn `json:"invite"`
}

// fileIn is an attachment as the API takes it: its bytes in base64.
type fileIn struct {
	Filename    string `json:"filename"`
	ContentType string `json:"content_type"`
	Data        string `json:"data"`
}

// handleReplyCreate queues a reply to the customer on the ticket's channel
// (desk.Reply): 202 with the stored outbound message, queued for the
// responders; the ticket is pending, or closed when the request says close,
// and the caller holds it if nobody did.
//
// A reply by mail may carry cc, bcc and attachments (base64, each file and
// all together at most tickets.attachment_max_size: 413 beyond); a reply by
// text carries none (400). A reply may name a canned reply instead of its
// text. A fax — on a fax ticket when frontdesk sends faxes, or with fax_to
// to any number — carries exactly one PDF, its text optional. Someone else
// holding the ticket, or the ticket changing hands since assignee_seen, is
// 409 "… held by NAME" unless force is true. A reply that
// could not be delivered (no address, no way to send on that channel) is
// refused with 409 and the reason. Nothing is stored when a reply is refused.
//
// A request with an Idempotency-Key header stores its reply once: a client
// that retries with the same key (the same caller, the same ticket) gets the
// first reply back.
func (h *Handlers) handleReplyCreate(w http.ResponseWriter, r *http.Request) {
	var in replyRequest
	if err := decodeJSONUpTo(w, r, &in, h.UploadLimit()); err != nil {
		httperr.Write(w, r, h.logger, err)
		return
	}
	files, err := decodeFiles(in.Attachments)
	if err != nil {
		httperr.Write(w, r, h.logger, err)
		return
	}
	invite, err := in.Invite.invite()
	if err != nil {
		httperr.Write(w, r, h.logger, err)
		return
	}
	m, err := h.Desk.Reply(r.Context(), r.PathValue("id"), desk.Answer{
		Text: in.Text, Close: in.Close, By: auth.Caller(r).Name, Key: r.Header.Get("Idempotency-Key"),
		Cc: in.Cc, Bcc: in.Bcc, Attachments: files, Canned: in.Canned, Force: in.Force, Seen: in.AssigneeSeen,
		FaxTo: in.FaxTo, Invite: invite,
	})
	if err != nil {
		httperr.Write(w, r, h.logger, err)
		return
	}
	writeJSON(w, http.StatusAccepted, apiMessage(m))
}

// decodeFiles decodes the attachments' base64 (standard, padded or not,
// line breaks allowed as MIME writes them); data that is not base64 is
// fault.ErrInvalid naming the attachment.
func decodeFiles(in []fileIn) ([]ticket.NewAttachment, error) {
	out := make([]ticket.NewAttachment, 0, len(in))
	strip := strings.NewReplacer("\r", "", "\n", "", " ", "", "\t", "")
	for i, f := range in {
		data, err := base64.RawStdEncoding.DecodeString(strings.TrimRight(strip.Replace(f.Data), "="))
		if err != nil {
			return nil, fmt.Errorf("%w: attachments[%d].data is not base64: %v", fault.ErrInvalid, i, err)
		}
		out = append(out, ticket.NewAttachment{Filename: f.Filename, ContentType: f.ContentType, Data: data})
	}
	return out, nil
}
