package sms

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"frontdesk/config"
)

// fakeMessages is Twilio's Messages list as FindSent reads it: the texts it
// holds, filtered by To and From; it keeps the queries asked.
type fakeMessages struct {
	mu      sync.Mutex
	texts   []map[string]any
	queries []url.Values
}

func (f *fakeMessages) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	u, p, _ := r.BasicAuth()
	if u != "AC123" || p != "token" || r.Method != http.MethodGet || r.URL.Path != "/2010-04-01/Accounts/AC123/Messages.json" {
		http.Error(w, `{"status": 404, "code": 20404, "message": "not found"}`, http.StatusNotFound)
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	q := r.URL.Query()
	f.queries = append(f.queries, q)
	out := []map[string]any{}
	for _, m := range f.texts {
		if m["to"] == q.Get("To") && m["from"] == q.Get("From") {
			out = append(out, m)
		}
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"messages": out, "next_page_uri": nil})
}

// FindSent finds the text with the same numbers and body created since the
// time asked, and nothing for another body, an earlier text or a canceled
// one; it asks Twilio by To, From and DateSent.
func TestFindSent(t *testing.T) {
	at := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	f := &fakeMessages{texts: []map[string]any{
		{"sid": "SMold", "to": "+15555550123", "from": "+15555550100", "body": "Your lamp ships today.", "status": "delivered",
			"date_created": at.Add(-time.Hour).Format(time.RFC1123Z)},
		{"sid": "SMcanceled", "to": "+15555550123", "from": "+15555550100", "body": "Your lamp ships today.", "status": "canceled",
			"date_created": at.Add(time.Minute).Format(time.RFC1123Z)},
		{"sid": "SMother", "to": "+15555550123", "from": "+15555550100", "body": "Something else.", "status": "sent",
			"date_created": at.Add(time.Minute).Format(time.RFC1123Z)},
		{"sid": "SMmine", "to": "+15555550123", "from": "+15555550100", "body": "Your lamp ships today.", "status": "sent",
			"date_created": at.Add(2 * time.Minute).Format(time.RFC1123Z)},
	}}
	srv := httptest.NewServer(f)
	defer srv.Close()
	s := New(config.Twilio{AccountSID: "AC123", AuthToken: "token", APIURL: srv.URL})
	ctx := context.Background()

	got, err := s.FindSent(ctx, "+15555550100", "+15555550123", "Your lamp ships today.", at)
	if err != nil || len(got) != 1 || got[0].SID != "SMmine" || got[0].Status != "sent" {
		t.Fatalf("FindSent = %+v, %v; want SMmine sent", got, err)
	}
	q := f.queries[0]
	if q.Get("To") != "+15555550123" || q.Get("From") != "+15555550100" || q.Get("DateSent>") != at.Format(time.RFC3339) {
		t.Errorf("Twilio was asked %v", q)
	}
	if got, err := s.FindSent(ctx, "+15555550100", "+15555550123", "Never sent.", at); err != nil || len(got) != 0 {
		t.Errorf("FindSent of a text never sent = %+v, %v; want nothing", got, err)
	}
	if got, err := s.FindSent(ctx, "+15555550100", "+15555550199", "Your lamp ships today.", at); err != nil || len(got) != 0 {
		t.Errorf("FindSent to another number = %+v, %v; want nothing", got, err)
	}
	bad := New(config.Twilio{AccountSID: "AC123", AuthToken: "wrong", APIURL: srv.URL})
	if _, err := bad.FindSent(ctx, "+15555550100", "+15555550123", "x", at); err == nil {
		t.Error("FindSent with a refused request: no error")
	}
}
