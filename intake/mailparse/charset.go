package mailparse

import (
	"bytes"
	"fmt"
	"io"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/jhillyerd/enmime/v2/mediatype"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/ianaindex"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"
)

// rawCharset replaces the charset parameter of every text part while enmime
// parses, so that enmime, finding no converter for it, leaves the content
// bytes as they are (after transfer decoding). decodeText then applies the
// declared charset, read again from the part's header. This avoids enmime's
// charset detection, which runs whenever a part declares no charset even
// with detection disabled, and keeps the raw bytes of text attachments, whose
// size must be the decoded size.
const rawCharset = "x-frontdesk-raw"

// parseMediaTypeRawCharset is enmime's media type parser with the charset of
// text/* types replaced by rawCharset.
// It also joins "name= value", which folding leaves behind and
// mime.ParseMediaType refuses.
func parseMediaTypeRawCharset(ctype string) (string, map[string]string, []string, error) {
	if strings.Contains(ctype, "= ") || strings.Contains(ctype, "=\t") {
		ctype = paramSpaceRE.ReplaceAllString(ctype, "$1=")
	}
	mtype, params, invalid, err := mediatype.Parse(ctype)
	if err == nil && strings.HasPrefix(mtype, "text/") {
		if params == nil {
			params = make(map[string]string)
		}
		params["charset"] = rawCharset
	}
	return mtype, params, invalid, err
}

// paramSpaceRE matches white space after the "=" of a parameter.
var paramSpaceRE = regexp.MustCompile(`(;\s*[A-Za-z0-9*_.-]+)\s*=\s+`)

// declaredCharset reads the charset parameter of a Content-Type value.
func declaredCharset(ctype string) string {
	if strings.Contains(ctype, "= ") || strings.Contains(ctype, "=\t") {
		ctype = paramSpaceRE.ReplaceAllString(ctype, "$1=")
	}
	_, params, _, err := mediatype.Parse(ctype)
	if err != nil {
		return ""
	}
	return strings.ToLower(strings.Trim(strings.TrimSpace(params["charset"]), `"'`))
}

// charsetAliases maps labels seen in mail that the WHATWG and IANA indexes
// do not know.
var charsetAliases = map[string]string{
	"utf8":           "utf-8",
	"utf8mb4":        "utf-8",
	"unicode-1-1":    "utf-16",
	"iso8859-1":      "iso-8859-1",
	"iso8859-15":     "iso-8859-15",
	"latin-1":        "iso-8859-1",
	"cp1252":         "windows-1252",
	"cp-1252":        "windows-1252",
	"win-1252":       "windows-1252",
	"cp1251":         "windows-1251",
	"cp1250":         "windows-1250",
	"ansi":           "windows-1252",
	"238":            "windows-1250",
	"gb_2312-80":     "gbk",
	"x-gbk":          "gbk",
	"cp936":          "gbk",
	"iso-2022-jp-2":  "iso-2022-jp",
	"iso-2022-jp-3":  "iso-2022-jp",
	"cp932":          "shift_jis",
	"ms932":          "shift_jis",
	"x-sjis":         "shift_jis",
	"ks_c_5601-1987": "euc-kr",
	"cp949":          "euc-kr",
	"big5-hkscs":     "big5",
}

// lookupCharset returns the decoder for a charset label, or nil.
func lookupCharset(label string) encoding.Encoding {
	label = strings.ToLower(strings.Trim(strings.TrimSpace(label), `"'`))
	if a, ok := charsetAliases[label]; ok {
		label = a
	}
	switch label {
	case "utf-8":
		return unicode.UTF8
	case "gb2312", "gbk", "euc-cn", "x-euc-cn":
		// GB2312 is a subset of GBK, GBK of GB18030.
		return simplifiedchinese.GBK
	case "gb18030":
		return simplifiedchinese.GB18030
	case "iso-2022-jp":
		return japanese.ISO2022JP
	case "us-ascii", "ascii", "iso-8859-1", "iso_8859-1", "latin1", "l1":
		// As in browsers (WHATWG Encoding §4.2): windows-1252 is a
		// superset of both that mailers mislabel as either.
		return charmap.Windows1252
	}
	if e, err := htmlindex.Get(label); err == nil && e != nil {
		return e
	}
	if e, err := ianaindex.MIME.Encoding(label); err == nil && e != nil {
		return e
	}
	return nil
}

// charsetReader is mime.WordDecoder's CharsetReader.
func charsetReader(label string, r io.Reader) (io.Reader, error) {
	e := lookupCharset(label)
	if e == nil {
		return nil, fmt.Errorf("unknown charset %q", label)
	}
	return e.NewDecoder().Reader(r), nil
}

func decodeWindows1252(b []byte) []byte {
	out, err := charmap.Windows1252.NewDecoder().Bytes(b)
	if err != nil {
		return bytes.ToValidUTF8(b, []byte("\uFFFD"))
	}
	return out
}

// htmlMetaCharsetRE finds <meta charset=…> and <meta http-equiv … content="…; charset=…">.
var htmlMetaCharsetRE = regexp.MustCompile(`(?i)<meta[^>]*charset\s*=\s*["']?\s*([a-z0-9_.:-]+)`)

// decodeText converts a body part to UTF-8 from its declared charset. Where
// none is declared, or the bytes are not valid in the declared charset, it
// guesses (for HTML first from its <meta> charset): 7-bit text with ISO-2022
// escapes is ISO-2022-JP, valid UTF-8 is UTF-8, anything else
// windows-1252. It reports the charset used.
func decodeText(b []byte, declared string, isHTML bool, w *warnings) (string, string) {
	ascii := isASCII(b)
	if declared == "" || declared == "us-ascii" || declared == "ascii" || declared == "ansi_x3.4-1968" {
		if ascii && !bytes.Contains(b, []byte{0x1b}) {
			return string(b), "us-ascii"
		}
		if isHTML {
			if m := htmlMetaCharsetRE.FindSubmatch(b); m != nil {
				if label := strings.ToLower(string(m[1])); lookupCharset(label) != nil && label != "us-ascii" {
					return decodeText(b, label, false, w)
				}
			}
		}
		what := "no charset declared"
		if declared != "" {
			what = "charset " + declared + " declared"
		}
		cs, s := guessCharset(b)
		w.add("%s but the text has 8-bit or escape bytes; read as %s", what, cs)
		return s, cs
	}
	e := lookupCharset(declared)
	if e == nil {
		cs, s := guessCharset(b)
		w.add("unknown charset %q; read as %s", declared, cs)
		return s, cs
	}
	if e == unicode.UTF8 {
		if utf8.Valid(b) {
			return string(b), "utf-8"
		}
		if ascii {
			return string(b), "utf-8"
		}
		if looksMostlyUTF8(b) {
			w.add("text declared utf-8 has invalid bytes; they were replaced")
			return string(bytes.ToValidUTF8(b, []byte("\uFFFD"))), "utf-8"
		}
		w.add("text declared utf-8 is not UTF-8; read as windows-1252")
		return string(decodeWindows1252(b)), "windows-1252"
	}
	out, err := e.NewDecoder().Bytes(b)
	if err != nil {
		cs, s := guessCharset(b)
		w.add("text is not valid %s (%v); read as %s", declared, err, cs)
		return s, cs
	}
	if !utf8.Valid(out) {
		out = bytes.ToValidUTF8(out, []byte("\uFFFD"))
	}
	return string(out), declared
}

// guessCharset decodes text whose charset is unknown.
func guessCharset(b []byte) (charset, text string) {
	if isASCII(b) {
		if bytes.Contains(b, []byte("\x1b$B")) || bytes.Contains(b, []byte("\x1b$@")) || bytes.Contains(b, []byte("\x1b(J")) {
			if out, err := japanese.ISO2022JP.NewDecoder().Bytes(b); err == nil {
				return "iso-2022-jp", string(out)
			}
		}
		return "us-ascii", string(b)
	}
	if utf8.Valid(b) {
		return "utf-8", string(b)
	}
	return "windows-1252", string(decodeWindows1252(b))
}

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return false
		}
	}
	return true
}

// looksMostlyUTF8 reports whether b has more valid multi-byte UTF-8
// sequences than invalid bytes: UTF-8 with a few broken bytes, rather than
// an 8-bit charset.
func looksMostlyUTF8(b []byte) bool {
	valid, invalid := 0, 0
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		switch {
		case r == utf8.RuneError && n == 1:
			invalid++
		case n > 1:
			valid++
		}
		b = b[n:]
	}
	return valid > invalid
}
