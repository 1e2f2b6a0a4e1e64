package e2e

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"frontdesk/config"
	"frontdesk/internal/testdovecot"
)

// TestLargeMailMemory imports one mail of just under 25MB, almost all of it
// a base64 attachment, and reads the process's peak RSS. The target is
// 200MB; only a sanity bound of 400MB is asserted, the figure is logged.
func TestLargeMailMemory(t *testing.T) {
	const size = 24_900_000 // bytes; 25MB is 25,000,000
	raw, attSize := bigMail(size)
	d, took, hwm := importOneMail(t, raw)
	t.Logf("%d-byte mail (%d-byte attachment) imported in %v; peak RSS (VmHWM) %.1f MB (target 200 MB)",
		len(raw), attSize, took.Round(time.Millisecond), float64(hwm)/1e6)
	if hwm >= 400e6 {
		t.Errorf("peak RSS %d bytes, want < 400MB", hwm)
	}

	// The ticket holds the mail and the whole attachment.
	ctx := d.ctx(t)
	ids := d.rdb.ZRange(ctx, d.key("tickets"), 0, -1).Val()
	if len(ids) != 1 {
		t.Fatalf("tickets %v, want one", ids)
	}
	checkTicket(t, d, ids[0], testdovecot.MessageID(0))
	msgs := d.rdb.LRange(ctx, d.key("ticket:"+ids[0]+":messages"), 0, -1).Val()
	if len(msgs) != 1 {
		t.Fatalf("ticket %s has %d messages, want 1", ids[0], len(msgs))
	}
	var m struct {
		Attachments []struct {
			ID       string `json:"id"`
			Filename string `json:"filename"`
			Size     int64  `json:"size"`
			Omitted  bool   `json:"omitted"`
		} `json:"attachments"`
		RawID string `json:"raw_id"`
	}
	if err := json.Unmarshal([]byte(msgs[0]), &m); err != nil {
		t.Fatalf("message of ticket %s: %v", ids[0], err)
	}
	if len(m.Attachments) != 1 {
		t.Fatalf("message has %d attachments, want 1: %+v", len(m.Attachments), m.Attachments)
	}
	a := m.Attachments[0]
	if a.Filename != "device-log.bin" || a.Omitted || a.Size != int64(attSize) {
		t.Errorf("attachment %+v, want device-log.bin of %d bytes, kept", a, attSize)
	}
	if n := d.rdb.StrLen(ctx, d.prefix+":blob:{"+a.ID+"}").Val(); n != int64(attSize) {
		t.Errorf("attachment %s: blob of %d bytes, want %d", a.ID, n, attSize)
	}
	if m.RawID != "" {
		if n := d.rdb.StrLen(ctx, d.prefix+":blob:{"+m.RawID+"}").Val(); n != int64(len(raw)) {
			t.Errorf("raw original %s: blob of %d bytes, want %d", m.RawID, n, len(raw))
		}
	}
}

// TestLargeHTMLMailMemory imports a 24MB mail that is all HTML dense with
// tags, which sanitizing and turning into text once took to 1.15GB: the HTML
// must become the attachment message.html with a text excerpt, and the peak
// RSS stay under 300MB.
func TestLargeHTMLMailMemory(t *testing.T) {
	raw, html := bigHTMLMail(24_000_000)
	d, took, hwm := importOneMail(t, raw)
	t.Logf("%d-byte HTML mail imported in %v; peak RSS (VmHWM) %.1f MB (target 300 MB)",
		len(raw), took.Round(time.Millisecond), float64(hwm)/1e6)
	if hwm >= 300e6 {
		t.Errorf("peak RSS %d bytes, want < 300MB", hwm)
	}

	ctx := d.ctx(t)
	ids := d.rdb.ZRange(ctx, d.key("tickets"), 0, -1).Val()
	if len(ids) != 1 {
		t.Fatalf("tickets %v, want one", ids)
	}
	checkTicket(t, d, ids[0], testdovecot.MessageID(0))
	msgs := d.rdb.LRange(ctx, d.key("ticket:"+ids[0]+":messages"), 0, -1).Val()
	if len(msgs) != 1 {
		t.Fatalf("ticket %s has %d messages, want 1", ids[0], len(msgs))
	}
	var m struct {
		Text        string   `json:"text"`
		HTML        string   `json:"html"`
		Warnings    []string `json:"warnings"`
		Attachments []struct {
			ID          string `json:"id"`
			Filename    string `json:"filename"`
			ContentType string `json:"content_type"`
			Size        int64  `json:"size"`
			Omitted     bool   `json:"omitted"`
		} `json:"attachments"`
	}
	if err := json.Unmarshal([]byte(msgs[0]), &m); err != nil {
		t.Fatalf("message of ticket %s: %v", ids[0], err)
	}
	if m.HTML != "" || !strings.HasPrefix(m.Text, "Line 0 of the order\n\nLine 1 of the order") || len(m.Text) > 70_000 {
		t.Errorf("message html %.40q, text of %d bytes %.60q; want no HTML and a text excerpt", m.HTML, len(m.Text), m.Text)
	}
	if len(m.Warnings) != 1 || !strings.Contains(m.Warnings[0], "kept as the attachment message.html") {
		t.Errorf("warnings %q, want one saying the HTML is kept as message.html", m.Warnings)
	}
	if len(m.Attachments) != 1 {
		t.Fatalf("message has %d attachments, want message.html: %+v", len(m.Attachments), m.Attachments)
	}
	a := m.Attachments[0]
	if a.Filename != "message.html" || a.ContentType != "text/html" || a.Omitted || a.Size != int64(len(html)) {
		t.Errorf("attachment %+v, want message.html, text/html, %d bytes, kept", a, len(html))
	}
	if n := d.rdb.StrLen(ctx, d.prefix+":blob:{"+a.ID+"}").Val(); n != int64(len(html)) {
		t.Errorf("attachment %s: blob of %d bytes, want %d", a.ID, n, len(html))
	}
}

// importOneMail delivers raw to a Dovecot mailbox, runs serve on it until the
// mail is a ticket and marked seen, and stops it. It returns the desk, how
// long the import took and serve's peak RSS (VmHWM).
func importOneMail(t *testing.T, raw []byte) (*desk, time.Duration, int64) {
	t.Helper()
	d := newDesk(t)
	srv := testdovecot.Start(t, "desk")
	srv.DeliverMaildirFunc(t, "desk", 0, 1, func(int) []byte { return raw })
	mb := srv.Mailbox("desk")
	mb.Name = "support"
	p := start(t, writeConfig(t, d, []config.Mailbox{mb}, configOpts{attachmentMaxSize: "30MB", maxMessageSize: "30MB"}))
	p.waitReady(t)

	begin := time.Now()
	deadline := begin.Add(time.Minute)
	for {
		if d.rdb.ZCard(d.ctx(t), d.key("tickets")).Val() == 1 {
			if u, _ := unseen(t, srv, "desk"); u == 0 {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the %d-byte mail was not imported within a minute\n%s", len(raw), tail(p.s.log, 20))
		}
		time.Sleep(50 * time.Millisecond)
	}
	took := time.Since(begin)
	hwm := p.vmHWM(t)
	p.stop(t)
	return d, took, hwm
}

// bigHTMLMail makes a mail of size bytes whose body is HTML dense with tags,
// lines of "<p><b>Line</b> <i>N</i> <span>of</span> <a …>the order</a></p>".
// It returns the mail and its HTML.
func bigHTMLMail(size int) ([]byte, []byte) {
	head := testdovecot.Mail(0, 0)
	head = head[:bytes.Index(head, []byte("MIME-Version:"))]
	var b bytes.Buffer
	b.Write(head)
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n")
	start := b.Len()
	b.WriteString("<html><body>\r\n")
	for i := 0; b.Len() < size-100; i++ {
		fmt.Fprintf(&b, "<p><b>Line</b> <i>%d</i> <span>of</span> <a href=\"https://shop.example/%d\">the order</a></p>\r\n", i, i)
	}
	b.WriteString("</body></html>\r\n")
	return b.Bytes(), b.Bytes()[start:]
}

// bigMail makes a multipart/mixed mail of about size bytes: a short text
// and a base64 attachment of random bytes filling the rest. It returns the
// mail and the attachment's decoded size.
func bigMail(size int) ([]byte, int) {
	head := testdovecot.Mail(0, 0)
	head = head[:bytes.Index(head, []byte("MIME-Version:"))]
	var b bytes.Buffer
	b.Write(head)
	const boundary = "=_frontdesk-e2e-boundary"
	fmt.Fprintf(&b, "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=%q\r\n\r\n", boundary)
	fmt.Fprintf(&b, "--%s\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n", boundary)
	b.WriteString("Hello,\r\n\r\nthe full log of the failing device is attached.\r\n\r\n")
	fmt.Fprintf(&b, "--%s\r\nContent-Type: application/octet-stream\r\n"+
		"Content-Disposition: attachment; filename=\"device-log.bin\"\r\nContent-Transfer-Encoding: base64\r\n\r\n", boundary)
	end := fmt.Sprintf("\r\n--%s--\r\n", boundary)
	// Each line of 76 base64 characters and CRLF carries 57 bytes.
	lines := (size - b.Len() - len(end)) / 78
	att := make([]byte, lines*57)
	rng := rand.NewChaCha8([32]byte{1})
	_, _ = rng.Read(att)
	enc := make([]byte, base64.StdEncoding.EncodedLen(57))
	for i := 0; i < len(att); i += 57 {
		base64.StdEncoding.Encode(enc, att[i:i+57])
		b.Write(enc)
		b.WriteString("\r\n")
	}
	b.Truncate(b.Len() - 2) // the CRLF before the boundary belongs to it
	b.WriteString(end)
	return b.Bytes(), len(att)
}
