package desk

import (
	"bytes"
	"fmt"
	"mime"
	"net/mail"
	"path"
	"strings"
	"unicode"
	"unicode/utf8"

	"frontdesk/fault"
	"frontdesk/internal/words"
	"frontdesk/ticket"
)

// What one reply or forward may carry: a handful of recipients per header
// and of files, each file and all of them together at most
// tickets.attachment_max_size (AttachmentMaxSize), the most the store keeps
// of one attachment and about what mail servers take in one mail (25 MB by
// default).
const (
	maxRecipients  = 20
	maxAttachments = 20
	maxFilename    = 200
)

// AttachmentMaxSize is the largest file a reply may carry, and the most its
// files may weigh together (tickets.attachment_max_size).
func (d *Desk) AttachmentMaxSize() int64 { return int64(d.cfg.Tickets.AttachmentMaxSize) }

// recipients checks the address lists of an outbound mail and returns them
// written as people and parsers read them ("Ann Lee <ann@example.org>"),
// each address once over all of them (To before Cc before Bcc), leaving out
// the ones already in besides (the customer a reply goes to). An address
// may be bare or named; one that does not parse, has no dot in its domain
// (a typo: "ann@example"), holds a line break (header injection) or is
// frontdesk's own is fault.ErrInvalid naming the field and entry ("cc[1]").
func (d *Desk) recipients(besides []string, lists ...namedList) ([][]string, error) {
	seen := map[string]bool{}
	for _, s := range besides {
		if a, err := mail.ParseAddress(s); err == nil {
			seen[strings.ToLower(a.Address)] = true
		}
	}
	out := make([][]string, len(lists))
	for i, l := range lists {
		if len(l.list) > maxRecipients {
			return nil, fmt.Errorf("%w: %s: at most %d addresses", fault.ErrInvalid, l.field, maxRecipients)
		}
		out[i] = []string{}
		for j, raw := range l.list {
			field := fmt.Sprintf("%s[%d]", l.field, j)
			s := strings.TrimSpace(raw)
			if s == "" {
				return nil, fmt.Errorf("%w: %s is empty", fault.ErrInvalid, field)
			}
			if strings.ContainsFunc(s, unicode.IsControl) {
				return nil, fmt.Errorf("%w: %s holds a line break or control character", fault.ErrInvalid, field)
			}
			a, err := mail.ParseAddress(s)
			if err != nil || strings.Count(a.Address, "@") != 1 || !strings.Contains(a.Address[strings.IndexByte(a.Address, '@'):], ".") {
				return nil, fmt.Errorf("%w: %s: %q is not an email address (write ann@example.org or Ann Lee <ann@example.org>)", fault.ErrInvalid, field, s)
			}
			if d.ours(a.Address) {
				return nil, fmt.Errorf("%w: %s: %s is frontdesk's own address", fault.ErrInvalid, field, a.Address)
			}
			key := strings.ToLower(a.Address)
			if seen[key] {
				continue
			}
			seen[key] = true
			out[i] = append(out[i], displayAddress(a))
		}
	}
	return out, nil
}

// namedList is an address list with the name its errors give it.
type namedList struct {
	field string
	list  []string
}

// checkFiles checks the files a person attaches and returns them ready to
// store: names cleaned (cleanFilename), content types checked or found from
// the name. Too many files, or one too large, or all together too large,
// is fault.ErrTooLarge; an empty file, a malformed type or a file mail
// servers refuse to carry (programs and scripts, refusedFile) is
// fault.ErrInvalid, each naming the file.
func (d *Desk) checkFiles(files []ticket.NewAttachment) ([]ticket.NewAttachment, error) {
	if len(files) > maxAttachments {
		return nil, fmt.Errorf("%w: at most %d attachments", fault.ErrTooLarge, maxAttachments)
	}
	limit := d.AttachmentMaxSize()
	out := make([]ticket.NewAttachment, 0, len(files))
	var total int64
	for i, f := range files {
		name := cleanFilename(f.Filename, i)
		field := fmt.Sprintf("attachments[%d] (%s)", i, name)
		size := int64(len(f.Data))
		switch {
		case size == 0:
			return nil, fmt.Errorf("%w: %s is empty", fault.ErrInvalid, field)
		case size > limit:
			is, most := sizes(size, limit)
			return nil, fmt.Errorf("%w: %s is %s; a file may be at most %s", fault.ErrTooLarge, field, is, most)
		}
		total += size
		if total > limit {
			is, most := sizes(total, limit)
			return nil, fmt.Errorf("%w: the attachments come to %s, more than the %s a reply may carry", fault.ErrTooLarge, is, most)
		}
		ctype, err := contentType(f.ContentType, name)
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %v", fault.ErrInvalid, field, err)
		}
		if why := refusedFile(name, ctype, f.Data); why != "" {
			return nil, fmt.Errorf("%w: %s: %s", fault.ErrInvalid, field, why)
		}
		out = append(out, ticket.NewAttachment{Filename: name, ContentType: ctype, Data: f.Data})
	}
	return out, nil
}

// sizes writes a size and the limit it is over in words, in bytes when the
// words would make them look the same.
func sizes(n, limit int64) (string, string) {
	a, b := words.Bytes(n), words.Bytes(limit)
	if a == b {
		return fmt.Sprintf("%d bytes", n), fmt.Sprintf("%d bytes", limit)
	}
	return a, b
}

// cleanFilename is the name a file goes out and is stored under: its last
// path element, without control and bidirectional formatting characters
// (which can make "gpj.exe" read as "exe.jpg"), without the spaces and dots
// Windows drops at the end, valid UTF-8, at most maxFilename bytes with its
// extension kept; "attachment-N" when nothing is left.
func cleanFilename(name string, i int) string {
	name = strings.ToValidUTF8(name, "")
	if j := strings.LastIndexAny(name, `/\`); j >= 0 {
		name = name[j+1:]
	}
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) || r == '\uFEFF' {
			return -1
		}
		return r
	}, name)
	name = strings.TrimRight(strings.TrimSpace(name), ". ")
	if len(name) > maxFilename {
		ext := path.Ext(name)
		if len(ext) > 20 {
			ext = ""
		}
		stem := name[:maxFilename-len(ext)]
		for !utf8.ValidString(stem) {
			stem = stem[:len(stem)-1]
		}
		name = stem + ext
	}
	if name == "" || strings.Trim(name, ".") == "" {
		name = fmt.Sprintf("attachment-%d", i+1)
	}
	return name
}

// contentType is a file's content type as mail carries it: the one given,
// checked and written canonically, or, when none is, the one its name's
// extension suggests, else application/octet-stream.
func contentType(given, name string) (string, error) {
	given = strings.TrimSpace(given)
	if given == "" {
		given = mime.TypeByExtension(strings.ToLower(path.Ext(name)))
		if given == "" {
			return "application/octet-stream", nil
		}
	}
	mt, params, err := mime.ParseMediaType(given)
	if err != nil || strings.Count(mt, "/") != 1 || strings.HasPrefix(mt, "multipart/") || strings.HasPrefix(mt, "message/") {
		return "", fmt.Errorf("content type %q is not a file's media type (type/subtype)", given)
	}
	out := mime.FormatMediaType(mt, params)
	if out == "" || strings.ContainsFunc(out, unicode.IsControl) {
		return "", fmt.Errorf("content type %q cannot be written in a mail", given)
	}
	return out, nil
}

// refusedExtensions are the file types Gmail and Microsoft 365 refuse to
// carry in mail, programs and scripts that run when opened: a reply that
// carried one would bounce, or be taken for malware.
var refusedExtensions = map[string]bool{
	".ade": true, ".adp": true, ".apk": true, ".appx": true, ".appxbundle": true, ".bat": true, ".cab": true,
	".chm": true, ".cmd": true, ".com": true, ".cpl": true, ".diagcab": true, ".diagcfg": true, ".diagpkg": true,
	".dll": true, ".dmg": true, ".ex_": true, ".exe": true, ".hta": true, ".img": true, ".ins": true, ".iso": true,
	".isp": true, ".jar": true, ".jnlp": true, ".js": true, ".jse": true, ".lib": true, ".lnk": true, ".mde": true,
	".mjs": true, ".msc": true, ".msi": true, ".msix": true, ".msixbundle": true, ".msp": true, ".mst": true,
	".nsh": true, ".pif": true, ".ps1": true, ".scr": true, ".sct": true, ".shb": true, ".sys": true, ".vb": true,
	".vbe": true, ".vbs": true, ".vhd": true, ".vxd": true, ".wsc": true, ".wsf": true, ".wsh": true, ".xll": true,
}

// refusedTypes are the content types of such files.
var refusedTypes = map[string]bool{
	"application/x-msdownload": true, "application/x-msdos-program": true, "application/x-dosexec": true,
	"application/vnd.microsoft.portable-executable": true, "application/x-ms-installer": true, "application/x-msi": true,
	"application/java-archive": true, "application/x-java-archive": true, "application/hta": true,
	"application/x-ms-shortcut": true, "application/javascript": true, "text/javascript": true,
	"application/x-javascript": true, "application/vnd.ms-htmlhelp": true,
}

// refusedFile says why a file may not go out by mail, or "" when it may: a
// program or script by its name's extension, its type, or, for a file not
// declared as text, a Windows program's "MZ" signature under another name.
func refusedFile(name, ctype string, data []byte) string {
	ext := strings.ToLower(path.Ext(name))
	mt, _, _ := mime.ParseMediaType(ctype)
	switch {
	case refusedExtensions[ext]:
		return fmt.Sprintf("%s files are programs or scripts, which mail servers refuse to carry", ext)
	case refusedTypes[mt]:
		return fmt.Sprintf("files of type %s are programs or scripts, which mail servers refuse to carry", mt)
	case !strings.HasPrefix(mt, "text/") && bytes.HasPrefix(data, []byte("MZ")) && len(data) > 64:
		return "the file is a Windows program, which mail servers refuse to carry"
	}
	return ""
}
