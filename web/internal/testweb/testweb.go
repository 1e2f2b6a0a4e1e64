// Package testweb has what the tests of packages web, api and ui share: fake
// user accounts, a ticket store on miniredis, and tickets to find in it.
package testweb

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"frontdesk/config"
	"frontdesk/desk"
	"frontdesk/fault"
	"frontdesk/ticket"
	"frontdesk/ticket/redisstore"
	"frontdesk/web/auth"
)

// Tokens of the fake accounts.
const (
	AnnToken = "tok-ann" // assistant
	MaxToken = "tok-max" // manager
)

// Accounts is an auth.Accounts in memory: ann (assistant), bob (assistant,
// away) and max (manager).
type Accounts struct {
	mu     sync.Mutex
	tokens map[string]string // token → user name
	users  map[string]auth.Principal
	down   bool // every call fails as unavailable
	// calendars counts each user's calendar token resets.
	calendars map[string]int
}

// NewAccounts returns the fake accounts.
func NewAccounts() *Accounts {
	return &Accounts{
		tokens: map[string]string{AnnToken: "ann", MaxToken: "max"},
		users: map[string]auth.Principal{
			"ann": {Name: "ann", Role: auth.RoleAssistant},
			"bob": {Name: "bob", Role: auth.RoleAssistant, Away: true},
			"max": {Name: "max", Role: auth.RoleManager},
		},
	}
}

// ErrAccountsDown is what the accounts answer while they are down.
var ErrAccountsDown = fault.Unavailable(errors.New("dial tcp: connection refused"))

func (a *Accounts) Authenticate(_ context.Context, token string) (auth.Principal, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.down {
		return auth.Principal{}, ErrAccountsDown
	}
	name, ok := a.tokens[token]
	if !ok || a.users[name].Disabled {
		return auth.Principal{}, errors.New("no such token")
	}
	return a.users[name], nil
}

// ChangeUser changes a user as package accounts does: by must be an enabled
// manager other than name to demote or disable name.
func (a *Accounts) ChangeUser(_ context.Context, name string, c auth.UserChange) (auth.Principal, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.down {
		return auth.Principal{}, ErrAccountsDown
	}
	u, ok := a.users[name]
	switch by := a.users[c.By]; {
	case !ok:
		return auth.Principal{}, fmt.Errorf("change user %s: %w", name, fault.ErrNotFound)
	case c.Role != nil && *c.Role != auth.RoleAssistant && *c.Role != auth.RoleManager:
		return auth.Principal{}, fmt.Errorf("change user %s: %w: role %q: must be assistant or manager", name, fault.ErrInvalid, *c.Role)
	case by.Role != auth.RoleManager || by.Disabled:
		return auth.Principal{}, fmt.Errorf("change user %s: %w: you are no longer an enabled manager", name, fault.ErrConflict)
	case c.By == name && ((c.Role != nil && *c.Role != auth.RoleManager) || (c.Disabled != nil && *c.Disabled)):
		return auth.Principal{}, fmt.Errorf("change user %s: %w: you cannot disable yourself or give up your own manager role", name, fault.ErrConflict)
	}
	if c.Role != nil {
		u.Role = *c.Role
	}
	if c.Disabled != nil {
		u.Disabled = *c.Disabled
	}
	a.users[name] = u
	return u, nil
}

func (a *Accounts) SetAway(_ context.Context, name string, away bool) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.down {
		return ErrAccountsDown
	}
	u, ok := a.users[name]
	if !ok {
		return fmt.Errorf("user %s: %w", name, fault.ErrNotFound)
	}
	u.Away = away
	a.users[name] = u
	return nil
}

func (a *Accounts) List(context.Context) ([]auth.Principal, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.down {
		return nil, ErrAccountsDown
	}
	var out []auth.Principal
	for _, u := range a.users {
		out = append(out, u)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// CalendarToken returns "cal-NAME-N", N counting the resets.
func (a *Accounts) CalendarToken(_ context.Context, name string) (string, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.calendarToken(name, false)
}

// ResetCalendarToken counts a reset and returns the new token.
func (a *Accounts) ResetCalendarToken(_ context.Context, name string) (string, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.calendarToken(name, true)
}

func (a *Accounts) calendarToken(name string, reset bool) (string, error) {
	if a.down {
		return "", ErrAccountsDown
	}
	if _, ok := a.users[name]; !ok {
		return "", fmt.Errorf("user %s: %w", name, fault.ErrNotFound)
	}
	if a.calendars == nil {
		a.calendars = map[string]int{}
	}
	if reset {
		a.calendars[name]++
	}
	return fmt.Sprintf("cal-%s-%d", name, a.calendars[name]), nil
}

// CalendarUser returns the user of a token CalendarToken gave, while it is
// the current one and the user is enabled.
func (a *Accounts) CalendarUser(_ context.Context, token string) (auth.Principal, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.down {
		return auth.Principal{}, ErrAccountsDown
	}
	for name, u := range a.users {
		if token == fmt.Sprintf("cal-%s-%d", name, a.calendars[name]) && !u.Disabled {
			return u, nil
		}
	}
	return auth.Principal{}, errors.New("no such calendar")
}

// SetDown makes every call fail as unavailable (down) or work again.
func (a *Accounts) SetDown(down bool) {
	a.mu.Lock()
	a.down = down
	a.mu.Unlock()
}

// Down reports whether the accounts are down.
func (a *Accounts) Down() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.down
}

// User returns user name, and whether there is one.
func (a *Accounts) User(name string) (auth.Principal, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	u, ok := a.users[name]
	return u, ok
}

// Add adds user p, unless the name is taken (false).
func (a *Accounts) Add(p auth.Principal) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if _, taken := a.users[p.Name]; taken {
		return false
	}
	a.users[p.Name] = p
	return true
}

// Config is the configuration of the tests' desk: queues support (with its
// own address) and billing, an SMTP server, Twilio and a fax service (so
// that replies by mail, by text and by fax can be queued; nothing sends them
// in these tests), and attachments of up to 1000 bytes, as NewStore keeps.
const Config = `
redis: {url: "redis://127.0.0.1:6379/0"}
tickets: {attachment_max_size: 1000}
http: {public_url: "https://desk.example.com"}
smtp: {host: smtp.example.com, from: "Desk <desk@example.com>"}
twilio: {account_sid: AC0123456789abcdef0123456789abcdef, auth_token: t, numbers: [{number: "+15555550100", queue: billing}]}
fax: {outbound: {api_url: "https://fax.example.com", account_sid: AC1, auth_token: t, from: "+15555550199"}}
queues:
  - {name: support, address: "Support <support@example.com>"}
  - {name: billing}
`

// NewDesk returns the desk of Config on store, knowing the users of acc.
func NewDesk(t testing.TB, store ticket.Store, acc auth.Accounts) *desk.Desk {
	t.Helper()
	cfg, err := config.Parse([]byte(Config), func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	d := desk.New(store, cfg, nil)
	d.SetPeople(people{acc})
	return d
}

// people tells the desk who the fake accounts' users are.
type people struct{ acc auth.Accounts }

func (p people) IsUser(ctx context.Context, name string) (bool, error) {
	users, err := p.acc.List(ctx)
	if err != nil {
		return false, err
	}
	for _, u := range users {
		if u.Name == name {
			return true, nil
		}
	}
	return false, nil
}

// NewStore returns a ticket store on a miniredis of its own that keeps
// attachments of up to 1000 bytes.
func NewStore(t *testing.T) *redisstore.Store {
	t.Helper()
	mr := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	t.Cleanup(func() { _ = rdb.Close() })
	return redisstore.New(rdb, &redisstore.Options{AttachmentMaxSize: 1000})
}

// Mail stores an email ticket in queue support from ann@example.org, with
// one attachment, and returns its id.
func Mail(t *testing.T, store ticket.Store, n int) string {
	t.Helper()
	return create(t, store, ticket.NewTicket{
		Channel:  ticket.ChannelEmail,
		Queue:    "support",
		Subject:  fmt.Sprintf("Order %d arrived broken", n),
		Customer: ticket.Customer{Name: "Ann Lee", Email: "ann@example.org"},
		Message: ticket.NewMessage{
			SourceKey: fmt.Sprintf("test:mail:%d", n),
			From:      "Ann Lee <ann@example.org>",
			To:        []string{"support@example.com"},
			Subject:   fmt.Sprintf("Order %d arrived broken", n),
			Text:      "The box was crushed.",
			MessageID: fmt.Sprintf("<m%d@example.org>", n),
			Attachments: []ticket.NewAttachment{
				{Filename: "photo.jpg", ContentType: "image/jpeg", Data: []byte("JPEG-BYTES")},
				{Filename: `../évil "name".html`, ContentType: "text/html", Data: []byte("<script>alert(1)</script>")},
				{Filename: "big.bin", ContentType: "application/octet-stream", Data: bytes.Repeat([]byte("x"), 2000)},
			},
		},
	})
}

// SMS stores an SMS ticket in queue billing from +15555550123.
func SMS(t *testing.T, store ticket.Store) string {
	t.Helper()
	return create(t, store, ticket.NewTicket{
		Channel:  ticket.ChannelSMS,
		Queue:    "billing",
		Subject:  "SMS from +15555550123",
		Customer: ticket.Customer{Phone: "+15555550123"},
		Message: ticket.NewMessage{
			SourceKey: "test:sms:1", Kind: ticket.KindSMS,
			From: "+15555550123", To: []string{"+15555550100"}, Text: "Where is my invoice?",
		},
	})
}

// Fax stores a fax ticket in queue support from +31201234567, as phone
// intake stores one.
func Fax(t *testing.T, store ticket.Store) string {
	t.Helper()
	return create(t, store, ticket.NewTicket{
		Channel:  ticket.ChannelFax,
		Queue:    "support",
		Subject:  "Fax from +31201234567",
		Customer: ticket.Customer{Phone: "+31201234567"},
		Message: ticket.NewMessage{
			SourceKey: "test:fax:1", Channel: ticket.ChannelFax, Kind: ticket.KindFax,
			From: "+31201234567", To: []string{"+15555550199"}, Text: "Fax of 1 page",
		},
	})
}

// Get returns ticket id, failing the test when it cannot.
func Get(t *testing.T, store ticket.Store, id string) *ticket.Ticket {
	t.Helper()
	tk, err := store.Get(context.Background(), id)
	if err != nil {
		t.Fatalf("get ticket %s: %v", id, err)
	}
	return tk
}

// RouteTarget fills an API route's path parameters with values that exist in
// a store with one Mail ticket.
func RouteTarget(path string) string {
	return strings.NewReplacer("{id}", "1", "{attachment_id}", "x", "{queue}", "support").Replace(path)
}

// create stores nt and returns its ticket's number, failing the test if it
// cannot.
func create(t *testing.T, store ticket.Store, nt ticket.NewTicket) string {
	t.Helper()
	rc, err := store.Create(context.Background(), nt)
	if err != nil {
		t.Fatalf("create ticket: %v", err)
	}
	return rc.TicketID
}
