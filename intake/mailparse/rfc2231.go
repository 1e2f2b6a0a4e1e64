package mailparse

import (
	"net/textproto"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// rfc2231ParamRE matches the pieces of an RFC 2231 filename or name
// parameter: name*0*=…, name*1=…, filename*=….
var rfc2231ParamRE = regexp.MustCompile(`(?i)(?:^|;)\s*(filename|name)\*(\d*)(\*?)\s*=\s*("[^"]*"|[^;\s]*)`)

// rfc2231Filename reads an RFC 2231 file name the standard library refuses:
// Go's mime package decodes only UTF-8 and US-ASCII extended values, mailers
// also send ISO-8859-1, windows-1252 or Shift_JIS ones (RFC 2231 §4, §3
// for continuations). It looks at Content-Disposition's filename first,
// then Content-Type's name.
func rfc2231Filename(h textproto.MIMEHeader, w *warnings) string {
	for _, f := range []struct{ header, param string }{
		{"Content-Disposition", "filename"},
		{"Content-Type", "name"},
	} {
		if s := rfc2231Param(h.Get(f.header), f.param, w); s != "" {
			return s
		}
	}
	return ""
}

func rfc2231Param(v, param string, w *warnings) string {
	type piece struct {
		n       int
		encoded bool
		value   string
	}
	var pieces []piece
	for _, m := range rfc2231ParamRE.FindAllStringSubmatch(v, -1) {
		if !strings.EqualFold(m[1], param) {
			continue
		}
		n := 0
		if m[2] != "" {
			n, _ = strconv.Atoi(m[2])
		}
		pieces = append(pieces, piece{n, m[3] == "*" || m[2] == "", strings.Trim(m[4], `"`)})
	}
	if len(pieces) == 0 {
		return ""
	}
	sort.SliceStable(pieces, func(i, j int) bool { return pieces[i].n < pieces[j].n })
	charset := ""
	var raw strings.Builder
	for i, p := range pieces {
		val := p.value
		if p.encoded && i == 0 {
			// charset'language'value
			if parts := strings.SplitN(val, "'", 3); len(parts) == 3 {
				charset, val = parts[0], parts[2]
			}
		}
		if p.encoded {
			if u, err := url.PathUnescape(val); err == nil {
				val = u
			}
		}
		raw.WriteString(val)
	}
	s, _ := decodeText([]byte(raw.String()), strings.ToLower(charset), false, w)
	return s
}
