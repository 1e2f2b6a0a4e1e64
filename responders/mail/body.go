package mail

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"html"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/textproto"
	"strings"
)

// buildBody returns the MIME body of m and its Content-Type: a
// multipart/alternative of text/plain and text/html, inside a
// multipart/mixed when m has attachments.
func buildBody(m Message) ([]byte, string, error) {
	for _, a := range m.Attachments {
		if hasCRLF(a.Filename) || hasCRLF(a.ContentType) {
			return nil, "", invalid("attachment name or type contains a line break")
		}
		if a.ContentType != "" {
			if _, _, err := mime.ParseMediaType(a.ContentType); err != nil {
				return nil, "", invalid("attachment content type %q", a.ContentType)
			}
		}
	}
	text := strings.ReplaceAll(m.Text, "\r\n", "\n")
	cal, files := calendarParts(m.Attachments)
	m.Attachments = files

	var alt bytes.Buffer
	altType, err := writeAlternative(&alt, text, cal)
	if err != nil {
		return nil, "", err
	}
	if len(m.Attachments) == 0 {
		return alt.Bytes(), altType, nil
	}

	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	if err := w.SetBoundary(randomBoundary()); err != nil {
		return nil, "", fmt.Errorf("build mail: %w", err)
	}
	pw, err := w.CreatePart(textproto.MIMEHeader{"Content-Type": {altType}})
	if err != nil {
		return nil, "", fmt.Errorf("build mail: %w", err)
	}
	if _, err := pw.Write(alt.Bytes()); err != nil {
		return nil, "", fmt.Errorf("build mail: %w", err)
	}
	for _, a := range m.Attachments {
		if err := writeAttachment(w, a); err != nil {
			return nil, "", err
		}
	}
	if err := w.Close(); err != nil {
		return nil, "", fmt.Errorf("build mail: %w", err)
	}
	return buf.Bytes(), mime.FormatMediaType("multipart/mixed", map[string]string{"boundary": w.Boundary()}), nil
}

// writeAlternative writes the text/plain and text/html parts, both UTF-8 and
// quoted-printable, and returns the multipart/alternative Content-Type.
func writeAlternative(buf *bytes.Buffer, text string, cal []Attachment) (string, error) {
	w := multipart.NewWriter(buf)
	if err := w.SetBoundary(randomBoundary()); err != nil {
		return "", fmt.Errorf("build mail: %w", err)
	}
	for _, p := range []struct{ ctype, body string }{
		{"text/plain; charset=utf-8", text},
		{"text/html; charset=utf-8", textToHTML(text)},
	} {
		pw, err := w.CreatePart(textproto.MIMEHeader{
			"Content-Type":              {p.ctype},
			"Content-Transfer-Encoding": {"quoted-printable"},
		})
		if err != nil {
			return "", fmt.Errorf("build mail: %w", err)
		}
		// In text mode the writer turns every "\n" into CRLF.
		qp := quotedprintable.NewWriter(pw)
		if _, err := qp.Write([]byte(p.body)); err != nil {
			return "", fmt.Errorf("build mail: %w", err)
		}
		if err := qp.Close(); err != nil {
			return "", fmt.Errorf("build mail: %w", err)
		}
	}
	for _, c := range cal {
		if err := writeCalendar(w, c); err != nil {
			return "", err
		}
	}
	if err := w.Close(); err != nil {
		return "", fmt.Errorf("build mail: %w", err)
	}
	return mime.FormatMediaType("multipart/alternative", map[string]string{"boundary": w.Boundary()}), nil
}

// writeAttachment writes a as a base64 part with its file name (RFC 2183;
// non-ASCII names are RFC 2231 encoded by mime.FormatMediaType).
func writeAttachment(w *multipart.Writer, a Attachment) error {
	ctype := a.ContentType
	if ctype == "" {
		ctype = "application/octet-stream"
	}
	hdr := textproto.MIMEHeader{
		"Content-Type":              {ctype},
		"Content-Transfer-Encoding": {"base64"},
	}
	if a.Filename != "" {
		mt, params, _ := mime.ParseMediaType(ctype) // checked by buildBody
		params["name"] = a.Filename
		hdr.Set("Content-Type", mime.FormatMediaType(mt, params))
		hdr.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": a.Filename}))
	} else {
		hdr.Set("Content-Disposition", "attachment")
	}
	if hdr.Get("Content-Type") == "" || hdr.Get("Content-Disposition") == "" {
		return invalid("attachment %q cannot be described", a.Filename)
	}
	return writeBase64Part(w, hdr, a.Data)
}

// writeBase64Part writes a part with header hdr holding data in base64,
// in lines of 76 characters (RFC 2045 §6.8).
func writeBase64Part(w *multipart.Writer, hdr textproto.MIMEHeader, data []byte) error {
	pw, err := w.CreatePart(hdr)
	if err != nil {
		return fmt.Errorf("build mail: %w", err)
	}
	enc := base64.StdEncoding.EncodeToString(data)
	var b strings.Builder
	b.Grow(len(enc) + len(enc)/76*2 + 2)
	for len(enc) > 76 {
		b.WriteString(enc[:76])
		b.WriteString("\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc)
	b.WriteString("\r\n")
	if _, err := pw.Write([]byte(b.String())); err != nil {
		return fmt.Errorf("build mail: %w", err)
	}
	return nil
}

// textToHTML renders plain text as HTML: every character escaped, blank-line
// separated paragraphs as <p>, single line breaks as <br>. URLs stay text:
// nothing in a reply becomes a link the customer did not see as one.
func textToHTML(text string) string {
	var b strings.Builder
	b.WriteString("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"></head><body>\n")
	for _, para := range strings.Split(strings.TrimSpace(text), "\n\n") {
		para = strings.Trim(para, "\n")
		if strings.TrimSpace(para) == "" {
			continue
		}
		b.WriteString("<p>")
		for i, line := range strings.Split(para, "\n") {
			if i > 0 {
				b.WriteString("<br>\n")
			}
			b.WriteString(html.EscapeString(line))
		}
		b.WriteString("</p>\n")
	}
	b.WriteString("</body></html>\n")
	return b.String()
}
