package phone

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"net/http"
	"net/url"
	"sort"
)

// signed reports whether r carries a valid X-Twilio-Signature for the
// form's parameters. Without an auth token nothing is valid.
func (w *Webhooks) signed(r *http.Request, form url.Values) bool {
	sig := r.Header.Get("X-Twilio-Signature")
	if sig == "" || w.opts.Twilio.AuthToken == "" {
		return false
	}
	params := make(map[string]string, len(form))
	for k, v := range form {
		params[k] = v[0] // url.ParseQuery never stores an empty slice
	}
	// Validate also accepts the URL with the scheme's default port added
	// or an explicit port removed, as Twilio signs either way.
	return w.validator.Validate(w.signedURL(r), params, sig)
}

// signedURL is the URL Twilio requested and signed: the public URL, the
// path as sent (escaped) and the query, if any. Only the POST body's
// parameters are signed separately; query parameters are part of the URL.
func (w *Webhooks) signedURL(r *http.Request) string {
	u := w.opts.PublicURL + r.URL.EscapedPath()
	if r.URL.RawQuery != "" {
		u += "?" + r.URL.RawQuery
	}
	return u
}

// Sign returns the X-Twilio-Signature Twilio sends when it POSTs params to
// url: the base64 of HMAC-SHA1, keyed with authToken, over url followed by
// each parameter's name and first value, in the order of the names. It is
// for tests and the demo, which play Twilio.
func Sign(authToken, url string, params url.Values) string {
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	mac := hmac.New(sha1.New, []byte(authToken))
	_, _ = mac.Write([]byte(url)) // a hash.Hash never fails to write
	for _, k := range keys {
		var v string
		if vs := params[k]; len(vs) > 0 {
			v = vs[0]
		}
		_, _ = mac.Write([]byte(k))
		_, _ = mac.Write([]byte(v))
	}
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}
