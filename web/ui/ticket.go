package ui

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"

	"frontdesk/fault"
	"frontdesk/intake/mailparse"
	"frontdesk/ticket"
	"frontdesk/web/auth"
	"frontdesk/web/desk"
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
	// same form twice stores one reply.
	ReplyKey string
	// ReplyTo is where a reply goes, "" when the customer left no address.
	ReplyTo string
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
}

// handleTicketPage shows a ticket: its conversation in order (mail bodies in
// sandboxed frames, voicemail with a player and the transcript, SMS, fax
// pages), its events and the delivery state of replies, and the forms to
// reply, take, release, hand over and close it.
func (h *Handlers) handleTicketPage(w http.ResponseWriter, r *http.Request) {
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
	p := ticketView{T: t, Mine: t.Assignee == auth.Caller(r).Name, ReplyKey: rand.Text(), ReplyTo: desk.ReplyAddress(t)}
	for _, u := range users {
		if u.Name != t.Assignee {
			p.Others = append(p.Others, u)
		}
	}
	for _, m := range t.Messages {
		v := messageView{Message: m, RemoteImages: hasRemoteImages(m.HTML)}
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
	title := fmt.Sprintf("#%s %s", t.ID, t.Subject)
	h.render(w, r, http.StatusOK, "ticket", &pageData{Title: title, Nav: "tickets", Data: p})
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

// cidSrc and remoteSrc find, in sanitized HTML, the image sources that
// mailparse.Sanitize leaves: cid: references to the mail's own parts, and
// remote images it disabled as data-remote-src.
var (
	cidSrc    = regexp.MustCompile(`src="cid:([^"]*)"`)
	remoteSrc = regexp.MustCompile(`data-remote-src="`)
)

// messageBodyCSP is the policy of a mail body: no script, no plugin, no
// form, no fetch; inline styles (mail layouts need them) and images from this
// server or data: URIs only, plus remote images when the reader asked for
// them. The sandbox keeps the document in an origin of its own without
// scripts; links open outside it.
const messageBodyCSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:%s; " +
	"form-action 'none'; base-uri 'none'; frame-ancestors 'self'; " +
	"sandbox allow-same-origin allow-popups allow-popups-to-escape-sandbox"

// handleMessageBody answers a mail's HTML body as a document of its own for
// the ticket page's frame. The HTML was sanitized when the mail arrived and
// is sanitized again here (the policy may have grown since); cid: images
// point at the mail's parts; remote images stay off unless ?images=remote.
func (h *Handlers) handleMessageBody(w http.ResponseWriter, r *http.Request) {
	t, err := h.Tickets.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		h.uiError(w, r, err)
		return
	}
	var m *ticket.Message
	for i := range t.Messages {
		if t.Messages[i].ID == r.PathValue("message") {
			m = &t.Messages[i]
		}
	}
	if m == nil || m.HTML == "" {
		h.uiError(w, r, fmt.Errorf("message %s of ticket %s with an HTML body: %w", r.PathValue("message"), t.ID, fault.ErrNotFound))
		return
	}
	body := mailparse.Sanitize(m.HTML)
	byCID := map[string]string{}
	for _, a := range m.Attachments {
		if a.ContentID != "" && !a.Omitted {
			byCID[strings.Trim(a.ContentID, "<>")] = a.ID
		}
	}
	body = cidSrc.ReplaceAllStringFunc(body, func(src string) string {
		cid := cidSrc.FindStringSubmatch(src)[1]
		if id, ok := byCID[cid]; ok {
			return fmt.Sprintf(`src="/tickets/%s/attachments/%s"`, t.ID, id)
		}
		return `src=""`
	})
	remote := ""
	if r.URL.Query().Get("images") == "remote" {
		body = remoteSrc.ReplaceAllString(body, `src="`)
		remote = " https: http:"
	}
	hdr := w.Header()
	hdr.Set("Content-Security-Policy", fmt.Sprintf(messageBodyCSP, remote))
	hdr.Set("X-Frame-Options", "SAMEORIGIN")
	hdr.Set("Referrer-Policy", "no-referrer")
	hdr.Set("Content-Type", "text/html; charset=utf-8")
	fmt.Fprintf(w, "<!doctype html><html><head><meta charset=\"utf-8\"><meta name=\"referrer\" content=\"no-referrer\">"+
		"<base target=\"_blank\"><style>body{font:14px/1.45 system-ui,sans-serif;margin:8px;color:#1d2330;overflow-wrap:anywhere}"+
		"img{max-width:100%%;height:auto}img[data-remote-src]{outline:1px dashed #aab;min-width:2em;min-height:1em}</style></head><body>%s</body></html>", body)
}

// inlineTypes are the content types an attachment is shown in the browser
// with; every other type downloads, so that an HTML or SVG attachment never
// runs as a page of this site.
var inlineTypes = map[string]bool{
	"application/pdf": true, "image/png": true, "image/jpeg": true, "image/gif": true, "image/webp": true,
	"image/tiff": true, "audio/mpeg": true, "audio/wav": true, "audio/x-wav": true, "audio/ogg": true,
	"audio/mp4": true, "audio/webm": true, "text/plain": true,
}

// handleUIAttachment answers an attachment's bytes for the signed-in user:
// shown in the browser when its type is one it shows safely (so a voicemail
// plays, with seeking, and fax pages open), else as a download. Every answer
// but a PDF's is sandboxed too (Chromium's PDF viewer does not run in a
// sandbox; a PDF runs no script of ours either way).
func (h *Handlers) handleUIAttachment(w http.ResponseWriter, r *http.Request) {
	a, data, err := h.Tickets.Attachment(r.Context(), r.PathValue("id"), r.PathValue("attachment"))
	if errors.Is(err, fault.ErrTooLarge) {
		err = fmt.Errorf("%w: %w", fault.ErrNotFound, err)
	}
	if err != nil {
		h.uiError(w, r, err)
		return
	}
	ct := strings.ToLower(strings.TrimSpace(strings.Split(a.ContentType, ";")[0]))
	disposition := "inline"
	switch {
	case ct == "text/plain":
		ct = "text/plain; charset=utf-8"
	case !inlineTypes[ct]:
		ct, disposition = "application/octet-stream", "attachment"
	}
	csp := "default-src 'none'; frame-ancestors 'self'; sandbox"
	if ct == "application/pdf" {
		csp = "default-src 'none'; frame-ancestors 'self'"
	}
	hdr := w.Header()
	hdr.Set("Content-Type", ct)
	hdr.Set("Content-Disposition", disposition+"; filename*=UTF-8''"+desk.EncodeRFC5987(desk.AttachmentName(a)))
	hdr.Set("Content-Security-Policy", csp)
	hdr.Set("X-Frame-Options", "SAMEORIGIN")
	hdr.Set("Cache-Control", "private, max-age=3600")
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(data))
}
