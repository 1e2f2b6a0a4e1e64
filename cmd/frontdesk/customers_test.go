package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"frontdesk/internal/testredis"
	"frontdesk/ticket"
	"frontdesk/ticket/redisstore"
)

func runCustomersCmd(args ...string) (int, string, string) {
	var out, errOut bytes.Buffer
	code := run(context.Background(), append([]string{"customers"}, args...), strings.NewReader(""), &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestCustomersForget(t *testing.T) {
	r := newUsersRedis(t)
	ctx := context.Background()
	store := redisstore.New(r.client, &redisstore.Options{Prefix: r.prefix})
	rc, err := store.Create(ctx, ticket.NewTicket{Channel: ticket.ChannelEmail, Queue: "support", Subject: "Flamingo warranty",
		Customer: ticket.Customer{Name: "Zelda Quorrimple", Email: "zelda.q@quorr.example"},
		Message: ticket.NewMessage{SourceKey: "mail:x", From: "zelda.q@quorr.example", Text: "my xylophone cracked",
			Raw: []byte("Subject: Flamingo warranty\r\n\r\nmy xylophone cracked")}})
	if err != nil {
		t.Fatal(err)
	}

	if code, _, stderr := runCustomersCmd("forget", "-config", r.config); code != exitUsage || !strings.Contains(stderr, "give one ADDRESS or PHONE") {
		t.Errorf("no address: %d %q", code, stderr)
	}
	code, stdout, stderr := runCustomersCmd("forget", "-config", r.config, "-by", "dpo", "Zelda.Q@quorr.example")
	if code != exitOK || !strings.Contains(stdout, "erased customer 1: 1 tickets") || !strings.Contains(stdout, "tickets: "+rc.TicketID) {
		t.Fatalf("forget: %d %q %q", code, stdout, stderr)
	}
	found, err := testredis.Traces(ctx, r.client, r.prefix+"*", "zelda", "Quorrimple", "Flamingo", "xylophone")
	if err != nil || len(found) > 0 {
		t.Fatalf("traces left (%v): %v", err, found)
	}
	tk, err := store.Get(ctx, rc.TicketID)
	if err != nil || tk.Events[len(tk.Events)-1].Type != "erased" || tk.Events[len(tk.Events)-1].By != "dpo" {
		t.Fatalf("shell: %+v %v", tk, err)
	}
	if code, _, stderr := runCustomersCmd("forget", "-config", r.config, "zelda.q@quorr.example"); code != exitFailure ||
		!strings.Contains(stderr, "no customer is known by zelda.q@quorr.example") {
		t.Errorf("again: %d %q", code, stderr)
	}
	// A Redis of a newer frontdesk is left alone.
	r.client.Set(ctx, r.prefix+":{desk}:schema", "9", 0)
	if code, _, stderr := runCustomersCmd("forget", "-config", r.config, "bea@example.net"); code != exitFailure ||
		!strings.Contains(stderr, "schema is 9, newer than this frontdesk's 1") {
		t.Errorf("newer schema: %d %q", code, stderr)
	}
}
