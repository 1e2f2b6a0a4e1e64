package ui

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"

	"frontdesk/fault"
	"frontdesk/intake/mailparse"
	"frontdesk/ticket"
)

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
