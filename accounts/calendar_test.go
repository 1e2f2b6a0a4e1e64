package accounts

import (
	"context"
	"errors"
	"strings"
	"testing"

	"frontdesk/fault"
)

func TestCalendarToken(t *testing.T) {
	s := newStore(newTestRedis(t))
	ctx := context.Background()
	if _, err := s.Add(ctx, "ann", RoleAssistant, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Add(ctx, "max", RoleManager, ""); err != nil {
		t.Fatal(err)
	}
	tok, err := s.CalendarToken(ctx, "ann")
	if err != nil || !strings.HasPrefix(tok, "cal_") {
		t.Fatalf("CalendarToken = %q, %v", tok, err)
	}
	if again, _ := s.CalendarToken(ctx, "ann"); again != tok {
		t.Errorf("a second call gave another token: %q, %q", tok, again)
	}
	if u, err := s.CalendarUser(ctx, tok); err != nil || u.Name != "ann" {
		t.Fatalf("CalendarUser = %+v, %v", u, err)
	}
	// It is not an API token, nor is an API token a calendar token.
	if _, err := s.Authenticate(ctx, tok); !errors.Is(err, ErrUnauthorized) {
		t.Errorf("a calendar token authenticates as an API token: %v", err)
	}
	api, _ := s.NewToken(ctx, "ann")
	if _, err := s.CalendarUser(ctx, api); !errors.Is(err, ErrUnauthorized) {
		t.Errorf("an API token opens the calendar: %v", err)
	}
	fresh, err := s.ResetCalendarToken(ctx, "ann")
	if err != nil || fresh == tok {
		t.Fatalf("reset = %q, %v", fresh, err)
	}
	if _, err := s.CalendarUser(ctx, tok); !errors.Is(err, ErrUnauthorized) {
		t.Errorf("the old token still works: %v", err)
	}
	if u, err := s.CalendarUser(ctx, fresh); err != nil || u.Name != "ann" {
		t.Errorf("the new token: %+v, %v", u, err)
	}
	if _, err := s.Change(ctx, "ann", Change{Disabled: ptr(true), By: "max"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CalendarUser(ctx, fresh); !errors.Is(err, ErrUnauthorized) {
		t.Errorf("a disabled user's calendar opens: %v", err)
	}
	if _, err := s.CalendarToken(ctx, "nobody"); !errors.Is(err, fault.ErrNotFound) {
		t.Errorf("unknown user: %v", err)
	}
	for _, bad := range []string{"", "cal_", "cal_" + strings.Repeat("A", 43) + "!", strings.Repeat("x", 1000)} {
		if _, err := s.CalendarUser(ctx, bad); !errors.Is(err, ErrUnauthorized) {
			t.Errorf("CalendarUser(%q) = %v", bad, err)
		}
	}
}
