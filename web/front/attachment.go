package front

import (
	"strings"

	"frontdesk/ticket"
)

// AttachmentName is the file name to offer for an attachment: the stored one
// without any directory, or one made from the id.
func AttachmentName(a ticket.Attachment) string {
	name := a.Filename
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	if strings.TrimSpace(name) == "" || name == "." || name == ".." {
		name = "attachment-" + a.ID
	}
	return name
}

// EncodeRFC5987 percent-encodes s as the value of an ext-value (RFC 5987
// §3.2.1, used by RFC 6266 §4.3 for filename*): attr-chars as they are, every
// other byte of its UTF-8 as %XX.
func EncodeRFC5987(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
			strings.IndexByte("!#$&+-.^_`|~", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}
