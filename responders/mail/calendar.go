package mail

import (
	"mime"
	"mime/multipart"
	"net/textproto"
	"strings"
)

// calendarParts splits an invitation's iCalendar data (an attachment of
// type text/calendar with a method parameter, RFC 6047 §2.4) from the other
// files. The calendar goes into the multipart/alternative beside the text,
// where Outlook looks for it to show Accept and Decline; a copy is attached
// as invite.ics (application/ics), as Gmail sends invitations, for mail
// programs that offer only attachments.
func calendarParts(files []Attachment) (cal, rest []Attachment) {
	for _, a := range files {
		mt, params, err := mime.ParseMediaType(a.ContentType)
		if err == nil && mt == "text/calendar" && params["method"] != "" {
			cal = append(cal, a)
			name := a.Filename
			if name == "" {
				name = "invite.ics"
			}
			rest = append(rest, Attachment{Filename: name, ContentType: "application/ics", Data: a.Data})
			continue
		}
		rest = append(rest, a)
	}
	return cal, rest
}

// writeCalendar writes iCalendar data as a part of a multipart/alternative:
// text/calendar with its method and charset, base64 (its lines may be long
// and its CRLFs must survive).
func writeCalendar(w *multipart.Writer, a Attachment) error {
	mt, params, err := mime.ParseMediaType(a.ContentType)
	if err != nil {
		return invalid("calendar content type %q", a.ContentType)
	}
	out := map[string]string{"method": strings.ToUpper(params["method"]), "charset": "UTF-8"}
	return writeBase64Part(w, textproto.MIMEHeader{
		"Content-Type":              {mime.FormatMediaType(mt, out)},
		"Content-Transfer-Encoding": {"base64"},
	}, a.Data)
}
