package phone

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
)

// Why a signed webhook is checked beyond its signature: Twilio signs the URL
// followed by the POST parameters sorted by name and concatenated without
// separators, so the same bytes can be cut into other parameters with the
// same signature. A captured request can thus be replayed as, say,
// MessageSid=SM…0NumMedia0 without NumMedia: a new SID, past the
// idempotency that keys every message by its SID. Twilio's SIDs have a
// fixed form — two letters naming the kind, then 32 lower-case hexadecimal
// digits (https://www.twilio.com/docs/glossary/what-is-a-sid) — which a
// re-cut value loses, and AccountSid must be our account's. A request that
// fails these checks is refused with 400 before any Sink sees it.

// Refusal reasons, the reason label of
// frontdesk_twilio_webhooks_refused_total.
const (
	reasonMissingSID   = "missing_sid"   // a SID the event needs is absent
	reasonMalformedSID = "malformed_sid" // a SID is not of its kind's form
	reasonWrongAccount = "wrong_account" // AccountSid is not twilio.account_sid
)

var refusalReasons = []string{reasonMissingSID, reasonMalformedSID, reasonWrongAccount}

// refusal is a signed request refused for what it carries. serve answers it
// 400 with its message, counts it and logs it at most once a minute per
// path.
type refusal struct {
	reason string // one of refusalReasons
	msg    string
}

func (r *refusal) Error() string { return r.msg }

func refuse(reason, format string, args ...any) error {
	return &refusal{reason: reason, msg: fmt.Sprintf(format, args...)}
}

// sidParam is a form parameter that must hold a Twilio SID with one of
// prefixes.
type sidParam struct {
	name     string
	prefixes []string
}

// The SIDs the webhooks key their events by. Twilio's MessageSid is SM… for
// an SMS and MM… for an MMS; no other prefix is valid (Twilio error 90011).
var (
	callSID          = sidParam{"CallSid", []string{"CA"}}
	recordingSID     = sidParam{"RecordingSid", []string{"RE"}}
	transcriptionSID = sidParam{"TranscriptionSid", []string{"TR"}}
	messageSID       = sidParam{"MessageSid", []string{"SM", "MM"}}
	// smsMessageSID is the older name of MessageSid, read when MessageSid
	// is absent.
	smsMessageSID = sidParam{"SmsMessageSid", []string{"SM", "MM"}}
	faxSID        = sidParam{"FaxSid", []string{"FX"}}
	accountSID    = sidParam{"AccountSid", []string{"AC"}}
)

// checkSIDs checks a signed form before anything is stored: its AccountSid
// (see checkAccount), then that each of params is present and a SID of its
// kind. It returns a *refusal, or nil.
func (w *Webhooks) checkSIDs(form url.Values, params ...sidParam) error {
	if err := w.checkAccount(form); err != nil {
		return err
	}
	for _, p := range params {
		v := form.Get(p.name)
		switch {
		case v == "":
			return refuse(reasonMissingSID, "no %s", p.name)
		case !isSID(v, p.prefixes...):
			return refuse(reasonMalformedSID, "%s %s is not %s and 32 lower-case hex digits", p.name, quote(v), prefixList(p.prefixes))
		}
	}
	return nil
}

// checkAccount checks AccountSid: with twilio.account_sid configured it
// must be present and equal to it; without, it must be a well-formed
// account SID if present.
func (w *Webhooks) checkAccount(form url.Values) error {
	got, want := form.Get("AccountSid"), w.opts.Twilio.AccountSID
	switch {
	case got == "" && want == "":
		return nil
	case got == "":
		return refuse(reasonMissingSID, "no AccountSid")
	case !isSID(got, accountSID.prefixes...):
		return refuse(reasonMalformedSID, "AccountSid %s is not AC and 32 lower-case hex digits", quote(got))
	case want != "" && got != want:
		return refuse(reasonWrongAccount, "AccountSid %s is not this desk's account (twilio.account_sid)", got)
	}
	return nil
}

// checkFaxSIDs checks a fax callback's SIDs. /twilio/fax takes two forms:
//
//   - Twilio's (legacy Programmable Fax): FaxSid is FX and 32 lower-case
//     hex digits, and AccountSid is checked as on every route
//     (checkAccount);
//   - SignalWire's (its Twilio-compatible fax API): FaxSid and AccountSid
//     (the project ID) are both UUIDs in canonical lower-case form. The
//     project ID must equal twilio.account_sid when that is a UUID too;
//     otherwise (config requires twilio.account_sid to start with AC) it
//     cannot be compared, and the signature with twilio.auth_token is what
//     authenticates the callback.
//
// Mixed forms (an FX FaxSid with a UUID account, or the reverse) are refused.
func (w *Webhooks) checkFaxSIDs(form url.Values) error {
	sid := form.Get(faxSID.name)
	switch {
	case isSID(sid, faxSID.prefixes...):
		return w.checkSIDs(form)
	case isUUID(sid):
		got, want := form.Get("AccountSid"), w.opts.Twilio.AccountSID
		switch {
		case got == "":
			return refuse(reasonMissingSID, "no AccountSid")
		case !isUUID(got):
			return refuse(reasonMalformedSID, "AccountSid %s of a SignalWire fax (its FaxSid is a UUID) is not a lower-case UUID", quote(got))
		case isUUID(want) && got != want:
			return refuse(reasonWrongAccount, "AccountSid %s is not this desk's account (twilio.account_sid)", got)
		}
		return nil
	case sid == "":
		return refuse(reasonMissingSID, "no FaxSid")
	}
	return refuse(reasonMalformedSID, "FaxSid %s is neither FX and 32 lower-case hex digits nor a lower-case UUID", quote(sid))
}

// isSID reports whether s is a Twilio SID with one of prefixes: the prefix
// and 32 lower-case hexadecimal digits.
func isSID(s string, prefixes ...string) bool {
	return len(s) == 34 && slices.Contains(prefixes, s[:2]) && isLowerHex(s[2:])
}

// isUUID reports whether s is a UUID in its canonical form, 32 lower-case
// hexadecimal digits in groups of 8-4-4-4-12 (RFC 9562, section 4), as
// SignalWire's SIDs are.
func isUUID(s string) bool {
	if len(s) != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
		return false
	}
	return isLowerHex(s[:8]) && isLowerHex(s[9:13]) && isLowerHex(s[14:18]) && isLowerHex(s[19:23]) && isLowerHex(s[24:])
}

func isLowerHex(s string) bool {
	for i := range len(s) {
		if c := s[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// quote quotes a value for a message, cut short: a refused value is the
// sender's, and may be long.
func quote(s string) string {
	const max = 48
	if len(s) > max {
		return fmt.Sprintf("%q…", s[:max])
	}
	return fmt.Sprintf("%q", s)
}

// prefixList writes prefixes as "CA", or "SM or MM".
func prefixList(prefixes []string) string { return strings.Join(prefixes, " or ") }
