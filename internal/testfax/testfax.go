// Package testfax is a Twilio-compatible Faxes API for tests, as SignalWire
// serves it (POST and GET /api/laml/2010-04-01/Accounts/SID/Faxes.json, HTTP
// Basic auth). For each fax it is asked to send it fetches the PDF from the
// MediaUrl — after checking that the link with another signature, or with
// another expiry, is refused — then answers, and calls the StatusCallback
// signed as Twilio signs webhooks. What it found wrong in the requests is
// kept as problems for the test to report.
package testfax

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"frontdesk/intake/phone"
)

// The service's account: frontdesk must sign in with these.
const (
	AccountSID = "ACfaxtest"
	AuthToken  = "faxtoken"
)

// Fax is one fax the service took.
type Fax struct {
	SID, To, From, MediaURL, Callback string
	PDF                               []byte
	Created                           time.Time
}

// Service is the fake Faxes API. Set Answer and Final before the first
// request.
type Service struct {
	// URL is the service's base URL, for fax.outbound.api_url.
	URL string
	// Answer, when set, answers the n-th create (from 1) instead: a status
	// and a body, and whether the fax is created all the same (an answer
	// lost on its way).
	Answer func(n int) (status int, body string, created bool)
	// Final is the status the callback reports ("delivered", "failed"…);
	// "" calls none.
	Final string

	mu       sync.Mutex
	faxes    []Fax
	problems []string
	creates  int
}

// Start runs a Service until the test ends; it reports faxes delivered.
func Start(t testing.TB) *Service {
	s := &Service{Final: "delivered"}
	srv := httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(srv.Close)
	s.URL = srv.URL
	return s
}

// Sent returns the faxes taken so far, how many creates were asked, and what
// was wrong on the way.
func (s *Service) Sent() ([]Fax, int, []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Fax(nil), s.faxes...), s.creates, append([]string(nil), s.problems...)
}

func (s *Service) serve(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	if u, p, ok := r.BasicAuth(); !ok || u != AccountSID || p != AuthToken {
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprint(w, `{"code": 20003, "message": "Authentication Error - invalid username"}`)
		return
	}
	if r.URL.Path != "/api/laml/2010-04-01/Accounts/"+AccountSID+"/Faxes.json" {
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, `{"code": 20404, "message": "not found"}`)
		return
	}
	if r.Method == http.MethodGet {
		s.list(w, r)
		return
	}
	if err := r.ParseForm(); err != nil {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	s.creates++
	n := s.creates
	answer := s.Answer
	s.mu.Unlock()
	status, body, created := http.StatusCreated, "", true
	if answer != nil {
		status, body, created = answer(n)
	}
	var fx Fax
	if created {
		fx = Fax{SID: fmt.Sprintf("FX%04d", n), To: r.PostForm.Get("To"), From: r.PostForm.Get("From"),
			MediaURL: r.PostForm.Get("MediaUrl"), Callback: r.PostForm.Get("StatusCallback"), Created: time.Now()}
		fx.PDF = s.fetch(fx.MediaURL)
		s.mu.Lock()
		s.faxes = append(s.faxes, fx)
		s.mu.Unlock()
	}
	if body == "" {
		b, _ := json.Marshal(map[string]any{"sid": fx.SID, "status": "queued", "to": fx.To, "from": fx.From,
			"media_url": fx.MediaURL, "date_created": fx.Created.UTC().Format(time.RFC3339)})
		body = string(b)
	}
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
	if created && s.Final != "" {
		go s.callback(fx, s.Final)
	}
}

// fetch gets the PDF as the service does, after checking that the link
// with another signature, or past its expiry, is refused.
func (s *Service) fetch(link string) []byte {
	u, err := url.Parse(link)
	if err != nil {
		s.problem("MediaUrl %q: %v", link, err)
		return nil
	}
	q := u.Query()
	bad := *u
	bad.RawQuery = url.Values{"exp": {q.Get("exp")}, "sig": {strings.Repeat("0", len(q.Get("sig")))}}.Encode()
	if st, _ := GetPDF(bad.String()); st != http.StatusForbidden {
		s.problem("a MediaUrl with a wrong signature answered %d, want 403", st)
	}
	bad.RawQuery = url.Values{"exp": {"1000"}, "sig": {q.Get("sig")}}.Encode()
	if st, _ := GetPDF(bad.String()); st != http.StatusForbidden {
		s.problem("a MediaUrl with another expiry answered %d, want 403", st)
	}
	st, pdf := GetPDF(link)
	if st != http.StatusOK {
		s.problem("MediaUrl answered %d", st)
	}
	return pdf
}

// GetPDF GETs a link to a fax document as the fax service does: its status
// and body; 0 when the request failed, -1 for a 200 that is not a PDF.
func GetPDF(link string) (int, []byte) {
	resp, err := http.Get(link)
	if err != nil {
		return 0, nil
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode == http.StatusOK && resp.Header.Get("Content-Type") != "application/pdf" {
		return -1, b
	}
	return resp.StatusCode, b
}

// callback reports a fax's final status to its StatusCallback, signed.
func (s *Service) callback(fx Fax, status string) {
	form := url.Values{"FaxSid": {fx.SID}, "AccountSid": {AccountSID}, "From": {fx.From}, "To": {fx.To},
		"FaxStatus": {status}, "NumPages": {"1"}, "ApiVersion": {"v1"}}
	if status != "delivered" {
		form.Set("ErrorCode", "15001")
		form.Set("ErrorMessage", "The remote fax machine did not answer the call")
	}
	req, _ := http.NewRequest(http.MethodPost, fx.Callback, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Twilio-Signature", phone.Sign(AuthToken, fx.Callback, form))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.problem("status callback: %v", err)
		return
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		s.problem("status callback answered %d", resp.StatusCode)
	}
}

// list answers GET Faxes.json with the faxes to To from From created after
// DateCreatedAfter, as the reconciliation asks.
func (s *Service) list(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	after, err := time.Parse(time.RFC3339, q.Get("DateCreatedAfter"))
	if err != nil {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	out := []map[string]any{}
	s.mu.Lock()
	for _, fx := range s.faxes {
		if fx.To == q.Get("To") && fx.From == q.Get("From") && fx.Created.After(after) {
			out = append(out, map[string]any{"sid": fx.SID, "status": "queued", "to": fx.To, "from": fx.From,
				"media_url": fx.MediaURL, "date_created": fx.Created.UTC().Format(time.RFC3339)})
		}
	}
	s.mu.Unlock()
	_ = json.NewEncoder(w).Encode(map[string]any{"faxes": out})
}

func (s *Service) problem(format string, args ...any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.problems = append(s.problems, fmt.Sprintf(format, args...))
}
