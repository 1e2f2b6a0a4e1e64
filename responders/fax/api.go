package fax

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Fax is a fax as the service describes it (the fields frontdesk reads).
type Fax struct {
	SID         string `json:"sid"`
	Status      string `json:"status"`
	To          string `json:"to"`
	From        string `json:"from"`
	MediaURL    string `json:"media_url"`
	DateCreated string `json:"date_created"`
}

// Request is a fax to create: to and from numbers (E.164), the link the
// service fetches the PDF from and the one it reports status to.
type Request struct {
	To, From, MediaURL, StatusCallback string
}

// PermanentError is the service's refusal that trying again will not
// change (an invalid number, a bad credential): its 4xx answers but 429.
type PermanentError struct {
	Status  int
	Code    int
	Message string
}

func (e *PermanentError) Error() string {
	if e.Code != 0 {
		return fmt.Sprintf("the fax service refused it (%d, code %d): %s", e.Status, e.Code, e.Message)
	}
	return fmt.Sprintf("the fax service refused it (%d): %s", e.Status, e.Message)
}

// maxAnswer bounds what is read of an API answer: a list page of faxes is a
// few tens of KB.
const maxAnswer = 1 << 20

// Create asks the service to send a fax and returns it as the service took
// it (its SID, status queued). Errors are *PermanentError, or temporary:
// a 5xx, a 429, a timeout, a lost connection — then the service may have
// created the fax all the same, and List tells.
func (s *Service) Create(ctx context.Context, r Request) (Fax, error) {
	form := url.Values{"To": {r.To}, "From": {r.From}, "MediaUrl": {r.MediaURL}}
	if r.StatusCallback != "" {
		form.Set("StatusCallback", r.StatusCallback)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.cfg.FaxesURL(), strings.NewReader(form.Encode()))
	if err != nil {
		return Fax{}, fmt.Errorf("fax to %s: %w", r.To, err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	var f Fax
	if err := s.call(req, &f); err != nil {
		return Fax{}, fmt.Errorf("fax to %s: %w", r.To, err)
	}
	if f.SID == "" {
		return Fax{}, fmt.Errorf("fax to %s: the fax service answered without the fax's SID", r.To)
	}
	return f, nil
}

// List returns the faxes sent from one number to another created after a
// time, newest first, as the service's list filters them (To, From,
// DateCreatedAfter), checked here again: the first page, up to 100.
func (s *Service) List(ctx context.Context, to, from string, after time.Time) ([]Fax, error) {
	q := url.Values{"To": {to}, "From": {from}, "DateCreatedAfter": {after.UTC().Format(time.RFC3339)}, "PageSize": {"100"}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.cfg.FaxesURL()+"?"+q.Encode(), nil)
	if err != nil {
		return nil, fmt.Errorf("list faxes to %s: %w", to, err)
	}
	var page struct {
		Faxes *[]Fax `json:"faxes"`
	}
	if err := s.call(req, &page); err != nil {
		return nil, fmt.Errorf("list faxes to %s: %w", to, err)
	}
	if page.Faxes == nil {
		return nil, fmt.Errorf("list faxes to %s: the fax service's answer has no list of faxes", to)
	}
	var out []Fax
	for _, f := range *page.Faxes {
		if f.To != to || f.From != from {
			continue
		}
		if at, ok := parseDate(f.DateCreated); ok && at.Before(after) {
			continue
		}
		out = append(out, f)
	}
	return out, nil
}

// parseDate reads a fax's date_created: RFC 3339 (SignalWire) or RFC 1123
// with a numeric zone (Twilio's 2010 API).
func parseDate(s string) (time.Time, bool) {
	for _, layout := range []string{time.RFC3339, time.RFC1123Z} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// call sends req with the account's credentials and decodes a 2xx answer
// into out; other answers are errors, *PermanentError for a 4xx but 429.
func (s *Service) call(req *http.Request, out any) error {
	req.SetBasicAuth(s.cfg.AccountSID, s.cfg.AuthToken)
	req.Header.Set("Accept", "application/json")
	resp, err := s.hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return fmt.Errorf("read the fax service's answer: %w", err)
	}
	if resp.StatusCode/100 == 2 {
		if err := json.Unmarshal(body, out); err != nil {
			return fmt.Errorf("the fax service's answer is not the JSON expected: %w", err)
		}
		return nil
	}
	code, msg := refusal(body)
	if msg == "" {
		msg = http.StatusText(resp.StatusCode)
	}
	if resp.StatusCode/100 == 4 && resp.StatusCode != http.StatusTooManyRequests {
		return &PermanentError{Status: resp.StatusCode, Code: code, Message: msg}
	}
	return errors.New("the fax service answered " + resp.Status + ": " + msg)
}

// refusal reads an error answer: Twilio's {"code", "message"}, or
// SignalWire's {"errors": [{"code", "message"}]}; else its text, cut short.
func refusal(body []byte) (int, string) {
	var e struct {
		Code    json.Number `json:"code"`
		Message string      `json:"message"`
		Errors  []struct {
			Code    json.Number `json:"code"`
			Message string      `json:"message"`
		} `json:"errors"`
	}
	if json.Unmarshal(body, &e) == nil {
		if e.Message == "" && len(e.Errors) > 0 {
			e.Code, e.Message = e.Errors[0].Code, e.Errors[0].Message
		}
		if e.Message != "" {
			n, _ := e.Code.Int64()
			return int(n), oneLine(e.Message)
		}
	}
	return 0, oneLine(string(body))
}

// oneLine is s on one line, at most 300 bytes: what a person reads of it.
func oneLine(s string) string {
	s = strings.Join(strings.Fields(strings.ToValidUTF8(s, "?")), " ")
	if len(s) > 300 {
		s = strings.ToValidUTF8(s[:300], "") + "…"
	}
	return s
}
