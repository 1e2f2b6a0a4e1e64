package mailparse

import (
	"net/textproto"
	"path"
	"regexp"
	"strings"

	"github.com/jhillyerd/enmime/v2/mediatype"
)

// classify sets Kind, List, AutoSubmitted and, for bounces, BounceOf and
// BounceReason. A bounce wins over an auto-reply: many bounces also carry
// Auto-Submitted (RFC 3464 §2 recommends it for DSNs).
func classify(m *Mail, h textproto.MIMEHeader, b *bodyParts) {
	// RFC 2919 (List-Id) and RFC 2369 (List-Unsubscribe …) mark list mail.
	m.List = h.Get("List-Id") != "" || h.Get("List-Unsubscribe") != ""

	switch {
	case isBounce(m, h, b):
		m.Kind = KindBounce
		m.BounceOf, m.BounceReason, m.BounceOutcome = bounceDetails(m, b)
	case isAutoReply(m, h, b):
		m.Kind = KindAutoReply
	default:
		m.Kind = KindNormal
	}
	m.BounceOf = nonNil(m.BounceOf)

	prec := strings.ToLower(strings.TrimSpace(h.Get("Precedence")))
	m.AutoSubmitted = m.Kind != KindNormal || m.List ||
		prec == "bulk" || prec == "junk" || prec == "list" || prec == "auto_reply" ||
		m.ReturnPath == "<>" // RFC 5321 §4.5.5: notifications are not answered
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// reportType returns the report-type of a multipart/report Content-Type
// (RFC 6522 §3), or "".
func reportType(ctype string) string {
	mtype, params, _, err := mediatype.Parse(ctype)
	if err != nil || mtype != "multipart/report" {
		return ""
	}
	return strings.ToLower(params["report-type"])
}

// bounceSubjectRE matches the subjects with which MTAs return mail, standard
// DSNs and the older non-standard forms (Postfix, Exim, qmail, Sendmail,
// Exchange, Lotus Notes, Gmail, …). Alone it is enough: these are not
// subjects people write.
var bounceSubjectRE = regexp.MustCompile(`(?i)^\s*(` +
	`undeliver(ed|able)( mail| message)?\b|` +
	`undelivered mail returned to sender|` +
	`delivery status notification \((failure|delay)\)|` +
	`(mail )?delivery (has )?failed|` +
	`mail delivery failed|` +
	`delivery failure|` +
	`failure notice|` +
	`returned mail\b|` +
	`returned to sender|` +
	`non[- ]?deliver(y|able)|` +
	`message (delivery|could not be delivered)|` +
	`could not send message|` +
	`mail (system error|could not be delivered)|` +
	`delivery (notification|report|problem)s?: ?(delivery has failed|undeliverable|failed)?|` +
	`warning: could not send|` +
	`nondeliverable|` +
	`unzustellbar|` +
	`non remis|` +
	`unable to deliver|` +
	`mail not delivered|` +
	`error sending message|` +
	`message not delivered|` +
	`\[?postmaster\]?|` +
	`permanent delivery failure|` +
	`sorry, your message could not|` +
	`there was an error sending your mail|` +
	`delivery status notification|` +
	`mail delivery status|` +
	`メール.{0,4}エラー|配信エラー|送信エラー|不達` +
	`)`)

// bounceBodyRE matches the wording of delivery failures in a body; it counts
// only together with a daemon sender or a null return path.
var bounceBodyRE = regexp.MustCompile(`(?i)(could not be delivered|undeliver|delivery (to the following recipients? )?(has )?failed|` +
	`permanent(ly)? (error|fatal)|returned to (the )?sender|user unknown|mailbox (is )?(full|unavailable)|` +
	`no such (user|mailbox)|message was not delivered|delivery failure|failed permanently|` +
	`recipient address rejected|this is the mail system at|delivery to the following|` +
	`i'm sorry to have to inform you|unable to deliver|not be delivered|smtp error|` +
	`not (a )?member|did not reach the following|recipient name is not recognized|unknown recipient|` +
	`duplicated message-id|loop (alert|detected)|` +
	`\b5\d\d[ -][45]\.\d{1,3}\.\d{1,3}\b|\b[45]\.\d\.\d{1,3}\b|\b5\d\d [- ]?\w)`)

// mailerDaemonRE matches the local parts only MTAs send from; mail from
// them is a delivery report.
var mailerDaemonRE = regexp.MustCompile(`(?i)^(mailer[-_.]?daemon|mail[-_.]?daemon|mail\.?delivery\.?(system|subsystem))$`)

// adminLocalRE matches the local parts of postmasters (RFC 5321 §4.5.1)
// and list managers (owner-LIST, LIST-request, LIST-admin …), who send
// bounces but also other mail.
var adminLocalRE = regexp.MustCompile(`(?i)^(post[-_]?master|mailadmin|mdaemon|owner-.+|.+-(owner|request|admin|bounces?))$`)

// sesNotificationRE matches Amazon SES bounce, complaint and delivery
// notifications delivered by SNS as JSON (maybe JSON in a JSON string).
var sesNotificationRE = regexp.MustCompile(`\\?"(notificationType|eventType)\\?"\s*:\s*\\?"(Bounce|Complaint|Delivery)\\?"`)

// isBounce reports whether m is a delivery failure report.
func isBounce(m *Mail, h textproto.MIMEHeader, b *bodyParts) bool {
	// RFC 3464 §2 / RFC 6522: multipart/report; report-type=delivery-status.
	// RFC 5965 feedback reports (abuse complaints about a mail we sent) are
	// counted as bounces too: they answer one of our messages, are written
	// by a machine, and must not be acknowledged. Only RFC 8098 read
	// receipts (disposition-notification) are left to isAutoReply.
	if ctype := h.Get("Content-Type"); strings.Contains(strings.ToLower(ctype), "multipart/report") {
		if rt := reportType(ctype); rt != "disposition-notification" {
			return true
		}
	}
	for _, p := range b.leaves {
		switch p.ContentType {
		case "message/delivery-status", "message/global-delivery-status", "message/feedback-report":
			return true
		}
	}
	// Exim's header naming the failed recipients; Exchange's NDR marker.
	if h.Get("X-Failed-Recipients") != "" || h.Get("X-MS-Exchange-Message-Is-Ndr") != "" {
		return true
	}
	if bounceSubjectRE.MatchString(m.Subject) || isSESNotification(b.text) {
		return true
	}
	local, _, _ := strings.Cut(m.From.Address, "@")
	if mailerDaemonRE.MatchString(local) {
		return true
	}
	// A postmaster or list manager sender, or the null reverse-path of
	// notifications (RFC 5321 §4.5.5), together with the wording of a
	// delivery failure; an auto-reply with a null reverse-path is not one.
	admin := adminLocalRE.MatchString(local)
	if admin || m.ReturnPath == "<>" {
		if !admin && isAutoReplyHeader(h) {
			return false
		}
		return bounceBodyRE.MatchString(m.Subject) || bounceBodyRE.MatchString(firstChars(b.text, 4000))
	}
	return false
}

// isSESNotification reports an Amazon SES/SNS bounce or complaint
// notification in a body. The substring test first keeps the regular
// expression off ordinary mail: it was most of the parse time.
func isSESNotification(text string) bool {
	head := firstChars(text, 4000)
	if !strings.Contains(head, "notificationType") && !strings.Contains(head, "eventType") {
		return false
	}
	return sesNotificationRE.MatchString(head)
}

func firstChars(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// isAutoReplyHeader reports header signs of an automatic reply.
func isAutoReplyHeader(h textproto.MIMEHeader) bool {
	// RFC 3834 §5: Auto-Submitted other than "no" (auto-replied,
	// auto-generated, auto-notified …).
	if v := strings.ToLower(strings.TrimSpace(h.Get("Auto-Submitted"))); v != "" && !strings.HasPrefix(v, "no") {
		return true
	}
	// Non-standard forms older than RFC 3834.
	for _, k := range []string{"X-Autoreply", "X-Autorespond", "X-Autoresponder", "X-Auto-Reply", "X-Autogenerated", "X-Vacation"} {
		if v := strings.ToLower(strings.TrimSpace(h.Get(k))); v != "" && v != "no" && v != "false" {
			return true
		}
	}
	// RFC 3834 §2 notes Precedence is not standard but common.
	switch strings.ToLower(strings.TrimSpace(h.Get("Precedence"))) {
	case "auto_reply", "bulk", "junk":
		return true
	}
	return false
}

// autoReplySubjectRE matches the subjects of out-of-office replies of common
// mailers and languages, as a prefix; these are well-known and enough alone.
var autoReplySubjectRE = regexp.MustCompile(`(?i)^\s*(` +
	`automatic reply|auto[- ]?reply|auto[- ]?response|autoresponse|out of (the )?office( auto ?reply)?|` +
	`autosvar|automatisk svar|automatisch antwoord|automatische antwort|abwesenheitsnotiz|` +
	`r[ée]ponse automatique|risposta automatica|respuesta autom[aá]tica|resposta autom[aá]tica|` +
	`odpowied[zź] automatyczna|automaattinen vastaus|automatikus v[aá]lasz|otomatik yan[ıi]t|` +
	`автоматический ответ|自动回复|自動回覆|自動応答` +
	`)\s*:`)

// weakAutoReplySubjectRE matches subjects that suggest an auto-reply but
// that a person could write; they count only together with another sign.
var weakAutoReplySubjectRE = regexp.MustCompile(`(?i)(out of (the )?office|on vacation|on holiday|on leave|away from (the )?office|abwesend|afwezig|absence|vacation reply|i am away|i'm away)`)

// isAutoReply reports whether m is an automatic reply (RFC 3834).
func isAutoReply(m *Mail, h textproto.MIMEHeader, b *bodyParts) bool {
	if isAutoReplyHeader(h) {
		return true
	}
	// RFC 8098 message disposition notifications (read receipts) are
	// automatic replies too.
	if reportType(h.Get("Content-Type")) == "disposition-notification" {
		return true
	}
	if autoReplySubjectRE.MatchString(m.Subject) {
		return true
	}
	// Exchange marks its OOF replies with X-Auto-Response-Suppress (and
	// loops of inbox rules with X-MS-Exchange-Inbox-Rules-Loop), but also
	// other machine mail: a sign only with a telling subject.
	other := h.Get("X-Auto-Response-Suppress") != "" || h.Get("X-MS-Exchange-Inbox-Rules-Loop") != "" ||
		m.ReturnPath == "<>"
	return other && weakAutoReplySubjectRE.MatchString(m.Subject)
}

// isFax reports whether addr matches one of the fax sender patterns.
func isFax(addr string, patterns []string) bool {
	if addr == "" {
		return false
	}
	addr = strings.ToLower(addr)
	for _, p := range patterns {
		if ok, err := path.Match(strings.ToLower(strings.TrimSpace(p)), addr); err == nil && ok {
			return true
		}
	}
	return false
}
