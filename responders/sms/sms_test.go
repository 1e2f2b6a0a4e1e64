package sms

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"frontdesk/config"
)

func TestSendThroughAFakeTwilio(t *testing.T) {
	var got http.Header
	var form map[string]string
	fake := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, p, _ := r.BasicAuth()
		if u != "AC123" || p != "token" || r.URL.Path != "/2010-04-01/Accounts/AC123/Messages.json" {
			http.Error(w, `{"status": 401, "code": 20003, "message": "auth"}`, http.StatusUnauthorized)
			return
		}
		_ = r.ParseForm()
		got, form = r.Header, map[string]string{"From": r.Form.Get("From"), "To": r.Form.Get("To"), "Body": r.Form.Get("Body")}
		w.Header().Set("Content-Type", "application/json")
		if r.Form.Get("To") == "+15550000000" {
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, `{"status": 400, "code": 21211, "message": "The 'To' number is not a valid phone number."}`)
			return
		}
		if r.Form.Get("To") == "+15550000001" {
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprint(w, `{"status": 503, "code": 20503, "message": "try later"}`)
			return
		}
		w.WriteHeader(http.StatusCreated)
		fmt.Fprint(w, `{"sid": "SMout1", "status": "queued"}`)
	}))
	defer fake.Close()
	s := New(config.Twilio{AccountSID: "AC123", AuthToken: "token", APIURL: fake.URL})
	sid, err := s.Send(context.Background(), "+15555550100", "+15555550123", "Your lamp ships today.")
	if err != nil || sid != "SMout1" {
		t.Fatalf("send = %q, %v", sid, err)
	}
	if form["From"] != "+15555550100" || form["To"] != "+15555550123" || form["Body"] != "Your lamp ships today." || got == nil {
		t.Fatalf("fake saw %v", form)
	}
	var perm *PermanentError
	if _, err := s.Send(context.Background(), "+15555550100", "+15550000000", "x"); !errors.As(err, &perm) || perm.Code != 21211 {
		t.Fatalf("invalid number: %v, want permanent 21211", err)
	}
	if _, err := s.Send(context.Background(), "+15555550100", "+15550000001", "x"); err == nil || errors.As(err, &perm) {
		t.Fatalf("503: %v, want a temporary error", err)
	}
}

// A send ends when its context does, however long Twilio takes: a shutdown
// or the end of the worker's hold is not stuck behind a slow API.
func TestSendEndsWithItsContext(t *testing.T) {
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-release }))
	defer slow.Close()
	defer close(release)
	s := New(config.Twilio{AccountSID: "AC123", AuthToken: "token", APIURL: slow.URL})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	done := make(chan error, 1)
	go func() { _, err := s.Send(ctx, "+15555550100", "+15555550123", "x"); done <- err }()
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("a send cut off by its context reported success")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the send did not end with its context")
	}
}
