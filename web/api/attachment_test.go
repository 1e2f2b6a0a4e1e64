package api

import (
	"testing"
)

func TestAttachmentGet(t *testing.T) {
	e := newAPIEnv(t)
	id := e.mail(t, 1)
	atts := e.get(t, id).Messages[0].Attachments
	if len(atts) != 3 {
		t.Fatalf("%d attachments", len(atts))
	}
	tests := []struct {
		i           int
		body        string
		contentType string
		disposition string
	}{
		{0, "JPEG-BYTES", "image/jpeg", "attachment; filename*=UTF-8''photo.jpg"},
		{1, "<script>alert(1)</script>", "text/html", "attachment; filename*=UTF-8''%C3%A9vil%20%22name%22.html"},
	}
	for _, tt := range tests {
		a := e.do(t, req{method: "GET", target: "/api/v1/tickets/" + id + "/attachments/" + atts[tt.i].ID, token: annToken})
		a.want(t, 200, "")
		if string(a.body) != tt.body {
			t.Errorf("body = %q, want %q", a.body, tt.body)
		}
		h := a.header
		if got := h.Get("Content-Type"); got != tt.contentType {
			t.Errorf("Content-Type = %q, want %q", got, tt.contentType)
		}
		if got := h.Get("Content-Disposition"); got != tt.disposition {
			t.Errorf("Content-Disposition = %q, want %q", got, tt.disposition)
		}
		if got := h.Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("X-Content-Type-Options = %q", got)
		}
		if got := h.Get("Content-Security-Policy"); got != "default-src 'none'; frame-ancestors 'none'; sandbox" {
			t.Errorf("Content-Security-Policy = %q", got)
		}
	}

	// Over the store's size cap: the bytes were not kept.
	if !atts[2].Omitted {
		t.Fatalf("big.bin not omitted: %+v", atts[2])
	}
	e.do(t, req{method: "GET", target: "/api/v1/tickets/" + id + "/attachments/" + atts[2].ID, token: annToken}).want(t, 404, "not kept")
	e.do(t, req{method: "GET", target: "/api/v1/tickets/" + id + "/attachments/nope", token: annToken}).want(t, 404, "not found")
	// An attachment is only found on its own ticket.
	other := e.sms(t)
	e.do(t, req{method: "GET", target: "/api/v1/tickets/" + other + "/attachments/" + atts[0].ID, token: annToken}).want(t, 404, "not found")
}

func TestAttachmentHeaders(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"image/jpeg", "image/jpeg"},
		{"TEXT/PLAIN; charset=UTF-8", "text/plain; charset=UTF-8"},
		{"", "application/octet-stream"},
		{"garbage", "application/octet-stream"},
		{"text/html; charset=\"", "application/octet-stream"},
	} {
		if got := attachmentType(tt.in); got != tt.want {
			t.Errorf("attachmentType(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
